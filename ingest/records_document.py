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
  (``record.original``: the label text, or the serialised FHIR bundle) and,
  for FHIR, the element path (``Source.locator``).
"""
from __future__ import annotations

from . import document as dm
from .records import LabelRecord, Paragraph, RecoveredTable, Section, Source, Table


def _prov(src: Source) -> dm.Provenance:
    return dm.Provenance(page=src.page, line_start=src.line_start, line_end=src.line_end,
                         char_start=src.char_start, char_end=src.char_end, path=src.locator)


def _span(first: Source, last: Source) -> dm.Provenance:
    return dm.Provenance(page=first.page, line_start=first.line_start, line_end=last.line_end,
                         char_start=first.char_start, char_end=last.char_end, path=first.locator)


def _recovered_table(t: RecoveredTable, text: str) -> dm.Table:
    def cell(value: str, lines) -> dm.Cell:
        a, b = lines[0], lines[-1]
        return dm.Cell(value, dm.Provenance(line_start=a.number, line_end=b.number, char_start=a.start, char_end=b.end),
                       marked=value)

    header = [[dm.Cell(h, _prov(t.source)) for h in t.header]]
    rows = []
    for row in t.layout.rows:
        head = [cell(row.soc_printed, row.head_lines)] if row.head_lines else [dm.Cell("", _prov(t.source))]
        rows.append(head + [cell(c.printed, c.lines) for c in row.cells])
    return dm.Table(text[t.source.char_start:t.source.char_end], _prov(t.source), t.caption, header, rows)


def _table(t: Table, text: str) -> dm.Table:
    if isinstance(t, RecoveredTable) and t.layout is not None:
        return _recovered_table(t, text)
    cell_sources = getattr(t, "cell_sources", None) or []
    header_sources = getattr(t, "header_sources", None) or []

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
                ds.blocks.append(dm.Heading(sub.title, _prov(sub.source), level=sub.level))
            ds.blocks.extend(_passages(sub, text, sub.title if run_in else None))
        out.sections.append(ds)
    return out
