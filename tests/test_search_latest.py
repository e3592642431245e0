"""The default search scope reads a separate index of each label's latest version; it must follow
every ingest and removal, and a missed update must be repaired by sync."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from kb.rdf.base import SMPC
from kb.search.tantivy_index import TantivyIndex
from kb.search.whoosh_index import BACKENDS, SearchIndex

BASE = "https://w3id.org/smpc-kb/id"
INDEX_CLASSES = {"whoosh": SearchIndex, "tantivy": TantivyIndex}


def label_graph(label: str, version: str, date: str, text: str) -> Graph:
    root = URIRef(f"{BASE}/{label}/{version}")
    g = Graph(identifier=root)
    sec, p = URIRef(f"{root}/section/4.8"), URIRef(f"{root}/section/4.8/p1")
    for t in [(root, RDF.type, SMPC.LabelVersion), (root, SMPC.labelId, Literal(label)),
              (root, SMPC.version, Literal(version)), (root, SMPC.versionDate, Literal(date)),
              (sec, RDF.type, SMPC.Section), (sec, SMPC.sectionKey, Literal("4.8")),
              (sec, SMPC.sectionNumber, Literal("4.8")), (sec, DCTERMS.title, Literal("Undesirable effects")),
              (sec, SMPC.hasPassage, p), (p, SMPC.order, Literal(1)), (p, SMPC.text, Literal(text))]:
        g.add(t)
    return g


def versions_found(idx, query, **kw):
    return sorted((r["label"], r["version"]) for r in idx.search(query, **kw)["results"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_default_scope_follows_new_and_removed_versions(tmp_path, backend):
    idx = INDEX_CLASSES[backend](tmp_path / "ix")
    idx.update_graph(f"{BASE}/a/1", label_graph("a", "1", "2020-01-01", "Pancreatitis was reported."))
    idx.update_graph(f"{BASE}/b/1", label_graph("b", "1", "2020-01-01", "Pancreatitis and nausea."))
    assert versions_found(idx, "pancreatitis") == [("a", "1"), ("b", "1")]
    idx.update_graph(f"{BASE}/a/2", label_graph("a", "2", "2021-01-01", "Pancreatitis and hepatitis."))
    assert versions_found(idx, "pancreatitis") == [("a", "2"), ("b", "1")]
    assert versions_found(idx, "pancreatitis", all_versions=True) == [("a", "1"), ("a", "2"), ("b", "1")]
    assert versions_found(idx, "hepatitis", label="a") == [("a", "2")]
    assert versions_found(idx, "pancreatitis", label="a@1") == [("a", "1")]
    # an older version arriving later does not displace the latest
    idx.update_graph(f"{BASE}/a/0", label_graph("a", "0", "2019-01-01", "Pancreatitis only."))
    assert versions_found(idx, "pancreatitis") == [("a", "2"), ("b", "1")]
    idx.update_graph(f"{BASE}/a/2", None)  # the latest removed: the one before becomes the default
    assert versions_found(idx, "pancreatitis") == [("a", "1"), ("b", "1")]
    assert idx.search("hepatitis", all_versions=True)["total"] == 0
    idx.update_graph(f"{BASE}/b/1", None)
    assert versions_found(idx, "pancreatitis") == [("a", "1")]
    assert idx.latest_graphs() == [f"{BASE}/a/1"]
    if backend == "whoosh":  # the latest index holds one version per label: its marker and its passage
        assert idx.searcher(latest=True).doc_count() == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_facets_counts_and_results_agree(tmp_path, backend):
    idx = INDEX_CLASSES[backend](tmp_path / "ix")
    for label in ("a", "b", "c"):
        idx.update_graph(f"{BASE}/{label}/1", label_graph(label, "1", "2020-01-01", "Nausea was common."))
    idx.update_graph(f"{BASE}/a/2", label_graph("a", "2", "2021-01-01", "Nausea was rare."))
    ans = idx.search("nausea")
    assert ans["total"] == 3 == len(ans["results"])
    assert {f["value"]: f["count"] for f in ans["facets"]["label"]} == {"a": 1, "b": 1, "c": 1}
    assert sum(f["count"] for f in ans["facets"]["section"]) == ans["total"]
    every = idx.search("nausea", all_versions=True)
    assert {f["value"]: f["count"] for f in every["facets"]["label"]} == {"a": 2, "b": 1, "c": 1}


def test_sync_repairs_a_latest_index_left_behind(tmp_path):
    """A process killed between the full index's commit and the latest index's commit."""
    from kb.search.whoosh_index import attach
    from kb.service import KnowledgeBase

    kb = KnowledgeBase(tmp_path / "store")
    kb.search_backend = "whoosh"  # the latest-versions index is whoosh's
    try:
        idx = attach(kb)
        for v, date in (("1", "2020-01-01"), ("2", "2021-01-01")):
            g = label_graph("a", v, date, f"Pancreatitis in version {v}.")
            g.add((g.identifier, SMPC.ingestedAt, Literal(f"{date}T00:00:00Z")))
            kb.store.replace_graph(str(g.identifier), g)
        idx.sync(kb)
        assert versions_found(idx, "pancreatitis") == [("a", "2")]
        with idx._open_latest().writer() as w:  # the latest index loses its content
            w.delete_by_term("label", "a")
        assert versions_found(idx, "pancreatitis") == []
        idx.sync(kb)
        assert versions_found(idx, "pancreatitis") == [("a", "2")]
    finally:
        kb.close()
