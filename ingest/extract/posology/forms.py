"""The general dose forms of 4.2 prose beyond "a dose and a schedule".

* a fixed combination: "one 50 mg/300 mg tablet" is one dose with two components; a
  dose counted in a device unit restated in brackets ("10 dose steps (10 units/5 mcg)")
  has the bracketed quantities as its components;
* escalation ("can be increased to ..."), increments ("increased by one ... tablet
  per week"), device steps ("delivers ... in steps of 1 unit");
* weight bands: "14 kg to less than 25 kg: one tablet of ...", "40 mg for patients
  < 30 kg or 80 mg for patients >= 30 kg";
* phases: a loading dose then a maintenance dose with its interval and start
  ("beginning three weeks after the loading dose"), doses at printed weeks;
* the condition of a frequency ("three times daily with each main meal");
* a bound above which the medicine must not be used ("for doses > 60 units/day, ... must
  not be used") is the label's maximum.

Every cue is in ``ontology/data/dosing.json`` (``prose_rules.forms``); nothing
here knows a product.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ingest.dosing_records import DoseBand, DoseComponent, DosePhase
from ingest.extract.posology.passages import alternation, dosing_data
from ingest.extract.posology.schedules import bracketed, schedule
from ingest.extract.posology.wording import Cue
from ingest.quantities import number as word_number
from ingest.quotes import ends_with_abbreviation
from ingest.records import Quantity, Source

_N = r"\d+(?:[.,]\d+)?"


@lru_cache(maxsize=1)
def cues() -> dict:
    return dosing_data()["prose_rules"]["forms"]


def _ends(words) -> re.Pattern:
    return re.compile(rf"(?<![\w-])(?:{alternation(words)})\s+(?:(?:{alternation(cues()['count_words'])})\s+)?$", re.I)


@lru_cache(maxsize=None)
def _rx(name: str) -> re.Pattern:
    return _ends(cues()[name])


@lru_cache(maxsize=1)
def _weight_range() -> Cue:
    return Cue(cues()["weight_range"])


_WEIGHT_ONE = re.compile(
    rf"(?P<cmp>greater than or equal to|less than or equal to|at least|less than|greater than|≥|≤|>=|<=|<|>)\s*(?P<n>{_N})\s*kg"
    rf"|(?P<n2>{_N})\s*kg\s+(?P<more>or more|or above|and above|or over|or greater)", re.I)
_CMP = {"greater than or equal to": ">=", "at least": ">=", "≥": ">=", ">=": ">=", "greater than": ">", ">": ">",
        "less than or equal to": "<=", "≤": "<=", "<=": "<=", "less than": "<", "<": "<"}


def kind_of(sentence: str, start: int, end: int, q: Quantity, last_kind: str | None, between: str) -> str | None:
    """The form of one dose mention, or None for the ordinary kinds (dose, cap ...)."""
    c = cues()
    after = sentence[end : end + 12]
    if q.unit in set(dosing_data()["units"]["count_dose"].values()) and \
            re.match(rf"\s*(?:{alternation(c['concentration_after'])})", after, re.I):
        return "strength"
    if last_kind is not None and re.fullmatch(r"\s*/\s*", between):
        return "component"
    if last_kind is not None and _rx("restate_cues").search(between):
        return "restated"  # "60 units ... and 20 mcg ... corresponding to 60 dose steps": the same amount again
    if last_kind == "dose" and re.fullmatch(r"\s*\(\s*", between) and _restates(sentence[: start - len(between)], q):
        return "component"  # "10 dose steps (10 units/5 mcg)": what the counted dose holds
    if last_kind in ("cap", "period-cap") and not re.search(r"\d", between) and \
            re.search(rf"(?<![\w-])(?:{alternation(c['combination_joins'])})\s*$", between, re.I) and len(between) < 60:
        return "component"
    if _refused_above(sentence, end, between):  # "for doses > 60 dose steps/day, X must not be used"
        q.comparator = "<="
        return "cap"  # a printed "/day" stays in its unit
    if re.search(rf"(?<![\w-])(?:{alternation(c['device_cues'])})\s+(?:\S+\s+){{0,2}}$", between, re.I):
        if q.value is None:  # "delivers 1 - 60 units": a limit per injection, not a dose
            q.value, q.low, q.high = q.high, None, None
        q.comparator = "<="
        return "device"
    if _rx("additional_cues").search(between):  # "an additional 50 mg tablet ... should be administered"
        return "dose"
    if _rx("escalate_cues").search(between):
        return "escalate"
    if _rx("increment_cues").search(between):
        return "increment"
    if _rx("step_cues").search(between):
        return "step"
    return None


def refuses(sentence: str) -> bool:
    """The sentence refuses the medicine ("must not be used", "is not recommended")."""
    return bool(re.search(rf"(?<![\w-])(?:{alternation(cues()['refusal_cues'])})(?![\w-])", sentence, re.I))


def _refused_above(sentence: str, end: int, between: str) -> bool:
    """A dose printed as a bound above which the sentence refuses the medicine: the label's maximum."""
    c = cues()
    return bool(re.search(rf"(?:{alternation(c['above_words'])})\s*$", between, re.I)) and \
        refuses(sentence[end:])


def _restates(before: str, q: Quantity) -> bool:
    """The dose printed just before the bracket is counted in a device or count unit
    ("dose steps", "units") other than the bracketed quantity's: the bracket says what it holds."""
    counts = dosing_data()["units"]["count_dose"]
    m = re.search(rf"(?<![\w-])({alternation(counts)})\s*$", before, re.I)
    if m is None:
        return False
    return counts.get(m.group(1), counts.get(m.group(1).lower())) != q.unit


def period_after(after: str) -> str | None:
    words = dosing_data()["prose_rules"]["period_words"]
    m = re.match(rf"\W*(?:[a-z-]+\s+){{0,2}}?({alternation(words)})\b", after, re.I)
    return words[m.group(1).lower()] if m else None


def components(found, first_index: int, span: Source) -> list[DoseComponent]:
    """The first dose and the component doses printed right after it ("50 mg/300 mg"); a dose
    counted in device steps is not itself a component (``count_meanings`` of the data)."""
    out = []
    for i in range(first_index + 1, len(found)):
        if found[i][0] != "component":
            break
        out.append(found[i][1])
    if not out:
        return []
    first = found[first_index][1]
    counted = first.unit.split("/")[0] in dosing_data()["units"]["count_meanings"]
    parts = out if counted else [first, *out]  # "10 dose steps (10 units/5 mcg)": the steps hold the components
    return [DoseComponent(str(n), q, span) for n, q in enumerate(parts, 1)]


def weight_band(text: str, last: bool) -> tuple[Quantity | None, Quantity | None] | None:
    """The weight band printed in ``text`` (the last one, or the first)."""
    hits = []
    for m in _weight_range().finditer(text):
        lo, hi = float(m.group("n").replace(",", ".")), float(m.group("hours").replace(",", "."))
        strict = re.search(r"less than|<", m.group(0))
        hits.append((m.start(), m.end(), Quantity(lo, "kg", comparator=">=", text=m.group(0)),
                     Quantity(hi, "kg", comparator="<" if strict else "<=", text=m.group(0))))
    for m in _WEIGHT_ONE.finditer(text):
        if any(a <= m.start() < b for a, b, _, _ in hits):
            continue
        if m.group("n2"):
            hits.append((m.start(), m.end(), Quantity(float(m.group("n2")), "kg", comparator=">=", text=m.group(0)), None))
            continue
        cmp_ = _CMP[m.group("cmp").lower()]
        qq = Quantity(float(m.group("n")), "kg", comparator=cmp_, text=m.group(0))
        hits.append((m.start(), m.end(), qq, None) if cmp_.startswith(">") else (m.start(), m.end(), None, qq))
    if not hits:
        return None
    hits.sort(key=lambda h: h[0])
    h = hits[-1] if last else hits[0]
    return h[2], h[3]


def bands(sentence: str, found_spans, span: Source, start_id: int = 1, head: str | None = None) -> list[DoseBand]:
    """A band for every dose of the sentence printed with a body weight: the weight
    before it in the same clause ("10 kg to < 30 kg 20 mg") or right after it
    ("40 mg for patients < 30 kg")."""
    out = []
    doses = [(q, a, b) for k, q, _, a, b in found_spans if k == "dose"]
    prev = 0
    for i, (q, a, b) in enumerate(doses):
        nxt = doses[i + 1][1] if i + 1 < len(doses) else len(sentence)
        after = sentence[b:nxt]
        band = None
        m = re.match(rf"\s*(?:{alternation(cues()['band_for'])})\b(?:\s+weighing)?", after, re.I)
        if m:
            band = weight_band(after[m.end() : m.end() + 40], last=False)
        if band is None:
            band = weight_band(sentence[prev:a], last=True)
        if band is None and head and i == 0:
            band = weight_band(head, last=True)
        prev = b
        if band is None:
            continue
        sched = schedule(after)
        out.append(DoseBand(str(start_id + len(out)), q, span, band[0], band[1],
                            sched[0] if sched else None, sched[1] if sched else None, sched[2] if sched else None))
    return out


def _phase_role(text: str) -> str | None:
    """The role named last in ``text``; "sequence" when a sequence word ("followed by") comes last."""
    best = None
    named = {**cues()["phase_cues"], "sequence": cues()["sequence_cues"]["words"]}
    for role, words in named.items():
        for m in re.finditer(rf"(?<![\w-])(?:{alternation(words)})(?![\w-])", text, re.I):
            if best is None or m.start() > best[0]:
                best = (m.start(), role)
    return best[1] if best else None


@lru_cache(maxsize=1)
def _starts_after() -> Cue:
    return Cue(cues()["starts_after"])


@lru_cache(maxsize=1)
def _starts_later() -> Cue:
    return Cue(cues()["starts_later"])


@lru_cache(maxsize=1)
def _starts_at() -> Cue:
    return Cue(cues()["starts_at_week"])


@lru_cache(maxsize=1)
def _at_day() -> Cue:
    return Cue(cues()["day_weeks"]["cues"])


_AT_WEEKS = re.compile(r"\bat\s+weeks?\s+(?P<w>\d+(?:\s*(?:,|and)\s*\d+)*)\b|\bat\s+(?P<w2>\d+(?:\s*(?:,|and)\s*\d+)+)\s+weeks\b", re.I)


def _weeks(text: str) -> list[float]:
    m = _AT_WEEKS.search(text)
    if m:
        return [float(x) for x in re.findall(r"\d+", m.group("w") or m.group("w2"))]
    m = _at_day().search(text)  # "at Day 15": 14 days after Day 1, week 2
    if m and (float(m.group("n")) - 1) % 7 == 0:
        return [(float(m.group("n")) - 1) / 7]
    return []


def phases(sentence: str, found_spans, span: Source) -> list[DosePhase]:
    """Loading / initial / induction / maintenance / week-numbered doses of one sentence (none when
    it has no such cue). A dose inside brackets says how another is given ("(given as two 40 mg
    injections)"): never a phase. A dose after a sequence word ("followed by") is maintenance when
    it recurs, else (a dose at a printed week) induction; "starting at Week 1" starts a recurring
    dose, counted from the phase before it."""
    inside = bracketed(sentence)
    every = [(q, a, b) for k, q, _, a, b in found_spans if k == "dose"]
    out: list[DosePhase] = []
    prev = 0
    for i, (q, a, b) in enumerate(every):
        nxt = every[i + 1][1] if i + 1 < len(every) else len(sentence)
        before, after = sentence[prev:a], sentence[b:nxt]
        prev = b
        if any(x <= a < y for x, y in inside):
            continue
        role = _phase_role(before) or ("initial" if re.match(
            rf"\s*(?:{alternation(cues()['phase_cues']['initial'])})\b", after, re.I) else None)
        start = _starts_at().search(after[:60])
        weeks = [] if start else _weeks(after[:40])
        sched = schedule(after)
        if role is None and not weeks:
            if not (out and sched and not start and not re.search(r"(?<![\w-])or\s*\W*\s*$", before, re.I)):
                continue
            role = "maintenance"  # a recurring dose after dated ones (the maintenance cell of a table row)
        if role == "sequence":
            role = "maintenance" if sched and not weeks else "induction"
        role = role or "induction"
        ph = DosePhase(str(len(out) + 1), role, span, q, weeks)
        if sched and not weeks:
            ph.schedule, ph.interval, ph.times_per_interval = sched
        m = _starts_after().search(after)
        if m:
            n = m.group("n")
            ph.starts_after = Quantity(float(word_number(n) or 0) if not n[0].isdigit() else float(n), "wk", text=m.group(0))
        elif _starts_later().search(before):  # "Two weeks later (Day 29) continue with a dose of ..."
            m = _starts_later().search(before)
            n = m.group("n")
            ph.starts_after = Quantity(float(word_number(n) or 0) if not n[0].isdigit() else float(n), "wk", text=m.group(0))
        elif start and out and out[-1].at_weeks:
            ph.starts_after = Quantity(float(start.group("n")) - out[-1].at_weeks[-1], "wk", text=start.group(0))
        elif start:
            ph.at_weeks = [float(start.group("n"))]
        out.append(ph)
    tail = sentence[every[-1][2]:] if every else sentence
    m = re.search(rf"(?<![\w-])(?:{alternation(cues()['then_cues'])})\s+(?P<rest>every[^,.;]*)", tail, re.I)
    if out and m and out[-1].interval is None:
        sched = schedule(m.group("rest"))
        if sched:
            out.append(DosePhase(str(len(out) + 1), "maintenance", span, None, [], sched[1], sched[2], sched[0]))
    if len(out) == 1 and out[0].role not in ("loading", "initial") and len(out[0].at_weeks) < 2 and \
            not (out[0].role == "maintenance" and _phase_role(sentence[: out[0].dose.text and sentence.find(out[0].dose.text)]) == "sequence"):
        return []
    return out


@lru_cache(maxsize=1)
def _condition_rx() -> re.Pattern:
    # up to the clause's end: a semicolon, a bracket, the sentence's full stop (an abbreviation's, "St.", is
    # kept), or a comma that is not between the items of a list ("with rifampicin, carbamazepine, ... or X")
    return re.compile(rf"^\s*,?\s*(?P<c>(?:{alternation(cues()['condition_starts'])})\b(?:[^;()]|\([^()]*\))*)", re.I)


def condition(sentence: str, schedule_text: str | None) -> str | None:
    """The condition printed right after the frequency ("... three times daily with each main meal")."""
    if not schedule_text:
        return None
    i = sentence.find(schedule_text)
    if i < 0:
        return None
    m = _condition_rx().match(sentence[i + len(schedule_text) :])
    if not m:
        return None
    text = re.sub(r"\s*\(see [^()]*\)", "", m.group("c"))  # a cross-reference is not part of the condition
    for stop in re.finditer(r"\.(?=\s|$)", text):  # the sentence's full stop, not an abbreviation's
        if not ends_with_abbreviation(text[: stop.end()]):
            text = text[: stop.start()]
            break
    clauses = text.split(",")
    listed = len(clauses) > 2 and re.search(r"\b(?:and|or)\b", clauses[-1])  # "a, b, c and d": a list, kept
    return " ".join((text if listed else clauses[0]).split())


def individual(sentence: str) -> bool:
    """The sentence leaves the dose to the prescriber ("determined by the physician")."""
    return bool(re.search(rf"(?<![\w-])(?:{alternation(cues()['individual_cues'])})(?![\w-])", sentence, re.I))
