"""Section records of the text and FHIR readers -> the document model (:mod:`ingest.document`).

The PDF reader builds a :class:`~ingest.document.Document` first and derives its
section records from it (:mod:`ingest.readers.pdf.records`); the text and FHIR readers
build section records directly, and this module gives the same model for them,
so every reader's label carries one (``LabelRecord.document``):

* each numbered section becomes a :class:`~ingest.document.DocSection`; its
  named sub-sections become :class:`~ingest.document.Heading` blocks followed
  by their passages, or, when the sub-section was opened by an emphasised
  lead-in ("Hepatitis B reactivation: ..."), a paragraph with ``lead_in``;
* passages become paragraphs and list items; passages the reader marked as
  layout artefacts (a duplicated text box, a page number) are left out;
* tables become :class:`~ingest.document.Table` blocks with one provenance per
  cell (the cell's first to last printed line) and one per printed line of the
  cell where the reader kept them (``Cell.lines``); every reader's table has the
  same shape: a table the text reader recovered from flattened text is a grid
  too, whose cells span the columns the reader could establish (``Cell.options``,
  open ones ``uncertain``); a table's rows kept as "table-row" passages (for
  search) are not repeated as paragraphs, nor are the text passages a recovered
  table was rebuilt from (rows it could not place are kept as paragraphs);
* provenance: line span and character offsets into the reader's text
  (``Document.text``: the label text, or the serialised FHIR bundle) and,
  for FHIR, the element path (``Source.locator``).

Extractors read a label through this model, never through ``record.original``:
:func:`document` gives the label's model, :func:`body_lines` the printed lines
of the blocks of one section record (its running text, with offsets to quote
from) and :func:`passage_lines` those of one passage; quotes are taken from
``Document.text`` at a block's provenance.
"""
from __future__ import annotations

from . import document as dm
from .records import LabelRecord, Paragraph, RecoveredTable, Section, Source, Table
from .text_lines import Line


def source_of(key: str, prov: dm.Provenance, quote: str) -> Source:
    """The record's Source for a passage of the document model: section key, lines, characters,
    quote, locator and page (the page is what a PDF reader's provenance adds to the others)."""
    return Source(key, prov.line_start, prov.line_end, prov.char_start, prov.char_end, quote, prov.locator(),
                  page=prov.page)


def _prov(src: Source) -> dm.Provenance:
    return dm.Provenance(page=src.page, line_start=src.line_start, line_end=src.line_end,
                         char_start=src.char_start, char_end=src.char_end, path=src.locator)


def _span(first: Source, last: Source) -> dm.Provenance:
    return dm.Provenance(page=first.page, line_start=first.line_start, line_end=last.line_end,
                         char_start=first.char_start, char_end=last.char_end, path=first.locator)


def _heading_prov(src: Source, text: str) -> dm.Provenance:
    """A sub-heading's own line (its section record's source spans the whole sub-section)."""
    end = text.find("\n", src.char_start, src.char_end)
    return dm.Provenance(page=src.page, line_start=src.line_start, line_end=src.line_start,
                         char_start=src.char_start, char_end=src.char_end if end < 0 else end, path=src.locator)


def _table(t: Table, text: str) -> dm.Table:
    """One table of any reader: header and rows of cells, each with the provenance of its printed
    lines. A cell whose columns the reader established (``Table.readings``, a table recovered from
    flattened text) holds its term without glued markers, the markers, and the columns it may stand
    in: it spans them and repeats in every slot it covers (open between columns: ``uncertain``)."""
    cell_sources = t.cell_sources
    header_sources = t.header_sources
    header_names = list(t.header)

    def cell(value: str, sources: list[Source]) -> dm.Cell:
        sources = [s for s in sources if s is not None]
        prov = _span(sources[0], sources[-1]) if sources else _prov(t.source)
        return dm.Cell(value, prov, marked=value, lines=[dm.CellLine(s.quote, _prov(s)) for s in sources])

    header = [[cell(h, [header_sources[j]] if j < len(header_sources) else []) for j, h in enumerate(t.header)]]
    rows = []
    for i, row in enumerate(t.rows):
        out: list[dm.Cell] = []
        spanned: dict[int, dm.Cell] = {}  # id(reading) -> its cell, repeated in every slot it covers
        for j, v in enumerate(row):
            reading = t.readings.get((i, j))
            if reading is not None and id(reading) in spanned:
                out.append(spanned[id(reading)])
                continue
            c = cell(v, cell_sources[i][j] if i < len(cell_sources) and j < len(cell_sources[i]) else [])
            if reading is not None:
                c.text, c.markers = reading.term, list(reading.markers)
                c.col_span = reading.last - reading.first + 1
                if reading.row_markers:
                    c.row_notes = True
                else:
                    c.options = header_names[reading.first:reading.last + 1]
                    c.rule, c.confidence = reading.rule, reading.confidence
                spanned[id(reading)] = c
            out.append(c)
        rows.append(out)
    notes = [dm.Footnote(note, _prov(src), marker=marker) for marker, note, src in t.footnotes]
    return dm.Table(text[t.source.char_start:t.source.char_end] or t.source.quote, _prov(t.source), t.caption,
                    header if t.header else [], rows, notes)


def _passages(sec: Section, text: str, lead_in: str | None) -> list[dm.AnyBlock]:
    tables = [_table(t, text) for t in sec.tables]
    recovered = [(t.source.line_start, t.source.line_end) for t in sec.tables if isinstance(t, RecoveredTable)]
    blocks: list[dm.AnyBlock] = []
    for k, p in enumerate(sec.paragraphs):
        if p.artefact:
            continue
        s = p.source
        if p.kind == "table-row" and tables:
            continue
        if any(a <= s.line_start and s.line_end <= b for a, b in recovered):
            continue  # lines a recovered table was rebuilt from
        blocks.append(_block(p, lead_in if k == 0 else None))
    blocks.extend(tables)
    # rows a reader could not place in its table (an unknown organ class): kept as text
    blocks.extend(dm.Paragraph(src.quote, _prov(src)) for t in sec.tables for _, src in t.unread)
    blocks.sort(key=lambda b: b.prov.char_start)
    return blocks


def _block(p: Paragraph, lead_in: str | None) -> dm.AnyBlock:
    if p.kind == "list-item":
        return dm.ListItem(p.text, _prov(p.source))
    if p.kind == "heading":
        return dm.Heading(p.text, _prov(p.source))
    return dm.Paragraph(p.text, _prov(p.source), lead_in=lead_in)


def document_of(record: LabelRecord) -> dm.Document:
    """The document model of a label read as section records (text or FHIR reader)."""
    text = record.original
    out = dm.Document(record.source_path, record.reader, text)
    for sec in record.sections:
        if sec.is_subheading:
            continue
        ds = dm.DocSection(sec.number, sec.title, sec.level, sec.parent, _prov(sec.source))
        ds.blocks.extend(_passages(sec, text, None))
        for sub in record.children(sec.key):
            if not sub.is_subheading:
                continue
            first = next((p for p in sub.paragraphs if not p.artefact), None)
            run_in = first is not None and first.source.char_start == sub.source.char_start \
                and first.text.startswith(sub.title)
            if not run_in:
                ds.blocks.append(dm.Heading(sub.title, _heading_prov(sub.source, text), level=sub.level))
            ds.blocks.extend(_passages(sub, text, sub.title if run_in else None))
        out.sections.append(ds)
    return out


def document(record: LabelRecord) -> dm.Document:
    """The label's document model (made from its section records when the record was built without one)."""
    if record.document is None:
        record.document = document_of(record)
    return record.document


def body_lines(record: LabelRecord, sec: Section) -> list[Line]:
    """The printed lines of the document blocks in a section record's body (after its heading line,
    its sub-sections included), in order: the running text an extractor reads a section from.
    Lines no block holds (blank lines, page numbers, a duplicated text box) are not in it."""
    doc = document(record)
    ds = doc.section(sec.number)
    first, last = sec.source.line_start + 1, sec.source.line_end
    seen: dict[int, Line] = {}
    for b in ds.blocks if ds is not None else []:
        if b.prov.line_end < first or b.prov.line_start > last:
            continue
        for ln in doc.printed_lines(max(b.prov.line_start, first), min(b.prov.line_end, last)):
            seen[ln.number] = ln
    return [seen[n] for n in sorted(seen)]


def passage_lines(record: LabelRecord, src: Source) -> list[Line]:
    """The printed lines of one passage (a paragraph or list item), from its provenance."""
    return document(record).printed_lines(src.line_start, src.line_end)
