"""The dosing readers match generic wording cues (ontology/data/dosing.json "wording"),
not sentences of one label: other phrasings of the same expressions give the same
facts, no label sentence is written in their code, and no number the label does not
give is stored as a stated fact."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

from ingest.extract.posology.wording import cue
from ingest.pipeline import read_label, read_label_bytes

ROOT = Path(__file__).resolve().parent.parent
LABEL = ROOT / "labels/blincyto/smpc-il.txt"
READERS = ["ingest/extract/posology/preparation_tables.py", "ingest/extract/posology/modifications.py", "ingest/extract/posology/supportive_care.py",
           "ingest/extract/posology/regimens.py"]
# phrases printed in the bundled label that the readers used to match literally
LABEL_PHRASES = ["for patients weighing", "add to infusion bag", "premedicate with", "step-wise over",
                 "occurred at", "takes more than", "continue the same cycle", "days of infusion",
                 "subsequent cycle starts", "starting volume", "volume administered", "for a duration of",
                 "changed at least every", "period of up to", "no more than grade", "recommended at a minimum",
                 "may receive", "additional cycles"]


@lru_cache(maxsize=None)
def bundled():
    return read_label(LABEL).dosing


@pytest.mark.parametrize("module", READERS)
def test_no_label_phrase_in_the_readers(module):
    code = (ROOT / module).read_text(encoding="utf-8").lower()
    code = re.sub(r"\s+", " ", code)
    found = [p for p in LABEL_PHRASES if p in code]
    assert not found, f"{module} matches label wording in code: {found}"


def test_every_cue_has_alternatives():
    wording = json.loads((ROOT / "ontology/data/dosing.json").read_text(encoding="utf-8"))["wording"]
    for name, phrases in wording.items():
        if name != "comment":
            assert isinstance(phrases, list) and len(phrases) >= 2, name
            cue(name)  # compiles


@pytest.mark.parametrize("name,text,groups", [
    ("taper", "then reduce the corticosteroid tapered over 5 days.", {"n": "5"}),
    ("taper", "step-wise over 1 day", {"n": "1"}),
    ("premedication", "Premedicate with a 8 mg dose of dexamethasone before restarting", {"drug": "dexamethasone"}),
    ("premedication", "premedication with prednisolone 100 mg", {"drug": "prednisolone"}),
    ("resolution_over", "if the event has not resolved within 14 days, stop", {"n": "14"}),
    ("until_grade", "withhold until recovery to grade 1 or baseline", {"n": "1"}),
    ("hospital_in_cycle", "In the second cycle hospitalisation is recommended for 2 days", {"sel": "second", "n": "2"}),
    ("preparation_caption", "Table 4: For patients weighing less than 30 kg", {"n": "4"}),
    ("cycle_count", "Patients may be given up to 3 cycles of induction treatment", {"n": "3", "role": "induction"}),
    ("more_cycles", "followed by two cycles of consolidation", {"n": "two", "role": "consolidation"}),
])
def test_cues_read_other_phrasings(name, text, groups):
    m = cue(name).search(text)
    assert m is not None, (name, text)
    for k, v in groups.items():
        assert m.group(k) == v


def _summary(d):
    acts = [a for t in d.modification_tables for a in t.actions]
    return {
        "rows": sum(len(t.rows) for t in d.preparation_tables),
        "tables": sorted(t.id for t in d.preparation_tables),
        "tapers": sorted((a.id, a.taper.value) for a in acts if a.taper),
        "premeds": sorted((a.id, a.premedication_drug, a.premedication_dose.value) for a in acts if a.premedication_dose),
        "at_restart": sorted(a.id for a in acts if a.discontinue_if_at_restart_dose),
        "resolution": sorted((a.id, a.discontinue_if_resolution_over.value) for a in acts if a.discontinue_if_resolution_over),
    }


def test_reworded_label_gives_the_same_dosing_facts():
    text = LABEL.read_text(encoding="utf-8")
    swaps = [
        ("Table 13. For patients weighing", "Table 13: For patients weighing"),
        ("Table 14. For patients weighing", "Table 14. Patients weighing"),
        ("reconstituted BLINCYTO to \n\nadd to infusion bag", "reconstituted BLINCYTO to \n\nadd to the infusion bag"),
        ("dexamethasone step-wise over", "dexamethasone tapered over"),
        ("If the toxicity occurred at", "If the event occurred at"),
        ("takes more than 7 days to resolve,", "is not resolved within 7 days,"),
    ]
    for old, new in swaps:
        assert old in text, old
        text = text.replace(old, new)
    before, after = _summary(bundled()), _summary(read_label_bytes(text.encode(), "/nonexistent/reworded.txt").dosing)
    assert before["rows"] == 104 and before["tapers"] and before["premeds"] and before["at_restart"]
    assert after == before


def test_no_number_the_label_does_not_give():
    # "For all subsequent cycle starts ... supervision by a healthcare professional or
    # hospitalization is recommended": no number of days is printed
    sup = [h for h in bundled().general_hospitalisation if h.kind == "supervision"]
    assert sup and all(h.days is None for h in sup)
    assert "subsequent cycle starts" in sup[0].source.quote


def test_an_annotation_unit_reads_as_words():
    """Suliqua's pen doses are counted in "dose steps" (UCUM annotation {dose_step}): never the raw code."""
    from kb.dosing.words import amount_text, unit_words

    assert amount_text({"value": 20.0, "unit": "{dose_step}"}) == "20 dose steps"
    assert amount_text({"value": 1.0, "unit": "{dose_step}"}) == "1 dose step"
    assert unit_words("{tablet}", 2) == "tablet"  # an annotation not listed: its own words, never braces


def test_a_fixed_combination_reads_as_every_amount():
    """Dovato 4.2: "one 50 mg/300 mg tablet once daily": the headline dose is 50 mg/300 mg, never "50 mg"."""
    from kb.dosing.words import dose_text

    answer = {"kind": "dose-rule", "dose": {"value": 50.0, "unit": "mg"}, "schedule": {"text": "once daily"},
              "components": [{"value": 50.0, "unit": "mg"}, {"value": 300.0, "unit": "mg"}]}
    assert dose_text(answer) == "50 mg/300 mg once daily"


def test_an_escalation_is_said_with_the_dose():
    """Karvea 4.2: "In patients insufficiently controlled with 150 mg once daily, the dose ... can be
    increased to 300 mg": the answer held escalate_to but no page, text or command said it."""
    from kb.dosing.words import dose_text

    answer = {"kind": "dose-rule", "dose": {"value": 150.0, "unit": "mg"}, "schedule": {"text": "once daily"},
              "escalate_to": {"value": 300.0, "unit": "mg"}}
    assert dose_text(answer) == "150 mg once daily; may be increased to 300 mg"
