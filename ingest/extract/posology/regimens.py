"""Regimen tables of section 4.2: cycles x day ranges x weight groups -> daily doses.

Three printed layouts are read by one token grammar (no label-specific layout):

* day ranges as columns, weight groups as rows (cycle headers over the days);
* weight groups as columns, day ranges as rows (one cycle header);
* repeated blocks "cycle header, day columns, cells" with the weight group
  stated in the sentence before the table.

A row with fewer cells than columns shares the treatment-free cells of the
full rows (merged cells in the printed table).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.dosing_records import CyclePhase, DoseStep, Regimen, WeightGroup
from ingest.extract.posology.passages import Flat, dose_pattern, dose_quantity, ordinal
from ingest.extract.posology.wording import cue
from ingest.records import Quantity

DAYS = re.compile(r"\bDays?\s+(\d+)\s*[-–]\s*(\d+)\b")
CYCLE = re.compile(
    r"\b(?:(?P<role>induction|consolidation)\s+)?cycles?\s+(?P<a>\d+)(?:\s*[-–]\s*(?P<b>\d+))?\b"
    r"|\b(?P<subs>subsequent)\s+cycles\b"
    r"|\b(?:one|single)\s+(?P<role2>consolidation|induction)?\s*cycle\b",
    re.I,
)
WEIGHT = re.compile(
    r"(?:body weight\s+)?(?P<cmp>greater than or equal to|less than or equal to|at least|less than|greater than|≥|≤|<|>)"
    r"\s*(?P<num>\d+(?:\.\d+)?)\s*kg(?:\s+in weight)?(?:\s*\((?P<basis>[^)]{1,30})\))?",
    re.I,
)
FREE = re.compile(r"(?:(?P<n>\d+)-day\s+)?treatment-free\s+interval", re.I)
CAP = re.compile(r"\s*(?:via [a-z ]{3,40}?)?\s*\(\s*not to exceed\s+", re.I)
COMPARATORS = {
    "greater than or equal to": ">=", "at least": ">=", "≥": ">=", "greater than": ">", ">": ">",
    "less than or equal to": "<=", "≤": "<=", "less than": "<", "<": "<",
}


@dataclass
class Tok:
    kind: str  # days | cycle | weight | dose | free
    a: int
    b: int
    m: re.Match
    cap: re.Match | None = None


def is_regimen_text(text: str) -> bool:
    return bool(DAYS.search(text)) and any(m.group("time") for m in dose_pattern().finditer(text))


def tokenize(flat: Flat, start: int) -> list[Tok]:
    text = flat.text
    toks: list[Tok] = []
    taken: list[tuple[int, int]] = []

    def free(a, b):
        return all(b <= x or a >= y for x, y in taken)

    for m in dose_pattern().finditer(text, start):
        if not m.group("time") or not free(m.start(), m.end()):
            continue
        cap = None
        c = CAP.match(text, m.end())
        if c:
            cm = dose_pattern().match(text, c.end())
            if cm:
                cap = cm
                close = text.find(")", cm.end())
                end = close + 1 if close >= 0 else cm.end()
                taken.append((m.start(), end))
                toks.append(Tok("dose", m.start(), end, m, cap))
                continue
        taken.append((m.start(), m.end()))
        toks.append(Tok("dose", m.start(), m.end(), m))
    for kind, rx in (("free", FREE), ("days", DAYS), ("weight", WEIGHT), ("cycle", CYCLE)):
        for m in rx.finditer(text, start):
            if free(m.start(), m.end()):
                taken.append((m.start(), m.end()))
                toks.append(Tok(kind, m.start(), m.end(), m))
    return sorted(toks, key=lambda t: t.a)


def weight_group(tok_or_match, flat: Flat, section: str) -> WeightGroup:
    m = tok_or_match
    cmp = COMPARATORS[m.group("cmp").lower()]
    q = Quantity(float(m.group("num")), "kg", comparator=cmp, text=m.group(0))
    basis_txt = (m.group("basis") or "").lower()
    basis = "bsa" if "bsa" in basis_txt or "surface" in basis_txt else "fixed" if "fixed" in basis_txt else ""
    gid = {">=": "ge", ">": "gt", "<": "lt", "<=": "le"}[cmp] + f"-{m.group('num')}-kg"
    src = flat.source(m.start(), m.end(), section)
    wg = WeightGroup(gid, basis, src, label=" ".join(m.group(0).split()))
    if cmp in (">=", ">"):
        wg.min_kg = q
    else:
        wg.max_kg = q
    return wg


def _cycle_range(m: re.Match, prev_last: int) -> tuple[int, int | None, str | None]:
    if m.group("subs"):
        return prev_last + 1, None, None
    if m.group("a"):
        a = int(m.group("a"))
        return a, int(m.group("b")) if m.group("b") else a, (m.group("role") or "").lower() or None
    return 1, 1, (m.group("role2") or "").lower() or None


def _basis_of(dose: Quantity) -> str:
    parts = dose.unit.split("/")
    if "m2" in parts:
        return "bsa"
    if "kg" in parts:
        return "weight"
    return "fixed"


def read_table(reg: Regimen, flat: Flat, start: int, context: WeightGroup | None) -> None:
    """Fill ``reg.steps`` and ``reg.weight_groups`` from the table text at ``flat.text[start:]``."""
    toks = tokenize(flat, start)
    blocks: list[list[Tok]] = []
    for t in toks:
        if t.kind == "cycle" and blocks and any(x.kind in ("dose", "free") for x in blocks[-1]) and (
            blocks[-1][-1].kind in ("dose", "free")
        ):
            blocks.append([])
        if not blocks:
            blocks.append([])
        blocks[-1].append(t)
    groups: dict[str, WeightGroup] = {}
    prev_last = 0
    for block in blocks:
        first_cell = next((i for i, t in enumerate(block) if t.kind in ("dose", "free")), len(block))
        header, body = block[:first_cell], block[first_cell:]
        first_days = next((i for i, t in enumerate(header) if t.kind == "days"), len(header))
        if sum(1 for t in header[:first_days] if t.kind == "weight") >= 2:
            # weight groups as columns: the day ranges label the rows
            header, body = header[:first_days], header[first_days:] + body
        last_days = max((i for i, t in enumerate(header) if t.kind == "days"), default=-1)
        if last_days >= 0:
            lead = [t for t in header[last_days + 1 :] if t.kind == "weight"]
            header, body = header[: last_days + 1], lead + body
            ctx_tok = next((t for t in reversed(header) if t.kind == "weight"), None)
            if ctx_tok is not None and context is None:
                context = weight_group(ctx_tok.m, flat, reg.section)
        cycles = []
        for t in header:
            if t.kind == "cycle":
                a, b, role = _cycle_range(t.m, prev_last)
                cycles.append((a, b, role, t))
                prev_last = b if b is not None else a
        day_cols = [t for t in header if t.kind == "days"]
        weight_cols = [t for t in header if t.kind == "weight"]
        cells: list[tuple[Tok | None, list[Tok]]] = []  # (row label, cells)
        if day_cols:
            runs: list[list[Tok]] = []
            for d in day_cols:
                if int(d.m.group(1)) == 1 or not runs:
                    runs.append([])
                runs[-1].append(d)
            col_cycle = []
            for i, run in enumerate(runs):
                cyc = cycles[i] if i < len(cycles) else (cycles[-1] if cycles else (1, 1, None, None))
                col_cycle.extend([cyc] * len(run))
            for t in body:
                if t.kind == "weight":
                    cells.append((t, []))
                elif t.kind in ("dose", "free"):
                    if not cells:
                        cells.append((None, []))
                    cells[-1][1].append(t)
            full = [c for _, c in cells if len(c) == len(day_cols)]
            free_cols = {i for c in full for i, t in enumerate(c) if t.kind == "free"}
            for label, row in cells:
                if len(row) < len(day_cols) and full:
                    it = iter(row)
                    row[:] = [full[0][i] if i in free_cols else next(it, None) for i in range(len(day_cols))]
                wg = _group(label, context, row, flat, reg.section, groups)
                for i, cell in enumerate(row):
                    if cell is None or i >= len(day_cols):
                        continue
                    a, b, _, _ = col_cycle[i]
                    _step(reg, wg, a, b, day_cols[i], cell, flat)
        elif weight_cols:
            a, b, _, _ = cycles[0] if cycles else (1, 1, None, None)
            day = None
            k = 0
            for t in body:
                if t.kind == "days":
                    day, k = t, 0
                elif t.kind in ("dose", "free") and day is not None and k < len(weight_cols):
                    wg = _group(weight_cols[k], None, [t], flat, reg.section, groups)
                    _step(reg, wg, a, b, day, t, flat)
                    k += 1
        for a, b, role, t in cycles:
            if role:
                reg.phases.append(CyclePhase(role, a, b if b is not None else a, flat.source(t.a, t.b, reg.section)))
    reg.weight_groups = list(groups.values())
    infusion = [s for s in reg.steps if s.phase == "infusion"]
    free = [s for s in reg.steps if s.phase == "treatment-free"]
    if reg.steps:
        reg.cycle_days = max(s.last_day for s in reg.steps)
        reg.infusion_days = max(s.last_day for s in infusion) if infusion else 0
        reg.treatment_free_days = (reg.cycle_days - reg.infusion_days) if free else 0


def _group(label: Tok | None, context: WeightGroup | None, row, flat, section, groups) -> WeightGroup:
    if label is not None:
        wg = weight_group(label.m, flat, section)
    elif context is not None:
        wg = context
    else:
        first = next((c for c in row if c is not None), None)
        src = flat.source(first.a, first.b, section, "inferred", "no weight group printed: the doses apply to every weight")
        wg = WeightGroup("any", "", src)
    if not wg.basis:
        doses = [c.m for c in row if c is not None and c.kind == "dose"]
        wg.basis = _basis_of(dose_quantity(doses[0])) if doses else "fixed"
    return groups.setdefault(wg.id, wg)


def _step(reg: Regimen, wg: WeightGroup, a: int, b: int | None, day: Tok, cell: Tok, flat: Flat) -> None:
    d1, d2 = int(day.m.group(1)), int(day.m.group(2))
    sid = f"{wg.id}-c{a}{'-' + str(b) if b != a else ''}-d{d1}-{d2}"
    src = flat.source(cell.a, cell.b, reg.section)
    if cell.kind == "free":
        reg.steps.append(DoseStep(sid, wg.id, a, b, d1, d2, "treatment-free", src))
        return
    step = DoseStep(sid, wg.id, a, b, d1, d2, "infusion", src, dose=dose_quantity(cell.m))
    if cell.cap is not None:
        step.cap = dose_quantity(cell.cap, comparator="<=")
        paren = flat.text.rfind("(", cell.a, cell.cap.start())
        step.cap_source = flat.source(paren if paren >= 0 else cell.cap.start(), cell.b, reg.section)
    reg.steps.append(step)




def read_cycles(reg: Regimen, flat: Flat, end: int) -> None:
    """Number of cycles and the induction/consolidation split from the prose before the table."""
    base = more = None
    for a, b in flat.sentences(0, end):
        s = flat.text[a:b]
        m = cue("cycle_count").search(s)
        if m and base is None and ordinal(m.group("n")):
            base = (ordinal(m.group("n")), a + m.start(), a + m.end(), m.groupdict().get("role"))
        m2 = cue("more_cycles").search(s)
        if m2 and more is None and ordinal(m2.group("n")):
            more = (ordinal(m2.group("n")), a + m2.start(), a + m2.end(), m2.group("role").lower())
    if base is None:
        return
    n, a, b, role = base
    src = flat.source(a, b, reg.section)
    reg.max_cycles = n
    reg.cycles_source = src
    table_roles = {p.role for p in reg.phases}
    if more:
        reg.phases = [CyclePhase("induction", 1, n, src)]
        m_src = flat.source(more[1], more[2], reg.section)
        reg.phases.append(CyclePhase(more[3], n + 1, n + more[0], m_src))
        reg.max_cycles = n + more[0]
        reg.cycles_source = flat.source(a, more[2], reg.section) if more[1] > a else src
    elif not reg.phases:
        r = "induction" if role else (next(iter(table_roles)) if len(table_roles) == 1 else "treatment")
        reg.phases = [CyclePhase(r, 1, n, src)]
