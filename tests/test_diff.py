"""Label diff on graphs built in memory: the bundled label against an updated copy
(``tests/fixtures/blincyto-v2.txt``, edits in ``blincyto-v2.CHANGES.md``), a re-flowed
copy, and a small fictional label of another product."""
from __future__ import annotations

from pathlib import Path

import pytest

from kb.diff.compare import DiffRefused, diff_graphs
from kb.diff.model import layout_free as fold
from kb.diff.model import text_key

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
V1 = ROOT / "labels" / "blincyto" / "smpc-il.txt"


def _graph(path, version):
    from ingest.pipeline import read_label
    from kb.rdf.build import build_graph

    return build_graph(read_label(path, "blincyto" if "blincyto" in str(path) or "smpc-il" in str(path) else None,
                                  version))


@pytest.fixture(scope="module")
def g1():
    return _graph(V1, "2024-07")


@pytest.fixture(scope="module")
def g2():
    return _graph(FIX / "blincyto-v2.txt", "2025-03")


@pytest.fixture(scope="module")
def d12(g1, g2):
    return diff_graphs(g1, g2)


EXPECTED = {
    ("indication", "added", None, None),
    ("warning", "removed", None, None),
    ("adverse_reaction", "added", None, None),
    ("adverse_reaction", "moved", "frequency", ("common", "uncommon")),
    ("adverse_reaction", "changed", "incidence any grade (4.8/summary-of-the-safety-profile)", ("11.7%", "12.4%")),
    ("dosing", "changed", "dose", ("5 ug/m2/d", "6 ug/m2/d")),
    ("dosing", "changed", "cap", ("<= 9 ug/d", "<= 10 ug/d")),
    ("product", "changed", "duration", ("96 h", "72 h")),
}


def _sig(c):
    vals = (c.before, c.after) if c.change not in ("added", "removed") else None
    return (c.kind, c.change, c.field, vals)


def test_update_reports_exactly_the_edits(d12):
    assert {_sig(c) for c in d12.changes} == EXPECTED
    assert len(d12.changes) == len(EXPECTED)
    subjects = {c.kind + ":" + c.subject for c in d12.changes}
    assert "warning:Lineage switch from ALL to acute myeloid leukemia (AML)" in subjects
    assert "adverse_reaction:Anaphylactic reaction (Immune system disorders)" in subjects
    assert "adverse_reaction:Flushing (Vascular disorders)" in subjects
    assert "adverse_reaction:Chills (General disorders and administration site conditions)" in subjects


def test_changes_carry_both_quotes_with_sections_and_lines(d12):
    by = {(_sig(c)[0], c.field): c for c in d12.changes}
    dose = by[("dosing", "dose")]
    assert dose.before_source.section.startswith("4.2") and dose.after_source.section.startswith("4.2")
    assert "5 mcg/m2/day" in dose.before_source.quote and "6 mcg/m2/day" in dose.after_source.quote
    store = by[("product", "duration")]
    assert "96 hours" in store.before_source.quote and "72 hours" in store.after_source.quote
    assert store.before_source.section == store.after_source.section == "6.3/diluted-solution-prepared-infusion-bag"
    inc = by[("adverse_reaction", "incidence any grade (4.8/summary-of-the-safety-profile)")]
    assert "11.7%" in inc.before_source.quote and "12.4%" in inc.after_source.quote
    warn = next(c for c in d12.changes if c.kind == "warning")
    assert warn.after_source is None and warn.before_source.section.startswith("4.4/lineage-switch")
    assert warn.before_source.line_start > 0 and "Lineage switch" in warn.before_source.quote
    ind = next(c for c in d12.changes if c.kind == "indication")
    assert ind.before_source is None and ind.after_source.section == "4.1" and "newly diagnosed" in ind.after
    # the regimen the new indication is dosed with is kept as a consequence, not a separate change
    assert [r.kind for r in ind.related] == ["dosing"]
    for c in d12.changes:
        d = c.as_dict()
        assert set(d) >= {"kind", "change", "subject", "field", "before", "after", "sources"}
        assert all({"side", "section", "lines", "quote"} <= set(s) for s in d["sources"])


def test_same_version_and_reflowed_copy_show_no_change(g1):
    assert diff_graphs(g1, g1).changes == []
    reflowed = _graph(FIX / "blincyto-reflowed.txt", "reflowed")
    d = diff_graphs(g1, reflowed)
    assert d.changes == [] and d.sections == []


def test_reverse_diff_is_the_same_changes_reversed(g1, g2, d12):
    d21 = diff_graphs(g2, g1)
    assert sorted(c.reversed().signature() for c in d21.changes) == sorted(c.signature() for c in d12.changes)
    moved = next(c for c in d21.changes if c.change == "moved")
    assert (moved.before, moved.after) == ("uncommon", "common")


def test_other_product_versions_diff_by_meaning():
    from ingest.pipeline import read_label
    from kb.rdf.build import build_graph

    a = build_graph(read_label(FIX / "other-product-v1.txt"))
    b = build_graph(read_label(FIX / "other-product-v2.txt"))
    got = {(c.kind, c.change, c.field, c.before, c.after) for c in diff_graphs(a, b).changes}
    assert got == {
        ("indication", "changed", "minimum age", ">= 18 a", ">= 12 a"),
        ("indication", "changed", "age group", "adult", "adolescent, adult"),  # "adults and adolescents aged 12 ..."
        ("contraindication", "changed", "condition", "Severe hepatic impairment", "Moderate or severe hepatic impairment"),
        ("warning", "renamed", "title", "Photosensitivity", "Phototoxicity"),
        ("adverse_reaction", "moved", "frequency", "common", "very common"),
        ("product", "added", None, None, "Iron oxide yellow (E172)"),
        ("product", "removed", None, "Titanium dioxide (E171)", None),
        ("product", "changed", "temperature", "<= 25 Cel", "<= 30 Cel"),
        ("text", "changed", "passage", "03/2024", "09/2024"),
    }


def test_labels_of_different_products_are_refused_unless_forced(g1):
    from ingest.pipeline import read_label
    from kb.rdf.build import build_graph

    other = build_graph(read_label(FIX / "other-product-v1.txt"))
    with pytest.raises(DiffRefused, match="different products"):
        diff_graphs(g1, other)
    forced = diff_graphs(g1, other, force=True)
    assert forced.forced and forced.changes


def test_layout_folding_and_word_highlighting():
    assert fold("\uf0b7 life-\n threatening  events") == "life-threatening events"
    assert text_key("treat- ment (see\nsection 4.2 )") == text_key("treatment (see section 4.2)")
    assert text_key("5 mg") != text_key("6 mg")
    from kb.diff.core_facts import Passage, SectionText
    from kb.diff.model import SourceRef
    from kb.diff.text import diff_sections

    def sec(*texts):
        return {"4.4": SectionText("4.4", "Warnings", 1,
                                   [Passage(t, SourceRef("4.4", i, i, t)) for i, t in enumerate(texts, 1)])}

    same = diff_sections(sec("Monitor the pa-", "tient closely. Stop if needed."),
                         sec("Monitor the patient closely.", "Stop if needed."))
    assert same == []
    d = diff_sections(sec("Monitor the patient closely.", "Stop if needed."),
                      sec("Monitor the patient weekly.", "Stop if needed."))
    assert len(d) == 1 and len(d[0].hunks) == 1
    hunk = d[0].hunks[0]
    assert ("delete", "closely.") in hunk.words and ("insert", "weekly.") in hunk.words
    assert [p.text for p in hunk.before] == ["Monitor the patient closely."]
