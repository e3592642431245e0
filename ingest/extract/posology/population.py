"""The population a prose dose rule is for, as the label prints it.

Two parts: the age group, read from the rule's sub-heading or its dose sentence, and
age and weight bounds, read from the sub-heading or the sentences of the sub-section
printed before its first dose (not from a dose sentence: "in haemodialyzed patients and
in the elderly over 75 years" is one of two populations, not a bound):

* the age group ("adults", "adolescents", "children"): one group, or none when
  the label names groups together ("in adults and adolescents" is neither only
  adults nor only children);
* age and weight bounds: "(from 12 years of age, weighing at least 30 kg)",
  "(above 12 years of age weighing at least 40 kg)", "from 6 to 17 years of age".

Every rule of the sub-section takes the sub-heading's bounds, then the opening lines'. Every wording cue is in ``ontology/data/dosing.json``
(``prose_rules.population_cues`` and ``prose_rules.population_bounds``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.extract.posology.passages import alternation, dosing_data
from ingest.extract.posology.schedules import cues
from ingest.records import Quantity

FIELDS = ("min_age", "max_age", "min_weight")


@dataclass
class Bounds:
    min_age: Quantity | None = None
    max_age: Quantity | None = None
    min_weight: Quantity | None = None

    def fill(self, other: "Bounds") -> "Bounds":
        """These bounds, with each one missing taken from ``other``."""
        return Bounds(*(getattr(self, f) or getattr(other, f) for f in FIELDS))

    def any(self) -> bool:
        return any(getattr(self, f) is not None for f in FIELDS)


@lru_cache(maxsize=1)
def _group_words() -> tuple[dict[str, str], str]:
    """Each population word -> its group, and a regex of a list of them ("adults and adolescents")."""
    groups = cues()["population_cues"]
    words = {w.lower(): g for g, ws in groups.items() for w in ws}
    one = rf"(?<![\w-])(?:{alternation(words)})(?![\w-])"
    return words, rf"{one}(?:\s*(?:,|\band\b|\bor\b)\s*{one})*"


def age_group(text: str, heading: bool) -> str | None:
    """The age group a heading names, or a sentence names after "in" / "for" ("in adults");
    None when none is named, or when one list names two groups ("in adults and adolescents")."""
    words, listed = _group_words()
    one = re.compile(rf"(?<![\w-])(?:{alternation(words)})(?![\w-])", re.I)
    rx = re.compile(listed if heading else rf"\b(?:in|for)\s+(?:{listed})", re.I)
    named: list[set[str]] = [{words[w.group(0).lower()] for w in one.finditer(m.group(0))} for m in rx.finditer(text)]
    if any(len(g) > 1 for g in named):
        return None
    found = set().union(*named) if named else set()
    return next((g for g in cues()["population_cues"] if g in found), None)


def _refused(text: str) -> bool:
    """A sentence saying the dose is not established/recommended names a population it does not dose."""
    return re.search(rf"(?<![\w-])(?:{alternation(dosing_data()['no_dose_cues'])})(?![\w-])", text, re.I) is not None


def bounds(text: str) -> Bounds:
    """The age and weight bounds printed in a heading or sentence."""
    out = Bounds()
    if not text or _refused(text):
        return out
    b = cues()["population_bounds"]
    for p in b["age"]:
        m = re.search(p["pattern"], text, re.I)
        if m:
            unit = "mo" if m.group("unit").lower().startswith("m") else "a"
            printed = " ".join(m.group(0).split())
            out.min_age = Quantity(float(m.group("min")), unit, comparator=p["comparator"], text=printed)
            if m.groupdict().get("max"):
                out.max_age = Quantity(float(m.group("max")), unit, comparator="<=", text=printed)
            break
    for p in b["weight"]:
        m = re.search(p["pattern"], text, re.I)
        if m:
            out.min_weight = Quantity(float(m.group("min").replace(",", ".")), "kg", comparator=p["comparator"],
                                      text=" ".join(m.group(0).split()))
            break
    return out


def of_rule(rule) -> Bounds:
    return Bounds(*(getattr(rule, f) for f in FIELDS))


def apply(rule, b: Bounds) -> None:
    for f in FIELDS:
        setattr(rule, f, getattr(b, f))
