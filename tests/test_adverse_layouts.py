"""Section 4.8 layouts, each in isolation on fictional tables (records.Table values,
as the PDF and FHIR readers hand them over), and facts read in the EMA PDFs'
gold files (labels/ema/<product>/gold-adverse-reactions.tsv)."""
from __future__ import annotations

import pytest

from ingest.extract.adverse.cells import band_segments, split_terms
from ingest.extract.adverse.reactions import adverse_set
from ingest.extract.adverse.table_html import match_soc
from ingest.records import LabelRecord, Paragraph, Section, Source, Table

SRC = Source("4.8", 1, 1, 0, 0, "")


def _record(*tables: Table, subs: list[tuple[str, list[str]]] = ()) -> LabelRecord:
    sec = Section("4.8", "4.8", "Undesirable effects", 2, None, "", "", SRC, [], list(tables))
    sections = [sec]
    for title, paras in subs:
        key = f"4.8/{title.lower().replace(' ', '-')}"
        sections.append(Section(key, "4.8", title, 3, "4.8", "", "", SRC, [Paragraph(p, SRC) for p in paras], []))
    return LabelRecord("fiction", "1", "/x", "pdf", "", sections)


def _rows(rec: LabelRecord) -> set[tuple[str, str, str]]:
    ars = adverse_set(rec)
    return {(e.term, e.soc, e.frequency) for e in (ars.entries if ars else [])}


def test_frequency_columns_with_wrapped_organ_class_and_terms():
    t = Table(None, ["", "Very common", "Common", "Rare"], [
        ["Nervous system disorders", "Somnolence", "Tremor\nTaste disturbance", ""],
        ["Skin and", "", "", "Scaly"],
        ["subcutaneous", "", "", "eruption"],
        ["tissue disorders", "", "", "Nail ridging"],
    ], SRC)
    assert _rows(_record(t)) == {
        ("Somnolence", "Nervous system disorders", "very common"),
        ("Tremor", "Nervous system disorders", "common"),
        ("Taste disturbance", "Nervous system disorders", "common"),
        ("Scaly eruption", "Skin and subcutaneous tissue disorders", "rare"),
        ("Nail ridging", "Skin and subcutaneous tissue disorders", "rare"),
    }


def test_organ_class_rows_with_frequency_sub_rows_and_cell_footnote():
    t = Table(None, ["Frequency", "Adverse reaction"], [
        ["Blood and lymphatic systems disorders:", "Blood and lymphatic systems disorders:"],
        ["Uncommon:", "pallor, bruising (see section 4.4)"],
        ["Psychiatric disorders:", "Psychiatric disorders:"],
        ["Rare:", "vivid dreams*\n*particularly in patients with a history of sleep disorder."],
    ], SRC)
    rows = _rows(_record(t))
    assert rows == {
        ("pallor", "Blood and lymphatic system disorders", "uncommon"),
        ("bruising (see section 4.4)", "Blood and lymphatic system disorders", "uncommon"),
        ("vivid dreams", "Psychiatric disorders", "rare"),
    }


def test_frequency_in_right_hand_column_paired_line_by_line():
    t = Table(None, ["System organ class", "Adverse reactions", "Frequency"], [
        ["Vascular disorders", "Pallor\nCold hands\nFainting*", "Very common\nCommon\nNot known**"],
        ["Eye disorders", "Dry eye", "Uncommon"],
    ], SRC)
    assert _rows(_record(t)) == {
        ("Pallor", "Vascular disorders", "very common"),
        ("Cold hands", "Vascular disorders", "common"),
        ("Fainting", "Vascular disorders", "not known"),
        ("Dry eye", "Eye disorders", "uncommon"),
    }


def test_frequency_column_beside_organ_class_with_blank_repeats_and_marks():
    t = Table(None, ["System Organ Class", "Frequency", "Adverse Reaction"], [
        ["Cardiac disorders*", "Very Common", "Palpitations"],
        ["", "Rare", "Heart block¹⁾, angina\nSinus arrest¹⁾bradycardia¹⁾"],
    ], SRC)
    assert _rows(_record(t)) == {
        ("Palpitations", "Cardiac disorders", "very common"),
        ("Heart block", "Cardiac disorders", "rare"),
        ("angina", "Cardiac disorders", "rare"),
        ("Sinus arrest", "Cardiac disorders", "rare"),
        ("bradycardia", "Cardiac disorders", "rare"),
    }


def test_x_marks_in_frequency_columns():
    t = Table(None, ["MedDRA system organ classes", "Very common", "Common", "Uncommon", "Rare"], [
        ["Immune system disorders"] * 5,
        ["Itching at the site", "", "X", "", ""],
        ["Generalised rash", "", "", "", "X"],
    ], SRC)
    assert _rows(_record(t)) == {
        ("Itching at the site", "Immune system disorders", "common"),
        ("Generalised rash", "Immune system disorders", "rare"),
    }


def test_frequency_inside_the_cell():
    t = Table(None, ["System organ class", "Adverse reactions"], [
        ["Gastrointestinal disorders", "Very common: bloating, hiccups\nRare: gum bleeding"],
    ], SRC)
    assert _rows(_record(t)) == {
        ("bloating", "Gastrointestinal disorders", "very common"),
        ("hiccups", "Gastrointestinal disorders", "very common"),
        ("gum bleeding", "Gastrointestinal disorders", "rare"),
    }


def test_lists_under_organ_class_sub_headings_with_several_tables():
    t = Table(None, ["", "Common", "Rare"], [["Eye disorders", "Blurred vision", "Eye pain"]], SRC)
    rec = _record(t, subs=[
        ("Ear and labyrinth disorder", ["Not known: ringing in the ears"]),
        ("Investigations", ["Very common: Raised sodium* occurred more often in older patients than with placebo. "
                            "In older patients sodium rose in 12% of the patients."]),
        ("Immune system disorders", ["Rare: allergic reactions such as swelling, itching, hives"]),
    ])
    assert _rows(rec) == {
        ("Blurred vision", "Eye disorders", "common"),
        ("Eye pain", "Eye disorders", "rare"),
        ("ringing in the ears", "Ear and labyrinth disorders", "not known"),
        ("Raised sodium", "Investigations", "very common"),
        ("allergic reactions such as swelling, itching, hives", "Immune system disorders", "rare"),
    }


def test_unknown_frequency_is_unresolved_not_guessed():
    t = Table(None, ["System organ class", "Frequency", "Adverse reaction"], [
        ["Eye disorders", "Often", "Dry eye"],
        ["Eye disorders", "Rare", "Eye pain"],
    ], SRC)
    rec = _record(t)
    assert _rows(rec) == {("Eye pain", "Eye disorders", "rare")}
    assert any("Often" in u.reason for u in rec.unresolved)


def test_term_splitting_rules():
    assert [t for t, _ in split_terms("Hypersensitivity (e.g. pruritus, rash, urticaria); fever")] == [
        "Hypersensitivity (e.g. pruritus, rash, urticaria)", "fever"]
    assert [t for t, _ in split_terms("Common")] == []  # a frequency word is never an entry
    assert [t for t, _ in split_terms("renal failure may follow dosing, particularly after high doses")] == [
        "renal failure may follow dosing, particularly after high doses"]
    assert band_segments("Common: a, b Uncommon: c") == [("common", "a, b"), ("uncommon", "c")]
    assert band_segments("Dizziness: common") == []


@pytest.mark.parametrize("printed, name", [
    ("Blood and lymphatic systems disorders", "Blood and lymphatic system disorders"),
    ("Ear and labyrinth disorder", "Ear and labyrinth disorders"),
    ("Hepato-biliary disorders*", "Hepatobiliary disorders"),
    ("Neoplasms benign, malignant and unspecified (including cysts and polyps)*",
     "Neoplasms benign, malignant and unspecified (incl cysts and polyps)"),
])
def test_printed_organ_class_variants(printed, name):
    from ingest.extract.adverse.cells import markers
    soc = match_soc(" ".join(markers(printed)[0].split()))
    assert soc is not None and soc.name == name


# Facts read in the EMA PDFs (gold files written by reading the PDF pages).
GOLD_FACTS = {
    "dovato": [("completed suicide", "Psychiatric disorders", "rare"),
               ("abdominal pain/ discomfort", "Gastrointestinal disorders", "common"),
               ("increased bilirubin", "Hepatobiliary disorders", "rare")],
    "karvea": [("hypersensitivity reactions such as angioedema, rash, urticaria, anaphylactic reaction, "
                "anaphylactic shock", "Immune system disorders", "not known"),
               ("tinnitus", "Ear and labyrinth disorders", "not known"),
               ("Hyperkalaemia", "Investigations", "very common")],
    "skilarence": [("Acute lymphatic leukaemia", "Blood and lymphatic system disorders", "very rare"),
                   ("Decreased appetite", "Metabolism and nutrition disorders", "common"),
                   ("Herpes zoster", "Infections and infestations", "not known")],
    "humira": [("Lymphoma", "Neoplasms benign, malignant and unspecified (incl cysts and polyps)", "uncommon"),
               ("lichenoid skin reaction", "Skin and subcutaneous tissue disorders", "rare"),
               ("Cardiac arrest", "Cardiac disorders", "rare")],
    "humalog": [("Systemic allergy", "Immune system disorders", "rare"),
                ("Cutaneous amyloidosis", "Skin and subcutaneous tissue disorders", "not known")],
    "suliqua": [("Cutaneous amyloidosis", "Skin and subcutaneous tissue disorders", "not known"),
                ("Upper respiratory tract infection", "Infections and infestations", "uncommon")],
}


@pytest.mark.parametrize("product", sorted(GOLD_FACTS))
def test_ema_label_reactions(product):
    from tests.pdf_support import pdf_labels

    records = pdf_labels(product).records
    rec = records[0] if product != "karvea" else next(
        r for r in records if "150" in (r.label_id or "") and "film" in (r.label_id or ""))
    got = {(" ".join(e.term.split()).lower(), e.soc, e.frequency) for e in rec.adverse_reactions.entries}
    for term, soc, freq in GOLD_FACTS[product]:
        assert (term.lower(), soc, freq) in got, (term, soc, freq)
    assert not any(e.term.lower() in {"common", "uncommon", "rare", "very common", "not known"}
                   for e in rec.adverse_reactions.entries)


def test_prose_incidence_list_and_restated_band_take_the_tables_organ_class():
    t = Table(None, ["", "Common", "Not known"], [
        ["Nervous system disorders", "Postural dizziness", "Migraine"],
        ["Vascular disorders", "Postural hypotension", ""],
    ], SRC)
    rec = _record(t, subs=[("Paediatric population", [
        "In a randomised trial of 120 children aged 6 to 16 years, the following adverse reactions occurred: "
        "migraine (4.2%), postural dizziness (2.5%), fainting (0.5%).",
        "In elderly patients with renal impairment, postural dizziness and postural hypotension were reported in "
        "0.4% of the patients (i.e., uncommon).",
    ]), ("Bone pain", ["Cases of bone pain have been reported. The frequency of this is unknown."])])
    rows = _rows(rec)
    assert ("migraine", "Nervous system disorders", "common") in rows  # 4.2 % is common; its class from the table
    assert ("postural dizziness", "Nervous system disorders", "uncommon") in rows
    assert ("postural hypotension", "Vascular disorders", "uncommon") in rows
    assert not any(term.lower() in {"fainting", "bone pain"} for term, _, _ in rows)
    reasons = " ".join(u.reason for u in rec.unresolved)
    assert "'fainting' (uncommon)" in reasons and "'Bone pain' (not known)" in reasons
    ars = adverse_set(rec)
    mig = next(e for e in ars.entries if e.term == "migraine" and e.frequency == "common")
    assert mig.incidences[0].population == "children aged 6 to 16 years" and mig.incidences[0].percent == 4.2
    dz = next(e for e in ars.entries if e.term == "Postural dizziness" and e.frequency == "common")
    # the table entry restated for children keeps their population; the elderly's uncommon one is its own entry
    assert [(i.percent, i.population) for i in dz.incidences] == [(2.5, "children aged 6 to 16 years")]
    assert next(e for e in ars.entries if e.term == "postural dizziness" and e.frequency == "uncommon"
                ).incidences[0].population == "elderly patients with renal impairment"


def test_ema_prose_facts():
    from tests.pdf_support import pdf_labels

    karvea = next(r for r in pdf_labels("karvea").records if "150" in r.label_id and "film" in r.label_id)
    e = next(e for e in karvea.adverse_reactions.entries
             if e.term == "orthostatic hypotension" and e.frequency == "uncommon")
    assert e.soc == "Vascular disorders"
    assert e.incidences[0].percent == 0.5
    assert e.incidences[0].population == "diabetic hypertensive patients with microalbuminuria and normal renal function"
    head = next(e for e in karvea.adverse_reactions.entries if e.term == "headache" and e.frequency == "common")
    assert head.incidences[0].percent == 7.9 and "aged 6 to 16 years" in head.incidences[0].population
    # "headache (7.9%)": the band is worked out from the percentage, not printed: inferred, with its rule
    assert head.frequency_basis == "inferred" and head.source.derivation == "inferred"
    assert head.frequency_rule.startswith("the band the stated incidence (7.9%) falls in")
    # "... uncommon (0.5%)" style restatements and table cells stay stated
    assert e.frequency_basis == "stated"
    # "hypotension (2.2%)": the table prints "orthostatic hypotension" under Vascular disorders
    hypo = next(e for e in karvea.adverse_reactions.entries if e.term == "hypotension" and e.frequency == "common")
    assert hypo.soc == "Vascular disorders" and "qualifier" in hypo.frequency_rule
    # "Cases of osteonecrosis ... The frequency of this is unknown": no table term; the MedDRA term's class
    dovato = pdf_labels("dovato").records[0]
    osteo = next(e for e in dovato.adverse_reactions.entries if e.term.lower() == "osteonecrosis")
    assert (osteo.soc, osteo.frequency) == ("Musculoskeletal and connective tissue disorders", "not known")


def test_per_population_table_keeps_each_frequency_with_its_population():
    t = Table(None, ["Adverse reaction", "Children 2 to 11 years", "Adolescents 12 to 17 years"], [
        ["Nervous system disorders", "Nervous system disorders", "Nervous system disorders"],
        ["Drowsiness", "Very common", "Common"],
        ["Night terrors", "Uncommon", ""],
    ], SRC)
    rec = _record(t)
    ars = adverse_set(rec)
    got = {(e.term, e.soc, e.frequency, e.incidences[0].population) for e in ars.entries}
    assert got == {
        ("Drowsiness", "Nervous system disorders", "very common", "Children 2 to 11 years"),
        ("Drowsiness", "Nervous system disorders", "common", "Adolescents 12 to 17 years"),
        ("Night terrors", "Nervous system disorders", "uncommon", "Children 2 to 11 years"),
    }
    assert all(e.incidences[0].age_group == "pediatric" for e in ars.entries if "Children" in e.incidences[0].population)


def test_incidence_sentences_population_lab_findings_and_study_summaries():
    t = Table(None, ["", "Very common", "Common"], [["Nervous system disorders", "Migraine", "Tremor"]], SRC)
    rec = _record(t, subs=[
        ("Summary of the safety profile", [
            "The most frequently reported adverse reactions are migraine (3%) and tremor (2%)."]),
        ("Investigations", [
            "In 2.5% of elderly patients with renal impairment, a rise in serum urea*, which was not clinically "
            "significant, has been observed."]),
        ("Paediatric population", [
            "In a trial of 90 children aged 2 to 5 years, the following adverse reactions occurred: migraine (4%), "
            "tremor (3%). In the open-label period of this trial the most frequent laboratory abnormalities observed "
            "were urate increases (4.5%) and elevated lipase values in 2% of child recipients."]),
    ])
    rows = _rows(rec)
    # a study-wide summary with no population restates the table: migraine stays very common only
    assert ("Migraine", "Nervous system disorders", "very common") in rows
    assert ("migraine", "Nervous system disorders", "common") in rows  # stated for children
    assert ("rise in serum urea", "Investigations", "common") in rows
    assert ("urate increases", "Investigations", "common") in rows
    assert ("elevated lipase values", "Investigations", "common") in rows
    ars = adverse_set(rec)
    urea = next(e for e in ars.entries if e.term == "rise in serum urea")
    assert (urea.incidences[0].percent, urea.incidences[0].population) == (2.5, "elderly patients with renal impairment")
    lip = next(e for e in ars.entries if e.term == "elevated lipase values")
    assert lip.incidences[0].population == "children aged 2 to 5 years"


def test_ema_karvea_investigations_from_sentences():
    from tests.pdf_support import pdf_labels

    karvea = next(r for r in pdf_labels("karvea").records if "150" in r.label_id and "film" in r.label_id)
    got = {(e.term, e.soc, e.frequency) for e in karvea.adverse_reactions.entries}
    assert ("decrease in haemoglobin", "Investigations", "common") in got
    assert ("creatinine increases", "Investigations", "common") in got
    assert ("significant increases in plasma creatine kinase", "Investigations", "common") in got
