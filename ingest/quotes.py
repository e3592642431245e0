"""Locating a cleaned fragment (a sentence, a phrase) in the original text.

Cleaned text differs from the original by line breaks, bullet glyphs and
folded spaces, so a fragment is found by its words with any non-word run
between them; the returned :class:`Source` quotes the original exactly.
"""
from __future__ import annotations

import re

from .records import Source

_SENTENCE = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(])")
_ABBREV_END = re.compile(r"\b(?:e\.g|i\.e|vs|approx|incl|cf|etc|st)\.$", re.I)  # "St. John's wort"


def sentences(text: str) -> list[str]:
    """Split cleaned text into sentences (keeping 'e.g.' and 'i.e.' inside)."""
    parts = _SENTENCE.split(text)
    out: list[str] = []
    for p in parts:
        if out and _ABBREV_END.search(out[-1]):
            out[-1] = out[-1] + " " + p
        else:
            out.append(p)
    return [p.strip() for p in out if p.strip()]


def locate(original: str, within: Source, fragment: str) -> Source:
    """The span of ``fragment`` inside ``within`` (falls back to ``within``)."""
    words = re.findall(r"\w+", fragment)
    if not words:
        return within
    pattern = r"\W*".join(re.escape(w) for w in words)
    m = re.search(pattern, original[within.char_start : within.char_end], re.S)
    if not m:
        return within
    start = within.char_start + m.start()
    end = within.char_start + m.end()
    # keep a closing punctuation mark in the quote
    if end < len(original) and original[end : end + 1] in ".)%":
        end += 1
    line_start = original.count("\n", 0, start) + 1
    line_end = original.count("\n", 0, end) + 1
    return Source(within.section, line_start, line_end, start, end, original[start:end], within.locator)


def cross_refs(text: str) -> list[str]:
    """Section numbers in 'see section 4.2', 'see sections 4.4 and 4.8'."""
    out: list[str] = []
    for m in re.finditer(r"\bsections?\s+((?:\d{1,2}(?:\.\d{1,2})?)(?:\s*(?:,|and|or|&)\s*\d{1,2}(?:\.\d{1,2})?)*)", text, re.I):
        for n in re.findall(r"\d{1,2}(?:\.\d{1,2})?", m.group(1)):
            if n not in out:
                out.append(n)
    return out
