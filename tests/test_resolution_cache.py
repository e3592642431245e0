"""Label resolution is cached, and the cache never outlives a write: an ingest or a removal in this
process or in another one is seen by the next resolve."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT, ZENTAVIR


def version_of(record, version: str, date: str):
    return dataclasses.replace(record, version=version, version_date=date)


@pytest.fixture
def shared_kb(tmp_path):
    """A knowledge base that lets go of the store directory between calls (as `kb serve` does)."""
    from kb.service import KnowledgeBase

    k = KnowledgeBase(tmp_path / "store", store_options={"hold": False, "linger_s": 0, "busy_timeout_s": 120})
    yield k
    k.close()


def count_label_queries(kb, monkeypatch) -> list:
    calls = []
    real = kb._query_labels

    def counted():
        calls.append(1)
        return real()

    monkeypatch.setattr(kb, "_query_labels", counted)
    return calls


def test_resolve_is_served_from_the_cache_until_the_store_changes(kb, zentavir_record, monkeypatch):
    [res] = kb.ingest_records([version_of(zentavir_record, "v1", "2020-01-01")])
    assert res.stored
    calls = count_label_queries(kb, monkeypatch)
    label = zentavir_record.label_id
    for _ in range(5):
        assert kb.resolve(label).version == "v1"
        assert kb.resolve(f"{label}@v1").version == "v1"
    assert [r.version for r in kb.labels()] == ["v1"]
    assert len(calls) == 1


def test_ingest_and_remove_in_this_process_are_seen_at_once(kb, zentavir_record):
    label = zentavir_record.label_id
    kb.ingest_records([version_of(zentavir_record, "v1", "2020-01-01")])
    assert kb.resolve(label).version == "v1"
    kb.ingest_records([version_of(zentavir_record, "v2", "2021-01-01")])
    assert kb.resolve(label).version == "v2"
    assert [r.version for r in kb.labels()] == ["v1", "v2"]
    kb.remove(f"{label}@v2")
    assert kb.resolve(label).version == "v1"
    from kb.service import LabelNotFound

    with pytest.raises(LabelNotFound):
        kb.resolve(f"{label}@v2")


def test_a_write_straight_to_the_store_is_seen(kb, zentavir_record):
    """Not only the service's own ingest path: any store update moves the generation marker."""
    label = zentavir_record.label_id
    [res] = kb.ingest_records([version_of(zentavir_record, "v1", "2020-01-01")])
    assert kb.resolve(label).version == "v1"
    kb.store.remove_graph(res.ref.iri)
    from kb.service import LabelNotFound

    with pytest.raises(LabelNotFound):
        kb.resolve(label)


OTHER_PROCESS = textwrap.dedent("""
    import dataclasses, sys
    sys.path.insert(0, {root!r})
    from ingest.pipeline import read_label
    from kb.service import KnowledgeBase
    kb = KnowledgeBase({store!r}, store_options={{"busy_timeout_s": 120}})
    action = sys.argv[1]
    if action == "ingest":
        rec = read_label({label!r})
        [r] = kb.ingest_records([dataclasses.replace(rec, version="v2", version_date="2021-01-01")])
        assert r.stored
    else:
        kb.remove(sys.argv[2])
    kb.close()
""")


def other_process(kb, *args) -> None:
    code = OTHER_PROCESS.format(root=str(ROOT), store=kb.location, label=str(ZENTAVIR))
    subprocess.run([sys.executable, "-c", code, *args], check=True, timeout=120, cwd=ROOT)


def test_ingest_and_remove_by_another_process_are_seen(shared_kb, zentavir_record):
    kb = shared_kb
    label = zentavir_record.label_id
    kb.ingest_records([version_of(zentavir_record, "v1", "2020-01-01")])
    assert kb.resolve(label).version == "v1"  # cached now
    other_process(kb, "ingest")
    assert kb.resolve(label).version == "v2"
    assert [r.version for r in kb.labels()] == ["v1", "v2"]
    other_process(kb, "remove", f"{label}@v2")
    assert kb.resolve(label).version == "v1"
    assert [r.version for r in kb.labels()] == ["v1"]


def test_dose_rules_of_a_version_ingested_again_are_compiled_again(kb, blincyto_record):
    from kb.dosing.engine import DosingService

    svc = DosingService(kb)
    kb.ingest_records([version_of(blincyto_record, "v1", "2020-01-01")])
    first = svc.rules(blincyto_record.label_id)
    assert svc.rules(blincyto_record.label_id) is first
    import time

    time.sleep(1.1)  # the ingest time is stored to the second
    kb.ingest_records([version_of(blincyto_record, "v1", "2020-01-01")])
    assert svc.rules(blincyto_record.label_id) is not first


def test_no_page_or_api_call_runs_the_same_query_twice(monkeypatch):
    try:
        from .web_fixtures import shared_app
    except ImportError:
        from web_fixtures import shared_app
    app = shared_app()
    kb = app.extensions["kb"]
    ref = kb.resolve(None)
    seen: list[str] = []
    real = type(kb.store).query

    def recording(self, sparql, **kw):
        seen.append(sparql)
        return real(self, sparql, **kw)

    monkeypatch.setattr(type(kb.store), "query", recording)
    with app.test_client() as c:
        for path in (f"/labels/{ref.name}", f"/labels/{ref.name}/adverse-reactions",
                     f"/api/labels/{ref.name}/adverse-reactions", f"/api/labels/{ref.name}",
                     f"/api/labels/{ref.name}/indications", f"/labels/{ref.name}/sections/4.2"):
            c.get(path)  # the first call may compile and cache (dose rules)
            seen.clear()
            assert c.get(path).status_code == 200, path
            repeated = {q for q in seen if seen.count(q) > 1}
            assert not repeated, (path, [q[:200] for q in repeated])


def test_answers_about_a_version_are_read_once_and_renewed_by_a_write(kb, zentavir_record):
    """Pages ask the same version the same things on every request: the answer is computed once per
    stored version, and a re-ingest of that version (or any write) makes the next request read again."""
    label = zentavir_record.label_id
    kb.ingest_records([version_of(zentavir_record, "v1", "2020-01-01")])
    calls = []

    def titles():
        calls.append(1)
        q = f"SELECT ?t WHERE {{ GRAPH <{kb.resolve(label).iri}> {{ ?p <https://schema.org/name> ?t }} }}"
        return {str(r["t"]) for r in kb.store.query(q).rows}

    ref = kb.resolve(label)
    first = kb.per_version(ref, "titles", titles)
    assert kb.per_version(kb.resolve(label), "titles", titles) == first
    assert len(calls) == 1
    renamed = dataclasses.replace(version_of(zentavir_record, "v1", "2020-01-01"), title="Renamed product")
    renamed.product = dataclasses.replace(renamed.product, name="Renamed product") if renamed.product else None
    kb.ingest_records([renamed])
    again = kb.per_version(kb.resolve(label), "titles", titles)
    assert len(calls) == 2
    assert again != first
