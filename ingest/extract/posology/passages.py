"""Text helpers for the posology extractors: flattened passages that keep their
line/char positions, quantities with UCUM units, sentences.

Unit spellings come from ``ontology/data/dosing.json`` (generic knowledge),
so no dose unit of any one label is written in code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from ingest.data_location import ontology_json
from ingest.document import Document
from ingest.quotes import ends_with_abbreviation
from ingest.records import Quantity, Source
from ingest.text_lines import Line



def dosing_data() -> dict:
    """The dosing wording and settings (``ontology/data/dosing.json``), read once."""
    return ontology_json("dosing.json")


def alternation(words) -> str:
    """A regex alternation of the words, longest first, each escaped."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def dose_pattern() -> re.Pattern:
    u = dosing_data()["units"]
    return re.compile(
        rf"(?P<num>\d+(?:[.,]\d+)?)\s*(?P<mass>{alternation(u['mass'])})"
        rf"(?:\s*/\s*(?P<size>{alternation(u['per_size'])}))?"
        rf"(?:\s*/\s*(?P<time>{alternation(u['per_time'])}))?(?![A-Za-z0-9])"
    )


@lru_cache(maxsize=1)
def duration_pattern() -> re.Pattern:
    u = dosing_data()["units"]
    return re.compile(rf"(?P<num>\d+(?:\.\d+)?)(?:\s*|-)(?P<unit>{alternation(u['duration'])})\b", re.I)


def number(s: str) -> float:
    return float(s.replace(",", "."))


def dose_unit(m: re.Match) -> str:
    """UCUM code of a matched dose: mass [/ kg or m2] [/ time], e.g. ug/m2/d."""
    u = dosing_data()["units"]
    code = u["mass"].get(m.group("mass")) or u["count_dose"][m.group("mass")]
    if m.group("size"):
        code += "/" + u["per_size"][m.group("size")]
    if m.group("time"):
        code += "/" + u["per_time"][m.group("time")]
    return code


def dose_quantity(m: re.Match, comparator: str | None = None) -> Quantity:
    return Quantity(number(m.group("num")), dose_unit(m), comparator=comparator, text=m.group(0))


def duration(m: re.Match) -> Quantity:
    unit = dosing_data()["units"]["duration"][m.group("unit").lower()]
    return Quantity(number(m.group("num")), unit, text=m.group(0))


def volume(m: re.Match) -> Quantity:
    u = dosing_data()["units"]
    code = u["volume"][m.group("unit")]
    if m.group("time"):
        code += "/" + u["per_time"][m.group("time")]
    return Quantity(number(m.group("num")), code, text=m.group(0))


def ordinal(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return dosing_data()["ordinals"].get(word.lower())


_SENT = re.compile(r"(?<=[.;])\s+(?=[A-Z(])")


@dataclass
class Flat:
    """Cleaned lines joined by single spaces, each char mapped back to its line."""

    text: str
    lines: list[Line]
    starts: list[int]  # flat offset where each line's text starts
    original: str
    page_of: Callable[[int], int | None] | None = None  # the page of a character of the original (PDF)

    @classmethod
    def of(cls, lines: list[Line], doc: Document) -> "Flat":
        """The running text of ``lines`` of the document ``doc`` (its text is the original they quote)."""
        parts, starts, kept, pos = [], [], [], 0
        for ln in lines:
            if not ln.text or ln.artefact:
                continue
            starts.append(pos)
            kept.append(ln)
            parts.append(ln.text)
            pos += len(ln.text) + 1
        return cls(" ".join(parts), kept, starts, doc.text, doc.page_at)

    def line_index(self, pos: int) -> int:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def source(self, a: int, b: int, section: str, derivation: str = "stated", rule: str | None = None) -> Source:
        """Source for flat span [a, b): original char offsets, tightened to the words quoted."""
        while a < b and self.text[a] == " ":
            a += 1
        while b > a and self.text[b - 1] == " ":
            b -= 1
        i, j = self.line_index(a), self.line_index(max(a, b - 1))
        first, last = self.lines[i], self.lines[j]
        head = self.text[a : min(b, self.starts[i] + len(first.text))]
        tail = self.text[max(a, self.starts[j]) : b]
        cs = first.start + max(0, first.raw.find(head[:20])) if head else first.start
        k = last.raw.rfind(tail[-20:]) if tail else -1
        ce = last.start + k + len(tail[-20:]) if k >= 0 else last.end
        if ce <= cs:
            cs, ce = first.start, last.end
        return Source(section, first.number, last.number, cs, ce, self.original[cs:ce], derivation=derivation, rule=rule,
                      page=self.page_of(cs) if self.page_of else None)

    def sentences(self, a: int = 0, b: int | None = None) -> list[tuple[int, int]]:
        b = len(self.text) if b is None else b
        out, start = [], a
        for m in _SENT.finditer(self.text, a, b):
            if ends_with_abbreviation(self.text[start:m.start()]):
                continue  # "St. John's wort", "e.g. ...": the full stop of an abbreviation ends no sentence
            out.append((start, m.start()))
            start = m.end()
        if start < b:
            out.append((start, b))
        return out


def tokens(text: str) -> set[str]:
    """Crude stems of the words of a passage (for matching headings to populations)."""
    out = set()
    for w in re.findall(r"[a-z0-9]+", text.lower()):
        for suf in ("ed", "es", "e", "s"):
            if len(w) > 4 and w.endswith(suf):
                w = w[: -len(suf)]
                break
        out.add(w)
    return out

