"""Lines and tables of one SmPC -> the document model (sections of typed blocks).

* Numbered section headings: a line (bold, or matching the scheme's title)
  reading "4.1 Therapeutic indications", also when the number and the title
  are separate runs or separate lines, or the title wraps to a second line.
  Numbers must increase within one SmPC, so a cross-reference never opens a
  section.
* Sub-headings: a short line of its own that is all bold, italic or
  underlined and does not end a sentence.
* Paragraphs: consecutive lines without a gap; a bullet or list number
  starts a list item, whose indented continuation lines stay in it.
* A word hyphenated at a line end is joined (the hyphen is dropped when the
  joined word occurs elsewhere in the document, otherwise kept: "film-coated").
* Lines right after a table that start with a footnote marker are the
  table's footnotes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ingest import document as dm
from ingest.readers.pdf.lines import Line
from ingest.readers.pdf.tables import PageTable
from ingest.scheme import scheme
from ingest.scheme import title_matches as _title_matches

_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2})?)\.?$")
_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})?)\.?\s+(\S.*)$")
MARKER = re.compile(r"^(\*{1,3}|[†‡§¶#]|[a-z]|\d{1,2})[\s.)]")
_CAPTION = re.compile(r"^table\s+\d+", re.I)
_LATE_HEADING = re.compile(r"(?<=[.!?\s])(\d{1,2})\.\s+([A-Z][A-Z ]{10,})$")
WORD = re.compile(r"[A-Za-z]+")
# a power of ten: "3.0x10" followed by a raised "9" is 3.0x10⁹, written with Unicode superscripts so that
# the exponent neither runs into the base ("109") nor is taken for a footnote marker
_TIMES_TEN = re.compile(r"[x×X·]\s*10$")
_EXPONENT = re.compile(r"^[-+−–]?\d{1,3}$")
_PLAIN_CLOSE = re.compile(r"^[)\]]*[:.]")
_SUPERSCRIPT_DIGITS = str.maketrans("0123456789+-−–", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁻")


@dataclass
class Item:
    page: int
    top: float
    line: Line | None = None
    table: list[PageTable] | None = None  # one or more page parts of one table


@lru_cache(maxsize=4096)
def title_matches(number: str, title: str) -> bool:
    return _title_matches(number, title)


def _key(number: str) -> tuple[int, ...]:
    return tuple(int(x) for x in number.split("."))


def heading_of(items: list[Item], i: int, last: tuple[int, ...]) -> tuple[str, str, int] | None:
    """(number, title, items used) when item i opens a numbered section after ``last``."""
    ln = items[i].line
    if ln is None:
        return None
    text = ln.text
    if last != (0,) and not text[:1].isdigit():  # _HEADING and _NUMBER open with a digit (every line is asked)
        return None
    m = _HEADING.match(text)
    used = 1
    if not m and last == (0,):  # a stray field result printed before the first heading ("Error! ...1. NAME ...")
        m2 = _LATE_HEADING.search(text)
        if m2 and m2.group(1) == "1" and title_matches("1", m2.group(2)) and m2.group(2).isupper():
            m = m2
    if m:
        number, title = m.group(1), m.group(2)
    else:
        m = _NUMBER.match(text)
        nxt = items[i + 1].line if i + 1 < len(items) else None
        if not m or nxt is None:
            return None
        number, title, used = m.group(1), nxt.text, 2
    if number not in scheme() or _key(number) <= last:
        return None
    title = title.strip()
    if not title_matches(number, title):
        nxt = items[i + used].line if i + used < len(items) else None
        if nxt is None or not title_matches(number, f"{title} {nxt.text}"):
            return None
        title, used = f"{title} {nxt.text}", used + 1
    if not ln.bold and not title_matches(number, title.rstrip(". ")):
        return None
    return number, title.rstrip(" ."), used


class DocBuilder:
    """Accumulates the rendered text and hands out provenance into it."""

    def __init__(self, path: str, vocabulary: set[str]):
        self.parts: list[str] = []
        self.pos = 0
        self.line_no = 1
        self.path = path
        self.vocab = vocabulary

    def emit(self, text: str, page: int, bbox, pages: tuple[int, ...] = ()) -> dm.Provenance:
        start, line = self.pos, self.line_no
        self.parts.append(text + "\n\n")
        self.pos += len(text) + 2
        self.line_no += text.count("\n") + 2
        return dm.Provenance(page, bbox, line, line + text.count("\n"), start, start + len(text), None, pages)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def join_lines(lines: list[Line], vocab: set[str]) -> tuple[str, list[dm.Span], list[str]]:
    """Text, spans and footnote markers of a paragraph's lines (hyphenated words joined; a raised
    exponent after "x10" written as Unicode superscripts: "3.0x10⁹/L")."""
    spans: list[dm.Span] = []
    markers: list[str] = []
    for k, ln in enumerate(lines):
        for s in ln.spans:
            t = s.text
            if s.sup and spans and _EXPONENT.match(t.strip()) and _TIMES_TEN.search(spans[-1].text):
                t = t.strip().translate(_SUPERSCRIPT_DIGITS) + t[len(t.rstrip()):]
            elif s.sup and t.strip() and MARKER.match(t.strip() + " "):
                markers.append(t.strip())
            spans.append(dm.Span(t, s.bold, s.italic, s.underline, s.sup))
        if k + 1 < len(lines) and spans:
            last = spans[-1].text.rstrip()
            nxt = lines[k + 1].text
            if last.endswith("-") and len(last) > 1 and last[-2].isalpha() and nxt[:1].islower():
                head = WORD.findall(last)[-1] if WORD.findall(last) else ""
                tail = WORD.match(nxt)
                joined = (head + tail.group(0)).lower() if tail else ""
                spans[-1].text = last[:-1] if joined in vocab else last
            else:
                spans[-1].text = last + " "
    text = " ".join("".join([s.text for s in spans]).split())
    return text, spans, markers


def lead_in(spans: list[dm.Span]) -> str | None:
    lead = ""
    for s in spans:
        if not s.text.strip():
            lead += s.text
            continue
        if not (s.bold or s.italic or s.underline) or s.superscript:
            break
        lead += s.text
    lead = " ".join(lead.split())
    if not lead:  # no emphasised opening: nothing to split off (the whole text is not needed)
        return None
    whole = " ".join("".join(s.text for s in spans).split())
    rest = whole[len(lead):].strip() if lead else ""
    plain = _PLAIN_CLOSE.match(rest)
    if plain:  # the colon (and a bracket the lead-in closes) printed plain: "(ABC" + "):"
        lead, rest = lead + plain.group(0), rest[plain.end():].strip()
    elif rest and ":" in lead[:-1] and len(lead.partition(":")[2].split()) <= 1:
        # the emphasis runs on past the colon by a letter or a word ("Title: a" + "nd the text")
        head, _, more = lead.partition(":")
        lead, rest = head + ":", (more + rest).strip()
    if lead and rest and lead.endswith((":", ".")) and len(lead.split()) <= 12:
        return lead.rstrip(" :.")
    return None


def is_subheading(lines: list[Line], text: str, body_size: float = 0.0) -> bool:
    """A short line (or two) of its own, set bold, italic, underlined or larger than the body text."""
    words = text.split()
    if not words or len(words) > 14 or len(lines) > 2 or _CAPTION.match(text):
        return False
    if text.endswith((".", ";", ",")) and len(words) > 4:
        return False
    styled = all(ln.bold or ln.italic or ln.underlined or (body_size and ln.size >= 1.15 * body_size)
                 for ln in lines)
    return styled and text[:1].isalnum()
