"""Dosing rules printed as prose in 4.2 sub-sections -> :class:`DoseRule` records.

A sentence opens a rule when it states a dose (a mass, optionally per kg or
per m2, or a range) or a maximum per administration together with a schedule.
Later sentences of the same sub-section that state no dose of their own add
to the open rule: a cap ("should not exceed a total weekly dose of ..."),
a schedule, a course repeat ("repeated at seven day intervals"), a number of
courses, a split-dose schedule. Each such field keeps the span of the
sentence it was read from.

Every wording cue (schedules, caps, thresholds, hedges, strengths, routes,
population words) is in ``ontology/data/dosing.json`` under ``prose_rules``;
no product's number or name is written here.
"""
from __future__ import annotations

import dataclasses
import re
from functools import lru_cache

from ingest.dosing_records import DoseRule
from ingest.extract.posology import forms, population, table_rows
from ingest.extract.posology.passages import alternation, dose_unit, dosing_data, tokens
from ingest.extract.posology.schedules import WORD, cues, number_of, schedule, time_unit
from ingest.quotes import locate, narrowed, sentences
from ingest.records import Quantity, Section, Source

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?"



@lru_cache(maxsize=1)
def _dose_rx() -> re.Pattern:
    u = dosing_data()["units"]
    return re.compile(
        rf"(?:(?P<low>{_NUM})\s*(?:-|–|to)\s*)?(?P<num>{_NUM})\s*(?P<mass>{alternation({**u['mass'], **u['count_dose']})})"
        rf"(?:\s*/\s*(?P<size>{alternation(u['per_size'])}))?(?:\s*/\s*(?P<time>{alternation(u['per_time'])}))?(?![A-Za-z0-9])"
    )


def _phrase_rx(words) -> re.Pattern:
    return re.compile(rf"(?<![\w-])(?:{alternation(words)})(?![\w-])", re.I)


def _dose(m: re.Match, comparator: str | None = None) -> Quantity:
    unit = dose_unit(m)
    text = " ".join(m.group(0).split())
    if m.group("low"):
        return Quantity(None, unit, low=number_of(m.group("low")), high=number_of(m.group("num")), comparator=comparator, text=text)
    return Quantity(number_of(m.group("num")), unit, comparator=comparator, text=text)


def _ends_with(text: str, words) -> str | None:
    for w in sorted(words, key=len, reverse=True):
        if re.search(rf"(?<![\w-]){re.escape(w)}\W*$", text, re.I):
            return w
    return None


def mentions(sentence: str) -> list[tuple[str, Quantity, str]]:
    """Each dose in a sentence as (kind, quantity, text before it); kind is
    dose | cap | period-cap | approx | threshold | hedge | strength | test |
    escalate | increment | step | component."""
    return [(k, q, b) for k, q, b, _, _ in spans(sentence)]


def spans(sentence: str) -> list[tuple[str, Quantity, str, int, int]]:
    """:func:`mentions` with each dose's start and end in the sentence."""
    c = cues()
    out = []
    prev = 0
    last_kind = None
    for m in _dose_rx().finditer(sentence):
        before = sentence[max(prev, m.start() - 60) : m.start()]
        after = sentence[m.end() : m.end() + 30]
        near = re.split(r"[,;]", before)[-1]
        kind = "dose"
        q = _dose(m)
        form = forms.kind_of(sentence, m.start(), m.end(), q, last_kind, sentence[prev : m.start()])
        if form is not None:
            if form == "increment":
                per = forms.period_after(after)
                if per:
                    q.unit += "/" + per
            out.append((form, q, before, m.start(), m.end()))
            prev, last_kind = m.end(), (last_kind if form == "component" else form)
            continue
        if _phrase_rx(c["test_dose_cues"]).search(before):
            kind = "test"
        elif _phrase_rx(c["hedge_cues"]).search(near):
            kind = "hedge"
        elif re.match(rf"\s*(?:{alternation(c['strength_followers'])})\b", after, re.I):
            kind = "strength"
        elif _ends_with(before, c["threshold_before"]) or re.match(rf"\s*(?:{alternation(c['threshold_after'])})\b", after, re.I):
            kind = "threshold"
        elif _ends_with(before.rstrip("( "), c["approximate_cues"]) and "(" in before[-20:]:
            kind = "approx"
        elif _phrase_rx(c["cap_cues"]).search(near):
            period = _phrase_rx(c["period_words"]).search(near)
            if period:
                kind = "period-cap"
                q.unit += "/" + c["period_words"][period.group(0).lower()]
            else:
                kind = "cap"
            q.comparator = "<="
        out.append((kind, q, before, m.start(), m.end()))
        prev, last_kind = m.end(), kind
    return out


_AT = re.compile(rf"\bat\s+(?:intervals\s+of\s+(?P<a>{WORD})\s*(?P<u>hours?|days?|weeks?)|(?P<a2>{WORD})[\s-]*(?P<u2>hours?|days?|weeks?)\s+intervals)\b", re.I)
_FOR_DOSES = re.compile(rf"\bfor\s+(?P<n>{WORD})\s+(?:doses|administrations|injections)\b", re.I)
_FOR_TIME = re.compile(rf"\bfor\s+(?P<n>{WORD})\s+(?P<u>days|weeks|months)\b", re.I)
_COURSES = re.compile(rf"\b(?P<cmp>not\s+less\s+than|at\s+least|a\s+minimum\s+of)?\s*(?P<n>{WORD})\s+(?:courses|cycles)\b", re.I)
_SPLIT = re.compile(rf"\b(?:divided\s+into\s+(?P<n>{WORD})\s+(?:separate\s+)?doses|in\s+(?P<n2>{WORD})\s+divided\s+doses)"
                    rf"(?:[^.;]*?\bat\s+(?P<i>{WORD})[\s-]*(?P<u>hours?|days?)[\s-]+intervals)?", re.I)
_UNTIL = re.compile(r"\buntil\s+(?P<what>[^,.;()]+)", re.I)
def _at_interval(sentence: str) -> Quantity | None:
    m = _AT.search(sentence)
    if not m:
        return None
    a, u = (m.group("a"), m.group("u")) if m.group("a") else (m.group("a2"), m.group("u2"))
    return Quantity(number_of(a), time_unit(u), text=m.group(0))


def _routes(sentence: str) -> list[str]:
    table = cues()["routes"]
    return sorted({table[m.group(0).lower()] for m in _phrase_rx(table).finditer(sentence)})


def read_rules(sec: Section, original: str, indications=(), only: re.Pattern | None = None) -> list[DoseRule]:
    """The prose dosing rules of one 4.2 sub-section; with ``only``, of the sentences
    ``only`` finds (another section's dose adjustments), each a rule of its own."""
    tail = sec.key.split("/", 1)[-1]
    if only is not None:
        tail = f"{sec.number.replace('.', '-')}-{tail}"
    rules: list[DoseRule] = []
    current: DoseRule | None = None
    test: tuple[Quantity, Source] | None = None
    opening = population.Bounds()  # "Adults and adolescents (above 12 years of age weighing at least 40 kg)."
    for para in sec.paragraphs or []:
        if para.artefact:
            continue
        opened = len(rules)
        for sent, head, cell in table_rows.segments(sentences(para.text), _dosed, para.text):
            if only is not None and not only.search(sent):
                current = None
                continue
            found_spans = spans(sent)
            found = [(k, q, b) for k, q, b, _, _ in found_spans]
            kinds = {k for k, _, _ in found}
            if not rules and "dose" not in kinds:  # a line before the first dose: the population of the sub-section
                opening = opening.fill(population.bounds(sent))
            span = _locate(original, para.source, _unprefixed(sent, sec.title))
            if "test" in kinds:
                test = (next(q for k, q, _ in found if k == "test"), span)
                current = None
                continue
            if "hedge" in kinds or _phrase_rx(cues()["comparison_cues"]).search(sent):
                current = None  # "150 mg ... generally provides a better ... control than 75 mg": a comparison, no rule
                continue
            sched = schedule(sent)
            doses = [q for k, q, _ in found if k == "dose"]
            caps = [q for k, q, _ in found if k == "cap"]
            new_bands = forms.bands(sent, found_spans, span, len(current.bands) + 1 if current else 1, head) if doses else []
            new_phases = forms.phases(sent, found_spans, span) if doses else []
            if head is not None and not cell and head not in sent:  # a band inherited from the row: quote the row
                new_bands = [dataclasses.replace(b, source=para.source) for b in new_bands]
            if current is not None and new_bands and current.bands and not new_phases and not current.phases:
                current.bands += new_bands  # the next weight band of the same rule (a phased rule is a row of its own)
                continue
            if cell and current is not None and current.phases and not new_phases and doses and sched:
                current.phases.append(table_rows.maintenance(current, doses[0], sched, span))  # the row's maintenance cell
                continue
            if current is not None and new_phases and current.phases and new_phases[0].role == "maintenance":
                for r in [x for x in rules if x.phases and x is not current and not any(p.role == "maintenance" for p in x.phases)] + [current]:
                    r.phases += [dataclasses.replace(p, id=str(len(r.phases) + i)) for i, p in enumerate(new_phases, 1)]
                continue  # "After induction treatment, the recommended dose is ...": every induction of the sub-section
            if not found and current is None and forms.individual(sent):  # "determined by the physician"
                rules.append(DoseRule(tail if not rules else f"{tail}-{len(rules) + 1}", sec.title, sec.key, sent, span,
                                      "fixed", "individualised"))
                continue
            if current is not None and doses and table_rows.continues_cell(para.text, sent, found_spans, current):
                first = next(i for i, f in enumerate(found) if f[0] == "dose")
                current.components = forms.components(found, first, span)  # "30 dose steps" / "(30 units/10 mcg)"
                continue
            bound = "cap" in kinds and forms.refuses(sent)  # "> 60 units/day ... must not be used": the maximum
            if doses and not sched and len(sent.split()) <= len(doses) * 2 + 2 and not cell:
                continue  # a dose printed alone ("Product 30 mg", a table's column heading): a strength, not a rule
            if doses or (caps and sched) or "device" in kinds or bound:
                current = _open(sec, tail, len(rules), sent, span, found, sched)
                current.bands = [dataclasses.replace(b, id=str(i)) for i, b in enumerate(new_bands, 1)]
                current.phases = new_phases
                if new_phases and new_phases[0].interval is None:  # "80 mg at Week 0 followed by 40 mg every other week":
                    current.schedule = current.interval = current.times_per_interval = current.interval_source = None  # the phases say when
                first = next(i for i, f in enumerate(found) if f[0] in ("dose", "cap", "device"))
                current.components = forms.components(found, first, span)
                rules.append(current)
            elif current is not None:
                sched = None if current.phases else _own_schedule(sent, sched)
                if sched is not None and not found and _phrase_rx(cues()["later_sentences"]["administration_verbs"]).search(sent):
                    _give_schedule(rules, sent, span, sched)  # "X should be injected once a day ...": every rule without one
                _attach(current, sent, span, found, sched)
        table_rows.share_maintenance(para.text, rules[opened:], _dosed)
    for r in rules:
        if test is not None:
            r.test_dose, r.test_dose_source = test
        r.age_group = r.age_group or population.age_group(sec.title, heading=True)
        population.apply(r, population.of_rule(r).fill(population.bounds(sec.title)).fill(opening))
        r.indication_ids = _indications(sec.title, indications)
    return rules


def _dosed(text: str) -> bool:
    return any(k == "dose" for k, _, _ in mentions(text))


def _open(sec: Section, tail: str, n: int, sent: str, span: Source, found, sched) -> DoseRule:
    doses = [(q, before) for k, q, before in found if k == "dose"]
    caps = [q for k, q, _ in found if k in ("cap", "device")]
    dose, role = None, "up-to"
    if doses:
        dose, before = doses[0]
        initial = _phrase_rx(cues()["initial_cues"]).search(before)
        role = "initial" if initial else "range" if dose.value is None else "stated"
    first = dose or caps[0]
    parts = first.unit.split("/")
    basis = "bsa" if "m2" in parts else "weight" if "kg" in parts else "fixed"
    rule = DoseRule(tail if n == 0 else f"{tail}-{n + 1}", sec.title, sec.key, sent, span, basis, role, dose=dose)
    rule.approx_dose = next((q for k, q, _ in found if k == "approx"), None)
    rule.routes = _routes(sent)
    rule.age_group = population.age_group(sent, heading=False)
    m = _FOR_DOSES.search(sent)
    rule.administrations = int(number_of(m.group("n"))) if m else None
    m = _FOR_TIME.search(sent)
    rule.duration = Quantity(number_of(m.group("n")), time_unit(m.group("u")), text=m.group(0)) if m else None
    m = _UNTIL.search(sent)
    rule.stop_when = m.group("what").strip() if m else None
    rule.condition = forms.condition(sent, sched[0] if sched else None)
    _attach(rule, sent, span, [f for f in found if f[0] != "dose"], sched)
    return rule


def _attach(rule: DoseRule, sent: str, span: Source, found, sched) -> None:
    for kind, q, _ in found:
        if kind == "escalate" and rule.escalate_to is None:
            rule.escalate_to, rule.escalate_source = q, span
        elif kind == "increment" and rule.increment is None:
            rule.increment, rule.increment_source = q, span
        elif kind == "step" and rule.dose_step is None:
            rule.dose_step = q
        elif kind in ("cap", "device") and rule.max_dose is None:
            rule.max_dose, rule.max_dose_source = q, span
        elif kind == "period-cap" and rule.max_period_dose is None:
            rule.max_period_dose, rule.max_period_source = q, span
    repeat = _phrase_rx(cues()["repeat_cues"]).search(sent)
    at = _at_interval(sent)
    if at is not None and repeat and rule.course_interval is None:
        rule.course_interval, rule.course_interval_source = at, span
    if sched is not None and rule.interval is None and not (repeat and at is not None and sched[1].text == at.text):
        rule.schedule, rule.interval, rule.times_per_interval = sched[0], sched[1], sched[2]
        rule.interval_source = span
    elif at is not None and not repeat and rule.interval is None:
        rule.schedule, rule.interval, rule.times_per_interval, rule.interval_source = at.text, at, 1, span
    m = _COURSES.search(sent)
    if m and rule.courses is None:
        cmp_ = ">=" if m.group("cmp") else None
        rule.courses = Quantity(number_of(m.group("n")), "1", comparator=cmp_, text=" ".join(m.group(0).split()))
        rule.courses_source = span
    m = _SPLIT.search(sent)
    if m and rule.split_doses is None:
        rule.split_doses = Quantity(number_of(m.group("n") or m.group("n2")), "1", text=m.group(0))
        if m.group("i"):
            rule.split_interval = Quantity(number_of(m.group("i")), time_unit(m.group("u")))
        rule.split_source = span


def _own_schedule(sent: str, sched):
    """The schedule of a later sentence, or None when it qualifies another therapy: the patient's
    previous medicine ("For twice daily basal insulin ..., the total daily dose previously used ..."),
    or a sentence that neither gives the medicine nor speaks of a dose."""
    if sched is None:
        return None
    later = cues()["later_sentences"]
    if _phrase_rx(later["other_therapy_cues"]).search(sent):
        return None
    if not _phrase_rx([*later["administration_verbs"], *later["dose_words"]]).search(sent):
        return None  # "use a topical antiseptic wash ... on a daily basis": another product's schedule
    i = sent.find(sched[0])
    before = sent[:i] if i >= 0 else ""
    if re.search(rf"(?<![\w-])(?:{alternation(later['qualifier_before'])})\s*$", before, re.I):
        return None
    return sched


def _give_schedule(rules: list[DoseRule], sent: str, span: Source, sched) -> None:
    """The label's own statement of how often the medicine is given, for every rule of the
    sub-section printed without a schedule (and without phases of their own)."""
    for r in rules:
        if r.interval is None and not r.phases and r.dose_role != "individualised":
            r.schedule, r.interval, r.times_per_interval, r.interval_source = sched[0], sched[1], sched[2], span
            r.condition = r.condition or forms.condition(sent, sched[0])


def _unprefixed(sent: str, title: str) -> str:
    """The sentence without the sub-heading repeated in front of it ("Psoriasis: ...")."""
    if sent.lower().startswith(title.lower()) and sent[len(title) : len(title) + 1] == ":":
        return sent[len(title) + 1 :].strip()
    return sent


def _locate(original: str, within: Source, fragment: str) -> Source:
    """:func:`locate`, then a retry that lets markup (XHTML tags) sit between words."""
    found = locate(original, within, fragment)
    if found != within or fragment.strip() == within.quote.strip():
        return found
    words = re.findall(r"[^\W\d_]+|\d+|_+", fragment)  # "m2" may be printed m<sup>2</sup>
    m = re.search(r"(?:\W|<[^>]*>)*?".join(re.escape(w) for w in words), original[within.char_start : within.char_end], re.S)
    if not words or not m:
        return within
    return narrowed(original, within, fragment, within.char_start + m.start(), within.char_start + m.end())


def _indications(title: str, indications) -> list[str]:
    """4.1 indications whose wording holds every word of the sub-heading; a label
    with a single indication doses that one with every rule."""
    indications = list(indications)
    if len(indications) == 1:
        return [indications[0].id]
    words = tokens(title)
    if not words:
        return []
    return [ind.id for ind in indications if words <= tokens(ind.text)]
