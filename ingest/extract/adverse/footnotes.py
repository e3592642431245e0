"""Table footnotes of section 4.8: markers glued to words, and what footnotes say.

``Rash3`` carries marker ``3``; ``disordera`` carries ``a`` only because
"disorder" is a word of the label and "disordera" is not (outside the table).
Footnote texts become data: included terms ("X includes A, B and C"),
composite events, "Events may represent Y", MedDRA term level, and pointers to
"Description of selected adverse reactions".
"""
from __future__ import annotations

import re

from ingest.extract.adverse.data import MARKER
from ingest.extract.adverse.records import Footnote
from ingest.records import Issue

_TRAILING_LIST = re.compile(rf"\s*,\s*({MARKER})\s*$")
_GLUED_DIGITS = re.compile(r"(?<=[A-Za-z)\]])(\d{1,2})$")
_GLUED_SYMBOL = re.compile(r"(?<=\w)(\*{1,3}|[†‡§])$")
_INCLUDES = re.compile(r"^(?P<subject>.+?)\s+includes?\s+(?P<list>.+?)\.?$", re.I)
_COMPOSITE = re.compile(r"composite term", re.I)
_MAY_REPRESENT = re.compile(r"may represent\s+(?P<what>[\w\- ]+?)\s*\.?$", re.I)
_LEVEL = {"high level group term": "HLGT", "high level term": "HLT", "preferred term": "PT", "lowest level term": "LLT"}
_SEE_SELECTED = re.compile(r"description of selected adverse reactions", re.I)


def strip_markers(printed: str, vocab: set[str]) -> tuple[str, list[str]]:
    """'Pain - site unspecifieda, b' -> ('Pain - site unspecified', ['a', 'b'])."""
    s = printed.strip()
    markers: list[str] = []
    while True:
        m = _TRAILING_LIST.search(s)
        if not m:
            break
        markers.insert(0, m.group(1))
        s = s[: m.start()]
    listed = bool(markers)
    m = _GLUED_DIGITS.search(s) or _GLUED_SYMBOL.search(s)
    if m:
        markers.insert(0, m.group(1))
        s = s[: m.start()]
    else:
        w = re.search(r"([A-Za-z]+)$", s)
        if w and len(w.group(1)) > 3:
            word = w.group(1).lower()
            if word[:-1] in vocab and (word not in vocab or listed):
                markers.insert(0, word[-1])
                s = s[:-1]
    return s.strip(), markers


def interpret(fn: Footnote) -> Footnote:
    """What a footnote's text says, as data (included terms, composite events, term level ...)."""
    return _interpret(fn)


def _split_list(text: str) -> list[str]:
    text = re.sub(r"\s+and\s+(?=[^,]*$)", ", ", text.strip().rstrip("."))
    return [t.strip() for t in text.split(",") if t.strip()]


def _interpret(fn: Footnote) -> Footnote:
    t = fn.text.strip()
    low = t.lower()
    for phrase, level in _LEVEL.items():
        if phrase in low and "meddra" in low:
            fn.term_level = level
    if _SEE_SELECTED.search(t):
        fn.see_section = "selected"
    m = _MAY_REPRESENT.search(t)
    if m:
        fn.may_represent = [m.group("what").strip()]
    if _COMPOSITE.search(t):
        fn.subject = t.split(" is a composite", 1)[0].strip()
        if ":" in t:
            fn.composite_events = _split_list(t.rsplit(":", 1)[1])
        m2 = re.search(r"includes the terms?\s+(.+?)\s+and the following", t, re.I)
        if m2:
            fn.included_terms = [m2.group(1).strip()]
        return fn
    m = _INCLUDES.match(t)
    if m and not fn.term_level:
        fn.subject = m.group("subject").strip()
        fn.included_terms = _split_list(m.group("list"))
    return fn


def check_markers(used: dict[str, int | None], notes: list[Footnote], section: str, issues: list[Issue]) -> None:
    """Warn about markers with no footnote (and footnotes nobody uses); ``used``: marker -> line."""
    defined = {n.marker for n in notes}
    for marker, line in used.items():
        if marker not in defined:
            issues.append(Issue("warning", f"footnote marker '{marker}' has no footnote", section, line,
                                "adverse.footnote-missing"))
    for n in notes:
        if n.marker not in used:
            issues.append(Issue("info", f"footnote '{n.marker}' is not referenced in the table", section,
                                n.source.line_start, "adverse.footnote-unused"))
