"""Section 4.8 extraction on the bundled label, the inline fixture and broken inputs."""
from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path

import pytest

from ingest.pipeline import read_label, read_label_bytes

ROOT = Path(__file__).resolve().parent.parent
LABEL = ROOT / "labels/blincyto/smpc-il.txt"
FIX = ROOT / "tests/fixtures"


@lru_cache(maxsize=None)
def bundled():
    return read_label(LABEL)


def entry(term, rec=None):
    rec = rec or bundled()
    hits = [e for e in rec.adverse_reactions.entries if e.term == term]
    assert len(hits) == 1, term
    return hits[0]


def adverse_issues(rec, rule=None):
    return [i for i in rec.issues if (i.rule or "").startswith(rule or "adverse.")]


def test_every_entry_recovered_with_soc_and_settled_frequency():
    ars = bundled().adverse_reactions
    assert len(ars.entries) == 70
    assert ars.style == "flattened-table"
    assert all(e.soc for e in ars.entries)
    assert not adverse_issues(bundled(), "adverse.frequency-unsettled")
    assert {b.name: (b.low, b.high) for b in ars.bands} == {
        "very common": (0.1, None), "common": (0.01, 0.1), "uncommon": (0.001, 0.01)}
    assert ars.summary_n == 1045


def test_wrapped_cells_and_glued_markers():
    e = entry("Infections - pathogen unspecified")
    assert e.footnotes == ["a", "b"] and e.term_level == "HLGT"
    assert (e.source.line_start, e.source.line_end) == (1476, 1478)
    assert entry("Hyperbilirubinemia").footnotes == ["a", "10"]
    assert entry("Headache").footnotes == ["a", "18"]  # "a" from "Nervous system disordersa"
    assert entry("Anemia").footnotes == ["1"]
    assert entry("Immune effector cell-associated neurotoxicity syndrome (ICANS)").soc == "Nervous system disorders"
    assert entry("Haemophagocytic lymphohistiocytosis (HLH)").soc == "Blood and lymphatic system disorders"


@pytest.mark.parametrize("term,freq,basis", [
    ("Pyrexia", "very common", "inferred"),        # summary 70.8%
    ("Fungal infections", "common", "inferred"),   # summary 9.6% (bacterial/fungal infectious disorders wording)
    ("Sepsis", "common", "inferred"),              # between very common cells and Fungal infections (common)
    ("Lymphadenopathy", "uncommon", "inferred"),   # after the blank line that ends the common cell
    ("Cytokine storm", "uncommon", "inferred"),    # shares a line with Hypersensitivity (common)
    ("Tumor lysis syndrome", "common", "inferred"),  # leading space: empty very common cell
    ("Pancreatitis", "uncommon", "inferred"),      # leading space after the very common cell
    ("Speech disorder", "uncommon", "curated"),
    ("Aphasia", "common", "curated"),
])
def test_frequency_and_how_it_was_determined(term, freq, basis):
    e = entry(term)
    assert (e.frequency, e.frequency_basis) == (freq, basis)
    assert e.source.derivation == basis
    assert e.frequency_rule
    if basis == "curated":
        assert e.confidence == 1.0 and "PDF table" in e.frequency_rule
    else:
        assert 0.5 < e.confidence <= 1.0


def test_footnotes_as_data():
    assert entry("Anemia").included_terms == ["anemia", "hemoglobin decreased"]
    assert "circumoral edema" in entry("Edema").included_terms
    assert entry("Headache").may_represent == ["ICANS"]
    assert entry("Immune effector cell-associated neurotoxicity syndrome (ICANS)").may_represent == []
    assert entry("Cytokine release syndrome").see_section == "4.8/cytokine-release-syndrome-crs"
    assert entry("Hepatic enzyme increased").see_section == "4.8/elevated-liver-enzymes"
    assert entry("Pancreatitis").see_section == "4.8/pancreatitis"
    irr = entry("Infusion-related reactions")
    assert "cytokine release syndrome" in irr.composite_events and irr.included_terms == ["infusion-related reaction"]
    # the prose between the lettered and the numbered footnotes ("Event terms that represent the same medical
    # concept ... indicated below:") ends footnote b; its lower-case second line is not b's continuation
    b = next(f for f in bundled().adverse_reactions.footnotes if f.marker == "b")
    assert b.text == "MedDRA high level group terms (MedDRA version 23.0)."
    assert b.source.quote == "b MedDRA high level group terms (MedDRA version 23.0)."


def test_summary_incidences_attached_despite_wording():
    e = entry("Bacterial infections")
    summary = [i for i in e.incidences if i.kind == "any grade" and i.n == 1045]
    assert [i.percent for i in summary] == [14.1]
    assert summary[0].subject == "bacterial infectious disorders" and summary[0].match_rule
    assert [i.percent for i in entry("Infections - pathogen unspecified").incidences] == [41.4]
    assert [i.percent for i in entry("Hepatic enzyme increased").incidences if i.n == 1045] == [17.2]
    assert [(i.kind, i.percent) for i in entry("Tumor lysis syndrome").incidences] == [("serious", 0.8)]


def test_selected_reaction_incidences():
    crs = entry("Cytokine release syndrome").incidences
    got = {(i.kind, i.percent, i.value, i.n) for i in crs}
    assert ("any grade", 14.7, None, 456) in got
    assert ("serious", 2.4, None, 456) in got
    assert ("time-to-onset", None, 2.0, 456) in got
    assert ("any grade", 8.9, None, 45) in got
    onset = [i for i in entry("Pancreatitis").incidences if i.kind == "time-to-onset"]
    assert onset[0].value == 7.5 and onset[0].unit == "d" and onset[0].statistic == "median"
    neuro = [i for i in bundled().adverse_reactions.incidences if i.section_key == "4.8/neurologic-events-including-icans"]
    assert ("any grade", 66.0, 456) in {(i.kind, i.percent, i.n) for i in neuro}
    assert ("grade>=3", 12.1) in {(i.kind, i.percent) for i in neuro}
    ped = [i for i in entry("Pyrexia").incidences if i.age_group == "pediatric"]
    assert [(i.kind, i.percent, i.n, i.study) for i in ped] == [("serious", 11.4, 70, "MT103-205")]


def test_without_curation_the_unsettled_cells_stay_open(tmp_path, monkeypatch):
    from ingest.extract.adverse import curation as adverse_curation

    monkeypatch.setattr(adverse_curation, "PROJECT_LABELS", tmp_path / "no-curations")
    shutil.copy(LABEL, tmp_path / "smpc-il.txt")
    rec = read_label(tmp_path / "smpc-il.txt")
    open_items = [u for u in rec.unresolved if u.kind == "adverse-frequency"]
    assert len(open_items) == 20
    speech = next(u for u in open_items if "Speech disorder" in u.reason)
    assert speech.source.line_start == 1593 and "uncommon" in speech.candidates and len(speech.candidates) >= 2
    e = entry("Speech disorder", rec)
    assert e.frequency is None and e.frequency_basis == "open" and e.frequency_options == speech.candidates
    assert speech.fact_id == e.id
    assert len(rec.adverse_reactions.entries) == 70
    # entries the text settles are not open
    assert entry("Pyrexia", rec).frequency == "very common"


def test_curation_for_another_version_is_not_applied(tmp_path):
    text = LABEL.read_text(encoding="utf-8").replace("Speech disorder18", "Speech disorders18")
    (tmp_path / "smpc-il.txt").write_text(text, encoding="utf-8")
    shutil.copy(LABEL.parent / "curation.json", tmp_path / "curation.json")
    rec = read_label(tmp_path / "smpc-il.txt")
    assert adverse_issues(rec, "adverse.curation-version")
    assert not any(e.frequency_basis == "curated" for e in rec.adverse_reactions.entries)


def _broken(old: str, new: str):
    text = LABEL.read_text(encoding="utf-8")
    assert old in text
    return read_label_bytes(text.replace(old, new, 1).encode(), "/nonexistent/broken.txt")


def test_unknown_organ_class_row_is_unresolved_not_an_entry():
    rec = _broken("Cardiac disorders Tachycardia7", "Heart rhythm disorders Tachycardia7")
    w = adverse_issues(rec, "adverse.unknown-soc")
    assert w and w[0].line == 1597 and "Heart rhythm disorders" in w[0].message
    assert not [e for e in rec.adverse_reactions.entries if e.term == "Tachycardia"]
    rows = [u for u in rec.unresolved if u.kind == "adverse-row"]
    assert len(rows) == 1 and rows[0].source.line_start == 1597
    assert "Heart rhythm disorders Tachycardia7" in rows[0].quote and "Heart rhythm disorders" in rows[0].reason
    assert len(rec.adverse_reactions.entries) == 69


def test_unknown_frequency_heading_is_a_warning_with_line():
    rec = _broken("Uncommon  \n", "Occasionally  \n")
    w = adverse_issues(rec, "adverse.unknown-frequency-heading")
    assert w and w[0].line == 1464
    assert len(rec.adverse_reactions.entries) == 70


def test_marker_without_footnote_is_a_warning_with_line():
    rec = _broken("18 Events may represent ICANS.", "")
    w = adverse_issues(rec, "adverse.footnote-missing")
    assert [(x.line, "'18'" in x.message) for x in w] == [(1534, True)]


def test_inline_lists_fixture():
    rec = read_label(FIX / "inline-ar-zentorix.txt")
    ars = rec.adverse_reactions
    assert ars.style == "inline-list"
    got = {(e.term, e.soc, e.frequency, e.frequency_basis) for e in ars.entries}
    assert ("Pancreatitis", "Gastrointestinal disorders", "uncommon", "stated") in got
    assert ("Angioedema", "Skin and subcutaneous tissue disorders", "rare", "stated") in got
    assert len(got) == 8
    assert [i.percent for i in entry("Dizziness", rec).incidences] == [6.1]
    assert not adverse_issues(rec)


def test_section_without_table_is_a_warning():
    rec = read_label(FIX / "inline-ar-no-table.txt")
    assert rec.adverse_reactions is None
    w = adverse_issues(rec, "adverse.no-table")
    assert w and w[0].section == "4.8" and w[0].line


def test_precision_recall_script_reports_full_score():
    import importlib.util

    spec = importlib.util.spec_from_file_location("apr", ROOT / "benchmarks/adverse_precision_recall.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    r = mod.score(LABEL, ROOT / "labels/blincyto/gold-adverse-reactions.tsv")
    assert (r["precision"], r["recall"], r["gold"]) == (1.0, 1.0, 70)


def test_curation_by_content_applies_to_a_structured_table_too(tmp_path):
    """One last step for every 4.8 path: a curation file reviewed for the label's text settles
    entries of a FHIR label's HTML table as well (methotrexate-uk: "Opportunistic infections" is
    printed under Infections and infestations, column Uncommon)."""
    import json

    from ingest.extract.adverse.curation import text_sha256

    label = Path(__file__).resolve().parent.parent / "labels" / "methotrexate-uk" / "smpc-epi.json"
    shutil.copy(label, tmp_path / "smpc-epi.json")
    plain = read_label(tmp_path / "smpc-epi.json")
    [e] = [x for x in plain.adverse_reactions.entries if x.term == "Opportunistic infections"]
    assert (e.frequency, e.frequency_basis) == ("uncommon", "stated")
    fix = {"soc": "Infections and infestations", "term": "Opportunistic infections", "frequency": "uncommon",
           "reason": "reviewed against the printed table"}
    (tmp_path / "curation.json").write_text(json.dumps(
        {"applies_to": {"sha256": text_sha256(plain)}, "adverse_reactions": [fix]}), encoding="utf-8")
    rec = read_label(tmp_path / "smpc-epi.json")
    [e] = [x for x in rec.adverse_reactions.entries if x.term == "Opportunistic infections"]
    assert (e.frequency, e.frequency_basis, e.source.rule) == ("uncommon", "curated", fix["reason"])
    assert rec.adverse_reactions.curation == "curation.json"
    assert not [u for u in rec.unresolved if u.kind == "adverse-frequency"]


def test_incidence_quotes_are_label_text_from_the_sentence_start():
    """Each incidence quotes the sentence holding its number, as printed: 'The most frequently
    reported serious adverse reactions were pyrexia (11.4%) ...' (4.8, paediatric population) lost
    its first letter when no sentence came before it in its paragraph."""
    import re

    flat = re.sub(r"\s+", " ", LABEL.read_text(encoding="utf-8"))
    incidences = [i for e in bundled().adverse_reactions.entries for i in e.incidences]
    incidences += list(bundled().adverse_reactions.incidences)
    quotes = {re.sub(r"\s+", " ", i.source.quote).strip() for i in incidences if i.source and i.percent is not None}
    assert any(q.startswith("The most frequently reported serious adverse reactions were pyrexia (11.4%)") for q in quotes)
    for q in quotes:
        assert q in flat, q
        assert not q[0].islower(), q
