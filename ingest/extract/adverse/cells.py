"""Reading the text of one 4.8 table cell or list line into reaction terms.

Shared by the table interpreter (:mod:`ingest.extract.adverse.table_html`) and the
lists under organ-class sub-headings (:mod:`ingest.extract.adverse.pdf_inline`):

* footnote markers: superscripts ("Lymphoma¹⁾") and trailing stars
  ("suicidal ideation*") are moved out of the term;
* a cell line that is itself a footnote ("*particularly in patients ...")
  is a footnote, never a term;
* terms listed with commas or semicolons are one entry each, never split
  inside brackets; an example list ("reactions such as a, b, c") stays one
  entry; a superscript marker glued to the next word also ends a term;
* a frequency label at the start of a line ("Very common: headache") gives
  the band of the terms after it; a frequency word alone is never a term;
* an X in a frequency column (``marks`` in ``adverse-layouts.json``).

Generic cues live in ``ontology/data/adverse-layouts.json``.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ingest.data_location import ontology_json
from ingest.extract.adverse.data import bands, heading_band

SUPERS = "⁰¹²³⁴⁵⁶⁷⁸⁹ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ⁾⁽*"
_PLAIN = "0123456789abcdefghijklmnoprstuvwxyz)(*"
_TO_PLAIN = str.maketrans(SUPERS, _PLAIN)
_SUPER_RUN = re.compile(f"[{SUPERS}][{SUPERS},]*")
_GLUED = re.compile(f"(?<=[{SUPERS[:-1]}])(?=[A-Za-z])")  # "vasculitis¹⁾lichenoid": a marker ends a term
_FOOTNOTE_LINE = re.compile(r"^\s*(\*{1,3}|[†‡§]|[¹²³⁴⁵⁶⁷⁸⁹]⁾?)\s*(?=[A-Za-z])")
_TRAILING_STARS = re.compile(r"\s*(\*{1,3}|[†‡§])\s*$")


@lru_cache(maxsize=None)
def layouts() -> dict:
    return ontology_json("adverse-layouts.json")


def is_mark(text: str) -> bool:
    """An X (or tick) placed in a frequency column."""
    return text.strip() in set(layouts()["marks"])


def markers(text: str) -> tuple[str, list[str]]:
    """Remove superscript footnote markers: ("Lymphoma", ["1)"])."""
    found: list[str] = []
    for run in _SUPER_RUN.findall(text):
        found.extend(m for m in run.translate(_TO_PLAIN).split(",") if m)
    return _SUPER_RUN.sub(" ", text), found


def clean(text: str) -> str:
    return " ".join(text.split()).strip(" ,;.:")


def is_footnote_line(line: str) -> bool:
    """"*particularly in patients ..." printed inside a cell: a footnote."""
    return bool(_FOOTNOTE_LINE.match(line)) and len(line.split()) >= 3


@lru_cache(maxsize=None)
def _band_label() -> re.Pattern:
    heads = sorted({h for b in bands() for h in b.headings}, key=len, reverse=True)
    alt = "|".join(r"\s+".join(map(re.escape, h.split())) for h in heads)
    return re.compile(rf"(?<![A-Za-z])({alt})(?:\s*[{re.escape(SUPERS)}]*)?\s*:", re.I)


def band_segments(text: str) -> list[tuple[str, str]]:
    """"Common: a, b Uncommon: c" -> [("common", "a, b"), ("uncommon", "c")];
    [] when the text does not start with a frequency label."""
    found = list(_band_label().finditer(text))
    if not found or text[: found[0].start()].strip():
        return []
    out = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        b = heading_band(m.group(1))
        if b:
            out.append((b, text[m.end():end].strip()))
    return out


def _depth_split(text: str, seps: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "(["
        depth -= ch in ")]"
        if depth <= 0 and ch in seps:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def _outside_brackets(text: str) -> str:
    out, depth = [], 0
    for ch in text:
        depth += ch in "(["
        if depth <= 0:
            out.append(ch)
        depth -= ch in ")]"
    return "".join(out)


def _mask_brackets(text: str) -> str:
    """The text with bracketed words blanked, same length (positions kept)."""
    out, depth = [], 0
    for ch in text:
        depth += ch in "(["
        out.append(ch if depth <= 0 else " ")
        depth -= ch in ")]"
    return "".join(out)


def _has_example_cue(part: str) -> bool:
    flat = " " + " ".join(_outside_brackets(part).lower().split()) + " "
    return any(f" {c} " in flat for c in layouts()["example_cues"])


def _is_clause(part: str) -> bool:
    flat = " " + " ".join(_outside_brackets(part).lower().split()) + " "
    return any(f" {c} " in flat for c in layouts()["clause_cues"])


def noun_phrase(text: str) -> str:
    """A sentence after a frequency label ("Raised sodium occurred more often in
    ...") -> its subject ("Raised sodium"); a term list is returned unchanged."""
    first = re.split(r"(?<=[a-z)\]])\.\s+(?=[A-Z])", text.strip(), maxsplit=1)[0]
    low = _mask_brackets(first).lower()
    cut = None
    for cue in layouts()["clause_cues"]:
        m = re.search(rf"\s{re.escape(cue)}\b", low)
        if m and (cut is None or m.start() < cut):
            cut = m.start()
    return first[:cut] if cut and first[:cut].strip() else first


def split_terms(line: str) -> list[tuple[str, list[str]]]:
    """One printed line -> [(term, markers)]: commas and semicolons outside
    brackets separate terms; an example list stays with its head term."""
    out: list[tuple[str, list[str]]] = []
    for chunk in _GLUED.split(line):
        parts = _depth_split(re.sub(r"\s&\s", ",", chunk), ",;")
        if len(parts) > 1 and any(_is_clause(p) for p in parts):
            parts = [chunk]  # a sentence ("X may follow Y, particularly after Z"), not a list
        merged: list[str] = []
        for p in parts:
            if merged and _has_example_cue(merged[-1]) and not _has_example_cue(p):
                merged[-1] += "," + p  # "reactions such as a, b, c": one entry
            else:
                merged.append(p)
        for p in merged:
            text, notes = markers(p)
            text = clean(text)
            m = _TRAILING_STARS.search(text)
            if m:
                notes.append(m.group(1))
                text = clean(text[: m.start()])
            if not text or heading_band(text):
                continue  # a frequency word is never an entry
            out.append((text, notes))
    return out


def footnote_of_line(line: str) -> tuple[str, str] | None:
    """A footnote printed as a line of a cell ("*particularly in patients ..."): (marker, text)."""
    m = _FOOTNOTE_LINE.match(line)
    if not m or not is_footnote_line(line):
        return None
    return m.group(1).translate(_TO_PLAIN), " ".join(line[m.end():].split())


def cell_lines(cell: str) -> tuple[list[str], list[str]]:
    """The term lines of a cell and its footnote lines."""
    terms, notes = [], []
    for ln in cell.split("\n"):
        if not ln.strip():
            continue
        (notes if is_footnote_line(ln) else terms).append(ln)
    return terms, notes


def join_wrapped(lines: list[str]) -> list[str]:
    """Lines of cells merged from rows split by a wrapped organ-class name:
    a line starting in lower case continues the line above ("Cutaneous" /
    "amyloidosis"); a capitalised line is a new entry."""
    out: list[str] = []
    for ln in lines:
        s = ln.strip()
        if out and s[:1].islower() and not out[-1].rstrip().endswith((",", ";")):
            out[-1] = out[-1].rstrip() + " " + s
        else:
            out.append(s)
    return out
