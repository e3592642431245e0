"""HL7 FHIR ePI reader: a Bundle (JSON or XML) -> the same section records the text reader makes.

* Each Composition section becomes a :class:`Section` keyed by its SmPC number
  ("4.4"): by its ePI section code first (EMA SPOR product-information
  template terms, ``ontology/data/epi-section-codes.json``), so a bundle in any
  language with correct codes is read, and a section with a code and no title
  takes the template's title; failing a code, the number is read from its title
  (or the title is matched against the SmPC scheme). A coded sub-heading
  (4.2 "Posology", 4.6 "Pregnancy" ...) becomes a named sub-heading.
* Named sub-headings inside a section become their own Section
  ``"{number}/{slug}"`` (level + 1, parent = the number), as in the text
  reader. In XHTML a sub-heading is an ``<h1>``-``<h6>``, a paragraph that is
  all bold/italic/underlined, an emphasised lead-in ending in ':' ("<b>
  Psoriasis:</b> It is recommended ..."; the paragraph itself stays whole), or
  a plain short line that the text reader's rule would take for a heading.
* Paragraphs, list items and table rows keep their element path
  (``Composition.section[3].section[1].text.div/p[2]``) as ``Source.locator``;
  character spans point into the bundle text (``record.original``) at the
  element's content, lines are lines of that file.
* Tables are kept as :class:`ingest.readers.fhir.xhtml.HtmlTable` in ``Section.tables``
  (and their rows, as "table-row" paragraphs, for search).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import replace
from functools import lru_cache

from ingest.errors import MissingSection, NotAnSmPC, UnreadableInput
from ingest.ids import slugify
from ingest.readers.fhir import bundle as fhir_bundle
from ingest.readers.fhir import xhtml
from ingest.readers.text.reader import finish_text
from ingest.records import Issue, LabelRecord, Paragraph, Section, Source
from ingest.scheme import load_json, required_numbers, scheme, title_matches

_NUMBERED = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2})*)\.?\s+(\S.*?)\s*$")
_CAPTION = re.compile(r"^(?:table|figure)\s+\d", re.I)
# a finite verb makes a line a sentence, not a heading (generic English)
_SENTENCE_VERB = re.compile(r"\b(?:is|are|was|were|be|been|has|have|had|should|must|may|might|can|could|will|would|"
                            r"shall|does|do|did)\b", re.I)


def read_bundle(data: bytes, path: str, fmt: str) -> LabelRecord:
    if fmt not in ("fhir-epi-json", "fhir-epi-xml"):
        raise UnreadableInput(f"unknown structured format {fmt!r}", path)
    doc = fhir_bundle.load(data, path, fmt)
    reader = _Reader(doc, path)
    sections = reader.read()
    record = LabelRecord(label_id="", version="", source_path=path, reader=fmt, original=doc.original,
                         sections=sections, title=doc.title, document_kind="smpc",
                         version_date=(doc.date or "")[:10] or None, product_codings=doc.codings)
    record.issues.extend(reader.issues)
    return record


def _key(number: str) -> tuple[int, ...]:
    return tuple(int(x) for x in number.split("."))


@lru_cache(maxsize=1)
def _section_codes() -> dict:
    return load_json("epi-section-codes.json")


def by_code(codes: list[str]) -> tuple[str, str | None, str | None]:
    """What a section's ePI code says: ("section", number, None), ("subheading", parent, title),
    ("not-smpc", None, what) or ("", None, None) when no code is known."""
    data = _section_codes()
    for c in codes:
        if c in data["sections"]:
            return "section", data["sections"][c], None
        if c in data["subheadings"]:
            sub = data["subheadings"][c]
            return "subheading", sub["parent"], sub["title"]
        if c in data["not_smpc"]:
            return "not-smpc", None, data["not_smpc"][c]
    return "", None, None


def number_and_title(title: str, after: str | None) -> tuple[str | None, str]:
    """("4.1", "Therapeutic indications") from a section title; the number is
    taken from the title, or found by matching the title against the scheme
    (the first fitting number after ``after``)."""
    m = _NUMBERED.match(title)
    if m and m.group(1) in scheme():
        return m.group(1), m.group(2).rstrip(" .")
    bare = m.group(2) if m else title.strip()
    fits = [n for n in scheme() if title_matches(n, bare)]
    later = [n for n in fits if after is None or _key(n) > _key(after)]
    pick = (later or fits or [None])[0]
    return pick, bare.rstrip(" .")


class _Reader:
    def __init__(self, doc: fhir_bundle.EpiDocument, path: str):
        self.doc = doc
        self.path = path
        self.issues: list[Issue] = []
        self.coded: set[str] = set()  # section numbers identified by their ePI code
        self._newlines = [i for i, ch in enumerate(doc.original) if ch == "\n"]

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def read(self) -> list[Section]:
        out: list[Section] = []
        self._walk(self.doc.sections, None, out)
        numbered = [s for s in out if not s.is_subheading]
        if sum(1 for s in numbered if s.key in self.coded or title_matches(s.number, s.title)) < 3:
            raise NotAnSmPC("the Composition's sections do not follow the SmPC layout (expected titles such as "
                            "'4.1 Therapeutic indications')", self.path)
        found = {s.number for s in numbered}
        for number in required_numbers():
            if number not in found:
                title = scheme()[number].titles[0]
                raise MissingSection(f"required section {number} '{title}' is missing from the Composition", self.path)
        finish_text(out)
        return out

    def _walk(self, items: list[fhir_bundle.EpiSection], parent_number: str | None, out: list[Section]) -> None:
        for es in items:
            last = next((s.number for s in reversed(out) if not s.is_subheading), None)
            kind, coded, coded_title = by_code(es.codes)
            number, title = number_and_title(es.title, last)
            if kind == "section" and not any(s.key == coded for s in out):
                number = coded
                title = _NUMBERED.sub(r"\2", es.title).strip().rstrip(" .") or scheme()[coded].titles[0]
                self.coded.add(coded)
            elif kind == "subheading" and (parent_number or last):
                number = None
                es = replace(es, title=es.title or coded_title)
            if number is None or any(s.key == number for s in out):
                host = parent_number or last
                if kind == "subheading" and host:
                    sub = self._sub_section(out, host, es.title, self._span_source("", es.start, es.start,
                                                                                   es.title, es.path))
                    out.append(sub)
                    self._fill(es, sub, host, out)
                    self._walk(es.children, host, out)
                    continue
                self.issues.append(Issue("warning", f"{es.path}: section '{es.title}' is not an SmPC section; "
                                         f"read as a sub-heading of {host or 'nothing'}", host, self.line(es.start),
                                         "fhir-unknown-section"))
                if host is None:
                    continue
                number = host
                sub = self._sub_section(out, host, es.title or "untitled", self._span_source("", es.start, es.start,
                                                                                            es.title, es.path))
                out.append(sub)
                self._fill(es, sub, number, out)
                self._walk(es.children, host, out)
                continue
            src = replace(self._span_source(number, es.start, es.end, es.title, es.path))
            sec = Section(number, number, title, number.count(".") + 1,
                          number.rsplit(".", 1)[0] if "." in number else None, "",
                          self.doc.original[es.start : es.end], src)
            out.append(sec)
            self._fill(es, sec, number, out)
            self._walk(es.children, number, out)

    def _span_source(self, key: str, start: int, end: int, quote: str, locator: str) -> Source:
        return Source(key, self.line(start), self.line(end), start, end, quote, locator)

    def _sub_section(self, out: list[Section], number: str, title: str, src: Source) -> Section:
        parent = next(s for s in out if s.key == number)
        key = f"{number}/{slugify(title)}"
        while any(s.key == key for s in out):
            key += "-2"
        return Section(key, number, title, parent.level + 1, number, "", "", replace(src, section=key))

    def _fill(self, es: fhir_bundle.EpiSection, sec: Section, number: str, out: list[Section]) -> None:
        """Paragraphs, tables and sub-headings of one Composition section."""
        if es.div is None:
            return

        def make_source(start: int, end: int, quote: str, locator: str) -> Source:
            a, b = es.div_offset(start), es.div_offset(end)
            return Source(number, self.line(a), self.line(b), a, b, quote, locator)

        dropped: list[xhtml.DroppedNote] = []
        blocks, images = xhtml.read_div(es.div, f"{es.path}.text.div", make_source, dropped)
        for d in dropped:
            self.issues.append(Issue("warning", f"{d.what} at {d.locator} dropped: active content is never read or "
                                     "indexed", number, self.line(es.div_offset(0)) if d.line <= 1 else d.line,
                                     "xhtml-active-content-dropped"))
        current = sec
        subs: list[Section] = []
        after_heading = True  # at the start of a section, or right after a sub-heading
        for i, b in enumerate(blocks):
            nxt = next((x for x in blocks[i + 1 :] if x.kind != "table"), None)
            if b.kind == "table":
                current.tables.append(_rekey_table(b.table, current.key))
                continue
            heading = _is_heading(b, nxt, after_heading)
            after_heading = heading
            if heading or b.runin:
                title = b.text.rstrip(" :") if heading else b.runin
                current = self._sub_section(out + subs, number, title, b.source)
                subs.append(current)
                if heading:
                    continue
            current.paragraphs.append(Paragraph(b.text, replace(b.source, section=current.key), b.kind))
        for sub in subs:  # a sub-heading's span runs to the end of its last paragraph
            last = sub.paragraphs[-1].source if sub.paragraphs else sub.source
            for t in sub.tables:
                if t.source.char_end > last.char_end:
                    last = t.source
            sub.source = Source(sub.key, sub.source.line_start, last.line_end, sub.source.char_start,
                                last.char_end, sub.title, sub.source.locator)
            sub.raw = self.doc.original[sub.source.char_start : sub.source.char_end]
        out.extend(subs)
        for note in images:
            where = f"{note.locator} ({note.src or 'no src'})"
            if note.symbol:
                msg, rule = f"image {where} read as the symbol '{note.symbol}' (by {note.rule})", "xhtml-image-symbol"
            else:
                msg, rule = f"embedded image {where} dropped from the text (not indexed)", "xhtml-image-dropped"
            self.issues.append(Issue("info", msg, number, note.source.line_start, rule))


def _rekey_table(t: xhtml.HtmlTable, key: str) -> xhtml.HtmlTable:
    return replace(
        t,
        source=replace(t.source, section=key),
        cell_sources=[[[replace(s, section=key) for s in cell] for cell in row] for row in t.cell_sources],
        header_sources=[replace(s, section=key) for s in t.header_sources],
    )


def _is_heading(b: xhtml.Block, nxt: xhtml.Block | None, after_heading: bool) -> bool:
    """A sub-heading by markup (h1-h6, all-emphasis) or by the text reader's rule
    (short, capitalised, no closing punctuation, followed by a sentence or a
    list) - the latter only where a heading can stand: not first in a section
    or straight after another heading, not before a heading, not a sentence."""
    if b.kind == "heading":
        return True
    if b.kind != "paragraph" or b.runin:
        return False
    t = b.text
    words = t.split()
    if not (1 <= len(words) <= 20) or len(t) > 170 or _CAPTION.match(t) or _NUMBERED.match(t):
        return False
    if b.emphasis:
        return not t.endswith((".", ";", ",")) or len(words) <= 4 and nxt is not None
    if not t[0].isupper() or t.endswith((".", ":", ";", ",")) or ". " in t:
        return False
    if sum(ch.isdigit() for ch in t) > len(t) / 4 or nxt is None or after_heading:
        return False
    if nxt.runin or nxt.emphasis or nxt.kind == "heading" or _SENTENCE_VERB.search(t):
        return False
    follow = nxt.text
    return (follow.endswith((".", ":")) and len(follow.split()) >= 6) or nxt.kind == "list-item"


