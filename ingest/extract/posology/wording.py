"""Wording cues from ``ontology/data/dosing.json`` (``wording``) as patterns.

A cue is a list of alternative phrasings of one generic SmPC expression
("premedicate with a {dose} dose of {drug}", "step-wise over {n} day(s)").
Notation inside a phrasing:

* ``{name}`` a slot, captured under that name: ``{n}`` a number, ``{word}``
  one word, ``{mass}`` a mass unit word, ``{hours}`` a number of hours,
  ``{unit}`` a duration unit, ``{high}`` the upper number of a range,
  ``{amount}`` a unit word not captured (the second unit of a range), ``{count}`` a number as digits or a word (captured
  as ``n``), ``{role}`` a cycle role (``cycle_roles``), ``{drug}`` a drug name (a word), ``{sel}`` a selector word
  ("first", "second", "subsequent"), ``{dose}`` a dose (unit spellings from
  ``units``), ``{text}`` a short run of text without full stops;
* ``[...]`` an optional part (put its leading space inside: "recommended[ at
  a minimum] for"); a word ending in ``(s)`` takes an optional "s";
* spaces match any white space (line breaks of extracted text included).

Matching is case-insensitive. Python regexes cannot reuse a group name across
alternatives, so each phrasing is its own pattern and :class:`Cue` returns the
earliest (then longest) match among them.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ingest.extract.posology.passages import dose_pattern, dosing_data

_SLOTS = {
    "n": r"(?P<n>\d+(?:\.\d+)?)",
    "word": r"\S+",
    "drug": r"(?P<drug>[A-Za-z][A-Za-z-]+)",
    "sel": r"(?P<sel>\w+)",
    "text": r"(?P<text>[^,.]{3,40})",
    "hours": r"(?P<hours>\d+(?:\.\d+)?)",
    "high": r"(?P<high>\d+(?:\.\d+)?)",
    "amount": r"[^\W\d]+",
    "mass": r"(?P<mass>[^\W\d]+)",
    "count": r"(?P<n>\w+)",
}
_TOKEN = re.compile(r"\{(\w+)\}|\[|\]|\(s\)|\s+|[^\s{}\[\]()]+|[()]")


def _dose_slot() -> str:
    p = dose_pattern().pattern
    for g in ("num", "mass", "size", "time"):
        p = p.replace(f"?P<{g}>", "?:")
    return f"(?P<dose>{p})"


def _unit_slot() -> str:
    words = sorted(dosing_data()["units"]["duration"], key=len, reverse=True)
    return "(?P<unit>" + "|".join(re.escape(w) for w in words) + ")"


def _role_slot() -> str:
    words = sorted(dosing_data()["wording"]["cycle_roles"], key=len, reverse=True)
    return "(?P<role>" + "|".join(re.escape(w) for w in words) + ")"


_SPECIAL = {"dose": _dose_slot, "unit": _unit_slot, "role": _role_slot}


def compile_phrase(phrase: str) -> str:
    out: list[str] = []
    for m in _TOKEN.finditer(phrase):
        tok = m.group(0)
        if m.group(1):
            out.append(_SPECIAL[m.group(1)]() if m.group(1) in _SPECIAL else _SLOTS[m.group(1)])
        elif tok == "[":
            out.append("(?:")
        elif tok == "]":
            out.append(")?")
        elif tok == "(s)":
            out.append("s?")
        elif tok.isspace():
            out.append(r"\s+")
        else:
            out.append(re.escape(tok))
    body = "".join(out)
    lead = r"\b" if re.match(r"\w", phrase) else ""
    return lead + body


class Cue:
    """Alternative phrasings of one expression; ``search``/``finditer``/``match`` like a pattern."""

    def __init__(self, phrases: list[str]):
        self.phrases = list(phrases)
        self.patterns = [re.compile(compile_phrase(p), re.I) for p in self.phrases]

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match | None:
        end = len(text) if endpos is None else endpos
        best = None
        for p in self.patterns:
            m = p.search(text, pos, end)
            if m and (best is None or m.start() < best.start() or (m.start() == best.start() and m.end() > best.end())):
                best = m
        return best

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None):
        end = len(text) if endpos is None else endpos
        while pos <= end:
            m = self.search(text, pos, end)
            if m is None:
                return
            yield m
            pos = m.end() if m.end() > m.start() else m.end() + 1

    def match(self, text: str, pos: int = 0) -> re.Match | None:
        best = None
        for p in self.patterns:
            m = p.match(text, pos)
            if m and (best is None or m.end() > best.end()):
                best = m
        return best


@lru_cache(maxsize=None)
def cue(name: str) -> Cue:
    """The cue ``name`` of ``dosing.json`` ``wording``."""
    return Cue(dosing_data()["wording"][name])


def phrases(name: str) -> list[str]:
    return list(dosing_data()["wording"][name])
