"""The general 4.2 dose forms: each in isolation on a fictional label, then on the
EMA PDFs with numbers and quotes read in the PDFs (``pdftotext -layout``)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from ingest.pipeline import read_label

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "dose-forms-velantor.txt"
EMA = ROOT / "labels" / "ema"


@lru_cache(maxsize=1)
def fixture():
    return read_label(FIXTURE)


def rule(title: str):
    rules = [r for r in fixture().dosing.dose_rules if r.title == title]
    assert rules, title
    return rules


def test_loading_then_maintenance():
    (r,) = rule("Gastric sarcoma")
    assert r.basis == "weight"
    loading, maintenance = r.phases
    assert (loading.role, loading.dose.value, loading.dose.unit) == ("loading", 8, "mg/kg")
    assert (maintenance.role, maintenance.dose.value) == ("maintenance", 6)
    assert (maintenance.interval.value, maintenance.interval.unit) == (3, "wk")
    assert (maintenance.starts_after.value, maintenance.starts_after.unit) == (3, "wk")


def test_weight_bands_with_fixed_combination():
    (r,) = rule("Viral infection")
    low, high = r.bands
    assert (low.min_kg.value, low.min_kg.comparator, low.max_kg.value, low.max_kg.comparator) == (14, ">=", 25, "<")
    assert low.dose.value == 20 and low.schedule == "once daily"
    assert (high.min_kg.value, high.max_kg, high.dose.value) == (25, None, 40)
    assert [(c.dose.value, c.dose.unit) for c in r.components] == [(20, "mg"), (60, "mg")]


def test_escalation_and_maximum_per_day():
    rules = rule("Joint disease")
    assert rules[0].dose.value == 25 and rules[0].interval.unit == "d"
    r = rules[-1]
    assert (r.escalate_to.value, r.escalate_to.unit) == (50, "mg")
    assert (r.max_period_dose.value, r.max_period_dose.unit) == (100, "mg/d")


def test_increment_per_week():
    (r,) = rule("Skin plaques")
    assert r.dose.value == 10 and r.times_per_interval == 1
    assert (r.increment.value, r.increment.unit) == (10, "mg/wk")


def test_schedule_in_weeks_then_every_n_weeks():
    (r,) = rule("Bowel disease")
    induction, maintenance = r.phases
    assert induction.at_weeks == [0, 2, 6] and induction.dose.value == 5
    assert maintenance.role == "maintenance" and (maintenance.interval.value, maintenance.interval.unit) == (8, "wk")


def test_frequency_with_its_condition():
    (r,) = rule("Night cramps")
    assert (r.times_per_interval, r.interval.unit) == (3, "d")
    assert r.condition == "with each main meal"


def test_each_rule_tied_to_its_indication():
    ids = {i.id: i.text for i in fixture().indications}
    for title, words in (("Gastric sarcoma", "gastric sarcoma"), ("Viral infection", "viral infection")):
        (r,) = rule(title)
        assert [words in ids[i] for i in r.indication_ids] == [True]


def test_forms_survive_the_graph():
    from kb.dosing.rules import load_dosing, runner_for_graph
    from kb.rdf import dosing as rdf_dosing
    from kb.rdf.base import GraphBuilder

    b = GraphBuilder("velantor", "1")
    rdf_dosing.add(b, fixture())
    back = load_dosing(runner_for_graph(b.g, str(b.root)), str(b.root))
    by = {r.id: r for r in back.dose_rules}
    orig = {r.id: r for r in fixture().dosing.dose_rules}
    for k, r in orig.items():
        assert [p.role for p in by[k].phases] == [p.role for p in r.phases]
        assert [(x.dose.value, x.min_kg and x.min_kg.value) for x in by[k].bands] == [(x.dose.value, x.min_kg and x.min_kg.value) for x in r.bands]
        assert [c.dose.value for c in by[k].components] == [c.dose.value for c in r.components]
        assert by[k].escalate_to == r.escalate_to and by[k].increment == r.increment and by[k].condition == r.condition


def test_dose_left_to_the_physician():
    (r,) = rule("Sugar imbalance")
    assert (r.dose_role, r.dose, r.max_dose) == ("individualised", None, None)


# --- the EMA PDFs: numbers and quotes as printed (checked with pdftotext -layout) ---

@lru_cache(maxsize=None)
def ema(name: str):
    from ingest.pipeline import read_labels

    return list(read_labels(next((EMA / name).glob("*.pdf"))))


def _rules(name: str, smpc_words: str):
    recs = [r for r in ema(name) if smpc_words in " ".join(filter(None, [r.product.name if r.product else None, r.label_id]))]
    assert recs, smpc_words
    return recs[0].dosing.dose_rules


def _quoted(rules, words: str):
    return [r for r in rules if words in " ".join(r.source.quote.split())]


def test_dovato_fixed_combination_is_one_dose_with_both_components():
    (r,) = _quoted(_rules("dovato", "Dovato"), "is one 50 mg/300 mg tablet once daily")
    assert [(c.dose.value, c.dose.unit) for c in r.components] == [(50, "mg"), (300, "mg")]
    assert (r.times_per_interval, r.interval.unit) == (1, "d")
    # 4.2: "Adults and adolescents (above 12 years of age weighing at least 40 kg)": no single age group, the bounds
    assert r.age_group is None and (r.min_age.value, r.min_age.comparator, r.min_weight.value) == (12, ">", 40)
    assert len(r.indication_ids) == 1  # the label's only indication (HIV-1 infection)


def test_dovato_dose_adjustment_of_section_4_4_with_its_condition():
    (r,) = [r for r in _quoted(_rules("dovato", "Dovato"), "The recommended dose of dolutegravir is 50 mg twice daily when "
                                   "co-administered with rifampicin") if r.section.startswith("4.4")]
    assert r.section.startswith("4.4") and r.dose.value == 50 and r.times_per_interval == 2
    assert r.condition.startswith("when co-administered with rifampicin")
    assert "St. John’s wort" in r.source.quote  # "St." does not end the sentence


def test_karvea_escalation():
    (r,) = _quoted(_rules("karvea", "karvea-150mg-film-coated"), "the dose of Karvea can be increased to")
    assert (r.dose.value, r.escalate_to.value, r.escalate_to.unit) == (150, 300, "mg")


def test_skilarence_weekly_increment():
    rules = _rules("skilarence", "Skilarence")
    r = next(r for r in rules if r.increment is not None)
    assert (r.increment.value, r.increment.unit) == (120, "mg/wk")
    assert "increased by one 120 mg tablet per week" in " ".join(r.increment_source.quote.split())


def test_humira_loading_dose_by_weight_band():
    rules = _quoted(_rules("humira", "humira-20mg"),
                    "a loading dose of 40 mg for patients < 30 kg or 80 mg for patients")
    assert rules
    bands = [(b.dose.value, b.min_kg and b.min_kg.value, b.max_kg and b.max_kg.value) for b in rules[0].bands]
    assert bands == [(40, None, 30), (80, 30, None)]


def test_suliqua_starting_dose_cells_and_daily_maximum():
    rules = _rules("suliqua", "Suliqua")
    combos = sorted(tuple(c.dose.value for c in r.components) for r in rules if r.components)
    assert (10, 5) in combos and (20, 10) in combos and (30, 10) in combos  # "(10 units/5 mcg)", "(20 units/10 mcg)", "(30 units/10 mcg)"
    caps = [r.max_period_dose for r in rules if r.max_period_dose is not None]
    assert [(q.value, q.unit) for q in caps] == [(60, "U/d")]  # "The maximum daily dose is 60 units insulin glargine"


@pytest.mark.parametrize("name", ["dovato", "karvea", "skilarence", "humira", "suliqua"])
def test_no_concentration_or_threshold_becomes_a_dose(name):
    for rec in ema(name)[:1]:
        for r in rec.dosing.dose_rules:
            if r.dose is not None:
                assert not r.dose.unit.endswith("/mL") and r.dose.comparator is None


def test_humalog_dose_left_to_the_physician_and_pen_limit():
    rules = ema("humalog")[0].dosing.dose_rules
    (r,) = _quoted(rules, "should be determined by the physician, according to the requirement of the patient")
    assert r.dose_role == "individualised" and r.dose is None
    pens = [(r.max_dose.value, r.max_dose.unit, r.dose_step.value) for r in rules if "in a single" in r.source.quote]
    assert pens == [(60, "U", 1), (30, "U", 0.5), (60, "U", 1)]  # KwikPen, Junior KwikPen, Tempo Pen


def test_humalog_infusion_concentration_range():
    # 4.2 "Intravenous administration of insulin": "Infusion systems at concentrations from 0.1 units/ml to
    # 1.0 units/ml insulin lispro in 0.9% sodium chloride or 5% dextrose are stable at room temperature for 48 hours."
    adm = ema("humalog")[0].dosing.administration
    c = adm.concentration
    assert (c.value, c.low, c.high, c.unit) == (None, 0.1, 1.0, "U/mL")
    assert adm.concentration_source.quote.startswith("Infusion systems at concentrations from 0.1 units/ml to 1.0")


def test_suliqua_dose_steps_are_a_dose_unit_holding_the_bracketed_components():
    # starting-dose table cell "10 dose steps (10 units/5 mcg)*"
    (r,) = [r for r in _rules("suliqua", "Suliqua") if r.dose is not None and r.dose.text == "10 dose steps"]
    assert (r.dose.value, r.dose.unit) == (10, "{dose_step}")
    assert [(c.dose.value, c.dose.unit) for c in r.components] == [(10, "U"), (5, "ug")]


def test_suliqua_bound_above_which_the_medicine_must_not_be_used_is_the_maximum():
    # "For total daily doses >60 dose steps/day, Suliqua must not be used."
    (r,) = _quoted(_rules("suliqua", "Suliqua"), "For total daily doses >60 dose steps/day, Suliqua must not be used")
    assert (r.max_dose.value, r.max_dose.unit, r.max_dose.comparator) == (60, "{dose_step}/d", "<=")
    assert r.dose is None
    # "For doses >40 dose steps/day titration must be continued with ..." refuses nothing: no maximum
    assert not _quoted(_rules("suliqua", "Suliqua"), "For doses >40 dose steps/day titration must be continued")


def test_a_number_printed_as_two_runs_is_one_number():
    # "0.1 units/ml" (Humalog 4.2) and "levonorgestrel 0.15 mg" (Suliqua 4.5): the decimal point ends one
    # text run and the digits start the next, a little apart
    assert "from 0.1 units/ml to 1.0 units/ml" in ema("humalog")[0].original
    assert "levonorgestrel 0.15 mg" in ema("suliqua")[0].original


def test_humalog_indication_without_a_dose_rule_is_refused_with_the_label_words():
    # 4.1 "For the treatment of adults and children with diabetes mellitus ..."; 4.2 Posology:
    # "The dose should be determined by the physician, according to the requirement of the patient."
    from kb.dosing.engine import DoseInputError, Rules, compute_dose
    from kb.rdf.build import build_graph

    rec = ema("humalog")[0]
    rules = Rules.from_graph(build_graph(rec), rec.label_id)
    ind = next(i for i in rec.indications if i.text.startswith("For the treatment of adults and children"))
    with pytest.raises(DoseInputError) as exc:
        compute_dose(rules, {"indication": ind.id, "weight_kg": 70, "age_years": 40})
    assert exc.value.field == "indication" and "unknown indication" not in exc.value.message
    assert exc.value.source == {"section": "4.2/posology", "quote": "The dose should be determined by the physician, "
                                "according to the requirement of the patient."}
