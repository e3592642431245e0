"""Section 4.2 / 6.6 dosing rules as data: ``extract(record)`` fills ``record.dosing``.

Structure is found from the text, never from one product:

* a regimen is a 4.2 sub-section whose text holds a day-range dose table;
* its indications are the 4.1 indications whose wording covers the words that
  distinguish the regimen's heading from the other regimen headings;
* premedication sub-sections apply to the regimen sections printed since the
  previous premedication sub-section (derivation "inferred");
* hospitalisation sentences of 4.2 go to the regimen their population names;
* the dose-modification table goes to the regimens named in its lead-in.

Every reader's label goes through the same steps (the reader type is never
asked): a label whose 4.2 prints no day-range table simply yields none.
"""
from __future__ import annotations

import re

from ingest.dosing_records import DosingRecord, Regimen, RegimenUse
from ingest.extract import fact_checks
from ingest.extract.posology.modifications import read_rules
from ingest.extract.posology.modifications import read_table as read_modifications
from ingest.extract.posology.passages import Flat, alternation, dosing_data, tokens
from ingest.extract.posology.preparation_tables import read_administration, read_preparation
from ingest.extract.posology.prose import read_rules as read_prose_rules
from ingest.extract.posology.regimens import WEIGHT, is_regimen_text, read_cycles, read_table, weight_group
from ingest.extract.posology.supportive_care import read_hospitalisation, read_limits, read_premedication
from ingest.ids import slugify
from ingest.records import Issue, LabelRecord, Section
from ingest.records_document import body_lines, document

PREMED_WORDS = {"premedication", "pre-phase", "prephase", "pre", "phase", "additional", "medication"}


def extract(record: LabelRecord) -> None:
    """Fill ``record.dosing`` (a :class:`DosingRecord`); problems become issues."""
    if record.section("4.2") is None:
        return
    out = DosingRecord()
    used: set[str] = set()
    used = _tables(record, out)  # day tables, administration facts (concentration, volumes), preparation
    text = document(record).text  # the rendered text the blocks' provenance points into
    for sec in record.sections:
        if sec.number == "4.2" and sec.is_subheading and sec.key not in used:
            out.dose_rules += read_prose_rules(sec, text, record.indications)
    other = dosing_data()["prose_rules"]["other_sections"]
    only = re.compile(rf"(?<![\w-])(?:{alternation(other['cues'])})(?![\w-])", re.I)
    for sec in record.sections:
        if sec.number in other["sections"] and (sec.is_subheading or not any(
                s.number == sec.number and s.is_subheading for s in record.sections)):
            out.dose_rules += read_prose_rules(sec, text, record.indications, only)
    if not out.regimens and not out.dose_rules:
        record.issues.append(Issue("info", "no regimen table or dosing rule found in 4.2", "4.2", None, "dosing-regimen"))
    record.dosing = out
    fact_checks.dosing(record)


def _tables(record: LabelRecord, out: DosingRecord) -> set[str]:
    """Regimen tables, premedication, modifications, hospitalisation, limits and
    preparation; returns the keys of the sub-sections read as tables or support."""
    used: set[str] = set()

    def flat_of(sec: Section) -> Flat:
        return Flat.of(body_lines(record, sec), document(record))

    subs = [s for s in record.sections if s.number == "4.2" and s.is_subheading]
    pending: list[Regimen] = []
    after_support = False
    for sec in subs:
        title_words = tokens(sec.title)
        if is_regimen_text(sec.text):
            reg = _regimen(sec, flat_of(sec))
            if reg.steps:
                if after_support:
                    pending, after_support = [], False
                out.regimens.append(reg)
                pending.append(reg)
                used.add(sec.key)
        elif title_words & PREMED_WORDS and pending:
            for reg in pending:
                read_premedication(reg, sec, record, len(pending) > 1)
            after_support = True
            used.add(sec.key)
        elif "adjustment" in title_words or "modification" in title_words:
            _modifications(out, sec, flat_of(sec))
            used.add(sec.key)
    _link_indications(record, out)
    _link_modifications(out)
    top = record.section("4.2")
    read_hospitalisation(out, top, record, _match_regimens)
    read_limits(out, record)
    read_administration(out, record)
    read_preparation(out, record)
    for reg in out.regimens:
        if not reg.uses:
            record.issues.append(Issue("warning", f"regimen '{reg.title}' matches no indication of 4.1", reg.section, reg.source.line_start, "dosing-indication-link"))
    return used


def _regimen(sec: Section, flat: Flat) -> Regimen:
    reg = Regimen(slugify(sec.title), sec.title, sec.key, sec.source)
    start = _table_start(flat)
    context = None
    prose = flat.text[:start]
    wm = list(WEIGHT.finditer(prose))
    if wm and prose.rstrip().endswith(":"):
        context = weight_group(wm[-1], flat, sec.key)
    read_table(reg, flat, start, context)
    read_cycles(reg, flat, start)
    return reg


def _table_start(flat: Flat) -> int:
    """Start of the first table: its caption, else the sentence holding the first day range."""
    from ingest.extract.posology.regimens import DAYS

    m = DAYS.search(flat.text)
    if not m:
        return len(flat.text)
    start = 0
    for a, b in flat.sentences():
        if a > m.start():
            break
        start = a
    cap = flat.text.rfind("Table ", 0, m.start())
    return min(start, cap) if cap >= 0 and cap >= start - 400 else start


def distinctive(regimens: list[Regimen]) -> dict[str, set[str]]:
    """Words of each regimen heading that the other headings do not all share."""
    words = {r.id: tokens(r.title) for r in regimens}
    common = set.intersection(*words.values()) if len(words) > 1 else set()
    return {k: (v - common) or v for k, v in words.items()}


def _match_regimens(regimens: list[Regimen], text: str, best_only: bool = True) -> list[Regimen]:
    if not regimens:
        return []
    dist = distinctive(regimens)
    words = tokens(text)
    scores = [(len(dist[r.id] & words) / len(dist[r.id]), r) for r in regimens]
    top = max(s for s, _ in scores)
    if best_only:
        best = [r for s, r in scores if s == top and s >= 0.5]
        return best if len(best) == 1 else []
    return [r for s, r in scores if s == 1.0]


def _link_indications(record: LabelRecord, out: DosingRecord) -> None:
    for ind in record.indications:
        for reg in _match_regimens(out.regimens, ind.text):
            pop = ind.population
            src = ind.source
            reg.uses.append(RegimenUse(ind.id, src, pop.age_group, pop.min_age, pop.max_age))


def _modifications(out: DosingRecord, sec: Section, flat: Flat) -> None:
    text = flat.text
    start = None
    for a, b in flat.sentences():
        if len(list(WEIGHT.finditer(text, a, b))) >= 2 and "action" in text[a:b].lower():
            start = a
            break
    if start is None:
        return
    fm = re.compile(r"(?<=\s)\*\s*(?=[A-Z])").search(text, start)
    foot = fm.start() if fm else -1
    end = foot if foot > 0 else len(text)
    table, _ = read_modifications(flat, start, end, sec.key, slugify(sec.title))
    if foot > 0:
        table.grading = " ".join(text[fm.end() : (text.find(". ", fm.end()) + 1 or len(text))].split())
    read_rules(flat, 0, start, sec.key, table)
    lead = text[:start]
    table.regimen_ids = [r.id for r in _match_regimens(out.regimens, lead, best_only=False)]
    out.modification_tables.append(table)


def _link_modifications(out: DosingRecord) -> None:
    for t in out.modification_tables:
        for reg in out.regimens:
            if reg.id in t.regimen_ids:
                reg.modification_table = t.id
