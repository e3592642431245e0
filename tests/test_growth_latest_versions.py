"""The latest-versions graph follows ingests and removals, and the competency queries read it."""
from __future__ import annotations

from pathlib import Path

from kb.rdf.latest_versions import LATEST_GRAPH, refresh, stored_latest

try:
    from .conftest import ZENTAVIR
except ImportError:
    from conftest import ZENTAVIR

CQ4 = Path(__file__).resolve().parent.parent / "docs" / "queries" / "cq4-contraception-and-breastfeeding-duration.rq"


def test_the_latest_version_is_marked_through_ingest_and_removal(kb):
    old = kb.ingest(ZENTAVIR, version="first")
    assert old.stored and stored_latest(kb.store) == {old.ref.iri}
    new = kb.ingest(ZENTAVIR, version="second")  # same version date in the label: the later ingest wins
    assert new.stored and stored_latest(kb.store) == {new.ref.iri}
    assert kb.resolve("zentavir").iri == new.ref.iri  # the same default as label resolution

    # asked of every label, a competency question reads the latest version only: one answer per kind
    rows = kb.sparql(CQ4.read_text(encoding="utf-8")).rows
    got = sorted((str(r["kind"]), float(str(r["duration"])), str(r["unit"])) for r in rows)
    # the label: contraception "for at least 3 weeks after treatment", breast-feeding "for at least 5 days after the last dose"
    assert got == [("contraception-duration", 3.0, "wk"), ("lactation-avoidance", 5.0, "d")]

    kb.remove("zentavir@second")
    assert stored_latest(kb.store) == {old.ref.iri} == {kb.resolve("zentavir").iri}
    kb.remove("zentavir@first")
    assert stored_latest(kb.store) == set() and LATEST_GRAPH not in kb.store.graphs()


def test_refresh_repairs_a_store_filled_without_it(kb):
    res = kb.ingest(ZENTAVIR, version="2022-01")
    kb.store.remove_graph(LATEST_GRAPH)  # as a store filled before the graph existed
    assert stored_latest(kb.store) == set()
    assert refresh(kb) == 1
    assert stored_latest(kb.store) == {res.ref.iri}


def test_a_write_rewrites_only_its_own_label_entry(kb):
    a1 = kb.ingest(ZENTAVIR, label_id="drug-a", version="1")
    b1 = kb.ingest(ZENTAVIR, label_id="drug-b", version="1")
    a2 = kb.ingest(ZENTAVIR, label_id="drug-a", version="2")
    assert stored_latest(kb.store) == {a2.ref.iri, b1.ref.iri}
    kb.remove("drug-a@2")
    assert stored_latest(kb.store) == {a1.ref.iri, b1.ref.iri}
    kb.remove("drug-b@1")
    assert stored_latest(kb.store) == {a1.ref.iri}
