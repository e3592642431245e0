"""Locating a cleaned fragment (a sentence, a phrase) in the original text.

Cleaned text differs from the original by line breaks, bullet glyphs and
folded spaces, so a fragment is found by its words with any non-word run
between them; the returned :class:`Source` quotes the original exactly.
"""
from __future__ import annotations

import re
from dataclasses import replace

from .records import Source

_SENTENCE = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(])")
_ABBREV_END = re.compile(r"\b(?:e\.g|i\.e|vs|approx|incl|cf|etc|st)\.$", re.I)  # "St. John's wort"


def ends_with_abbreviation(text: str) -> bool:
    """Does ``text`` end with an abbreviation's full stop ("e.g.", "St."), which ends no sentence?"""
    return bool(_ABBREV_END.search(text))


def sentences(text: str) -> list[str]:
    """Split cleaned text into sentences (keeping 'e.g.' and 'i.e.' inside)."""
    parts = _SENTENCE.split(text)
    out: list[str] = []
    for p in parts:
        if out and ends_with_abbreviation(out[-1]):
            out[-1] = out[-1] + " " + p
        else:
            out.append(p)
    return [p.strip() for p in out if p.strip()]


_SIGNS = "<>≤≥=±~"


def _with_leading_sign(original: str, start: int, fragment: str, floor: int = 0) -> int:
    """``start`` moved back over a sign the fragment opens with ("< 40 kg", "≥ 40 kg"), which the
    word match skips: a quote must not drop the comparator that gives its number its meaning."""
    head = fragment.lstrip()[:1]
    if not head or head not in _SIGNS:
        return start
    i = start
    while i > floor and original[i - 1] in " \t":
        i -= 1
    return i - 1 if i > floor and original[i - 1] == head else start


def locate(original: str, within: Source, fragment: str) -> Source:
    """The span of ``fragment`` inside ``within`` (falls back to ``within``)."""
    words = _WORD.findall(fragment)
    if not words:
        return within
    found = _find_words(original, words, within.char_start, within.char_end)
    if found is None:
        return within
    return narrowed(original, within, fragment, *found)


def narrowed(original: str, within: Source, fragment: str, start: int, end: int) -> Source:
    """``within`` (its section, locator and page: a PDF's) narrowed to the characters ``start``..``end``
    where ``fragment`` was found, with the sign it opens with and a closing punctuation mark."""
    start = _with_leading_sign(original, start, fragment, within.char_start)
    if end < len(original) and original[end : end + 1] in ".)%":
        end += 1
    return replace(within, line_start=original.count("\n", 0, start) + 1, line_end=original.count("\n", 0, end) + 1,
                   char_start=start, char_end=end, quote=original[start:end], derivation="stated", rule=None,
                   confidence=None)


_WORD = re.compile(r"\w+")
_NON_WORD = re.compile(r"\W*")


def _find_words(text: str, words: list[str], lo: int, hi: int) -> tuple[int, int] | None:
    r"""The first span of ``text[lo:hi]`` holding ``words`` in order with only non-word characters
    between them: what ``re.search(r"\W*".join(map(re.escape, words)), text[lo:hi])`` finds,
    without compiling a pattern per fragment (a quarter of a label's regular expressions)."""
    first, skip, rest = words[0], _NON_WORD.match, words[1:]
    at = text.find(first, lo, hi)
    while at >= 0:
        pos = at + len(first)
        for w in rest:  # \W* is greedy and a word starts with a word character: no other split
            pos = skip(text, pos, hi).end()
            if not text.startswith(w, pos, hi):
                break
            pos += len(w)
        else:
            return at, pos
        at = text.find(first, at + 1, hi)
    return None


def cross_refs(text: str) -> list[str]:
    """Section numbers in 'see section 4.2', 'see sections 4.4 and 4.8'."""
    out: list[str] = []
    for m in re.finditer(r"\bsections?\s+((?:\d{1,2}(?:\.\d{1,2})?)(?:\s*(?:,|and|or|&)\s*\d{1,2}(?:\.\d{1,2})?)*)", text, re.I):
        for n in re.findall(r"\d{1,2}(?:\.\d{1,2})?", m.group(1)):
            if n not in out:
                out.append(n)
    return out
