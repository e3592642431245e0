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
  cell (the cell's first to last printed line); a table's rows kept as
  "table-row" passages (for search) are not repeated as paragraphs, nor are the
  text passages a recovered table was rebuilt from;
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


def _recovered_table(t: RecoveredTable, text: str) -> dm.Table:
    def cell(value: str, lines) -> dm.Cell:
        a, b = lines[0], lines[-1]
        return dm.Cell(value, dm.Provenance(line_start=a.number, line_end=b.number, char_start=a.start, char_end=b.end),
                       marked=value)

    header = [[dm.Cell(h, _prov(t.source)) for h in t.header]]
    columns = t.layout.columns
    rows = []
    for row in t.layout.rows:
        head = [cell(row.soc_printed, row.head_lines)] if row.head_lines else [dm.Cell("", _prov(t.source))]
        cells = []
        for c in row.cells:
            out = cell(c.printed, c.lines)
            if c.state is not None:  # the term without its glued markers, and the columns it may stand in
                out.text, out.markers = c.term, list(c.markers)
                out.options = columns[c.state.lo:c.state.hi + 1]
            cells.append(out)
        rows.append(head + cells)
    notes = [dm.Footnote(note, _prov(src), marker=marker) for marker, note, src in t.footnotes]
    return dm.Table(text[t.source.char_start:t.source.char_end], _prov(t.source), t.caption, header, rows, notes)


def _table(t: Table, text: str) -> dm.Table:
    if isinstance(t, RecoveredTable) and t.layout is not None:
        return _recovered_table(t, text)
    cell_sources = t.cell_sources
    header_sources = t.header_sources

    def cell(value: str, sources: list[Source]) -> dm.Cell:
        sources = [s for s in sources if s is not None]
        prov = _span(sources[0], sources[-1]) if sources else _prov(t.source)
        return dm.Cell(value, prov, marked=value)

    header = [[cell(h, [header_sources[j]] if j < len(header_sources) else []) for j, h in enumerate(t.header)]]
    rows = [[cell(v, cell_sources[i][j] if i < len(cell_sources) and j < len(cell_sources[i]) else [])
             for j, v in enumerate(row)] for i, row in enumerate(t.rows)]
    return dm.Table(text[t.source.char_start:t.source.char_end] or t.source.quote, _prov(t.source), t.caption,
                    header if t.header else [], rows)


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
