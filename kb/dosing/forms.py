"""The general dose forms of a prose rule in an answer: the weight band a patient
falls in (or the label's reason for giving no dose), the phases of a loading /
maintenance or week-numbered schedule with each phase's dose for this patient,
the components of a fixed combination, escalation and increments.

Every number comes from the rule read from the label graph, with its quote.
"""
from __future__ import annotations

from typing import Any, Mapping

from ingest import dosing_records as dr
from kb.dosing.inputs import DoseInputError, number


def quantity(q: dr.Quantity | None, unit: str | None = None) -> dict | None:
    if q is None:
        return None
    out: dict[str, Any] = {"unit": unit or q.unit}
    if q.value is not None:
        out["value"] = q.value
    else:
        out.update(low=q.low, high=q.high)
    if q.comparator:
        out["comparator"] = q.comparator
    return out


def _quote(s: dr.Source | None) -> str | None:
    return " ".join(s.quote.split()) if s is not None else None


def _fits(weight: float, band: dr.DoseBand) -> bool:
    lo, hi = band.min_kg, band.max_kg
    if lo is not None and (weight < lo.value or (lo.comparator == ">" and weight == lo.value)):
        return False
    if hi is not None and (weight > hi.value or (hi.comparator == "<" and weight == hi.value)):
        return False
    return True


def _band_text(band: dr.DoseBand) -> str:
    parts = []
    if band.min_kg is not None:
        parts.append(f"{band.min_kg.comparator or '>='} {band.min_kg.value:g} kg")
    if band.max_kg is not None:
        parts.append(f"{band.max_kg.comparator or '<'} {band.max_kg.value:g} kg")
    return " and ".join(parts)


def pick_band(rule: dr.DoseRule, params: Mapping[str, Any]) -> dr.DoseBand | None:
    """The band of ``weight_kg``; a 422 with the label's words when the label gives no dose for it."""
    if not rule.bands:
        return None
    weight = number(params, "weight_kg", required=False)
    if weight is None:
        raise DoseInputError(f"weight_kg is required: rule '{rule.id}' ({rule.title}) gives its dose by body-weight band", "weight_kg")
    fitting = [b for b in rule.bands if _fits(weight, b)]
    if fitting:
        return fitting[0]
    lows = [b.min_kg.value for b in rule.bands if b.min_kg is not None]
    lowest = min(lows) if lows else None
    if lowest is not None and weight < lowest and all(b.min_kg is not None for b in rule.bands):
        first = min(rule.bands, key=lambda b: b.min_kg.value)
        raise DoseInputError(f"weight {weight:g} kg: the label gives no dose below its lowest weight band "
                             f"({_band_text(first)}, section {first.source.section}: '{_quote(first.source)}')", "weight_kg")
    bands = "; ".join(_band_text(b) for b in rule.bands)
    raise DoseInputError(f"weight {weight:g} kg: rule '{rule.id}' gives doses only for {bands}", "weight_kg")


def band_answer(band: dr.DoseBand) -> dict:
    return {"min_kg": quantity(band.min_kg), "max_kg": quantity(band.max_kg), "printed_dose": quantity(band.dose),
            "schedule": band.schedule, "interval": quantity(band.interval), "quote": _quote(band.source),
            "section": band.source.section}


def phases(rule: dr.DoseRule, factor: float, unit_of, rounding) -> list[dict]:
    """Each phase with its dose for this patient (the printed dose times weight or BSA)."""
    out = []
    for ph in rule.phases:
        q = ph.dose or rule.dose
        dose = None
        if q is not None and q.value is not None:
            dose = {"value": rounding(q.value * factor), "unit": unit_of(q.unit)}
        elif q is not None:
            dose = {"low": rounding(q.low * factor), "high": rounding(q.high * factor), "unit": unit_of(q.unit)}
        out.append({"role": ph.role, "dose": dose, "printed_dose": quantity(q), "at_weeks": list(ph.at_weeks),
                    "schedule": ph.schedule, "interval": quantity(ph.interval), "times_per_interval": ph.times_per_interval,
                    "starts_after": quantity(ph.starts_after), "quote": _quote(ph.source), "section": ph.source.section})
    return out


def extras(rule: dr.DoseRule) -> dict:
    """Components, escalation, increment, dose step and condition as printed."""
    return {"components": [quantity(c.dose) for c in rule.components],
            "escalate_to": quantity(rule.escalate_to), "increment": quantity(rule.increment),
            "dose_step": quantity(rule.dose_step), "condition": rule.condition}
