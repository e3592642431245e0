"""Settle the frequency column of each flattened-table cell from the evidence.

Every cell starts with all columns possible.  Rules narrow the interval:

* ``summary-incidence``: a crude incidence in the table's own population puts
  the cell in the band containing it (9.6% -> common).
* ``absent-from-summary``: the summary lists the most common reactions down to
  m%; a term not listed has incidence < m%, which excludes bands whose lower
  bound is >= m% (only applies when the list reaches below a band boundary).
* ``serious-incidence``: a serious-event rate is a lower bound of the incidence.
* ``column-order``: a row is printed column by column, so columns never
  decrease along a row.
* ``same-line``: cells printed on one line are in different columns, left to
  right; the spaces between them count the empty cells skipped (1 space = the
  next column).
* ``leading-space``: a cell that starts its line after k leading spaces comes
  k columns after the next one (empty cells skipped); without leading space it
  stays in the column of the previous cell or the next one.
* ``blank-line``: a whitespace-only line inside a row ends a column.

The spacing rules (same-line gap counts, leading-space) are weaker: if they
contradict the other rules they are dropped for that row and a warning says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ingest.extract.adverse.data import band_of_percent, bands
from ingest.records import Issue

if TYPE_CHECKING:  # the text reader's recovered rows, settled by it (no import cycle)
    from ingest.readers.text.tables import Cell, Row

CONFIDENCE = {
    "summary-incidence": 0.95,
    "serious-incidence": 0.95,
    "column-order": 0.95,
    "blank-line": 0.9,
    "absent-from-summary": 0.85,
    "same-line": 0.85,
    "leading-space": 0.8,
}


@dataclass
class CellState:
    lo: int
    hi: int
    rules: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    @property
    def settled(self) -> bool:
        return self.lo == self.hi


def _band_index(columns: list[str], name: str) -> int | None:
    return columns.index(name) if name in columns else None


def cell_evidence(columns: list[str], any_pct: float | None, serious_pct: float | None,
                  lowest_listed: float | None) -> CellState:
    """Interval of possible columns from incidence evidence alone."""
    st = CellState(0, len(columns) - 1)
    if any_pct is not None:
        idx = _band_index(columns, band_of_percent(any_pct))
        if idx is not None:
            st.lo = st.hi = idx
            st.rules.add("summary-incidence")
            st.notes.append(f"summary incidence {any_pct:g}% -> {columns[idx]}")
            return st
    if serious_pct is not None:
        idx = _band_index(columns, band_of_percent(serious_pct))
        if idx is not None and idx < st.hi:
            st.hi = idx
            st.rules.add("serious-incidence")
            st.notes.append(f"serious incidence {serious_pct:g}% is a lower bound -> at least {columns[idx]}")
    if any_pct is None and lowest_listed is not None:
        excluded = [i for i, c in enumerate(columns)
                    if next(b for b in bands() if b.name == c).low is not None
                    and next(b for b in bands() if b.name == c).low * 100 >= lowest_listed]
        if excluded and max(excluded) + 1 > st.lo:
            st.lo = max(excluded) + 1
            st.rules.add("absent-from-summary")
            st.notes.append(f"not among the most common reactions listed down to {lowest_listed:g}%")
    return st


def _pair(prev: Cell, cur: Cell, spacing: bool) -> tuple[int, int, str] | None:
    """Allowed column difference (min, max, rule) between consecutive cells of a row."""
    if prev is not None and cur.lines[0] is prev.lines[-1] and not cur.first_on_line:
        return (cur.gap, cur.gap, "same-line") if spacing else (1, 99, "same-line")
    if cur.blank_before:
        if spacing:
            return (1 + cur.gap, 1 + cur.gap, "blank-line")
        return (1, 99, "blank-line")
    if spacing:
        return (1 + cur.gap, 1 + cur.gap, "leading-space") if cur.gap else (0, 1, "leading-space")
    return (0, 99, "column-order")


def _first(cur: Cell, spacing: bool) -> tuple[int, int, str] | None:
    if not spacing:
        return None
    if cur.after_head:
        return (cur.gap - 1, cur.gap - 1, "same-line") if cur.gap >= 1 else None
    return (cur.gap, cur.gap, "leading-space")


def settle_row(row: Row, columns: list[str], states: list[CellState], section: str,
               issues: list[Issue]) -> list[CellState]:
    """Propagate the row constraints over the cells' intervals (in place copy)."""
    result = _propagate(row, columns, states, spacing=True)
    if result is None:
        result = _propagate(row, columns, states, spacing=False)
        line = row.head_lines[0].number if row.head_lines else None
        issues.append(Issue("warning", f"spacing evidence in row '{row.soc_printed}' contradicts the other evidence; "
                            "spacing ignored for this row", section, line, "adverse.spacing-conflict"))
        if result is None:
            issues.append(Issue("warning", f"frequency evidence in row '{row.soc_printed}' is contradictory",
                                section, line, "adverse.evidence-conflict"))
            result = [CellState(0, len(columns) - 1, set(), ["contradictory evidence"]) for _ in states]
    return result


def _propagate(row: Row, columns: list[str], states: list[CellState], spacing: bool) -> list[CellState] | None:
    n = len(columns)
    st = [CellState(s.lo, s.hi, set(s.rules), list(s.notes)) for s in states]
    if not st:
        return st
    first = _first(row.cells[0], spacing)
    if first:
        lo, hi, rule = first
        if lo > st[0].lo or hi < st[0].hi:
            st[0].lo, st[0].hi = max(st[0].lo, lo), min(st[0].hi, hi)
            st[0].rules.add(rule)
    diffs = [_pair(row.cells[k - 1], row.cells[k], spacing) for k in range(1, len(st))]
    changed = True
    while changed:
        changed = False
        for k in range(1, len(st)):
            dmin, dmax, rule = diffs[k - 1]
            a, b = st[k - 1], st[k]
            nlo, nhi = max(b.lo, a.lo + dmin), min(b.hi, a.hi + dmax)
            if (nlo, nhi) != (b.lo, b.hi):
                b.lo, b.hi = nlo, nhi
                b.rules |= a.rules | {rule, "column-order"}
                changed = True
            plo, phi = max(a.lo, b.lo - dmax), min(a.hi, b.hi - dmin)
            if (plo, phi) != (a.lo, a.hi):
                a.lo, a.hi = plo, phi
                a.rules |= b.rules | {rule, "column-order"}
                changed = True
        if any(s.lo > s.hi or s.lo < 0 or s.hi >= n for s in st):
            return None
    return st


def confidence(rules: set[str]) -> float:
    return min((CONFIDENCE.get(r, 0.8) for r in rules), default=1.0)
