"""One day's dose for one patient: a regimen's day (:mod:`kb.dosing.day`) or a prose rule's dose
(:mod:`kb.dosing.prose`), written for people (:mod:`kb.dosing.words`)."""
from __future__ import annotations

from typing import Any, Mapping

from kb.dosing.day import day_answer
from kb.dosing.inputs import flag, number, text
from kb.dosing.patient import Rules, check_cycle_day, patient, unknown_indication
from kb.dosing.prose import rule_dose
from kb.dosing.words import dose_text, schedule_text


def compute_dose(rules: Rules, params: Mapping[str, Any]) -> dict:
    indication = text(params, "indication")
    if indication not in rules.by_indication and indication not in rules.regimens:
        if indication not in rules.dose_rules:
            unknown_indication(rules, indication)
        return _worded(rule_dose(rules.label, rules.dose_rules[indication], params, rules.limits))
    p = patient(rules, params)
    cycle = number(params, "cycle", integer=True)
    day = number(params, "day", integer=True)
    hours = number(params, "infusion_hours", required=False)
    check_cycle_day(p, cycle, day)
    return _worded(day_answer(rules, p, cycle, day, hours, flag(params, "cns_history")))


def _worded(answer: dict) -> dict:
    answer["dose_text"] = dose_text(answer)
    if answer.get("kind") == "dose-rule":
        answer["schedule_text"] = schedule_text(answer.get("schedule"), answer.get("routes"))
    return answer
