"""Indications, contraindications and warnings in each layout real labels use, shown
in isolation on fictional labels (tests/fixtures/clinical/):

* ``headed-bullets-zentorix.txt``: 4.1 with a prose indication before any heading
  (a BMI criterion), a disease heading over a lead-in and four bullets, a heading
  over a paediatric indication with minimum age and weight; 4.3 as prose (three
  sentences), a page number and a cross-reference line; 4.4 without sub-headings.
* ``listed-subheaded-plivanta.txt``: 4.3 as a lead-in with bullets; 4.4 under
  own-line sub-headings after an intro paragraph and a cross-reference line; an
  age-and-weight population in prose.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import read_label
from kb.rdf.base import SCHEMA, SMPC
from kb.rdf.build import build_graph
from kb.validate.shacl import validate_graph

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "clinical"


@pytest.fixture(scope="module")
def zentorix():
    return read_label(FIXTURES / "headed-bullets-zentorix.txt")


@pytest.fixture(scope="module")
def plivanta():
    return read_label(FIXTURES / "listed-subheaded-plivanta.txt")


def _headed(rec, heading):
    return [i for i in rec.indications if i.heading == heading]


def test_heading_with_four_bullets_gives_four_indications_with_its_disease(zentorix):
    bullets = _headed(zentorix, "Fictional gland carcinoma")
    assert len(bullets) == 4
    assert {i.population.disease for i in bullets} == {"fictional gland carcinoma"}
    assert all(i.population.markers.get("GLX1") == "positive" for i in bullets)
    assert all("metastatic" in i.population.disease_states for i in bullets)


def test_each_bullet_keeps_its_own_therapy(zentorix):
    first, second, third, fourth = _headed(zentorix, "Fictional gland carcinoma")
    assert first.population.therapy_role == ["monotherapy"]
    assert [(p.relation, p.min_count) for p in first.population.prior_therapy] == [("received", 2)]
    assert first.population.prior_therapy[0].therapy == "chemotherapy regimens"
    assert second.population.combination_with == ["paclitaxel"]
    assert [p.relation for p in second.population.prior_therapy] == ["not-previously-treated"]
    assert third.population.combination_with == ["docetaxel"]
    assert fourth.population.combination_with == ["an aromatase inhibitor"]
    assert fourth.population.markers.get("hormone-receptor") == "positive"


def test_children_from_an_age_and_a_weight(zentorix):
    (ind,) = _headed(zentorix, "Fictional drift syndrome")
    pop = ind.population
    assert (pop.min_age.value, pop.min_age.unit) == (2, "a")
    assert (pop.min_weight.value, pop.min_weight.unit, pop.min_weight.comparator) == (14, "kg", ">=")
    assert pop.age_group == "pediatric"
    assert pop.disease == "fictional drift syndrome"
    assert [(p.relation, p.therapy) for p in pop.prior_therapy] == [("inadequate-response", "conventional therapy")]


def test_bmi_is_a_criterion_not_the_disease(zentorix):
    (ind,) = [i for i in zentorix.indications if i.heading is None]
    pop = ind.population
    assert "BMI" not in (pop.disease or "") and "body mass" not in (pop.disease or "")
    assert pop.disease == "weight management"
    assert any("body mass index (BMI) of 30 kg/m2 or greater" in c for c in pop.criteria)
    assert pop.combination_with == ["a reduced-calorie diet"]


def test_adults_and_adolescents_aged_and_weighing(plivanta):
    (ind,) = plivanta.indications
    pop = ind.population
    assert (pop.min_age.value, pop.min_weight.value) == (12, 40)
    assert pop.disease == "fictional drift syndrome"


def test_prose_contraindications_one_per_sentence_never_page_or_cross_reference(zentorix):
    texts = [c.text for c in zentorix.contraindications]
    assert texts == [
        "Hypersensitivity to the active substance or to any of the excipients listed in section 6.1.",
        "Severe hepatic impairment.",
        "Pregnancy (see section 4.5).",
    ]
    assert [c.kind for c in zentorix.contraindications] == ["hypersensitivity", "condition", "condition"]
    assert zentorix.contraindications[2].cross_refs == ["4.5"]


def test_listed_contraindications_one_per_item_lead_in_skipped(plivanta):
    cis = plivanta.contraindications
    assert [c.text for c in cis] == [
        "hypersensitivity to the active substance or to any of the excipients listed in section 6.1",
        "severe renal impairment (see section 4.2)",
        "concomitant use of strong fictional inhibitors (see section 4.5)",
    ]
    assert [c.cross_refs for c in cis[1:]] == [["4.2"], ["4.5"]]


def test_warnings_without_sub_headings_are_paragraphs_titled_by_lead_words(zentorix):
    titles = [w.title for w in zentorix.warnings]
    assert titles[0] == "Hyperkalaemia"
    assert titles[1].startswith("Elderly patients may be at increased risk")
    assert len(zentorix.warnings) == 3
    hyper, elderly, _ = zentorix.warnings
    assert hyper.cross_refs == ["4.5"] and len(hyper.monitoring) == 1
    assert [who for who, _ in elderly.at_risk] == ["Elderly patients"]
    assert len(elderly.monitoring) == 1
    assert any("no named sub-headings" in i.message for i in zentorix.issues)


def test_warnings_under_own_line_sub_headings(plivanta):
    _, liver, flares = plivanta.warnings
    assert (liver.title, liver.cross_refs, len(liver.monitoring)) == ("Liver injury", ["4.8"], 1)
    assert flares.title == "Fictional drift flares"
    assert [who for who, _ in flares.at_risk] == ["Patients with advanced fictional drift syndrome"]
    assert not any("no named sub-headings" in i.message for i in plivanta.issues)


def test_paragraphs_before_the_first_sub_heading_are_warnings_titled_by_lead_words(plivanta):
    # "Plivanta should only be prescribed by physicians experienced in ... Patients should be monitored for
    # signs of liver injury during treatment." then "See section 4.8." before the "Liver injury" sub-heading
    intro = plivanta.warnings[0]
    assert intro.section == "4.4" and intro.title == "Plivanta should only be prescribed by physicians experienced …"
    assert len(intro.monitoring) == 1
    assert not any(w.text.startswith("See section") for w in plivanta.warnings)  # a cross-reference line is no warning
    g = build_graph(plivanta)
    report = validate_graph(g)
    assert report.conforms, report.text()


def test_population_weight_and_criteria_in_rdf_pass_the_shapes(zentorix):
    g = build_graph(zentorix)
    report = validate_graph(g)
    assert report.conforms, report.text()
    weights = {float(v) for q in g.objects(None, SMPC.minWeight) for v in g.objects(q, SCHEMA.value)}
    assert weights == {14.0}
    assert any("BMI" in str(o) for o in g.objects(None, SMPC.criterion))
    assert {str(o) for o in g.objects(None, SMPC.combinationWith)} >= {"paclitaxel", "docetaxel"}
    assert "Fictional gland carcinoma" in {str(o) for o in g.objects(None, SMPC.heading)}
