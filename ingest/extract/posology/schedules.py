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


def schedule(sentence: str) -> tuple[str, Quantity, int] | None:
    """(as printed, interval, times per interval) of the first schedule phrase."""
    found = []
    for m in _EVERY.finditer(sentence):
        a, b = number_of(m.group("a")), number_of(m.group("b")) if m.group("b") else None
        q = Quantity(None, time_unit(m.group("u")), low=a, high=b, text=m.group(0)) if b else Quantity(a, time_unit(m.group("u")), text=m.group(0))
        found.append((m.start(), m.group(0), q, 1))
    m = _schedule_rx().search(sentence)
    if m:
        times, every, unit = cues()["schedules"][m.group(0).lower()]
        found.append((m.start(), m.group(0), Quantity(float(every), unit, text=m.group(0)), times))
    if not found:
        return None
    _, text, q, times = min(found, key=lambda f: f[0])
    return text, q, times
