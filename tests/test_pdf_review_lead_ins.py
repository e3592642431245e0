"""Inline "Title:" lead-ins of section 4.4 are found alike in every SmPC of one EPAR (review of the PDF reader).

The Karvea EPAR (labels/ema/karvea) holds six SmPCs (75/150/300 mg tablets and film-coated tablets)
whose section 4.4 prints the same warnings, each opening with an underlined lead-in ending in a colon
(read in the PDF: "Renovascular hypertension: there is an increased risk ...", "Pregnancy: angiotensin
II Receptor Antagonists (AIIRAs) should not be initiated during pregnancy."). The writer cut the lines
into runs differently in each SmPC: an underlined lead-in shares a run with the plain text after it
("Renovascular hypertension: there is an i"), the underline stops inside a run ("Pregnancy: a" +
"ngiotensin"), or the bracket and colon after it are plain ("(RAAS" + "):").
"""
from __future__ import annotations

import pytest

from ingest import document as dm
from ingest.readers.pdf.layout import lead_in
from tests.pdf_support import pdf_labels, pdf_read

# the 4.4 warnings of every Karvea SmPC, as printed (the lead-in, without its colon)
WARNINGS = [
    "Intravascular volume depletion",
    "Renovascular hypertension",
    "Renal impairment and kidney transplantation",
    "Hypertensive patients with type 2 diabetes and renal disease",
    "Dual blockade of the renin-angiotensin-aldosterone system (RAAS)",
    "Hyperkalaemia",
    "Hypoglycaemia",
    "Lithium",
    "Aortic and mitral valve stenosis, obstructive hypertrophic cardiomyopathy",
    "Primary aldosteronism",
    "General",
    "Pregnancy",
    "Paediatric population",
]


def _records():
    return pdf_labels("karvea").records


def test_the_epar_holds_six_smpcs():
    assert len(_records()) == 6


@pytest.mark.parametrize("k", range(6))
def test_every_smpc_has_every_warning_of_section_4_4_in_print_order(k):
    record = _records()[k]
    titles = [s.title.rstrip(":") for s in record.sections if s.parent == "4.4"]
    assert titles == WARNINGS, record.label_id


@pytest.mark.parametrize("k", range(6))
def test_the_pregnancy_warning_is_filed_under_pregnancy_not_the_heading_before(k):
    record = _records()[k]
    by_title = {s.title.rstrip(":"): s for s in record.sections if s.parent == "4.4"}
    pregnancy = " ".join(p.text for p in by_title["Pregnancy"].paragraphs)
    assert "angiotensin II Receptor Antagonists (AIIRAs) should not be initiated during pregnancy." in pregnancy
    aldosteronism = " ".join(p.text for p in by_title["Primary aldosteronism"].paragraphs)
    assert "AIIRAs" not in aldosteronism


def _spans(*parts: tuple[str, bool]) -> list[dm.Span]:
    return [dm.Span(text, underline=underlined) for text, underlined in parts]


def test_a_lead_in_whose_closing_bracket_and_colon_are_plain():
    # Karvea 150 mg tablets, 4.4: "(RAAS" underlined, "): there is evidence" plain
    spans = _spans(("Dual blockade of the renin-angiotensin-aldosterone system (RAAS", True),
                   ("): there is evidence that the ", False))
    assert lead_in(spans) == "Dual blockade of the renin-angiotensin-aldosterone system (RAAS)"


def test_a_lead_in_whose_underline_runs_on_past_the_colon():
    # Karvea 150 mg tablets, 4.4: the underline covers "Pregnancy: a" of "Pregnancy: angiotensin II ..."
    spans = _spans(("Pregnancy: a", True), ("ngiotensin II Receptor Antagonists (AIIRAs) should not be initiated", False))
    assert lead_in(spans) == "Pregnancy"


def test_an_emphasised_caption_with_a_colon_is_not_cut_into_a_lead_in():
    # Humira 5.1: "Table 16: Proportion of Patients" bold, a superscript "a", then more bold caption text
    spans = [dm.Span("Table 16: Proportion of Patients", bold=True), dm.Span("a ", bold=True, superscript=True),
             dm.Span("Achieving HiSCR", bold=True)]
    assert lead_in(spans) is None


@pytest.mark.parametrize("k", range(6))
def test_only_the_lead_in_is_underlined_where_it_shares_a_run_with_the_text_after_it(k):
    """Karvea 300 mg film-coated tablets print "Renovascular hypertension: there is an i" and "Lithium: the
    combination of lithium and " as single runs, underlined under the lead-in only: the run is cut where
    the underline ends, so the underlined text is the lead-in (its colon at most), not the whole run."""
    doc = pdf_read("karvea").documents[k]
    for title in ("Renovascular hypertension", "Lithium", "General", "Paediatric population"):
        block = next(b for b in doc.section("4.4").blocks if b.text.startswith(title + ":"))
        underlined = " ".join("".join(s.text for s in block.spans if s.underline).split())
        assert underlined in (title, title + ":"), (k, title, underlined)
