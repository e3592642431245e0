"""Dosing rules of 4.2 read as the label prints them (acceptance review of the posology reader).

Every expectation below is read in the EMA PDFs under labels/ema (text checked with pypdfium2's
page text): the Humira SmPC "Humira 40 mg solution for injection in pre-filled syringe" (0.8 ml)
and the Suliqua SmPC. The causes fixed are generic (schedules inside brackets, a later
sentence's schedule about another therapy, a table row's weight band, phase names), so the
tests also check the small readers on wording of their own.
"""
from __future__ import annotations

import pytest

from tests.pdf_support import dose_rules, pdf_records, rule_dose, rules_quoting

HUMIRA = "humira-40mg-pre-filled-syringe-0-8ml"


# --- 1. a schedule word inside a bracket says how a dose is split, not how often it is given ---

def test_schedule_words_inside_brackets_are_not_a_schedule():
    from ingest.extract.posology.schedules import schedule

    text = ("160 mg at Week 0 (given as four 40 mg injections in one day or as two 40 mg injections per day "
            "for two consecutive days), followed by 80 mg at Week 2")
    assert schedule(text) is None
    # a slice that starts inside the bracket (the text after a bracketed dose) skips it too
    sched = schedule("injections per day for two consecutive days) and 40 mg every other week")
    assert sched is not None and sched[0] == "every other week"


def test_hidradenitis_suppurativa_is_not_160_mg_per_day():
    # 4.2 Hidradenitis suppurativa: "The recommended Humira dose regimen for adult patients with hidradenitis
    # suppurativa (HS) is 160 mg initially at Day 1 (given as four 40 mg injections in one day or as two 40 mg
    # injections per day for two consecutive days), followed by 80 mg two weeks later at Day 15 (given as two
    # 40 mg injections in one day). Two weeks later (Day 29) continue with a dose of 40 mg every week or 80 mg
    # every other week (given as two 40 mg injections in one day)."
    (r,) = rules_quoting(dose_rules("humira", HUMIRA), "is 160 mg initially at Day 1")
    assert r.dose.value == 160 and r.interval is None  # was "per day", from inside the bracket
    first, second, maintenance = r.phases
    assert (first.dose.value, first.at_weeks) == (160, [0])  # Day 1
    assert (second.dose.value, second.at_weeks) == (80, [2])  # Day 15
    assert (maintenance.role, maintenance.dose.value, maintenance.interval.value, maintenance.interval.unit) == \
        ("maintenance", 40, 1, "wk")  # "continue with a dose of 40 mg every week"
    assert (maintenance.starts_after.value, maintenance.starts_after.unit) == (2, "wk")  # "Two weeks later (Day 29)"
    answer = rule_dose(HUMIRA, [r], {"indication": r.id})
    assert answer["schedule"] is None and "per day" not in answer["dose_text"]


def test_adolescent_hidradenitis_keeps_every_other_week():
    # 4.2 Adolescent hidradenitis suppurativa (from 12 years of age, weighing at least 30 kg): "The recommended
    # Humira dose is 80 mg at Week 0 followed by 40 mg every other week starting at Week 1 via subcutaneous injection."
    (r,) = rules_quoting(dose_rules("humira", HUMIRA), "80 mg at Week 0 followed by 40 mg every other week starting at Week 1")
    first, maintenance = r.phases
    assert (first.dose.value, first.at_weeks) == (80, [0])
    assert (maintenance.role, maintenance.dose.value) == ("maintenance", 40)
    assert (maintenance.interval.value, maintenance.interval.unit, maintenance.schedule) == (2, "wk", "every other week")
    assert (maintenance.starts_after.value, maintenance.starts_after.unit) == (1, "wk")  # Week 1 after Week 0
    answer = rule_dose(HUMIRA, [r], {"indication": r.id, "weight_kg": 40, "age_years": 14})
    assert answer["schedule"] is None  # 80 mg is given once, at week 0: the schedule is the maintenance phase's
    assert [(p["role"], p["dose"]["value"], p["schedule"]) for p in answer["phases"]] == \
        [("induction", 80, None), ("maintenance", 40, "every other week")]


# --- 2. a later sentence's schedule about the patient's previous medicine is not the dose's ---

def test_suliqua_starting_doses_are_once_a_day_not_twice_daily():
    # 4.2 Starting dose: table cells "10 dose steps (10 units/5 mcg)*", "20 dose steps (20 units/10 mcg)*",
    # "30 dose steps" / "(30 units/10 mcg)*"; then "For twice daily basal insulin or insulin glargine (300 units/ml),
    # the total daily dose previously used should be reduced by 20% to choose the Suliqua starting dose." and
    # "Suliqua should be injected once a day within one hour prior to a meal."
    rules = [r for r in dose_rules("suliqua") if r.section.endswith("starting-dose") and r.dose is not None]
    assert sorted((r.dose.value, r.dose.unit) for r in rules) == [(10, "{dose_step}"), (20, "{dose_step}"), (30, "{dose_step}")]
    for r in rules:
        assert (r.times_per_interval, r.interval.value, r.interval.unit) == (1, 1, "d"), r.text
        assert r.interval_source.quote.startswith("Suliqua should be injected once a day")
        assert r.condition == "within one hour prior to a meal"
    (thirty,) = [r for r in rules if r.dose.value == 30]
    assert [(c.dose.value, c.dose.unit) for c in thirty.components] == [(30, "U"), (10, "ug")]  # "(30 units/10 mcg)"
    assert not [r for r in dose_rules("suliqua") if r.interval is not None and r.times_per_interval == 2]


def _starting_dose_rules(text: str):
    """The prose rules of a fictional 4.2 sub-section, one paragraph per line."""
    from ingest.extract.posology.prose import read_rules
    from ingest.records import Paragraph, Section, Source

    paras, pos = [], 0
    for n, line in enumerate(text.split("\n"), 1):
        paras.append(Paragraph(line, Source("4.2/starting-dose", n, n, pos, pos + len(line), line)))
        pos += len(line) + 1
    whole = Source("4.2/starting-dose", 1, len(paras), 0, len(text), text)
    sec = Section("4.2/starting-dose", "4.2", "Starting dose", 3, "4.2", text, text, whole, paras)
    return read_rules(sec, text)


def test_a_previous_therapy_schedule_is_not_attached_on_fictional_wording():
    rules = _starting_dose_rules("The recommended starting dose is 10 mg.\n"
                                 "Patients switching from a twice daily medicine should stop it the day before.\n"
                                 "The tablet should be taken once daily with food.")
    (r,) = rules
    assert (r.times_per_interval, r.interval.unit, r.schedule) == (1, "d", "once daily")


def test_a_sentence_about_something_else_gives_no_schedule():
    (r,) = _starting_dose_rules("The recommended dose is 10 mg.\n"
                                "Patients should wash the skin on a daily basis.")
    assert r.interval is None


# --- 3. a table row's weight band stays with every dose of the row ---

def test_paediatric_crohn_alternative_dose_keeps_its_row_band():
    # 4.2 Table 4 "Humira Dose for Paediatric Patients with Crohn's disease", row "≥ 40 kg": "80 mg at week 0 and
    # 40 mg at week 2 / In case there is a need for a more rapid response to therapy with the awareness that the risk
    # for adverse events may be higher with use of the higher induction dose, the following dose may be used:
    # 160 mg at week 0 and 80 mg at week 2"; maintenance cell "40 mg every other week". Row "< 40 kg": "40 mg at
    # week 0 and 20 mg at week 2", the alternative "80 mg at week 0 and 40 mg at week 2", maintenance "20 mg every
    # other week".
    rules = [r for r in dose_rules("humira", HUMIRA) if r.section.endswith("paediatric-crohn-s-disease")]
    (rapid_high,) = rules_quoting(rules, "160 mg at week 0 and 80 mg at week 2")
    assert [(b.min_kg.value, b.min_kg.comparator, b.max_kg) for b in rapid_high.bands] == [(40, ">=", None)]
    assert "≥ 40 kg" in rapid_high.bands[0].source.quote  # the band is quoted from its row
    (rapid_low,) = [r for r in rules_quoting(rules, "80 mg at week 0 and 40 mg at week 2") if "In case" in r.text]
    assert [(b.min_kg, b.max_kg.value, b.max_kg.comparator) for b in rapid_low.bands] == [(None, 40, "<")]
    for r in rules:  # every dose read from a banded row keeps a band
        if "at week 0" in r.text:
            assert r.bands, r.text


def test_a_20_kg_child_never_gets_the_40_kg_dose():
    from kb.dosing.inputs import DoseInputError

    rules = [r for r in dose_rules("humira", HUMIRA) if r.section.endswith("paediatric-crohn-s-disease")]
    child = {"weight_kg": 20, "age_years": 7}
    given = []
    for r in rules:
        try:
            answer = rule_dose(HUMIRA, rules, {"indication": r.id, **child})
        except DoseInputError as e:
            assert e.field == "weight_kg", e
            continue
        band = answer.get("weight_band")
        assert band and band["max_kg"]["value"] == 40, r.text  # every answer for 20 kg is from the "< 40 kg" row
        given += [answer["dose"]["value"], *(p["dose"]["value"] for p in answer["phases"])]
    assert given and 160 not in given  # "160 mg at week 0" is printed only in the ">= 40 kg" row


def test_the_maintenance_column_is_a_phase_of_each_row_alternative():
    # Table 4, "< 40 kg" row: maintenance cell "20 mg every other week" (Maintenance Dose Starting at Week 4)
    rules = [r for r in dose_rules("humira", HUMIRA) if r.section.endswith("paediatric-crohn-s-disease")]
    for words, upkeep in (("40 mg at Week 0 and 20 mg at week 2", 20), ("160 mg at week 0 and 80 mg at week 2", 40)):
        (r,) = [r for r in rules_quoting(rules, words)]
        maintenance = [p for p in r.phases if p.role == "maintenance"]
        assert [(p.dose.value, p.interval.value, p.interval.unit) for p in maintenance] == [(upkeep, 2, "wk")], r.text


# --- 4. phase names as the label names them ---

def test_induction_regimen_phases_are_induction():
    # 4.2 Crohn's disease: "The recommended Humira induction dose regimen for adult patients with moderately to
    # severely active Crohn's disease is 80 mg at Week 0 followed by 40 mg at Week 2."
    (r,) = rules_quoting(dose_rules("humira", HUMIRA), "induction dose regimen for adult patients with moderately")
    assert [(p.role, p.dose.value, p.at_weeks) for p in r.phases[:2]] == [("induction", 80, [0]), ("induction", 40, [2])]


def test_initial_dose_is_named_initial_then_maintenance():
    # 4.2 Psoriasis: "The recommended dose of Humira for adult patients is an initial dose of 80 mg administered
    # subcutaneously, followed by 40 mg subcutaneously given every other week starting one week after the initial dose."
    (r,) = rules_quoting(dose_rules("humira", HUMIRA), "is an initial dose of 80 mg administered subcutaneously")
    assert [p.role for p in r.phases] == ["initial", "maintenance"]
    assert r.phases[1].schedule == "every other week" and r.interval is None


@pytest.mark.parametrize("row,induction,upkeep", [("< 40 kg", (80, 40), 40), ("≥ 40 kg", (160, 80), 80)])
def test_paediatric_ulcerative_colitis_rows_keep_their_maintenance(row, induction, upkeep):
    # Table 5 "Humira Dose for Paediatric Patients with Ulcerative Colitis": "< 40 kg | 80 mg at Week 0 (given as two
    # 40 mg injections in one day) and 40 mg at Week 2 (given as one 40 mg injection) | 40 mg every other week";
    # "≥ 40 kg | 160 mg at Week 0 (...) and 80 mg at Week 2 (...) | 80 mg every other week"
    rules = [r for r in dose_rules("humira", HUMIRA) if r.section.endswith("paediatric-ulcerative-colitis")]
    (r,) = [r for r in rules if r.text.startswith(row)]
    assert [(p.role, p.dose.value) for p in r.phases] == [("induction", induction[0]), ("induction", induction[1]),
                                                          ("maintenance", upkeep)]
    assert r.phases[-1].schedule == "every other week"
    assert len(rules) == 2  # the maintenance cells are phases, not rules of their own


def test_maintenance_after_induction_belongs_to_every_induction_regimen():
    # 4.2 Crohn's disease: "... is 80 mg at Week 0 followed by 40 mg at Week 2. In case there is a need for a more
    # rapid response to therapy, the regimen 160 mg at Week 0 (...), followed by 80 mg at Week 2 (...), can be used
    # ..." then "After induction treatment, the recommended dose is 40 mg every other week via subcutaneous injection."
    rules = [r for r in dose_rules("humira", HUMIRA) if r.section.endswith("/crohn-s-disease")]
    phased = [r for r in rules if r.phases]
    assert sorted(r.phases[0].dose.value for r in phased) == [80, 160]
    for r in phased:
        assert [(p.role, p.dose.value, p.schedule) for p in r.phases if p.role == "maintenance"] == \
            [("maintenance", 40, "every other week")], r.text
        assert r.phases[-1].source.quote.startswith("After induction treatment, the recommended dose is 40 mg")


def test_a_band_quote_keeps_its_comparator():
    """Table 4's rows and the escalation "< 40 kg: 20 mg every week; ≥ 40 kg: 40 mg every week ...": a
    band's quote began at the number ("40 kg | ..."), dropping the sign that makes it a band."""
    rules = [r for r in dose_rules("humira", HUMIRA) if r.section.endswith("paediatric-crohn-s-disease")]
    quotes = [b.source.quote for r in rules for b in r.bands]
    assert quotes and all(q[:1] in "<≥>≤" for q in quotes), quotes
    assert any(q.startswith("< 40 kg: 20 mg every week") for q in quotes)


def test_a_banded_dose_is_quoted_from_its_own_band():
    """4.2, paediatric Crohn's, for patients with insufficient response: "< 40 kg: 20 mg every week;
    ≥ 40 kg: 40 mg every week or 80 mg every other week". For 50 kg the answer is 40 mg, and the
    words that explain it are the ≥ 40 kg band's, not the rule's first band ("< 40 kg: 20 mg")."""
    rules = [r for r in dose_rules("humira", HUMIRA) if r.section.endswith("paediatric-crohn-s-disease")]
    (rule,) = [r for r in rules if len(r.bands) == 2 and any("every week" in b.source.quote for b in r.bands)]
    a = rule_dose(HUMIRA, [rule], {"indication": rule.id, "weight_kg": "50", "age_years": "10"})
    assert a["dose"] == {"value": 40.0, "unit": "mg"}
    dose_src = next(s for s in a["sources"] if s["field"] == "dose")
    assert dose_src["quote"].startswith("≥ 40 kg: 40 mg every week")


def test_not_established_in_children_is_read_in_more_wordings():
    """4.2 "Paediatric population": Karvea "in children aged 0 to 18 has not been established", Skilarence
    "in children below the age of 18 years have not been established": a child's dose is refused with
    the label's words (only "< N years" and "less than N years" were read)."""
    from kb.dosing.inputs import DoseInputError

    for product, label_id in (("karvea", None), ("skilarence", None)):
        recs = pdf_records(product)
        rec = recs[label_id] if label_id else next(iter(recs.values()))
        (limit,) = [x for x in rec.dosing.limits if x.quantity_kind == "age"]
        assert (limit.limit.value, limit.limit.unit, limit.limit.comparator) == (18.0, "a", "<")
        rule = next(r for r in rec.dosing.dose_rules if r.dose is not None and r.basis == "fixed")
        from ingest.dosing_records import DosingRecord
        from kb.dosing.answer import compute_dose
        from kb.dosing.patient import Rules

        rules = Rules.compile(rec.label_id, DosingRecord(dose_rules=[rule], limits=rec.dosing.limits))
        with pytest.raises(DoseInputError) as e:
            compute_dose(rules, {"indication": rule.id, "weight_kg": "20", "age_years": "5"})
        assert e.value.field == "age_years" and "not been established" in str(e.value)
        assert compute_dose(rules, {"indication": rule.id, "weight_kg": "70", "age_years": "40"})["dose"] is not None


def test_a_comparison_of_doses_is_not_a_dose_rule():
    """Karvea 4.2: "Karvea at a dose of 150 mg once daily generally provides a better 24-hour blood pressure
    control than 75 mg." compares two doses; the recommended dose is the sentence before it."""
    for rec in pdf_records("karvea").values():
        texts = [" ".join(r.text.split()) for r in rec.dosing.dose_rules]
        assert not any("generally provides a better" in t for t in texts)
        assert any(t.startswith("The usual recommended initial and maintenance dose is 150 mg once daily") for t in texts)


def test_a_maximum_daily_dose_is_a_cap_and_a_strength_alone_no_rule():
    """Skilarence 4.2: "The maximum daily dose allowed is 720 mg (six 120 mg tablets)." is the ceiling of the
    titration, not a dose of 720 mg; the titration table's column headings "Skilarence 30 mg" and
    "Skilarence 120 mg" are strengths, not rules."""
    (rec,) = pdf_records("skilarence").values()
    rules = rec.dosing.dose_rules
    assert not any(r.dose is not None and r.dose.value == 720 for r in rules)
    capped = [r for r in rules if r.max_period_dose is not None]
    assert [(r.max_period_dose.value, r.max_period_dose.unit, r.max_period_dose.comparator) for r in capped] == [(720, "mg/d", "<=")]
    assert not any(len(r.text.split()) <= 3 for r in rules)


def test_a_condition_keeps_its_whole_list_and_abbreviations():
    """Dovato 4.4: "... 50 mg twice daily when co-administered with rifampicin, carbamazepine, oxcarbazepine,
    phenytoin, phenobarbital, St. John's wort, etravirine (without boosted protease inhibitors), efavirenz,
    nevirapine, or tipranavir/ritonavir (see section 4.5)": the condition named only rifampicin, and in the
    4.5 table "St. John's wort" was cut to "St"."""
    (rec,) = pdf_records("dovato").values()
    conditions = [r.condition for r in rec.dosing.dose_rules if r.condition]
    listed = next(c for c in conditions if "carbamazepine" in c)
    assert listed.startswith("when co-administered with rifampicin, carbamazepine,") and listed.endswith("or tipranavir/ritonavir")
    assert "St. John’s wort" in listed and "see section" not in listed
    assert "when co-administered with St. John’s wort" in conditions
