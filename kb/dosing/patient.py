"""One label version's dosing rules and one patient: the rules indexed for computation, every
patient input checked against plausibility bounds and the label's own limits, the weight group
and dose step that apply, and the rounding every number of an answer goes through."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, Mapping

from ingest import dosing_records as dr
from kb.dosing.inputs import DoseInputError, age_fits, bound_fits, bsa, bsa_formula, dosing_data, number, text


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


@lru_cache(maxsize=8192)
def one_line(quote: str) -> str:
    """A quote on one line, single-spaced (the same few quotes are in every answer: kept)."""
    return " ".join(quote.split())


def src(field_name: str, s: dr.Source | None) -> dict | None:
    if s is None:
        return None
    return {"field": field_name, "section": s.section, "quote": one_line(s.quote),
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


def round_dose(x: float, key: str = "dose_decimals") -> float:
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
        unknown_indication(rules, indication)
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
    group = weight_group(reg, weight)
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


def population_check(rule: dr.DoseRule, params: Mapping[str, Any]) -> list[str]:
    """The population of a prose rule against the patient: its age group, then the age and weight
    bounds printed for it (its heading, the line before its first dose or its own sentence).
    Outside them a refusal naming the input and quoting the heading; a warning when the input is
    not given."""
    where = f"rule '{rule.id}' ({rule.title})"
    warnings: list[str] = []
    age = number(params, "age_years", required=False)
    if age is not None and rule.age_group and not age_fits(age, rule.age_group):
        raise DoseInputError(f"{where} is for {rule.age_group} patients; age {age:g} years does not apply", "age_years")
    if age is None and rule.age_group:
        warnings.append(f"the label gives this dose for {rule.age_group} patients ({rule.title})")
    checks = (("age_years", "age {:g} years", (rule.min_age, rule.max_age)), ("weight_kg", "weight {:g} kg", (rule.min_weight,)))
    for name, given, printed in checks:
        value = number(params, name, required=False)
        for bound in (b for b in printed if b is not None):
            if value is None:
                warnings.append(f"the label gives this dose for patients {bound.text} ({rule.title}); {name} was not given")
            elif not bound_fits(value, bound):
                raise DoseInputError(f"{where} is for patients {bound.text}; {given.format(value)} does not apply", name)
    return list(dict.fromkeys(warnings))


def unknown_indication(rules: Rules, indication: str):
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


def weight_group(reg: dr.Regimen, weight: float) -> dr.WeightGroup | None:
    for g in reg.weight_groups:
        lo, hi = g.min_kg, g.max_kg
        if lo is not None and (weight < lo.value or (lo.comparator == ">" and weight == lo.value)):
            continue
        if hi is not None and (weight > hi.value or (hi.comparator == "<" and weight == hi.value)):
            continue
        return g
    return None


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
    return round_dose(value), unit, capped


def check_cycle_day(p: Patient, cycle: int, day: int) -> None:
    reg = p.regimen
    if reg.max_cycles is not None and cycle > reg.max_cycles:
        raise DoseInputError(f"cycle {cycle}: regimen '{reg.title}' has at most {reg.max_cycles} cycles", "cycle")
    if day < 1 or (reg.cycle_days and day > reg.cycle_days):
        raise DoseInputError(f"day {day} is outside the cycle (days 1-{reg.cycle_days})", "day")
