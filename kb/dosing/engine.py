"""The dose calculator: rules read from the label graph, compiled once per label
version, then one day's dose for one patient. No dose number lives here.

Public API (plain arguments in, JSON-ready dicts out, :class:`DoseInputError`
-> HTTP 422 / CLI exit 2):

* ``DosingService(kb)`` with ``.dose(params)``, ``.regimen(params)``,
  ``.modification(params)``, ``.indications(label)``;
* ``compute_dose(rules, params)`` on :class:`Rules` (``Rules.from_graph(g)``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping

from ingest import dosing_records as dr
from ingest.posology_text import dosing_data

from kb.dosing.inputs import DoseInputError, age_fits, bsa, bsa_formula, flag, number, text

__all__ = ["DoseInputError", "Rules", "DosingService", "compute_dose", "patient", "src", "round_half_up", "round_bsa"]


@dataclass
class Rules:
    """One label version's dosing rules, indexed for computation."""

    label: str
    record: dr.DosingRecord
    by_indication: dict[str, tuple[dr.Regimen, dr.RegimenUse]] = field(default_factory=dict)
    regimens: dict[str, dr.Regimen] = field(default_factory=dict)
    dose_rules: dict[str, dr.DoseRule] = field(default_factory=dict)  # prose rules by id (and by a 4.1 id they alone dose)
    indications: dict = field(default_factory=dict)  # 4.1 id -> kb.dosing.reasons.Indication (for the label's reasons)
    passages: list = field(default_factory=list)  # the 4.2 passages (kb.dosing.reasons.Passage)

    @classmethod
    def compile(cls, label: str, rec: dr.DosingRecord) -> "Rules":
        r = cls(label, rec)
        for reg in rec.regimens:
            r.regimens[reg.id] = reg
            for use in reg.uses:
                r.by_indication[use.indication_id] = (reg, use)
        for rule in rec.dose_rules:
            r.dose_rules[rule.id] = rule
        for ind in {i for rule in rec.dose_rules for i in rule.indication_ids}:
            dosed = [rule for rule in rec.dose_rules if ind in rule.indication_ids]
            if len(dosed) == 1 and ind not in r.by_indication and ind not in r.dose_rules:
                r.dose_rules[ind] = dosed[0]
        return r

    @classmethod
    def from_graph(cls, g, label: str = "") -> "Rules":
        from kb.dosing.rules import load_dosing, runner_for_graph

        iri = str(g.identifier)
        run = runner_for_graph(g, iri)
        return cls.compile(label, load_dosing(run, iri)).with_reasons(run, iri)

    def with_reasons(self, run, iri: str) -> "Rules":
        """Add the label's 4.1 indications and 4.2 passages: the words of a refusal."""
        from kb.dosing.reasons import load

        self.indications, self.passages = load(run, iri)
        return self

    def limits(self, kind: str, regimen: dr.Regimen | None = None) -> list[dr.Limit]:
        return [x for x in self.record.limits if x.quantity_kind == kind and x.regimen_id in (None, regimen.id if regimen else None)]


def src(field_name: str, s: dr.Source | None) -> dict | None:
    if s is None:
        return None
    return {"field": field_name, "section": s.section, "quote": " ".join(s.quote.split()),
            "lines": [s.line_start, s.line_end], "derivation": s.derivation}


BSA_ROUNDING = "half up to {decimals} decimals (decimal arithmetic on the number as written: 0.495 -> 0.50, 0.494 -> 0.49)"


def round_half_up(x: float, decimals: int) -> float:
    """Round half up in decimal arithmetic on the shortest written form of ``x``.

    Python's ``round`` rounds half to even on the binary value, so 0.495 went down
    and 0.795 up; one rule for every number a person reads avoids picking the
    other preparation-table row."""
    d = Decimal(repr(x + 0.0)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return float(d)


def round_bsa(x: float) -> float:
    return round_half_up(x, dosing_data()["bsa_decimals"])


def bsa_rounding_text() -> str:
    return BSA_ROUNDING.format(decimals=dosing_data()["bsa_decimals"])


def _r(x: float, key: str = "dose_decimals") -> float:
    return round_half_up(x, dosing_data()[key])


@dataclass
class Patient:
    regimen: dr.Regimen
    use: dr.RegimenUse | None
    group: dr.WeightGroup
    weight: float
    age: float
    bsa: float | None
    formula: str | None
    sources: list[dict]
    warnings: list[str]
    bsa_unrounded: float | None = None


def _below(value: float, q) -> bool:
    return value < q.value if q.comparator in ("<", None) else value <= q.value


def patient(rules: Rules, params: Mapping[str, Any]) -> Patient:
    """Check every input against plausibility bounds and the label's own limits."""
    indication = text(params, "indication")
    weight = number(params, "weight_kg")
    age = number(params, "age_years")
    height = number(params, "height_cm", required=False)
    given_bsa = number(params, "bsa_m2", required=False)
    formula = bsa_formula(params)
    sources: list[dict] = []
    if indication in rules.by_indication:
        reg, use = rules.by_indication[indication]
    elif indication in rules.regimens:
        reg, use = rules.regimens[indication], None
    elif indication in rules.dose_rules:
        raise DoseInputError(f"{indication!r} is a dose rule printed as prose: it has no cycles or days (ask `dose` without them)", "indication")
    else:
        _unknown(rules, indication)
    for lim in rules.limits("age"):
        years = lim.limit.value / 12 if lim.limit.unit == "mo" else lim.limit.value
        if _below(age, dr.Quantity(years, "a", comparator=lim.limit.comparator)):
            raise DoseInputError(f"age {age:g} years: the label says '{lim.text}' (section {lim.source.section}); no dose is given", "age_years")
    if use is not None:
        if not age_fits(age, use.age_group):
            raise DoseInputError(f"indication {indication!r} is for {use.age_group} patients; age {age:g} years does not apply", "age_years")
        if use.min_age is not None and age < (use.min_age.value or 0):
            raise DoseInputError(f"indication {indication!r} applies from age {use.min_age.value:g}; age {age:g} years does not apply", "age_years")
        sources.append(src("indication", use.source))
    group = _weight_group(reg, weight)
    if group is None:
        printed = "; ".join(g.label or g.id for g in reg.weight_groups)
        raise DoseInputError(
            f"the label gives no dose of regimen '{reg.title}' for a patient of {weight:g} kg (doses are given only for: {printed})",
            "weight_kg")
    sources.append(src("basis", group.source))
    value = None
    if given_bsa is not None:
        value, formula = given_bsa, None
    elif height is not None:
        value = bsa(weight, height, formula)
    raw = value
    if value is not None:
        value = round_bsa(value)
        for lim in rules.limits("bsa"):
            if _below(value, lim.limit):
                raise DoseInputError(f"BSA {value:g} m2: the label says '{lim.text}' (section {lim.source.section})", "bsa_m2")
    if group.basis == "bsa" and value is None:
        raise DoseInputError("height_cm or bsa_m2 is required: the dose for this weight is by body surface area", "height_cm")
    return Patient(reg, use, group, weight, age, value, formula if value is not None else None, sources, [], raw)


def _unknown(rules: Rules, indication: str):
    """A 4.1 indication without one dose rule gets the label's reason; anything else is unknown."""
    ind = rules.indications.get(indication)
    if ind is not None:
        from kb.dosing.reasons import no_dose_message

        dosing = sorted(r.id for r in rules.record.dose_rules if indication in r.indication_ids)
        individual = [(" ".join(r.text.split()), r.section) for r in rules.record.dose_rules
                      if r.dose_role == "individualised" and (not r.indication_ids or indication in r.indication_ids)]
        message, source = no_dose_message(ind, rules.passages, dosing, individual)
        raise DoseInputError(message, "indication", source)
    known = ", ".join(sorted(set(rules.by_indication) | set(rules.dose_rules))) or "none"
    raise DoseInputError(f"unknown indication {indication!r} for label {rules.label!r} (known: {known})", "indication")


def _weight_group(reg: dr.Regimen, weight: float) -> dr.WeightGroup | None:
    for g in reg.weight_groups:
        lo, hi = g.min_kg, g.max_kg
        if lo is not None and (weight < lo.value or (lo.comparator == ">" and weight == lo.value)):
            continue
        if hi is not None and (weight > hi.value or (hi.comparator == "<" and weight == hi.value)):
            continue
        return g
    return None


def cycle_limit(reg: dr.Regimen) -> int | None:
    return reg.max_cycles


def step_for(reg: dr.Regimen, group: str, cycle: int, day: int) -> dr.DoseStep | None:
    for s in reg.steps:
        if s.weight_group == group and s.first_cycle <= cycle and (s.last_cycle is None or cycle <= s.last_cycle) \
                and s.first_day <= day <= s.last_day:
            return s
    return None


def daily_dose(p: Patient, step: dr.DoseStep) -> tuple[float, str, bool]:
    q = step.dose
    parts = q.unit.split("/")
    value = q.value
    if "m2" in parts:
        value *= p.bsa
        parts.remove("m2")
    elif "kg" in parts:
        value *= p.weight
        parts.remove("kg")
    unit = "/".join(parts)
    capped = False
    if step.cap is not None and step.cap.unit == unit and value > step.cap.value:
        value, capped = step.cap.value, True
    return _r(value), unit, capped


def check_cycle_day(p: Patient, cycle: int, day: int) -> None:
    reg = p.regimen
    if reg.max_cycles is not None and cycle > reg.max_cycles:
        raise DoseInputError(f"cycle {cycle}: regimen '{reg.title}' has at most {reg.max_cycles} cycles", "cycle")
    if day < 1 or (reg.cycle_days and day > reg.cycle_days):
        raise DoseInputError(f"day {day} is outside the cycle (days 1-{reg.cycle_days})", "day")


def compute_dose(rules: Rules, params: Mapping[str, Any]) -> dict:
    indication = text(params, "indication")
    if indication not in rules.by_indication and indication not in rules.regimens:
        if indication not in rules.dose_rules:
            _unknown(rules, indication)
        from kb.dosing.prose import rule_dose

        return _worded(rule_dose(rules.label, rules.dose_rules[indication], params, rules.limits))
    p = patient(rules, params)
    cycle = number(params, "cycle", integer=True)
    day = number(params, "day", integer=True)
    hours = number(params, "infusion_hours", required=False)
    check_cycle_day(p, cycle, day)
    from kb.dosing.day import day_answer

    return _worded(day_answer(rules, p, cycle, day, hours, flag(params, "cns_history")))


def _worded(answer: dict) -> dict:
    from kb.dosing.words import dose_text, schedule_text

    answer["dose_text"] = dose_text(answer)
    if answer.get("kind") == "dose-rule":
        answer["schedule_text"] = schedule_text(answer.get("schedule"), answer.get("routes"))
    return answer


class DosingService:
    """Dosing over a :class:`kb.service.KnowledgeBase`; rules cached per label version."""

    def __init__(self, kb):
        self.kb = kb
        self._cache: dict[str, Rules] = {}

    def _ref(self, label: str | None):
        from kb.service import LabelNotFound

        try:
            return self.kb.resolve(label)
        except LabelNotFound as exc:
            raise DoseInputError(str(exc), "label") from None

    def rules(self, label: str | None, ref=None) -> Rules:
        ref = ref or self._ref(label)
        key = (ref.iri, ref.ingested_at)  # a version ingested again gets new rules
        hit = self._cache.get(key)
        if hit is None:
            from kb.dosing.rules import load_dosing, runner_for_store

            run = runner_for_store(self.kb.store)
            hit = Rules.compile(ref.name, load_dosing(run, ref.iri)).with_reasons(run, ref.iri)
            self._cache = {k: v for k, v in self._cache.items() if k[0] != ref.iri}
            self._cache[key] = hit
        return hit

    def _answer(self, fn, params: Mapping[str, Any]) -> dict:
        """Every answer names the label version it was computed from (``label_version``)."""
        ref = self._ref(text(params, "label", required=False))
        out = fn(self.rules(None, ref), params)
        out["label_version"] = ref.naming()
        return out

    def dose(self, params: Mapping[str, Any]) -> dict:
        return self._answer(compute_dose, params)

    def regimen(self, params: Mapping[str, Any]) -> dict:
        from kb.dosing.plan import regimen_plan

        return self._answer(regimen_plan, params)

    def modification(self, params: Mapping[str, Any]) -> dict:
        from kb.dosing.plan import dose_modification

        return self._answer(dose_modification, params)

    def indications(self, label: str | None) -> list[dict]:
        rules = self.rules(label)
        hours = [o.hours.value for o in rules.record.administration.options]
        return [{"id": use.indication_id, "kind": "regimen", "regimen": reg.id, "regimen_title": reg.title,
                 "age_group": use.age_group, "min_age_years": use.min_age.value if use.min_age else None,
                 "weight_groups": [g.label or g.id for g in reg.weight_groups], "text": " ".join(use.source.quote.split()),
                 "needs": _regimen_needs(reg, hours, rules.record.general_hospitalisation), "infusion_hours": hours,
                 "cycles": reg.max_cycles, "cycle_days": reg.cycle_days}
                for ind, (reg, use) in sorted(rules.by_indication.items())] + _rule_rows(rules)


def _regimen_needs(reg: dr.Regimen, hours: list, general: list) -> list[str]:
    """The inputs a page asks for this regimen (fields appear only when the rule needs them)."""
    needs = ["weight_kg", "age_years", "cycle", "day"]
    if any(g.basis == "bsa" for g in reg.weight_groups):
        needs += ["height_cm", "bsa_m2"]
    if hours:
        needs.append("infusion_hours")
    if any(h.condition for h in reg.hospitalisations + general):
        needs.append("cns_history")
    return needs


RULE_NEEDS = {"weight": ["weight_kg", "age_years"], "bsa": ["height_cm", "weight_kg", "bsa_m2", "age_years"],
              "fixed": ["age_years"]}


def _rule_rows(rules: Rules) -> list[dict]:
    from kb.dosing.prose import describe

    return [{**describe(rule), "needs": sorted(set(RULE_NEEDS.get(rule.basis, ["age_years"])) | ({"weight_kg"} if rule.bands else set()))}
            for rule in rules.record.dose_rules]


def ceil_days(hours: float) -> int:
    return max(1, math.ceil(hours / 24))
