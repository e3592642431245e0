"""The population a dose rule's heading or opening line prints is data on the rule, and checked.

Every quote below is the page text of the EMA PDFs under labels/ema, read with pypdfium2:

* Humira SmPC (40 mg pre-filled syringe 0.8 ml / 0.4 ml), section 4.2:
  "Adolescent hidradenitis suppurativa (from 12 years of age, weighing at least 30 kg)" then
  "The recommended Humira dose is 80 mg at Week 0 followed by 40 mg every other week starting at
  Week 1 via subcutaneous injection.";
  "Polyarticular juvenile idiopathic arthritis from 2 years of age";
  "Enthesitis-related arthritis" then "The recommended dose of Humira for patients with
  enthesitis-related arthritis from 6 years of age is based on body weight (Table 2).";
  "Paediatric ulcerative colitis" then "The recommended dose of Humira for patients from 6 to 17
  years of age with ulcerative colitis is based on body weight (Table 5)."
* Dovato SmPC, section 4.2 "Posology": "Adults and adolescents (above 12 years of age weighing at
  least 40 kg)." then "The recommended dose of Dovato in adults and adolescents is one 50 mg/300 mg
  tablet once daily."

Before the fix an 8-year-old of 20 kg (and a 40-year-old) got the adolescent HS dose, a 1-year-old
got the pJIA / enthesitis-related arthritis doses, and a 13-year-old of 45 kg was refused Dovato
as "for adult patients".
"""
from __future__ import annotations

import pytest

from tests.pdf_support import EMA, dose_rules, pdf_records, rule_dose, rules_quoting
from kb.dosing.inputs import DoseInputError

HUMIRA = "humira-40mg-pre-filled-syringe-0-8ml"
HS = "Adolescent hidradenitis suppurativa (from 12 years of age, weighing at least 30 kg)"
HS_DOSE = "80 mg at Week 0 followed by 40 mg every other week starting at Week 1"
DOVATO_DOSE = "The recommended dose of Dovato in adults and adolescents is one 50 mg/300 mg tablet once daily."


def _refusal(label_id: str, rule, params: dict) -> DoseInputError:
    with pytest.raises(DoseInputError) as e:
        rule_dose(label_id, [rule], {"indication": rule.id, **params})
    return e.value


def _hs_rule():
    (r,) = rules_quoting(dose_rules("humira", HUMIRA), HS_DOSE)
    return r


# --- 1. Humira: the heading's age and weight are the rule's ---

def test_adolescent_hs_heading_bounds_are_data_on_the_rule():
    r = _hs_rule()
    assert r.title == HS
    assert (r.min_age.value, r.min_age.unit, r.min_age.comparator) == (12, "a", ">=")
    assert (r.min_weight.value, r.min_weight.unit, r.min_weight.comparator) == (30, "kg", ">=")
    assert r.age_group == "pediatric"  # "Adolescent ...": not an adult's dose


@pytest.mark.parametrize("age, weight, field", [(8, 20, "age_years"), (11, 40, "age_years"), (12, 20, "weight_kg"),
                                                (40, 70, "age_years")])
def test_adolescent_hs_refuses_outside_its_heading(age, weight, field):
    r = _hs_rule()
    err = _refusal(HUMIRA, r, {"age_years": age, "weight_kg": weight})
    assert err.field == field
    assert HS in str(err)  # the heading is quoted


def test_adolescent_hs_doses_a_12_year_old_of_30_kg():
    r = _hs_rule()
    answer = rule_dose(HUMIRA, [r], {"indication": r.id, "age_years": 12, "weight_kg": 30})
    assert [(p["role"], p["dose"]["value"]) for p in answer["phases"]] == [("induction", 80), ("maintenance", 40)]


def test_adolescent_hs_without_a_weight_warns_of_the_printed_minimum():
    r = _hs_rule()
    answer = rule_dose(HUMIRA, [r], {"indication": r.id, "age_years": 14})
    assert any("weighing at least 30 kg" in w for w in answer["warnings"])


def test_every_adolescent_hs_rule_of_the_sub_section_takes_the_heading():
    # "In adolescent patients with inadequate response to Humira 40 mg every other week, an increase in dosage
    # to 40 mg every week or 80 mg every other week may be considered."
    rules = [r for r in dose_rules("humira", HUMIRA) if r.title == HS]
    assert len(rules) >= 2
    assert all(r.min_age.value == 12 and r.min_weight.value == 30 for r in rules)


def _in_band(rule) -> float:
    """A weight inside the rule's first printed weight band (45 kg when it has none)."""
    band = rule.bands[0] if rule.bands else None
    if band is not None and band.min_kg is not None:
        return band.min_kg.value + (0 if band.min_kg.comparator == ">=" else 1)
    if band is not None and band.max_kg is not None:
        return band.max_kg.value - 1
    return 45


def _section_rules(tail: str):
    return [r for r in dose_rules("humira", HUMIRA) if r.section.endswith(tail)]


@pytest.mark.parametrize("tail, youngest", [
    ("polyarticular-juvenile-idiopathic-arthritis-from-2-years-of", 2),  # heading "... from 2 years of age"
    ("enthesitis-related-arthritis", 6),  # opening sentence "... from 6 years of age is based on body weight"
    ("paediatric-ulcerative-colitis", 6),  # opening sentence "... from 6 to 17 years of age ..."
])
def test_paediatric_headings_and_opening_lines_bound_the_age(tail, youngest):
    rules = _section_rules(tail)
    assert rules
    for r in rules:
        assert (r.min_age.value, r.min_age.comparator) == (youngest, ">=")
        weight = _in_band(r)
        err = _refusal(HUMIRA, r, {"age_years": youngest - 1, "weight_kg": weight})
        assert err.field == "age_years" and r.title in str(err)
        rule_dose(HUMIRA, [r], {"indication": r.id, "age_years": youngest, "weight_kg": weight})  # the youngest printed


def test_paediatric_ulcerative_colitis_stops_at_17_years():
    rules = _section_rules("paediatric-ulcerative-colitis")
    for r in rules:
        assert (r.max_age.value, r.max_age.comparator) == (17, "<=")
    r = rules[0]
    weight = _in_band(r)
    rule_dose(HUMIRA, [r], {"indication": r.id, "age_years": 17.5, "weight_kg": weight})  # still 17 years of age
    assert _refusal(HUMIRA, r, {"age_years": 18, "weight_kg": weight}).field == "age_years"


# --- 2. Dovato: "Adults and adolescents (above 12 years of age weighing at least 40 kg)." ---

def _dovato_rule():
    (r,) = rules_quoting(dose_rules("dovato"), DOVATO_DOSE)
    return r


def test_adults_and_adolescents_is_not_adults_only():
    r = _dovato_rule()
    assert r.age_group is None  # both groups are named
    assert (r.min_age.value, r.min_age.comparator) == (12, ">")  # "above 12 years of age"
    assert (r.min_weight.value, r.min_weight.comparator) == (40, ">=")


def test_a_13_year_old_of_45_kg_gets_the_dovato_dose():
    r = _dovato_rule()
    answer = rule_dose("dovato", [r], {"indication": r.id, "age_years": 13, "weight_kg": 45})
    assert answer["dose"]["value"] == 50 and answer["schedule"]["text"] == "once daily"


@pytest.mark.parametrize("age, weight, field, words", [(12, 45, "age_years", "above 12 years"),
                                                       (13, 35, "weight_kg", "weighing at least 40 kg")])
def test_dovato_refuses_below_the_printed_population(age, weight, field, words):
    err = _refusal("dovato", _dovato_rule(), {"age_years": age, "weight_kg": weight})
    assert err.field == field and words in str(err)


# --- the generic readers on wording of their own ---

def test_population_readers_on_other_wording():
    from ingest.extract.posology.population import age_group, bounds

    assert age_group("The dose in adults and children is 5 mg", heading=False) is None
    assert age_group("The dose in adults is 5 mg", heading=False) == "adult"
    assert age_group("Use in adolescents", heading=True) == "pediatric"
    b = bounds("Children (aged 6 years and older, weighing more than 25 kg)")
    assert (b.min_age.value, b.min_age.comparator, b.min_weight.value, b.min_weight.comparator) == (6, ">=", 25, ">")
    assert bounds("Infants from 6 months of age").min_age.unit == "mo"
    assert not bounds("The safety and efficacy in children aged 2 years has not been established").any()


def test_population_bounds_survive_the_graph(tmp_path):
    """The bounds are stored in the label graph and read back by the dose engine."""
    from kb.dosing.patient import Rules
    from kb.rdf.build import build_graph

    rec = next(r for r in pdf_records("dovato").values())
    rules = Rules.from_graph(build_graph(rec), rec.label_id)
    r = next(x for x in rules.record.dose_rules if " ".join(x.text.split()) == DOVATO_DOSE)
    assert (r.min_age.value, r.min_age.comparator, r.min_weight.value) == (12, ">", 40)


# --- end to end: a store, GET /api/dose and its refusal ---

def test_dovato_population_through_the_store_and_the_http_api(tmp_path):
    from kb.service import KnowledgeBase
    from web import create_app

    kb = KnowledgeBase(tmp_path / "store")
    try:
        result = kb.ingest(next((EMA / "dovato").glob("*.pdf")))
        assert result.stored, result.report.text()
        client = create_app({"KB": kb, "LOG_REQUESTS": False, "TESTING": True}).test_client()
        q = {"label": result.ref.name, "indication": "posology"}
        ok = client.get("/api/dose", query_string={**q, "age_years": 13, "weight_kg": 45})
        assert ok.status_code == 200, ok.get_json()
        assert ok.get_json()["dose"]["value"] == 50
        for age, weight, field in ((12, 45, "age_years"), (13, 35, "weight_kg")):
            r = client.get("/api/dose", query_string={**q, "age_years": age, "weight_kg": weight})
            assert r.status_code == 422, r.get_json()
            assert field in str(r.get_json())
    finally:
        kb.close()
