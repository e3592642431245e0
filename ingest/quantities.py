"""Numbers with units as printed -> :class:`Quantity` with UCUM codes (ontology/data/units.json)."""
from __future__ import annotations

import re
from functools import lru_cache

from .records import Quantity
from .scheme import load_json

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_DASH = r"\s*(?:-|–|—|to)\s*"


@lru_cache(maxsize=1)
def _units() -> tuple[dict[str, str], str, dict[str, int]]:
    data = load_json("units.json")
    units = data["units"]
    alt = "|".join(re.escape(k) for k in sorted(units, key=len, reverse=True))
    return units, alt, data["number_words"]


def ucum(printed: str) -> str | None:
    units = _units()[0]
    if printed in units:
        return units[printed]
    low = {k.lower(): v for k, v in units.items()}
    return low.get(printed.lower())


def number(text: str) -> float | None:
    t = text.strip().lower()
    words = _units()[2]
    if t in words:
        return float(words[t])
    try:
        return float(t.replace(",", ""))
    except ValueError:
        return None


def _unit_rx() -> str:
    return r"(?P<unit>" + _units()[1] + r")(?![A-Za-z0-9/])"


def find_quantities(text: str) -> list[tuple[Quantity, int, int]]:
    """Every ``<number>[ - <number>] <unit>`` in ``text`` with its position.

    Temperature ranges print the unit twice ("2°C – 8°C"): both forms give one range.
    """
    unit = _unit_rx()
    rx = re.compile(
        rf"(?P<cmp>≥|≤|>=|<=|>|<)?\s*(?P<a>{_NUM})\s*(?:(?P<u1>°C|ºC)\s*)?(?:{_DASH}(?P<b>{_NUM}))?\s*{unit}"
    )
    out: list[tuple[Quantity, int, int]] = []
    for m in rx.finditer(text):
        code = ucum(m.group("unit"))
        if code is None:
            continue
        a = number(m.group("a"))
        b = number(m.group("b")) if m.group("b") else None
        cmp_ = {"≥": ">=", "≤": "<="}.get(m.group("cmp") or "", m.group("cmp"))
        if b is not None:
            q = Quantity(None, code, low=a, high=b, comparator=cmp_, text=m.group(0).strip())
        else:
            q = Quantity(a, code, comparator=cmp_, text=m.group(0).strip())
        out.append((q, m.start(), m.end()))
    return out


def first_quantity(text: str, units: set[str] | None = None) -> Quantity | None:
    for q, _, _ in find_quantities(text):
        if units is None or q.unit in units:
            return q
    return None
