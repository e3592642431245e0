"""The document model every reader can produce: sections holding typed blocks.

Modelled on docling-core's ``DoclingDocument`` (a tree of text items, list
items and tables, each with provenance: page number and bounding box) and on
unstructured's elements (Title, NarrativeText, ListItem, Table, Footnote,
each with metadata pointing back to the source). Kept small and typed:

* :class:`Document` - the file's sections in order, plus what was skipped;
* :class:`DocSection` - number, title, level, parent (a numbered SmPC section
  such as "4.8"; sub-headings are :class:`Heading` blocks inside it);
* blocks: :class:`Heading`, :class:`Paragraph`, :class:`ListItem`,
  :class:`Table` (header rows and body rows of :class:`Cell`, spans where
  known), :class:`Footnote`;
* every block and every cell carries a :class:`Provenance`: page and bounding
  box for PDF, line span and character offsets for text, element path for
  FHIR. Character offsets always point into ``Document.text``, the rendered
  text of the document, so a quote can be shown from any reader's output.

Inline emphasis is kept as data: a paragraph's ``spans`` say which parts were
bold, italic or superscript, and ``lead_in`` holds an emphasised lead-in
("Hepatitis B reactivation:") when the paragraph starts with one.
"""
from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field
from typing import Iterator, Union

from .text_lines import Line, split_lines


@dataclass(frozen=True)
class Provenance:
    page: int | None = None  # 1-based page of a PDF
    bbox: tuple[float, float, float, float] | None = None  # x0, top, x1, bottom in points, top-down
    line_start: int = 0  # 1-based lines of Document.text (or of the source text file)
    line_end: int = 0
    char_start: int = 0  # 0-based offsets into Document.text, end exclusive
    char_end: int = 0
    path: str | None = None  # element path (FHIR) or other locator
    pages: tuple[int, ...] = ()  # every page a block spans (a table over a page break)

    def locator(self) -> str | None:
        if self.path:
            return self.path
        if self.page is None:
            return None
        pages = self.pages if len(self.pages) > 1 else (self.page,)
        where = "pages " + "-".join(str(p) for p in (pages[0], pages[-1])) if len(pages) > 1 else f"page {self.page}"
        if self.bbox:
            where += " [" + ",".join(f"{v:.0f}" for v in self.bbox) + "]"
        return where


@dataclass
class Span:
    """A piece of inline text with its emphasis."""

    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False
    superscript: bool = False


@dataclass
class Block:
    text: str
    prov: Provenance

    kind = "block"


@dataclass
class Heading(Block):
    """A sub-heading inside a numbered section (by weight, style or its own line)."""

    level: int = 3
    kind = "heading"


@dataclass
class Paragraph(Block):
    spans: list[Span] = field(default_factory=list)
    lead_in: str | None = None  # an emphasised lead-in ending in ':' or '.'
    markers: list[str] = field(default_factory=list)  # footnote markers in the text, as printed
    kind = "paragraph"


@dataclass
class ListItem(Paragraph):
    marker: str = ""  # the bullet or number as printed ("•", "-", "a)")
    depth: int = 0
    kind = "list-item"


@dataclass
class Footnote(Block):
    marker: str = ""
    kind = "footnote"


@dataclass
class Cell:
    text: str  # the cell's paragraphs, one per line; footnote markers removed
    prov: Provenance
    marked: str = ""  # the same text with superscripts kept, as Unicode superscripts ("Lymphoma¹")
    row_span: int = 1
    col_span: int = 1
    markers: list[str] = field(default_factory=list)  # superscript footnote markers, as printed
    bold: bool = False
    # a cell of a table recovered from flattened text, whose column was lost: the columns (header
    # names) it may stand in, one when the reader settled it, several when it stays open between them
    # (the cell then spans those columns, ``col_span``, and repeats in every slot it covers: uncertain,
    # never placed in one of them); ``rule`` says how the reader established them, ``confidence`` how
    # sure a settled column is
    options: list[str] = field(default_factory=list)
    rule: str | None = None
    confidence: float | None = None
    # the cell's printed lines (paragraphs), each with its own provenance, when the reader knows them
    # (FHIR: each paragraph's element; text: the printed lines the cell stands on); empty: the lines
    # of ``marked``, each with the cell's ``prov``
    lines: list["CellLine"] = field(default_factory=list)
    # its footnote markers refer to every cell of its row (a row heading printed with a marker)
    row_notes: bool = False

    @property
    def uncertain(self) -> bool:
        """Open between columns: the reader could not settle which one the cell stands in."""
        return len(self.options) > 1


@dataclass
class CellLine:
    """One printed line (paragraph) of a cell: its text as quoted, and where it was printed."""

    text: str
    prov: Provenance


@dataclass
class Table(Block):
    caption: str | None = None
    header: list[list[Cell]] = field(default_factory=list)  # header rows (a repeated header is kept once)
    rows: list[list[Cell]] = field(default_factory=list)  # body rows; a spanned cell repeats in every slot it covers
    footnotes: list[Footnote] = field(default_factory=list)
    kind = "table"

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.header + self.rows), default=0)


AnyBlock = Union[Heading, Paragraph, ListItem, Footnote, Table]


@dataclass
class DocSection:
    number: str  # "4.8"
    title: str
    level: int  # 1 for "4", 2 for "4.8"
    parent: str | None
    prov: Provenance
    blocks: list[AnyBlock] = field(default_factory=list)

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


@dataclass
class Skipped:
    """A part of the file that is not read as an SmPC (Annex II, Annex III ...)."""

    what: str
    pages: tuple[int, int]

    def describe(self) -> str:
        a, b = self.pages
        return f"{self.what} (pages {a}-{b})" if a != b else f"{self.what} (page {a})"


@dataclass
class Document:
    source_path: str
    reader: str  # "pdf" | "text" | "fhir-epi-json" | ...
    text: str  # the rendered text; every Provenance's char offsets point into it
    sections: list[DocSection] = field(default_factory=list)
    pages: tuple[int, int] | None = None  # first and last page of the file this document came from
    skipped: list[Skipped] = field(default_factory=list)
    _lines: list[Line] | None = field(default=None, init=False, repr=False, compare=False)
    _page_starts: tuple[list[int], list[int]] | None = field(default=None, init=False, repr=False, compare=False)

    def page_at(self, char: int) -> int | None:
        """The page printing a character of ``text`` (PDF; None for a source without pages): the
        page of the last block that starts at or before it."""
        if self._page_starts is None:
            starts = sorted((b.prov.char_start, b.prov.page) for _, b in self.blocks() if b.prov.page is not None)
            self._page_starts = ([c for c, _ in starts], [pg for _, pg in starts])
        chars, pages = self._page_starts
        i = bisect.bisect_right(chars, char) - 1
        return pages[i] if i >= 0 else None

    def printed_lines(self, first: int, last: int) -> list[Line]:
        """Lines ``first``..``last`` (1-based, inclusive) of ``text`` as printed, each with its
        number, character offsets and cleaned text: how a block's provenance is quoted."""
        if self._lines is None:
            self._lines = split_lines(self.text)
        return self._lines[max(first, 1) - 1 : max(last, 0)]

    def section(self, number: str) -> DocSection | None:
        return next((s for s in self.sections if s.number == number), None)

    def section_text(self, number: str) -> str | None:
        """The text of a numbered section's blocks, one block a line (None when it is not printed)."""
        ds = self.section(number)
        return None if ds is None else "\n".join(b.text for b in ds.blocks if b.text)

    def content_hash(self) -> str:
        """SHA-256 (hex) of the rendered text: the same text gives the same hash whatever the reader."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    def blocks(self) -> Iterator[tuple[DocSection, AnyBlock]]:
        for s in self.sections:
            for b in s.blocks:
                yield s, b
