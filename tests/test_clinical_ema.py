"""Indications, contraindications and warnings read from the six EMA PDFs in
labels/ema/, checked against what the PDFs print (read with ``pdftotext -layout``
and in the gold files labels/ema/*/gold-facts.json)."""
from __future__ import annotations

import pytest

from tests.pdf_support import pdf_labels as _labels


def pdf_labels(product: str):
    return _labels(product).records


def _smpc(product: str, name_part: str):
    return next(r for r in pdf_labels(product) if name_part in r.label_id)


@pytest.mark.parametrize("product,count", [
    ("skilarence", 4), ("humira", 3), ("dovato", 2), ("karvea", 3), ("humalog", 2), ("suliqua", 1),
])
def test_contraindication_counts_in_every_smpc(product, count):
    for rec in pdf_labels(product):
        assert len(rec.contraindications) == count, (rec.label_id, [c.text for c in rec.contraindications])


def test_dashed_contraindications_are_one_per_item():
    # printed as four lines each opening with a figure dash
    rec = pdf_labels("skilarence")[0]
    assert [c.text.rstrip(" .") for c in rec.contraindications][1:] == [
        "Severe gastrointestinal disorders", "Severe hepatic or renal impairment", "Pregnancy and breast-feeding"]
    assert rec.contraindications[0].kind == "hypersensitivity"


def test_no_contraindication_is_a_page_number_heading_or_cross_reference():
    for product in ("skilarence", "humira", "dovato", "karvea", "humalog", "suliqua"):
        for rec in pdf_labels(product):
            for c in rec.contraindications:
                assert not c.text.strip().isdigit()
                assert not c.text.lower().startswith(("see ", "(see")), c.text
                assert not c.text.rstrip().endswith(":"), c.text


def test_adults_and_adolescents_above_an_age_weighing_at_least():
    # "in adults and adolescents above 12 years of age weighing at least 40 kg"
    (ind,) = pdf_labels("dovato")[0].indications
    pop = ind.population
    assert (pop.min_age.value, pop.min_age.unit) == (12, "a")
    assert (pop.min_weight.value, pop.min_weight.unit) == (40, "kg")
    assert pop.disease == "Human Immunodeficiency Virus type 1 (HIV-1) infection"
    assert any(c.startswith("with no known or suspected resistance") for c in pop.criteria)


def test_lead_in_with_bullets_under_a_heading_gives_one_indication_per_bullet():
    # "Rheumatoid arthritis" / "Humira in combination with methotrexate, is indicated for:" + two bullets
    rec = _smpc("humira", "40mg-pre-filled-syringe-0-8ml")
    ra = [i for i in rec.indications if i.heading == "Rheumatoid arthritis"]
    assert len(ra) == 2
    assert all(i.population.combination_with == ["methotrexate"] for i in ra)
    assert all("rheumatoid arthritis" in i.population.disease for i in ra)
    assert [(p.relation, p.therapy) for p in ra[1].population.prior_therapy] == [("not-previously-treated", "methotrexate")]
    assert all(i.population.age_group == "adult" for i in ra)
    # "Humira can be given as monotherapy in case of intolerance to methotrexate ..." under the same heading
    assert all("monotherapy" in i.population.therapy_role for i in ra)


def test_one_indication_per_sub_heading_with_its_group_heading():
    rec = pdf_labels("humira")[0]  # the 20 mg syringe: five paediatric indications
    assert len(rec.indications) == 5
    pjia = rec.indications[0]
    assert pjia.heading == "Juvenile idiopathic arthritis / Polyarticular juvenile idiopathic arthritis"
    assert pjia.population.min_age.value == 2  # "in patients from the age of 2 years"
    assert pjia.population.combination_with == ["methotrexate"]
    assert "monotherapy" in pjia.population.therapy_role
    uveitis = rec.indications[-1]
    assert uveitis.heading == "Paediatric Uveitis"
    assert uveitis.population.disease == "paediatric chronic non-infectious anterior uveitis"
    assert uveitis.population.min_age.value == 2


def test_adults_and_children_have_no_lowest_age():
    rec = pdf_labels("humalog")[0]
    first, second = rec.indications
    assert first.population.min_age is None  # "adults and children with diabetes mellitus"
    assert first.population.disease == "diabetes mellitus"
    assert "maintenance" not in first.population.therapy_role  # "maintenance of normal glucose homeostasis"
    assert second.population.disease == "diabetes mellitus"  # "initial stabilisation of diabetes mellitus"


def test_combination_partners_are_not_the_disease():
    (ind,) = pdf_labels("suliqua")[0].indications
    pop = ind.population
    assert pop.disease == "insufficiently controlled type 2 diabetes mellitus"
    assert any(p.startswith("metformin") for p in pop.combination_with)


def test_lead_in_warnings_keep_monitoring_and_cross_references():
    # "Hyperkalaemia: ... Close monitoring of serum potassium in patients at risk is recommended (see section 4.5)."
    rec = pdf_labels("karvea")[0]
    w = next(w for w in rec.warnings if w.title == "Hyperkalaemia")
    assert "4.5" in w.cross_refs and w.monitoring


def test_at_risk_populations_named_in_one_phrase_or_as_subject():
    rec = pdf_labels("humira")[0]
    by_title = {w.title: [who for who, _ in w.at_risk] for w in rec.warnings}
    # "Patients taking TNF-antagonists are more susceptible to serious infections."
    assert any(who.startswith("Patients taking TNF") for who in by_title["Infections"])
    # "... in patients with several or significant risk factors for tuberculosis despite a negative test ..."
    assert "patients with several or significant risk factors for tuberculosis" in by_title["Tuberculosis"]


def test_comorbidity_is_a_criterion_and_the_disease_stays_the_disease():
    # "It is also indicated for the treatment of renal disease in adult patients with
    # hypertension and type 2 diabetes mellitus as part of an antihypertensive medicinal product regimen"
    second = pdf_labels("karvea")[0].indications[1]
    assert second.population.disease == "renal disease"
    assert "in adult patients with hypertension and type 2 diabetes mellitus" in second.population.criteria


def _reactions(product: str, label_part: str = ""):
    rec = next(r for r in pdf_labels(product) if label_part in r.label_id)
    return {(e.term, e.soc, e.frequency): e for e in rec.adverse_reactions.entries}


def test_a_table_cell_continued_on_the_next_page_keeps_its_items_apart():
    # Table 6, Hepato-biliary disorders, Rare: "Hepatitis" ends page 16; the same cell goes on at the top of
    # page 17 with "reactivation of hepatitis B1)" / "autoimmune hepatitis1)", each item on its own line
    got = _reactions("humira", "humira-20mg")
    for term in ("Hepatitis", "reactivation of hepatitis B", "autoimmune hepatitis"):
        assert (term, "Hepatobiliary disorders", "rare") in got, term
    assert not any("Hepatitis reactivation" in t for t, _, _ in got)


def test_a_continued_cell_ending_mid_phrase_is_joined():
    # the organ-class cell "Metabolism and nutrition" (page 14) / "disorders" (page 15) is one name
    got = _reactions("humira", "humira-20mg")
    assert ("Lipids increased", "Metabolism and nutrition disorders", "very common") in got


def test_a_reaction_stated_in_prose_takes_the_class_of_the_table_term_naming_it():
    # 4.8 paediatric population: "headache (7.9%), hypotension (2.2%), dizziness (1.9%), cough (0.9%)";
    # the table holds "orthostatic hypotension" under Vascular disorders
    e = _reactions("karvea")[("hypotension", "Vascular disorders", "common")]
    assert "hypotension (2.2%)" in e.source.quote


def test_a_reaction_outside_the_tables_takes_its_meddra_class():
    # "Cases of osteonecrosis have been reported ... The frequency of this is unknown (see section 4.4)."
    got = _reactions("dovato")
    assert any(t.lower() == "osteonecrosis" and (s, f) == ("Musculoskeletal and connective tissue disorders", "not known")
               for t, s, f in got)
    assert not pdf_labels("dovato")[0].unresolved


def test_methotrexate_4_4_intro_paragraphs_are_warnings():
    # UK methotrexate ePI, 4.4 before "Monitoring (prior to starting treatment)": "The prescriber should specify
    # the day of intake on the prescription." ... "Methotrexate must be used only by physicians experienced in
    # antimetabolite" / "Chemotherapy." (one sentence printed as two paragraphs)
    from pathlib import Path

    from ingest.pipeline import read_label

    rec = read_label(Path(__file__).resolve().parent.parent / "labels" / "methotrexate-uk" / "smpc-epi.json")
    own = [w for w in rec.warnings if w.section == "4.4"]
    assert own[0].text == "The prescriber should specify the day of intake on the prescription."
    assert any(w.text == "Methotrexate must be used only by physicians experienced in antimetabolite Chemotherapy."
               for w in own)
    assert any(w.section == "4.4/hepatotoxicity" for w in rec.warnings)  # the sub-headed warnings stay


def test_a_population_naming_adults_and_adolescents_holds_both_age_groups(tmp_path):
    # Dovato 4.1: "... in adults and adolescents above 12 years of age weighing at least 40 kg ..."
    from kb import label_queries as label_data
    from kb.service import KnowledgeBase

    rec = pdf_labels("dovato")[0]
    (ind,) = rec.indications
    assert ind.population.age_groups == ["adult", "adolescent"] and ind.population.age_group == "adult"
    kb = KnowledgeBase(tmp_path / "store")
    try:
        (result,) = kb.ingest_records([rec])
        assert result.stored, result.report.text()  # the shapes accept a population with two age groups
        props = label_data.population(kb, result.ref.iri)[ind.id]
        age = next(p for p in props if p["property"] == "ageGroup")
        assert sorted(age["values"]) == ["adolescent", "adult"]
    finally:
        kb.close()
