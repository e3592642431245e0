"""Doses written for people: UCUM codes become words ("ug/d" -> "micrograms/day"),
a prose rule's dose carries its own schedule ("12 mg once weekly"). The words
are generic (``ontology/data/unit-words.json``); the numbers come from the answer."""
from __future__ import annotations

from functools import lru_cache

from ingest.scheme import load_json


@lru_cache(maxsize=1)
def _words() -> dict:
    return load_json("unit-words.json")


def unit_words(code: str | None, value: float | None = None) -> str:
    """``ug/m2/d`` -> ``micrograms/m²/day``; the first part agrees with ``value`` (1 -> singular)."""
    if not code:
        return ""
    units = _words()["units"]
    parts = code.split("/")
    out = []
    for i, p in enumerate(parts):
        w = units.get(p)
        if w is None and p.startswith("{") and p.endswith("}"):  # a UCUM annotation: its own words
            out.append(p[1:-1].replace("_", " "))
        elif w is None:
            out.append(p)
        elif i == 0:
            out.append(w["one"] if value == 1 else w["many"])
        else:
            out.append(w["one"])
    return "/".join(out)


def _num(x: float) -> str:
    return f"{x:g}"


def amount_text(q: dict | None) -> str:
    """``{"value": 9, "unit": "ug/d"}`` -> ``9 micrograms/day``; a range ``low-high unit``."""
    if not q:
        return ""
    if q.get("value") is not None:
        return f"{_num(q['value'])} {unit_words(q.get('unit'), q['value'])}".strip()
    if q.get("low") is not None:
        return f"{_num(q['low'])}-{_num(q['high'])} {unit_words(q.get('unit'), q['high'])}".strip()
    return ""


def schedule_text(schedule: dict | None, routes: list | None = None) -> str:
    """A prose rule's own schedule: route, interval, number of administrations, courses."""
    words = _words()["routes"]
    head, tail = [], []
    if routes:
        head.append(" or ".join(words.get(r, r) for r in routes))
    if schedule:
        if schedule.get("text"):
            head.append(schedule["text"])
        if schedule.get("administrations"):
            head.append(f"for {schedule['administrations']} doses")
        if schedule.get("duration"):
            head.append(f"for {amount_text(schedule['duration'])}")
        if schedule.get("until"):
            head.append(f"until {schedule['until']}")
        if schedule.get("course_interval"):
            tail.append(f"course repeated every {amount_text(schedule['course_interval'])}")
        c = schedule.get("courses")
        if c and c.get("value") is not None:
            at_least = "at least " if c.get("comparator") in (">=", ">") else ""
            tail.append(f"{at_least}{_num(c['value'])} courses")
    return "; ".join(x for x in (" ".join(h for h in head if h), ", ".join(tail)) if x)


def rule_amount(answer: dict) -> str:
    """A prose rule's dose as an amount: "18 mg", "0.25-1 mg/kg", a fixed combination with every
    substance's amount as printed ("50 mg/300 mg"); "" when the rule states none."""
    parts = [amount_text(c) for c in answer.get("components") or []]
    if len(parts) > 1 and all(parts):
        return "/".join(parts)
    return amount_text(answer.get("dose")) or amount_text(answer.get("dose_range"))


def dose_text(answer: dict) -> str:
    """The headline dose: "9 micrograms/day", "12 mg once weekly", "17.5-60 mg intramuscularly every 48 hours ..."."""
    if answer.get("kind") == "dose-rule":
        amount = rule_amount(answer)
        if not amount and answer.get("max_dose"):
            amount = "up to " + amount_text(answer["max_dose"])
        sched = schedule_text(answer.get("schedule"), answer.get("routes"))
        phases = answer.get("phases") or []
        if len(phases) > 1:  # "560 mg (loading), then 420 mg (maintenance) at three-weekly intervals"
            parts = [f"{amount_text(p['dose']) or amount} ({p['role']})"
                     + (f" at weeks {', '.join(_num(w) for w in p['at_weeks'])}" if p.get("at_weeks") else "")
                     + (f" {p['schedule']}" if p.get("schedule") else "") for p in phases]
            return ", then ".join(parts)
        text = " ".join(x for x in (amount or "no dose stated", sched) if x)
        if answer.get("escalate_to"):  # "... can be increased to 300 mg": the ceiling the label allows, said
            text += f"; may be increased to {amount_text(answer['escalate_to'])}"
        return text
    if answer.get("dose"):
        return amount_text(answer["dose"])
    return f"no infusion on this day ({answer.get('phase') or 'treatment-free'})"
