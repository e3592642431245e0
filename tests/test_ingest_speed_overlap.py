"""The store write of a new version runs beside the search-index preparation (issue 17 target 3):
the index is committed only after the store write succeeded, and a failed or interrupted ingest
leaves store and index agreeing, as the one write path of kb.service promises."""
from __future__ import annotations

import errno
from pathlib import Path

import pytest

from kb.search.whoosh_index import IndexHook, attach
from kb.service import KnowledgeBase, StoreWriteFailed

ZENTAVIR = Path(__file__).resolve().parent / "fixtures" / "zentavir-smpc.txt"


@pytest.fixture
def kb(tmp_path):
    kb = KnowledgeBase(tmp_path / "store")
    attach(kb, sync=False)
    kb.ingest(str(ZENTAVIR), version="v1")
    yield kb
    kb.close()


def indexed_versions(kb) -> set[str]:
    return {m["version"] for m in attach(kb).markers().values()}


def prepared_calls(kb, monkeypatch) -> list[str]:
    calls: list[str] = []
    real = IndexHook.prepare

    def prepare(self, kb_, ref, record, graph):
        calls.append(ref.version)
        return real(self, kb_, ref, record, graph)

    monkeypatch.setattr(IndexHook, "prepare", prepare)
    return calls


def test_a_new_version_is_stored_and_searchable(kb, monkeypatch):
    calls = prepared_calls(kb, monkeypatch)
    result = kb.ingest(str(ZENTAVIR), version="v2")
    assert result.stored and calls == ["v2"]  # the index was prepared beside the store write
    assert {r.version for r in kb.labels()} == {"v1", "v2"}
    assert len(kb.store.get_graph(result.ref.iri)) == len(result.graph)
    assert indexed_versions(kb) == {"v1", "v2"}
    assert attach(kb).search("liver", label="zentavir@v2")["total"] > 0
    assert set(result.timings) >= {"parse", "graph", "shacl", "store", "index"}


def test_a_failed_store_write_leaves_store_and_index_as_they_were(kb, monkeypatch):
    from kb.store.local import LocalStore

    calls = prepared_calls(kb, monkeypatch)

    def full_disk(self, iri, ntriples):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(LocalStore, "replace_graph_nt", full_disk)
    with pytest.raises(StoreWriteFailed, match="no space left on device"):
        kb.ingest(str(ZENTAVIR), version="v2")
    monkeypatch.undo()
    assert calls == ["v2"]
    assert {r.version for r in kb.labels()} == {"v1"}
    assert indexed_versions(kb) == {"v1"}  # prepared, never committed


def test_ctrl_c_while_the_index_is_prepared_waits_for_the_write(kb, monkeypatch):
    """The write in the thread is waited for: the version is stored whole (or not at all), the
    index is not committed, and opening the index for search reconciles it with the store."""
    def interrupted(self, kb_, ref, record, graph):
        raise KeyboardInterrupt

    monkeypatch.setattr(IndexHook, "prepare", interrupted)
    with pytest.raises(KeyboardInterrupt):
        kb.ingest(str(ZENTAVIR), version="v2")
    monkeypatch.undo()
    stored = {r.version: len(kb.store.get_graph(r.iri)) for r in kb.labels()}
    assert set(stored) <= {"v1", "v2"} and len(set(stored.values())) == 1  # each version whole
    assert "v2" not in {m["version"] for m in attach(kb, sync=False).markers().values()}
    fresh = KnowledgeBase(kb.location)
    kb.close()
    try:
        assert indexed_versions(fresh) == set(stored)  # sync on opening: the index agrees again
    finally:
        fresh.close()


def test_the_collector_is_paused_during_an_ingest_only(kb, monkeypatch):
    import gc

    seen: list[bool] = []
    real = IndexHook.prepare

    def prepare(self, kb_, ref, record, graph):
        seen.append(gc.isenabled())
        return real(self, kb_, ref, record, graph)

    monkeypatch.setattr(IndexHook, "prepare", prepare)
    assert gc.isenabled()
    kb.ingest(str(ZENTAVIR), version="v2")
    assert seen == [False] and gc.isenabled()  # paused inside, as configured after
    gc.disable()
    try:  # an application that turned the collector off keeps it off
        kb.ingest(str(ZENTAVIR), version="v3")
        assert not gc.isenabled()
    finally:
        gc.enable()
