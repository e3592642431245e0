"""The dose of a prose dosing rule (``DoseRule``): mg/kg x weight or mg/m2 x BSA
(or a fixed dose), capped where the label caps it, with the schedule the label
prints. A range stays a range and "doses up to ..." stays a maximum: the
engine never picks a value the label does not state. Every number in the
answer is listed in ``sources`` with its section and quote.
"""
from __future__ import annotations

from typing import Any, Mapping

from ingest import dosing_records as dr
from kb.dosing.forms import band_answer, extras, phases, pick_band, quantity
from kb.dosing.inputs import DoseInputError, bsa, bsa_formula, dosing_data, number
from kb.dosing.patient import bsa_rounding_text, population_check, round_bsa, round_dose, src

BASIS_WORDS = {"weight": "per kg of body weight", "bsa": "per m2 of body surface area", "fixed": "fixed"}


def _factor(rule: dr.DoseRule, params: Mapping[str, Any], out: dict) -> float:
    """Weight or BSA the printed dose is multiplied by (1 for a fixed dose)."""
    if rule.basis == "weight":
        weight = number(params, "weight_kg", required=False)
        if weight is None:
            raise DoseInputError(f"weight_kg is required: the dose of rule '{rule.id}' is per kg of body weight", "weight_kg")
        out["weight_kg"] = weight
        return weight
    if rule.basis == "bsa":
        given = number(params, "bsa_m2", required=False)
        if given is not None:
            out["bsa_m2"] = round_bsa(given)
            return out["bsa_m2"]
        height = number(params, "height_cm", required=False)
        if height is None:
            raise DoseInputError(f"bsa_m2 or height_cm (with weight_kg) is required: the dose of rule '{rule.id}' is per m2 of body surface area", "bsa_m2")
        weight = number(params, "weight_kg", required=False)
        if weight is None:
            raise DoseInputError("weight_kg is required with height_cm to compute the body surface area", "weight_kg")
        formula = bsa_formula(params)
        f = dosing_data()["bsa_formulas"][formula]
        out.update(weight_kg=weight, bsa_formula=formula, bsa_m2=round_bsa(bsa(weight, height, formula)),
                   bsa_formula_text=f"{f['name']}: {f['formula']}")
        return out["bsa_m2"]
    return 1.0


def _admin_unit(unit: str) -> str:
    parts = unit.split("/")
    return "/".join(p for p in parts if p not in ("kg", "m2"))


def _period_limit(rule: dr.DoseRule) -> float | None:
    """Per-administration limit implied by a per-period cap when the schedule is one period."""
    cap, iv = rule.max_period_dose, rule.interval
    if cap is None or iv is None or iv.value is None:
        return None
    amount_unit, _, per = cap.unit.rpartition("/")
    if per != iv.unit or iv.value != 1:
        return None
    return cap.value / (rule.times_per_interval or 1)


def rule_dose(label: str, rule: dr.DoseRule, params: Mapping[str, Any], limits) -> dict:
    """The answer for one prose rule; ``limits(kind)`` gives the label's own limits."""
    age = number(params, "age_years", required=False)
    out: dict[str, Any] = {
        "label": label, "indication": params.get("indication"), "kind": "dose-rule", "rule": rule.id,
        "title": rule.title, "section": rule.section, "basis": rule.basis, "dose_role": rule.dose_role,
        "dose": None, "dose_range": None, "initial_dose": None, "max_dose": None, "max_period_dose": None,
        "printed_dose": quantity(rule.dose), "capped": False, "weight_kg": None, "bsa_m2": None, "bsa_formula": None,
        "age_group": rule.age_group, "routes": list(rule.routes), "schedule": schedule(rule),
        "test_dose": quantity(rule.test_dose), "warnings": [], "sources": [],
    }
    sources = out["sources"]
    out["warnings"] += population_check(rule, params)  # its age group, "(from 12 years of age, weighing at least 30 kg)"
    for lim in limits("age") if age is not None else []:
        if age < lim.limit.value:
            raise DoseInputError(f"age {age:g} years: the label says '{lim.text}' (section {lim.source.section})", "age_years")
    if rule.dose_role == "individualised":
        raise DoseInputError(f"the label gives no dose for rule '{rule.id}' ({rule.title}): "
                             f"'{' '.join(rule.source.quote.split())}' (section {rule.source.section})", "indication")
    band = pick_band(rule, params)
    f = _factor(rule, params, out)
    if out["bsa_m2"] is not None:
        out["bsa_rounding"] = bsa_rounding_text()
    cap = rule.max_dose.value if rule.max_dose is not None else None
    period = _period_limit(rule)
    limit = min(x for x in (cap, period) if x is not None) if cap is not None or period is not None else None
    q = rule.dose if band is None else band.dose
    # a banded dose is explained by its band's words ("≥ 30 kg: 40 mg"), not by the rule's first band
    sources.append(src("dose" if q is not None else "max_dose", rule.source if band is None else band.source))
    if band is not None:
        out["weight_band"] = band_answer(band)
        out["printed_dose"] = quantity(q)
        if band.schedule:
            out["schedule"] = {**(out["schedule"] or {}), "text": band.schedule, "interval": quantity(band.interval),
                               "times_per_interval": band.times_per_interval}
        sources.append(src("weight_band", band.source))
        if band.source != rule.source:
            sources.append(src("rule", rule.source))
    if q is not None:
        unit = _admin_unit(q.unit)
        if q.value is not None:
            value = q.value * f
            if limit is not None and value > limit:
                value, out["capped"] = limit, True
            out["dose"] = {"value": round_dose(value), "unit": unit}
            if rule.dose_role == "initial":
                out["initial_dose"] = dict(out["dose"])
        else:
            lo, hi = q.low * f, q.high * f
            if limit is not None and hi > limit:
                hi, out["capped"] = limit, True
                lo = min(lo, limit)
            out["dose_range"] = {"low": round_dose(lo), "high": round_dose(hi), "unit": unit}
            out["warnings"].append(f"the label gives a range ({q.text}), not one dose; the choice within it is the prescriber's")
    else:
        out["warnings"].append("the label states only a maximum per administration, not a dose")
    if rule.max_dose is not None:
        out["max_dose"] = quantity(rule.max_dose, _admin_unit(rule.max_dose.unit))
        if rule.max_dose_source != rule.source:
            sources.append(src("max_dose", rule.max_dose_source))
    if rule.max_period_dose is not None:
        amount, _, per = rule.max_period_dose.unit.rpartition("/")
        out["max_period_dose"] = {"value": rule.max_period_dose.value, "unit": amount, "per": per}
        sources.append(src("max_period_dose", rule.max_period_source))
    if rule.approx_dose is not None:
        out["approximate_equivalent"] = quantity(rule.approx_dose)
    for name, s in (("schedule", rule.interval_source), ("course_interval", rule.course_interval_source),
                    ("courses", rule.courses_source), ("split", rule.split_source), ("test_dose", rule.test_dose_source)):
        if s is not None and s != rule.source:
            sources.append(src(name, s))
    out["phases"] = phases(rule, f, _admin_unit, round_dose)
    for ph in rule.phases:
        if ph.source != rule.source and src("phase", ph.source) not in sources:
            sources.append(src("phase", ph.source))
    out.update(extras(rule))
    for name, s in (("escalate_to", rule.escalate_source), ("increment", rule.increment_source)):
        if s is not None and s != rule.source:
            sources.append(src(name, s))
    if rule.interval is None and band is None and not rule.phases:
        out["warnings"].append("the label gives no schedule for this dose")
    return out


def schedule(rule: dr.DoseRule) -> dict | None:
    if rule.interval is None and rule.duration is None and rule.administrations is None and rule.course_interval is None:
        return None
    return {"text": rule.schedule, "interval": quantity(rule.interval), "times_per_interval": rule.times_per_interval,
            "administrations": rule.administrations, "duration": quantity(rule.duration), "until": rule.stop_when,
            "course_interval": quantity(rule.course_interval), "courses": quantity(rule.courses),
            "split_doses": quantity(rule.split_doses), "split_interval": quantity(rule.split_interval)}


def describe(rule: dr.DoseRule) -> dict:
    """A row of ``DosingService.indications``."""
    return {"id": rule.id, "kind": "dose-rule", "rule": rule.id, "title": rule.title, "section": rule.section,
            "basis": rule.basis, "basis_text": BASIS_WORDS[rule.basis], "dose_role": rule.dose_role,
            "dose": quantity(rule.dose), "max_dose": quantity(rule.max_dose), "schedule": rule.schedule,
            "routes": list(rule.routes), "age_group": rule.age_group, "indications": list(rule.indication_ids),
            "weight_bands": [band_answer(b) for b in rule.bands], "phases": [ph.role for ph in rule.phases],
            "text": " ".join(rule.source.quote.split())}
