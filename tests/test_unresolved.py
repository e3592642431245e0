"""A partial result never blocks a label: what an extractor cannot settle becomes an
unresolved item (typed, quoted, placed, with its reason), stored and queryable, never a
malformed fact; a frequency the text leaves open between two columns stays open.

The fixture ``flat-ar-quorvane.txt`` is a fictional label: its flattened 4.8 table has a
row whose organ class is not a MedDRA class ("Fictional organ disorders Wobbliness") and
a term (Pruritus) printed after Rash (4.2 % in the summary, so common) and absent from
the summary list that goes down to 4.2 %: common or uncommon, the text cannot tell.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from ingest.pipeline import read_label
from ingest.records import UNRESOLVED_KINDS
from kb.adverse_query import GraphStore, adverse_reactions
from kb.rdf.base import SMPC, label_iri
from kb.rdf.build import build_graph
from kb.unresolved_query import unresolved_items
from kb.validate.shacl import validate_graph

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests/fixtures/flat-ar-quorvane.txt"


@pytest.fixture(scope="module")
def rec():
    return read_label(FIXTURE)


@pytest.fixture(scope="module")
def graph(rec):
    return build_graph(rec)


def test_unresolvable_row_is_an_item_not_an_entry(rec):
    terms = {e.term for e in rec.adverse_reactions.entries}
    assert "Wobbliness" not in terms
    rows = [u for u in rec.unresolved if u.kind == "adverse-row"]
    assert len(rows) == 1
    u = rows[0]
    assert u.quote == "Fictional organ disorders Wobbliness"
    assert "Fictional organ disorders" in u.reason and "MedDRA" in u.reason
    assert u.section == "4.8/tabulated-list-of-adverse-reactions" and u.source.line_start == 52


def test_open_frequency_is_stored_as_open(rec):
    by = {e.term: e for e in rec.adverse_reactions.entries}
    assert by["Rash"].frequency == "common"  # 4.2 % in the summary
    assert by["Nausea"].frequency == "very common"  # 22.0 %
    p = by["Pruritus"]
    assert p.frequency is None and p.frequency_basis == "open"
    assert p.frequency_options == ["common", "uncommon"] and p.frequency_text() == "common or uncommon"
    items = [u for u in rec.unresolved if u.kind == "adverse-frequency"]
    assert [(u.quote, u.candidates, u.fact_id) for u in items] == [("Pruritus", ["common", "uncommon"], p.id)]


def test_label_with_unresolved_items_conforms(graph):
    report = validate_graph(graph)
    assert report.conforms, report.text()


def test_graph_holds_items_and_no_guessed_frequency(rec, graph):
    root = label_iri(rec.label_id, rec.version)
    items = unresolved_items(GraphStore(graph), str(root))
    assert {(i["kind"], i["quote"]) for i in items} == {
        ("adverse-row", "Fictional organ disorders Wobbliness"), ("adverse-frequency", "Pruritus")}
    row = next(i for i in items if i["kind"] == "adverse-row")
    assert row["lines"] == [52, 52] and row["section"] == "4.8/tabulated-list-of-adverse-reactions"
    freq = next(i for i in items if i["kind"] == "adverse-frequency")
    assert freq["candidates"] == ["common", "uncommon"] and freq["concerns"].endswith("/adverse-reaction/skin-pruritus")
    pruritus = [r for r in adverse_reactions(GraphStore(graph), str(root)) if r["term"] == "Pruritus"]
    assert pruritus[0]["frequency"] == "common or uncommon" and pruritus[0]["frequency_basis"] == "open"
    assert pruritus[0]["frequency_candidates"] == ["common", "uncommon"]
    node = next(graph.subjects(SMPC.term, None, unique=True) for _ in [0])  # any entry exists
    assert node is not None
    # no smpc:frequency asserted for the open entry
    open_nodes = [n for n in graph.subjects(SMPC.frequencyBasis, None) if str(graph.value(n, SMPC.frequencyBasis)) == "open"]
    assert len(open_nodes) == 1 and graph.value(open_nodes[0], SMPC.frequency) is None


def test_shapes_still_refuse_malformed_facts(graph):
    # an open entry that lost its unresolved item, and an entry with no organ class
    g = Graph()
    for t in graph:
        if t[1] != SMPC.concernsFact:
            g.add(t)
    report = validate_graph(g)
    assert not report.conforms
    assert any(v.shape == "smpc:AdverseReactionShape" and v.line == 54 for v in report.violations)
    g2 = Graph()
    for t in graph:
        if t[1] != SMPC.systemOrganClass:
            g2.add(t)
    assert not validate_graph(g2).conforms


def test_item_shape_refuses_item_without_reason(graph):
    g = Graph()
    for t in graph:
        if t[1] != SMPC.unresolvedReason:
            g.add(t)
    report = validate_graph(g)
    assert any(v.shape == "smpc:UnresolvedItemShape" for v in report.violations)


def test_unresolved_kinds_match_the_shape():
    ttl = (ROOT / "ontology/shapes/unresolved.ttl").read_text(encoding="utf-8")
    for k in UNRESOLVED_KINDS:
        assert f'"{k}"' in ttl


def test_stored_items_are_listed_by_validate_and_queryable(tmp_path):
    from kb.service import KnowledgeBase

    shutil.copy(FIXTURE, tmp_path / "label.txt")
    kb = KnowledgeBase(tmp_path / "store")
    try:
        res = kb.ingest(tmp_path / "label.txt")
        assert res.stored and len(res.report.unresolved) == 2
        assert any("Wobbliness" in u for u in res.report.unresolved)
        ref, report = kb.validate_stored(res.ref.name)
        assert report.conforms and sorted(report.unresolved) == sorted(res.report.unresolved)
        rows = kb.sparql("""PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
            SELECT ?kind WHERE { ?v smpc:hasUnresolvedItem ?u . ?u smpc:unresolvedKind ?kind }""").rows
        assert sorted(str(r["kind"]) for r in rows) == ["adverse-frequency", "adverse-row"]
    finally:
        kb.close()


def test_cli_ingest_and_validate_list_the_items(tmp_path):
    from click.testing import CliRunner

    from cli import main

    shutil.copy(FIXTURE, tmp_path / "label.txt")
    runner = CliRunner()
    r = runner.invoke(main, ["--store", str(tmp_path / "store"), "ingest", str(tmp_path / "label.txt")])
    assert r.exit_code == 0, r.output
    assert "unresolved adverse-row" in r.output and "Fictional organ disorders Wobbliness" in r.output
    r = runner.invoke(main, ["--store", str(tmp_path / "store"), "validate"])
    assert r.exit_code == 0, r.output
    assert "2 unresolved item(s)" in r.output and "common, uncommon" in r.output


def test_label_page_shows_the_unresolved_items(tmp_path):
    from kb.service import KnowledgeBase
    from web import create_app

    shutil.copy(FIXTURE, tmp_path / "label.txt")
    kb = KnowledgeBase(tmp_path / "store")
    try:
        ref = kb.ingest(tmp_path / "label.txt").ref
        app = create_app({"KB": kb, "LOG_REQUESTS": False, "TESTING": True})
        html = app.test_client().get(f"/labels/{ref.name}").get_data(as_text=True)
        assert 'id="unresolved"' in html
        assert "Fictional organ disorders Wobbliness" in html and "line 52" in html
        assert "Pruritus" in html and "common, uncommon" in html
    finally:
        kb.close()


def _reworded(old_new: list[tuple[str, str]], path: Path = FIXTURE):
    from ingest.pipeline import read_label_bytes

    text = path.read_text(encoding="utf-8")
    for old, new in old_new:
        assert old in text, old
        text = text.replace(old, new, 1)
    return read_label_bytes(text.encode(), "/nonexistent/reworded.txt")


def test_indication_without_population_and_dangling_reference_are_items():
    r = _reworded([
        ("Quorvane is indicated for the treatment of fictional drift syndrome in adults.",
         "Quorvane is indicated as set out in the treatment guideline."),
        ("or to any of the excipients.", "or to any of the excipients listed in section 6.1."),
    ])
    assert r.indications == []
    sent = [u for u in r.unresolved if u.kind == "sentence"]
    assert [u.source.section for u in sent] == ["4.1", "4.3"]
    assert "population" in sent[0].reason and "section 6.1" in sent[1].reason
    assert r.contraindications and all("6.1" not in c.cross_refs for c in r.contraindications)
    assert validate_graph(build_graph(r)).conforms


def test_preparation_row_that_does_not_add_up_is_an_item():
    label = ROOT / "labels/blincyto/smpc-il.txt"
    # a mis-read digit in one row of a 6.6 preparation table (28 mcg/day over 24 h: 10.7 mL printed)
    r = _reworded([("28 mcg/day 2.5 mL/hour 10.7 mL 4", "28 mcg/day 2.5 mL/hour 19.7 mL 4")], label)
    rows = [u for u in r.unresolved if u.kind == "table-row"]
    assert len(rows) == 1 and "19.7 mL" in rows[0].quote and rows[0].source.section.startswith("6.6")
    assert sum(len(t.rows) for t in r.dosing.preparation_tables) == 103
    report = validate_graph(build_graph(r))
    assert report.conforms, report.text()


def test_dose_table_without_a_dose_is_set_aside():
    from ingest.dosing_records import DoseRule, DoseStep, DosingRecord, Regimen, WeightGroup
    from ingest.extract import fact_checks
    from ingest.records import LabelRecord, Source

    src = Source("4.2/fictional", 10, 12, 0, 40, "Days 1-7 | see below")
    rec = LabelRecord("x", "1", "/x", "text", "", [])
    reg = Regimen("r1", "Fictional regimen", "4.2/fictional", src)
    reg.weight_groups = [WeightGroup("any", "fixed", src)]
    reg.steps = [DoseStep("s1", "any", 1, 1, 1, 7, "infusion", src)]  # no dose read
    rec.dosing = DosingRecord(regimens=[reg])
    rec.dosing.dose_rules = [DoseRule("d1", "Fictional", "4.2/fictional", "The dose is adjusted.", src, "fixed", "stated")]
    fact_checks.dosing(rec)
    assert rec.dosing.regimens == [] and rec.dosing.dose_rules == []
    assert sorted(u.kind for u in rec.unresolved) == ["sentence", "table", "table-cell"]
    assert all(u.reason and u.source is src for u in rec.unresolved)


@pytest.mark.parametrize("label", ["labels/blincyto/smpc-il.txt", "labels/methotrexate-uk/smpc-epi.json"])
def test_bundled_labels_have_no_unresolved_item(label):
    rec = read_label(ROOT / label)
    assert rec.unresolved == [], [u.describe() for u in rec.unresolved]


def test_inline_list_under_an_unknown_organ_class_is_unresolved():
    r = _reworded([("Skin and subcutaneous tissue disorders: Rare: angioedema.",
                    "Fictional organ disorders: Rare: angioedema.")], ROOT / "tests/fixtures/inline-ar-zentorix.txt")
    assert not any(e.term == "Angioedema" for e in r.adverse_reactions.entries)
    cells = [u for u in r.unresolved if u.kind == "adverse-cell"]
    assert len(cells) == 1 and "angioedema" in cells[0].quote and "Fictional organ disorders" in cells[0].reason
    assert validate_graph(build_graph(r)).conforms
