"""Generic knowledge for section 4.8, loaded from ``ontology/data``.

MedDRA organ classes (``meddra-soc.json``), frequency bands
(``adverse-frequency.json``) and wording equivalences (``adverse-matching.json``).
Nothing here knows any particular product.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.data_location import ontology_json


_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Soc:
    code: str
    name: str
    abbrev: str
    variants: tuple[str, ...]


@dataclass(frozen=True)
class Band:
    name: str
    low: float | None
    high: float | None
    legend: str
    headings: tuple[str, ...]


@lru_cache(maxsize=None)
def socs() -> tuple[Soc, ...]:
    return tuple(
        Soc(s["code"], s["name"], s["abbrev"], tuple(s.get("variants", []))) for s in ontology_json("meddra-soc.json")["socs"]
    )


@lru_cache(maxsize=None)
def bands() -> tuple[Band, ...]:
    return tuple(
        Band(b["name"], b["low"], b["high"], b["legend"], tuple(b["headings"]))
        for b in ontology_json("adverse-frequency.json")["bands"]
    )


def default_columns() -> list[str]:
    """The columns of a flattened 4.8 table that printed no column headings: the three most frequent bands."""
    return [b.name for b in bands()[:3]]


def band(name: str) -> Band:
    return next(b for b in bands() if b.name == name)


def band_of_percent(percent: float) -> str:
    """The frequency band a crude incidence (in %) falls in."""
    f = percent / 100.0
    for b in bands():
        if b.name == "not known":
            continue
        if (b.low is None or f >= b.low) and (b.high is None or f < b.high):
            return b.name
    return "not known"


@lru_cache(maxsize=None)
def matching() -> dict:
    return ontology_json("adverse-matching.json")


@lru_cache(maxsize=16384)
def fold_spelling(text: str) -> str:
    """Lower case, punctuation to spaces, British -> American spelling. (Kept per text: linking
    section 4.8 folds every entry's term again for every subject, 12,000 calls per label.)"""
    words = _NON_WORD.sub(" ", text.lower()).split()
    sp = matching()["spelling"]
    return " ".join(sp.get(w, w) for w in words)


def singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "is", "us")):
        return word[:-1]
    return word


@lru_cache(maxsize=1)
def _phrase_patterns() -> tuple[tuple[re.Pattern, str], ...]:
    return tuple((re.compile(rf"\b{re.escape(a)}\b"), b) for a, b in matching()["phrases"].items())


@lru_cache(maxsize=16384)
def term_key(text: str) -> str:
    """Matching key for a term: folded, summary phrases rewritten, singular words.

    Kept per text: linking the selected-reaction subsections compares every entry's keys with
    every subject (about 11,000 calls per label), and building the phrase patterns on each call
    also evicted the rest of the program's regular expressions from ``re``'s cache."""
    s = fold_spelling(text)
    for pattern, b in _phrase_patterns():
        s = pattern.sub(b, s)
    return " ".join(singular(w) for w in s.split())


@lru_cache(maxsize=None)
def _soc_keys() -> list[tuple[str, Soc]]:
    keys = []
    for s in socs():
        for v in (s.name, *s.variants):
            keys.append((fold_spelling(v), s))
    keys.sort(key=lambda kv: -len(kv[0]))
    return keys


def soc_by_name(text: str) -> Soc | None:
    k = fold_spelling(text)
    return next((s for key, s in _soc_keys() if key == k), None)


MARKER = r"(?:[a-z]|\d{1,2}|\*{1,3}|[†‡§])"
MARKER_LIST = rf"{MARKER}(?:\s*,\s*{MARKER})*"


@lru_cache(maxsize=None)
def _soc_patterns() -> list[tuple[re.Pattern, Soc]]:
    pats = []
    for s in socs():
        for v in (s.name, *s.variants):
            words = re.findall(r"\w+", v)
            body = r"\W+".join(re.escape(w) for w in words)
            pats.append((len(v), re.compile(rf"^\s*{body}(?P<markers>{MARKER_LIST})?(?=[\s:]|$)", re.I), s))
    pats.sort(key=lambda t: -t[0])
    return [(p, s) for _, p, s in pats]


def soc_prefix(text: str) -> tuple[Soc, str, list[str]] | None:
    """If ``text`` begins with an organ class name, return it, the printed prefix
    (class name plus any glued footnote markers) and those markers."""
    for pat, soc in _soc_patterns():
        m = pat.match(text)
        if m:
            markers = re.findall(MARKER, m.group("markers") or "")
            return soc, m.group(0), markers
    return None


def soc_name_printed(printed: str) -> str:
    """An organ class as printed (a :func:`soc_prefix` prefix) without the footnote markers glued
    to it, whitespace as one space: "Nervous system disordersa" -> "Nervous system disorders"."""
    text = " ".join(printed.split())
    for pat, _ in _soc_patterns():
        m = pat.match(text)
        if m:
            end = m.start("markers") if m.group("markers") else m.end()
            return text[:end].strip()
    return text


def heading_band(text: str) -> str | None:
    """'Very common' / 'Frequency not known' ... -> band name, or None."""
    k = fold_spelling(text)
    best = None
    for b in bands():
        for h in b.headings:
            if k == h and (best is None or len(h) > len(best[1])):
                best = (b.name, h)
    return best[0] if best else None


def title_tokens(text: str) -> set[str]:
    """Tokens of a term/title for subsection matching, with equivalences expanded."""
    return set(_title_tokens(text))


@lru_cache(maxsize=16384)
def _title_tokens(text: str) -> frozenset[str]:
    eq = matching()["title_words"]
    out: set[str] = set()
    for w in term_key(text).split():
        if len(w) < 3 or w in {"and", "the", "with", "including", "event", "disorder", "reaction", "adverse"}:
            continue
        out.add(w)
        out.update(singular(x) for x in eq.get(w, []))
    return frozenset(out)


@lru_cache(maxsize=1)
def _singular_names() -> dict:
    """Every organ class name and printed variant, folded and each word singular -> the class."""
    return {" ".join(singular(w) for w in fold_spelling(v).split()): x for x in socs() for v in (x.name, *x.variants)}


def match_soc_exact(printed: str):
    """The MedDRA SOC whose name or printed variant this is (case, punctuation,
    footnote marks and singular/plural words aside: "systems", "disorder")."""
    s = soc_by_name(printed)
    if s:
        return s
    s = _singular_names().get(" ".join(singular(w) for w in fold_spelling(printed).split()))
    if s:
        return s
    pre = soc_prefix(printed)
    if pre and not printed[len(pre[1]) :].strip():
        return pre[0]
    return None
