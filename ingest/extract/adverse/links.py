"""Link section 4.8 entries to what the rest of the section says about them.

* footnotes -> included terms, composite events, "may represent", MedDRA level,
  and the "Description of selected adverse reactions" subsection;
* incidences (summary and subsections) -> the entry they are about, matched by
  wording (spelling folded, summary phrases rewritten, singular/plural).
"""
from __future__ import annotations

import re
from functools import lru_cache

from ingest.extract.adverse.data import fold_spelling as fold
from ingest.extract.adverse.data import term_key, title_tokens
from ingest.extract.adverse.incidence import narrow_source, subsection_incidences
from ingest.extract.adverse.records import AdverseReaction, AdverseReactionSet
from ingest.records import LabelRecord, Section
from ingest.records_document import document

_NOT_SELECTED = re.compile(r"summary|tabul|list of adverse|reporting|immunogenicity", re.I)


def _keys(e: AdverseReaction) -> frozenset[str]:
    return _term_keys(e.term)


@lru_cache(maxsize=16384)
def _term_keys(term: str) -> frozenset[str]:
    """A term's matching keys (its own, without a parenthesis, its abbreviation), once per term:
    every subject of the section is compared with every entry's keys."""
    base = re.sub(r"\s*\([^)]*\)\s*$", "", term)
    out = {term_key(term), term_key(base)}
    m = re.search(r"\(([A-Z][A-Z0-9\-]+)\)\s*$", term)
    if m:
        out.add(term_key(m.group(1)))
    return frozenset(out)


def find_entry(entries: list[AdverseReaction], subject: str) -> tuple[AdverseReaction | None, str | None]:
    k = term_key(subject)
    base = term_key(re.sub(r"\s*\([^)]*\)\s*$", "", subject))
    for e in entries:
        if fold(e.term) == fold(subject):
            return e, "same term"
    for e in entries:
        if k in _keys(e) or base in _keys(e):
            return e, "same term after spelling, plural and wording equivalences (adverse-matching.json)"
    toks = title_tokens(subject)
    if toks:
        for e in entries:
            if title_tokens(e.term) == toks:
                return e, "same words after equivalences (adverse-matching.json title_words)"
    return None, None


def _selected_section(e: AdverseReaction, cands: list[Section], by_soc: bool) -> str:
    name = e.soc or "" if by_soc else re.sub(r"\s*\([^)]*\)\s*$", "", e.term)
    toks = title_tokens(name)
    best, score = None, 0.0
    for s in cands:
        st = title_tokens(re.sub(r"\s*\([^)]*\)\s*$", "", s.title))
        if st and toks:
            sc = len(st & toks) / min(len(st), len(toks))
            if sc > score:
                best, score = s.key, sc
    if best and score >= 0.5:
        return best
    for phrase in [name, *([] if by_soc else e.included_terms)]:
        word = fold(phrase)
        for s in cands:
            if word and f" {word} " in f" {fold(s.text)} ":
                return s.key
    return "4.8"


def attach(record: LabelRecord, ars: AdverseReactionSet, subs: list[Section]) -> None:
    notes = {n.marker: n for n in ars.footnotes}
    table_pos = next((i for i, s in enumerate(subs) if re.search(r"tabul|list of adverse", s.title, re.I)), -1)
    cands = [s for s in subs[table_pos + 1:] if not _NOT_SELECTED.search(s.title)]
    for e in ars.entries:
        soc_level = set(e.footnotes) - set(_own_markers(e))
        for m in e.footnotes:
            fn = notes.get(m)
            if fn is None:
                continue
            if fn.included_terms and not e.included_terms:
                e.included_terms = list(fn.included_terms)
            if fn.composite_events:
                e.composite_events = list(fn.composite_events)
            for w in fn.may_represent:
                if w not in e.may_represent and term_key(w) not in _keys(e):
                    e.may_represent.append(w)
            if fn.term_level:
                e.term_level = fn.term_level
            if fn.see_section and e.see_section is None:
                e.see_section = "pending-soc" if m in soc_level else "pending"
        if e.see_section in ("pending", "pending-soc"):
            e.see_section = _selected_section(e, cands, by_soc=e.see_section == "pending-soc")
    for inc in ars.incidences:
        e, rule = find_entry(ars.entries, inc.subject or "")
        if e is not None:
            inc.entry_id, inc.match_rule = e.id, rule
            e.incidences.append(inc)
    for s in subs:
        if _NOT_SELECTED.search(s.title) or subs.index(s) <= table_pos:
            continue
        for inc in subsection_incidences(s):
            narrow_source(inc, document(record).text)
            ars.incidences.append(inc)
            e, rule = find_entry(ars.entries, inc.subject or "")
            if e is not None:
                inc.entry_id, inc.match_rule = e.id, rule
                e.incidences.append(inc)


def _own_markers(e: AdverseReaction) -> list[str]:
    return e.footnotes if e.own_markers is None else e.own_markers
