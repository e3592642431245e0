"""Document model -> the section records the extractors read (:mod:`ingest.records`).

The PDF reader hands over real tables, the way the FHIR reader does: each
:class:`~ingest.document.Table` becomes an :class:`ingest.readers.fhir.xhtml.HtmlTable`
(header, rows of cell text with one line per cell paragraph, one Source per
cell line; superscript footnote markers written as Unicode superscripts; the
footnotes printed under it or inside its frame as ``footnotes``, as the text reader
hands over its recovered table's), and its rows are also kept as "table-row"
paragraphs for search.

Sub-headings become sub-sections ``"4.4/<slug>"`` (level + 1, parent = the
numbered section), as in the text and FHIR readers; an emphasised lead-in
("Hepatitis B reactivation:") opens one too, its paragraph staying whole.
Every Source points into the rendered document text (``record.original``)
and names its page and bounding box as ``locator``.
"""
from __future__ import annotations

from dataclasses import replace

from ingest import document as dm
from ingest.ids import slugify
from ingest.readers.fhir.xhtml import HtmlTable
from ingest.readers.text.reader import finish_text
from ingest.records import LabelRecord, Paragraph, Section, Source
from ingest.records_document import source_of


def _table(t: dm.Table, key: str, text: str) -> HtmlTable:
    def cell_sources(c: dm.Cell) -> list[Source]:
        lines = [ln for ln in c.marked.split("\n") if ln.strip()] or [""]
        return [source_of(key, c.prov, ln) for ln in lines]

    header = [" ".join(c.marked.split()) for c in t.header[-1]] if t.header else []
    return HtmlTable(
        t.caption, header, [[c.marked for c in row] for row in t.rows], source_of(key, t.prov, t.text),
        cell_sources=[[cell_sources(c) for c in row] for row in t.rows],
        header_sources=[source_of(key, c.prov, c.text) for c in t.header[-1]] if t.header else [],
        footnotes=[(n.marker, n.text, source_of(key, n.prov, _note_quote(n, text))) for n in t.footnotes],
    )


def _note_quote(note: dm.Footnote, text: str) -> str:
    """A footnote as printed: its own passage of the document text (a note printed under the table),
    else marker and text (notes printed inside the table's frame share the cell's place)."""
    own = text[note.prov.char_start:note.prov.char_end]
    return own if own.startswith(note.marker) else f"{note.marker} {note.text}"


def to_record(doc: dm.Document) -> LabelRecord:
    sections: list[Section] = []
    text = doc.text
    for ds in doc.sections:
        src = source_of(ds.number, ds.prov, ds.title)
        sec = Section(ds.number, ds.number, ds.title, ds.level, ds.parent, "", "", src)
        sections.append(sec)
        current = sec
        subs: list[Section] = []
        for b in ds.blocks:
            if isinstance(b, dm.Heading) or (isinstance(b, dm.Paragraph) and b.lead_in):
                title = b.text if isinstance(b, dm.Heading) else b.lead_in
                key = f"{ds.number}/{slugify(title)}"
                while any(s.key == key for s in sections + subs):
                    key += "-2"
                current = Section(key, ds.number, title, ds.level + 1, ds.number, "", "", source_of(key, b.prov, title))
                subs.append(current)
                if isinstance(b, dm.Heading):
                    continue
            if isinstance(b, dm.Table):
                current.tables.append(_table(b, current.key, text))
                for row in b.header + b.rows:
                    seen: list[dm.Cell] = []
                    for c in row:
                        if not any(c is s for s in seen):
                            seen.append(c)
                    quote = " | ".join(c.text.replace("\n", "; ") for c in seen)
                    if quote.strip(" |;"):
                        prov = replace(seen[0].prov, char_end=seen[-1].prov.char_end)
                        current.paragraphs.append(Paragraph(quote, source_of(current.key, prov, quote), "table-row"))
                for note in b.footnotes:  # footnotes printed inside the table's frame
                    if not any(note is x for x in ds.blocks):
                        body = f"{note.marker} {note.text}"
                        current.paragraphs.append(Paragraph(body, source_of(current.key, note.prov, body), "paragraph"))
                continue
            kind = "list-item" if isinstance(b, dm.ListItem) else "paragraph"
            body = f"{b.marker} {b.text}".strip() if isinstance(b, dm.Footnote) else b.text
            current.paragraphs.append(Paragraph(body, source_of(current.key, b.prov, text[b.prov.char_start:b.prov.char_end]),
                                                kind))
        sections.extend(subs)
    _spans(sections, text)
    finish_text(sections)
    return LabelRecord(label_id="", version="", source_path=doc.source_path, reader="pdf", original=text,
                       sections=sections)


def _spans(sections: list[Section], text: str) -> None:
    """A section's source spans its heading to its last passage (and its children's)."""
    by_key = {s.key: s for s in sections}
    for s in sorted(sections, key=lambda s: -s.level):
        ends = [p.source for p in s.paragraphs] + [t.source for t in s.tables]
        ends += [by_key[c.key].source for c in sections if c.parent == s.key]
        last = max(ends, key=lambda x: x.char_end, default=s.source)
        if last.char_end > s.source.char_end:
            s.source = Source(s.key, s.source.line_start, last.line_end, s.source.char_start, last.char_end,
                              s.title, s.source.locator, page=s.source.page)
        s.raw = text[s.source.char_start:s.source.char_end]
