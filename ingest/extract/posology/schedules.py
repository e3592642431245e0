"""Schedule phrases of dosing prose ("every 2 weeks", "twice daily", the label's own wording cues
from ``ontology/data/dosing.json``): the interval and how many times per interval, and the small
number and time-unit readers the prose rules share."""
from __future__ import annotations

import re
from functools import lru_cache

from ingest.extract.posology.passages import alternation, dosing_data
from ingest.quantities import number as word_number
from ingest.records import Quantity

WORD = r"one|two|three|four|five|six|seven|eight|nine|ten|twelve|\d+"


@lru_cache(maxsize=1)
def cues() -> dict:
    """The prose-rule wording cues of ``dosing.json``."""
    return dosing_data()["prose_rules"]


def number_of(s: str) -> float:
    """A printed number: digits (thousands commas, a decimal comma) or a number word ("two", "third")."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):
        return float(s.replace(",", ""))
    if s.lower() in dosing_data()["ordinals"] or not s[:1].isdigit():
        return float(word_number(s) or 0)
    return float(s.replace(",", "."))


@lru_cache(maxsize=1)
def _schedule_rx() -> re.Pattern:
    return re.compile(rf"(?<![\w-])(?:{alternation(cues()['schedules'])})(?![\w-])(?!\s+(?:total\s+)?dose)", re.I)


_EVERY = re.compile(rf"\bevery\s+(?P<a>{WORD})(?:\s*(?:or|to|-)\s*(?P<b>{WORD}))?\s+(?P<u>hours?|days?|weeks?)\b", re.I)
_UNITS = {"hour": "h", "day": "d", "week": "wk", "month": "mo"}


def time_unit(word: str) -> str:
    """The UCUM code of a printed time word ("weeks" -> "wk")."""
    return _UNITS[word.lower().rstrip("s")]


def bracketed(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` inside round or square brackets. A closing bracket without its opening
    one (a slice that starts inside a bracket) puts everything before it inside."""
    depth = lowest = 0
    for ch in text:
        depth += (ch in "([") - (ch in ")]")
        lowest = min(lowest, depth)
    out, depth, start = [], -lowest, 0
    for i, ch in enumerate(text):
        if ch in "([":
            if depth == 0:
                start = i
            depth += 1
        elif ch in ")]" and depth > 0:
            depth -= 1
            if depth == 0:
                out.append((start, i + 1))
    if depth > 0:
        out.append((start, len(text)))
    return out


def schedule(sentence: str) -> tuple[str, Quantity, int] | None:
    """(as printed, interval, times per interval) of the first schedule phrase outside brackets:
    a bracket says how a dose is given ("(given as two 40 mg injections per day for two
    consecutive days)"), not how often."""
    inside = bracketed(sentence)
    found = []
    for m in _EVERY.finditer(sentence):
        if any(a <= m.start() < b for a, b in inside):
            continue
        a, b = number_of(m.group("a")), number_of(m.group("b")) if m.group("b") else None
        q = Quantity(None, time_unit(m.group("u")), low=a, high=b, text=m.group(0)) if b else Quantity(a, time_unit(m.group("u")), text=m.group(0))
        found.append((m.start(), m.group(0), q, 1))
    m = next((m for m in _schedule_rx().finditer(sentence) if not any(a <= m.start() < b for a, b in inside)), None)
    if m:
        times, every, unit = cues()["schedules"][m.group(0).lower()]
        found.append((m.start(), m.group(0), Quantity(float(every), unit, text=m.group(0)), times))
    if not found:
        return None
    _, text, q, times = min(found, key=lambda f: f[0])
    return text, q, times
