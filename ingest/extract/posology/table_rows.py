"""Table rows of 4.2 printed as prose lines ("< 40 kg | induction cell | maintenance cell"):
how the prose reader (:mod:`ingest.extract.posology.prose`) cuts them and what a row's
cells share.

* a row with a dose in several cells is cut before each later dose cell; each segment
  keeps the row's first cell, which may print the row's weight band;
* every later sentence of a row whose first cell is a weight band keeps that band: an
  alternative printed inside a cell ("In case there is a need for a more rapid response
  ..., the following dose may be used: ...") is a dose for that band only;
* a later cell with a recurring dose ("| 40 mg every other week") after a cell of dated
  doses ("80 mg at Week 0 and 40 mg at Week 2") is the row's maintenance phase, and
  holds for every alternative of the row;
* a line with an empty first cell whose doses are all in brackets continues the cell
  above it ("30 dose steps" / "(30 units/10 mcg)"): the components of that dose.

No product is known here; the weight phrases are those of ``dosing.json``.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Iterable, Iterator

from ingest.dosing_records import DosePhase, DoseRule
from ingest.extract.posology import forms
from ingest.extract.posology.passages import dosing_data
from ingest.extract.posology.schedules import bracketed
from ingest.records import Quantity, Source


def row_band(text: str) -> str | None:
    """The first cell of a table row ("< 40 kg | ...") when it prints a weight band."""
    first, bar, _ = text.partition("|")
    return first.strip() if bar and first.strip() and forms.weight_band(first, last=True) else None


def segments(sents: Iterable[str], dosed: Callable[[str], bool], row_text: str | None = None) -> Iterator[tuple[str, str | None, bool]]:
    """(segment, head, cell) for each sentence of a paragraph: ``head`` is the row's first cell
    when the segment was cut from it or inherits its weight band; ``cell`` is true for a later
    dose cell cut from a row."""
    sents = list(sents)
    band = row_band(row_text if row_text is not None else " ".join(sents))
    for n, sent in enumerate(sents):
        cells = sent.split("|")
        with_dose = [i for i, c in enumerate(cells) if dosed(c)]
        if len(cells) < 3 or len(with_dose) < 2:
            yield sent, (band if n > 0 and forms.weight_band(sent, last=True) is None else None), False
            continue
        cuts = [0, *with_dose[1:], len(cells)]
        for a, b in zip(cuts, cuts[1:]):
            seg = "|".join(cells[a:b]).strip(" |")
            if seg:
                yield seg, (cells[0] if a > 0 else None), a > 0


def maintenance(rule: DoseRule, dose: Quantity, sched, span: Source) -> DosePhase:
    """The maintenance phase a row's later cell gives to the rule of its dated doses."""
    return DosePhase(str(len(rule.phases) + 1), "maintenance", span, dose, [], sched[1], sched[2], sched[0])


def share_maintenance(row_text: str, row_rules: list[DoseRule], dosed: Callable[[str], bool]) -> None:
    """The maintenance phase read from a row's last cell, for every phased rule of the row without one
    (the induction alternatives of one row share its maintenance column)."""
    if "|" not in row_text or row_band(row_text) is None:
        return
    last = row_text.rsplit("|", 1)[-1]
    if not dosed(last):
        return
    shared = next((p for r in row_rules for p in r.phases if p.role == "maintenance" and p.dose is not None
                   and p.dose.text and p.dose.text in " ".join(last.split())), None)
    if shared is None:
        return
    for r in row_rules:
        if r.phases and not any(p.role == "maintenance" for p in r.phases):
            r.phases.append(dataclasses.replace(shared, id=str(len(r.phases) + 1)))


def continues_cell(row: str, sent: str, found_spans, current: DoseRule) -> bool:
    """A table line with an empty first cell whose doses are all in brackets continues the
    cell above it: it restates what the counted dose there holds ("(30 units/10 mcg)" under
    "30 dose steps"), it is not a dose of its own."""
    if not row.lstrip().startswith("|") or current.dose is None or current.components:
        return False
    if current.dose.unit.split("/")[0] not in dosing_data()["units"]["count_meanings"]:
        return False
    inside = bracketed(sent)
    return all(any(a <= start < b for a, b in inside) for _, _, _, start, _ in found_spans)
