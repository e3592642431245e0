"""The whole course day by day (doses, bag changes, premedication, hospital days,
treatment-free intervals) and the dose-modification lookup."""
from __future__ import annotations

import re
from typing import Any, Mapping

from ingest import dosing_records as dr
from kb.dosing.answer import compute_dose
from kb.dosing.day import hospitalisation, infusion_option, premedication, preparation_row
from kb.dosing.inputs import DoseInputError, flag, number, text
from kb.dosing.patient import Rules, check_cycle_day, daily_dose, patient, src, step_for, weight_group


def regimen_plan(rules: Rules, params: Mapping[str, Any]) -> dict:
    ind = text(params, "indication")  # a non-string (a JSON object) is a 422, not a TypeError
    if ind in rules.dose_rules and ind not in rules.by_indication and ind not in rules.regimens:
        # a prose rule: its plan is its phases and schedule
        return {**compute_dose(rules, params), "kind": "dose-rule-plan"}
    p = patient(rules, params)
    hours = number(params, "infusion_hours", required=False)
    cns = flag(params, "cns_history")
    reg = p.regimen
    cycles = number(params, "cycles", required=False, integer=True) or reg.max_cycles or 1
    if reg.max_cycles is not None and cycles > reg.max_cycles:  # named as asked: cycles, not cycle
        raise DoseInputError(f"cycles {cycles}: regimen '{reg.title}' has at most {reg.max_cycles} cycles", "cycles")
    check_cycle_day(p, cycles, 1)
    opt = infusion_option(rules, hours) if hours is not None else None
    durations = sorted(o.hours.value for o in rules.record.administration.options)
    days_out, bags = [], 0
    for c in range(1, cycles + 1):
        bag_left = 0
        prev_value = None
        for d in range(1, (reg.cycle_days or 0) + 1):
            step = step_for(reg, p.group.id, c, d)
            if step is None:
                continue
            entry: dict = {"cycle": c, "day": d, "phase": step.phase, "dose": None, "bag": None}
            if step.phase == "infusion":
                value, unit, capped = daily_dose(p, step)
                entry["dose"] = {"value": value, "unit": unit, "capped": capped}
                if opt is not None and (bag_left == 0 or value != prev_value):
                    remaining = step.last_day - d + 1
                    h = _bag_hours(hours, remaining, durations)
                    row, _ = preparation_row(rules, p, step, h)
                    entry["bag"] = {"hours": h, "rate_ml_per_h": row.rate.value if row else None,
                                    "volume_ml": row.volume.value if row else None, "vials": row.vials if row else None}
                    bag_left = int(h // 24)
                    bags += 1
                bag_left = max(0, bag_left - 1)
                prev_value = value
            else:
                bag_left, prev_value = 0, None
            pm = premedication(rules, p, c, d, None)
            entry["premedication"] = [m.get("drug") or m["text"] for m in pm if m["kind"] != "additional" or d == 1]
            h = hospitalisation(rules, p, c, d, cns, None)
            entry["hospital"] = h["recommended"]
            days_out.append(entry)
    return {
        "label": rules.label, "regimen": reg.id, "title": reg.title, "indication": p.use.indication_id if p.use else None,
        "basis": p.group.basis, "bsa_m2": p.bsa, "bsa_formula": p.formula, "cycles": cycles,
        "cycle_days": reg.cycle_days, "infusion_days": reg.infusion_days, "treatment_free_days": reg.treatment_free_days,
        "phases": [{"role": ph.role, "first_cycle": ph.first_cycle, "last_cycle": ph.last_cycle} for ph in reg.phases],
        "infusion_hours": hours, "bags": bags if opt else None, "days": days_out,
        "sources": [s for s in [src("regimen", reg.source), src("cycles", reg.cycles_source)] + p.sources if s],
        "warnings": [] if opt else ["no infusion duration given: bag changes are not planned"],
    }


def _bag_hours(hours: float, remaining_days: int, durations: list[float]) -> float:
    """The chosen duration, or the longest listed one that fits before the dose changes."""
    if hours <= remaining_days * 24:
        return hours
    fitting = [h for h in durations if h <= remaining_days * 24]
    return max(fitting) if fitting else hours


def _norm(s: str) -> str:
    s = re.sub(r"\([^)]*\)", " ", s.lower())
    return " ".join(re.findall(r"[a-z0-9]+", s))


def dose_modification(rules: Rules, params: Mapping[str, Any]) -> dict:
    indication = text(params, "indication")
    toxicity = text(params, "toxicity")
    grade = number(params, "grade", required=False, integer=True)
    weight = number(params, "weight_kg")
    current = number(params, "current_dose", required=False)
    if indication in rules.by_indication:
        reg = rules.by_indication[indication][0]
    elif indication in rules.regimens:
        reg = rules.regimens[indication]
    else:
        raise DoseInputError(f"unknown indication {indication!r} (known: {', '.join(sorted(rules.by_indication))})", "indication")
    table = next((t for t in rules.record.modification_tables if t.id == reg.modification_table), None)
    if table is None:
        raise DoseInputError(f"the label gives no dose-modification table for regimen '{reg.title}'", "indication")
    group = weight_group(reg, weight)
    if group is None:
        raise DoseInputError(f"the label gives no dose of regimen '{reg.title}' for {weight:g} kg", "weight_kg")
    q = _norm(toxicity)
    rows = [a for a in table.actions if a.weight_group == group.id and (
        any(q and (q == _norm(n) or q in _norm(n)) for n in a.toxicities) or (a.event and q == _norm(a.event)))]
    if not rows:
        known = sorted({n for a in table.actions for n in a.toxicities} | {a.event for a in table.actions if a.event})
        raise DoseInputError(f"unknown toxicity {toxicity!r} (the table names: {'; '.join(known)})", "toxicity")
    by_event = [a for a in rows if a.event and q == _norm(a.event)]
    if by_event:
        act = by_event[0]
    else:
        if grade is None:
            raise DoseInputError("grade is required for this toxicity", "grade")
        act = next((a for a in rows if a.grade == grade), None)
    rules_out = [{"outcome": r.outcome, "text": r.text} for r in table.rules]
    base = {"label": rules.label, "regimen": reg.id, "weight_group": group.label or group.id, "toxicity": toxicity,
            "grade": grade, "interruption_rules": rules_out, "grading": table.grading,
            "sources": [src(f"interruption_rules[{i}]", r.source) for i, r in enumerate(table.rules)]}
    if act is None:
        grades = sorted({a.grade for a in rows if a.grade})
        base.update(action=None, note=f"the table gives actions for grade(s) {', '.join(map(str, grades))} only")
        return base
    action = act.action
    notes = []
    if act.discontinue_if_at_restart_dose and current is not None and act.restart_dose and current == act.restart_dose.value:
        action = "discontinue"
        notes.append("the toxicity occurred at the restart dose: the label says to discontinue permanently")
    base.update(action=action, text=act.text, condition=act.condition, until=act.until, until_max_grade=act.until_max_grade,
                until_min_days=act.until_min_days, notes=notes)
    base["sources"].append(src("action", act.source))
    if action == "interrupt":
        sched = []
        if act.restart_dose:
            sched.append({"from_day": 1, "dose": _q(act.restart_dose)})
        if act.escalate_dose and act.escalate_after:
            sched.append({"from_day": int(act.escalate_after.value) + 1, "dose": _q(act.escalate_dose),
                          "if": "the toxicity does not recur"})
        base["restart_schedule"] = sched
        if act.premedication_drug:
            base["premedication"] = {"drug": act.premedication_drug, "dose": _q(act.premedication_dose),
                                     "taper_days": act.taper.value if act.taper else None}
        if act.discontinue_if_resolution_over:
            base["discontinue_if_resolution_over_days"] = act.discontinue_if_resolution_over.value
    return base


def _q(q: dr.Quantity | None) -> dict | None:
    return None if q is None else {"value": q.value, "unit": q.unit}
