"""The dose-modification table of 4.2 (toxicity x grade x weight group -> action)
and the interruption rules printed before it.

The table arrives as interleaved text. It is read as a stream of sentences:
a sentence that starts an action (an ``action_*`` cue of ``dosing.json``
``wording``, or "If <condition>, <interrupt cue>") opens a new cell;
any other sentence continues the current cell. The text before an action on
the same printed line is the row marker ("Grade 3", or an event such as a
named reaction); text on earlier lines since the last cell is the toxicity name.
Cells after a marker fill the weight-group columns of the header in order.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ingest.dosing_records import DoseModificationTable, InterruptionRule, ModificationAction
from ingest.extract.posology.passages import Flat, alternation, dose_pattern, dose_quantity, duration, duration_pattern
from ingest.extract.posology.regimens import WEIGHT, weight_group
from ingest.extract.posology.wording import cue, phrases
from ingest.ids import slugify
from ingest.records import Quantity

GRADE = re.compile(r"^grade\s*(\d)\b", re.I)
MIN_DAYS = re.compile(r"for at least (\d+) days?", re.I)
AFTER = re.compile(r"after (\d+) days?", re.I)
COND_AFTER = re.compile(r"\bpermanently (if [^.]+)", re.I)
ACTIONS = (("interrupt", "action_interrupt"), ("discontinue", "action_discontinue"),
           ("consider-discontinue", "action_consider_discontinue"))


@lru_cache(maxsize=1)
def _start_pattern() -> re.Pattern:
    """An action opening a cell: one of the action cues, or "If <condition>, <interrupt cue>"."""
    verbs = {kind: alternation(phrases(name)) for kind, name in ACTIONS}
    every = alternation([p for _, name in ACTIONS for p in phrases(name)])
    return re.compile(rf"(?:(?P<cond>If [^,.]{{3,40}}), (?=(?:{verbs['interrupt']})\b))?(?P<verb>{every})\b", re.I)


def _action_kind(verb: str) -> str:
    v = " ".join(verb.lower().split())
    return next(kind for kind, name in ACTIONS if v in (p.lower() for p in phrases(name)))


def read_table(flat: Flat, start: int, end: int, section: str, tid: str):
    """Read the action table in ``flat.text[start:end]`` (header first) -> (table, column groups)."""
    text = flat.text
    table = DoseModificationTable(tid, flat.source(start, end, section))
    first = _start(text, start, end)
    header_end = first.start() if first else end
    cols = [weight_group(m, flat, section) for m in WEIGHT.finditer(text, start, header_end)]
    # the header runs up to the last weight phrase; what follows is the first row label
    label_start = max((m.end() for m in WEIGHT.finditer(text, start, header_end)), default=start)
    tox_name, marker = "", None
    k = 0
    current: list | None = None  # [a, b, col, marker, tox]
    cells = []
    for a, b in flat.sentences(label_start, end):
        m = _start(text, a, b)
        if m is None:
            if current is not None:
                current[1] = b
            continue
        pre_a = a
        prefix = text[pre_a : m.start()].strip()
        if prefix:
            line_of_action = flat.line_index(m.start())
            split = flat.starts[line_of_action]
            on_line = text[max(split, pre_a) : m.start()].strip()
            before = text[pre_a : max(split, pre_a)].strip()
            if on_line:
                marker = on_line
                k = 0
            if before:
                tox_name = before
        if current is not None:
            cells.append(current)
        current = [m.start(), b, k, marker, tox_name, m]
        k += 1
    if current is not None:
        cells.append(current)
    seen: dict[str, int] = {}
    for a, b, col, mark, tox, m in cells:
        if col >= len(cols) or not mark:
            continue
        wg = cols[col]
        g = GRADE.match(mark)
        names = [n.strip() for n in re.split(r",\s*(?=[A-Z])", tox) if n.strip()]
        base = f"{slugify(tox, 40)}-{slugify(mark, 20)}-{wg.id}"
        seen[base] = seen.get(base, 0) + 1
        aid = base if seen[base] == 1 else f"{base}-{seen[base]}"
        act = _action(aid, text[a:b], m, names, tox, mark, g, wg.id, flat.source(a, b, section))
        table.actions.append(act)
    return table, cols


def _start(text: str, a: int, b: int) -> re.Match | None:
    for m in _start_pattern().finditer(text, a, b):
        if m.group("cond") or m.group("verb")[0].isupper():
            return m
    return None


def _action(aid, t, m, names, tox, mark, g, wg_id, src) -> ModificationAction:
    action = _action_kind(m.group("verb"))
    act = ModificationAction(
        aid, names or [tox], " ".join(tox.split()), int(g.group(1)) if g else None,
        None if g else mark.lower(), wg_id, action, " ".join(t.split()), src,
    )
    if m.group("cond"):
        act.condition = m.group("cond")[3:].strip().lower()
    c = COND_AFTER.search(t)
    if c and action != "interrupt":
        act.condition = c.group(1)[3:].strip().lower()
    if action == "interrupt":
        ug = cue("until_grade").search(t)
        act.until = "max-grade" if ug else "resolved"
        act.until_max_grade = int(ug.group("n")) if ug else None
        md = MIN_DAYS.search(t)
        act.until_min_days = int(md.group(1)) if md else None
        r = cue("restart").search(t)
        if r:
            dm = dose_pattern().match(t, _skip_space(t, r.end()))
            act.restart_dose = dose_quantity(dm) if dm else None
        e = cue("escalate").search(t)
        if e:
            dm = dose_pattern().match(t, _skip_space(t, e.end()))
            act.escalate_dose = dose_quantity(dm) if dm else None
            af = AFTER.search(t, e.end())
            act.escalate_after = Quantity(float(af.group(1)), "d", text=af.group(0)) if af else None
        p = cue("premedication").search(t)
        if p:
            dm = dose_pattern().search(p.group("dose"))
            act.premedication_dose = dose_quantity(dm) if dm else None
            act.premedication_drug = p.group("drug").lower()
        tp = cue("taper").search(t)
        act.taper = Quantity(float(tp.group("n")), "d", text=tp.group(0)) if tp else None
        act.discontinue_if_at_restart_dose = bool(cue("discontinue_if_at_restart_dose").search(t))
        ro = cue("resolution_over").search(t)
        act.discontinue_if_resolution_over = Quantity(float(ro.group("n")), "d", comparator=">", text=ro.group(0)) if ro else None
    return act


NO_LONGER = re.compile(r"no longer than (\d+) days?", re.I)
LONGER = re.compile(r"(?<!no )longer than (\d+) days?", re.I)


def _skip_space(t: str, i: int) -> int:
    while i < len(t) and t[i].isspace():
        i += 1
    return i


def read_rules(flat: Flat, a0: int, b0: int, section: str, table: DoseModificationTable) -> None:
    """Interruption rules: sentences about interruptions and resolution times."""
    for a, b in flat.sentences(a0, b0):
        s = flat.text[a:b]
        src = flat.source(a, b, section)
        rid = f"{table.id}-rule-{len(table.rules) + 1}"
        q = cue("resolution_over").search(s)
        if q and cue("action_discontinue").search(s):
            table.rules.append(InterruptionRule(rid, " ".join(s.split()), src, "discontinue",
                                                resolution_over=Quantity(float(q.group("n")), "d", comparator=">")))
        elif NO_LONGER.search(s) and cue("same_cycle").search(s):
            q = NO_LONGER.search(s)
            tot = cue("cycle_infusion_total").search(s)
            table.rules.append(InterruptionRule(
                rid, " ".join(s.split()), src, "continue-cycle",
                max_days=Quantity(float(q.group(1)), "d", comparator="<="),
                infusion_days_total=Quantity(float(tot.group("n")), "d") if tot else None))
        elif LONGER.search(s) and cue("new_cycle").search(s):
            q = LONGER.search(s)
            table.rules.append(InterruptionRule(rid, " ".join(s.split()), src, "new-cycle",
                                                min_days=Quantity(float(q.group(1)), "d", comparator=">")))


__all__ = ["read_table", "read_rules", "duration_pattern", "duration"]
