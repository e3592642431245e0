"""The two search backends (whoosh, tantivy) behind one interface: the same answers over the same
label, chosen by one setting, and each sees another process's commit at its next search."""
from __future__ import annotations

import pytest

try:  # tests/ as a package or as a plain directory
    from .web_fixtures import *  # noqa: F401,F403
except ImportError:
    from web_fixtures import *  # noqa: F401,F403

from test_search_latest import BASE, label_graph, versions_found

from kb.search.tantivy_index import TantivyIndex
from kb.search.whoosh_index import BACKENDS, SearchIndex, index_for

INDEX_CLASSES = {"whoosh": SearchIndex, "tantivy": TantivyIndex}
QUERIES = ["seizure", "breastfeeding", "siezure", '"live virus vaccines"', "live vaccines", "CRS",
           "infusion interrupted", "renal impairment", "pancreatitus", "Down syndrome"]


@pytest.fixture(scope="module")
def both(web_kb):
    out = {}
    for b in BACKENDS:
        out[b] = index_for(web_kb, b)
        out[b].sync(web_kb)
    return out


@pytest.mark.parametrize("query", QUERIES)
def test_both_backends_answer_alike(both, query):
    """Same matches, counts, facets, corrections and best passage (BM25F in whoosh and per-field
    BM25 in tantivy order some near ties differently further down)."""
    a, b = (both[name].search(query, pagesize=200) for name in ("whoosh", "tantivy"))
    assert a["total"] == b["total"] > 0
    assert a["facets"] == b["facets"] and a["corrections"] == b["corrections"]
    assert {r["url"] for r in a["results"]} == {r["url"] for r in b["results"]}
    assert a["results"][0]["url"] == b["results"][0]["url"]


def test_narrowing_by_kind_and_section_agrees(both):
    # 4.4 of the label: "Vaccination with live virus vaccines is not recommended for at least 2 weeks ..."
    for kw in ({"kind": "warning"}, {"section": "4.4"}, {"kind": "warning", "section": "4.4"}):
        a, b = both["whoosh"].search("vaccines", **kw), both["tantivy"].search("vaccines", **kw)
        assert a["total"] == b["total"] > 0 and a["facets"] == b["facets"]
        assert all(r["section"] == "4.4" for r in b["results"] if "section" in kw)


@pytest.mark.parametrize("backend", BACKENDS)
def test_another_writers_commit_is_seen_at_the_next_search(tmp_path, backend):
    """Two index objects on one directory stand for `kb serve` and a `kb ingest` process."""
    reader, writer = INDEX_CLASSES[backend](tmp_path / "ix"), INDEX_CLASSES[backend](tmp_path / "ix")
    writer.update_graph(f"{BASE}/a/1", label_graph("a", "1", "2020-01-01", "Pancreatitis was reported."))
    assert versions_found(reader, "pancreatitis") == [("a", "1")]
    writer.update_graph(f"{BASE}/a/2", label_graph("a", "2", "2021-01-01", "Pancreatitis and hepatitis."))
    assert versions_found(reader, "pancreatitis") == [("a", "2")]
    assert reader.markers()[f"{BASE}/a/2"]["version"] == "2"
    writer.update_graph(f"{BASE}/a/2", None)
    assert versions_found(reader, "hepatitis", all_versions=True) == []


def test_the_backend_is_one_setting():
    from web import settings

    assert settings.load(None, environ={"KB_SEARCH_BACKEND": "Tantivy"})["SEARCH_BACKEND"] == "tantivy"
    assert settings.load(None, environ={})["SEARCH_BACKEND"] in BACKENDS
    with pytest.raises(ValueError, match="not one of: whoosh, tantivy"):
        settings.load(None, environ={"KB_SEARCH_BACKEND": "lucene"})


def test_the_app_searches_with_the_configured_backend(web_kb, tmp_path):
    from kb.search.whoosh_index import backend_of
    from kb.service import KnowledgeBase
    from web import create_app

    app = create_app({"STORE": str(tmp_path / "store"), "SEARCH_BACKEND": "tantivy", "INGEST_DEFAULT": False,
                      "LOG_REQUESTS": False})
    kb = app.extensions["kb"]
    try:
        assert backend_of(kb) == "tantivy" and index_for(kb).backend == "tantivy"
        other = KnowledgeBase(tmp_path / "other")
        other.search_backend = "nope"
        with pytest.raises(ValueError, match="unknown search backend 'nope'"):
            index_for(other)
        other.close()
    finally:
        kb.close()


def test_tantivy_waits_for_another_processes_writer(tmp_path):
    """tantivy lets one writer at a time hold an index: an update waits for the other to finish."""
    import threading

    import tantivy

    idx = TantivyIndex(tmp_path / "ix")
    idx.update_graph(f"{BASE}/a/1", label_graph("a", "1", "2020-01-01", "Pancreatitis was reported."))
    other = tantivy.Index(idx.schema, path=str(idx.dir / idx._current()), reuse=True).writer(15_000_000, 1)
    threading.Timer(0.5, lambda: (other.commit(), other.wait_merging_threads())).start()
    idx.update_graph(f"{BASE}/a/2", label_graph("a", "2", "2021-01-01", "Pancreatitis and hepatitis."))
    assert versions_found(idx, "pancreatitis") == [("a", "2")]
