"""Section 4.8 adverse reactions as data: ``extract(record)`` fills
``record.adverse_reactions`` with an :class:`AdverseReactionSet`.

The extractor never sees the reader type, only what the sections and the document
model hold (:func:`adverse_set`):

* every 4.8 table of the document model, whichever reader made it, read by the one table
  interpreter (:mod:`ingest.extract.adverse.table_html`): the PDF and FHIR readers hand over
  the columns as printed; the text reader (:mod:`ingest.readers.text.tables`) recovers a table
  flattened into text and hands over the same grid, each cell spanning the frequency columns
  it may stand in, settled or open between columns (an open cell is settled by the label's
  curation file, :mod:`ingest.extract.adverse.curation`, or stays an unresolved item);
* lists under organ-class sub-headings and sentences stating a frequency
  (:mod:`ingest.extract.adverse.pdf_inline`);
* nothing of these and no table: inline frequency lists (:mod:`ingest.extract.adverse.inline`).

Whatever the path, the same last steps follow: the label's curation file, found
by the content hash of the document's text (:mod:`ingest.extract.adverse.curation`),
settles or corrects entries; an entry whose frequency stays open becomes an
unresolved item with its candidate bands (never a guess); footnotes,
incidences and links to the selected-reaction subsections are attached by
:mod:`ingest.extract.adverse.links`.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ingest.extract.adverse import curation as adverse_curation
from ingest.extract.adverse import inline as adverse_inline
from ingest.extract.adverse import links as adverse_links
from ingest.extract.adverse.cells import footnote_of_line, markers
from ingest.extract.adverse.data import band, bands, heading_band
from ingest.extract.adverse.footnotes import check_markers, interpret
from ingest.extract.adverse.incidence import summary_incidences
from ingest.extract.adverse.records import AdverseReaction, AdverseReactionSet, Footnote, FrequencyBand
from ingest.extract.adverse.pdf_inline import inline_entries, prose_entries
from ingest.extract.adverse.table_html import adverse_reactions_from_table, model_tables
from ingest.ids import IdMaker
from ingest.records import Issue, LabelRecord, Section, Source, Table

_SUMMARY_SECTION = re.compile(r"summary", re.I)
_FRACTION = re.compile(r"([<>≥≤]=?)\s*1\s*/\s*([\d,. ]+\d)")
_LEGEND_ITEM = re.compile(r"\b(very common|common|uncommon|very rare|rare|not known)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)", re.I)
_MARKER_PARA = re.compile(r"^([a-z]|\d{1,2}|\*{1,3}|[†‡§])\s+(?=\S)")


def extract(record: LabelRecord) -> None:
    """Fill ``record.adverse_reactions``; problems become warnings, never exceptions."""
    sec = record.section("4.8")
    if sec is None:
        return
    subs = record.children("4.8")
    ars = adverse_set(record)
    if ars is None and not any(s.tables for s in [sec, *subs]):
        ars = _inline(sec, subs, record)
    if ars is None:
        record.issues.append(Issue("warning", "section 4.8 has no adverse reaction table or frequency list",
                                   sec.key, sec.source.line_start, "adverse.no-table"))
        return
    _settle_open(record, ars)
    record.adverse_reactions = ars
    adverse_links.attach(record, ars, subs)


def adverse_set(record: LabelRecord) -> AdverseReactionSet | None:
    """Section 4.8's tables, whichever reader made them, read by the one table interpreter, with
    the lists under organ-class sub-headings and the sentences stating a frequency; None when 4.8
    has none of these. What differs between tables is data the reader handed over: cells whose
    column rules were recovered (settled or open), rows it could not place, footnotes and legends
    printed with the table."""
    held = [t for s in record.sections if s.number == "4.8" for t in s.tables]
    tables = model_tables(record)
    recovered = any(t.readings for t in tables)  # the reader recovered the columns of its cells
    for t in held:  # rows the reader could not place: unresolved, no entries
        for reason, src in t.unread:
            record.add_unresolved("adverse-row", src.quote, reason, src)
    ids = IdMaker()
    entries: list[AdverseReaction] = []
    soc_notes: set[str] = set()  # markers printed on organ-class cells
    read: list[tuple[Table, Table]] = []  # the tables read as frequency tables: their footnotes are the set's
    for t, h in zip(tables, held):
        got = adverse_reactions_from_table(t, record, ids, soc_notes)
        entries.extend(got)
        if got or t.readings:
            read.append((t, h))
    entries.extend(inline_entries(record, ids))  # lists under organ-class sub-headings
    entries.extend(prose_entries(record, ids, entries))  # sentences stating a band or an incidence
    if not entries and not recovered:
        return None
    own = {id(t): _own_notes(t, h) for t, h in read}  # the notes printed with each table
    notes: list[Footnote] = []
    for t, _ in read:
        notes += [n for n in own[id(t)] if not any((n.marker, n.text) == (x.marker, x.text) for x in notes)]
    used = {m for e in entries for m in e.footnotes} | soc_notes
    notes += paragraph_footnotes(record, used - {n.marker for n in notes})
    out = AdverseReactionSet(entries=entries, footnotes=notes, style="flattened-table" if recovered else "html-table")
    out.bands = _table_bands(tables, held) or legend_bands(record) or [
        FrequencyBand(b.name, None, b.low, b.high, b.legend) for b in bands()]
    for t, _ in read:  # the markers printed in each table's cells, against the notes: its own, and the set's
        marks = _used_markers(t)
        mine = {n.marker for n in own[id(t)]}
        check_markers(marks, [n for n in notes if n.marker in mine or n.marker in marks], t.source.section,
                      record.issues)
    # the summary's incidences ("headache (3%), diarrhoea (2%) ..."), whichever reader made the table
    # (a recovered table's columns were settled from them)
    summary_sec = next((s for s in record.children("4.8") if _SUMMARY_SECTION.search(s.title)), None)
    if summary_sec is not None:
        out.incidences, out.summary_population, out.summary_n, _ = summary_incidences(summary_sec)
    return out


def _table_bands(tables: list[Table], held: list[Table]) -> list[FrequencyBand]:
    """The frequency columns of a table that prints their legends (or whose columns were recovered)."""
    for t, h in zip(tables, held):
        if not (h.legends or t.readings):
            continue
        out = []
        for name in (b for b in (heading_band(x) for x in t.header) if b):
            leg = h.legends.get(name)
            if leg:
                printed, src = leg
                low, high = _legend_range(name, printed)
                out.append(FrequencyBand(name, src, low, high, printed))
            else:
                out.append(FrequencyBand(name, None, band(name).low, band(name).high, band(name).legend))
        return out
    return []


def _settle_open(record: LabelRecord, ars: AdverseReactionSet) -> None:
    """The curation file reviewed for this text settles entries; what stays open is an unresolved item."""
    adverse_curation.apply(record, ars)
    for e in ars.entries:
        if e.is_open:
            record.add_unresolved(
                "adverse-frequency", e.source.quote,
                f"the text leaves the frequency of '{e.term}' ({e.soc}) open between columns"
                + (f" ({e.frequency_rule})" if e.frequency_rule else "") + "; a curation file can settle it",
                e.source, candidates=e.frequency_options, fact_id=e.id)


def _inline(sec: Section, subs: list[Section], record: LabelRecord) -> AdverseReactionSet | None:
    """4.8 printed as inline frequency lists under organ classes; None when there are none."""
    inline = adverse_inline.parse_inline(record, [sec, *subs])
    if inline is None:
        return None
    summary_sec = next((s for s in subs if _SUMMARY_SECTION.search(s.title)), None)
    if summary_sec is not None:
        inline.incidences, inline.summary_population, inline.summary_n, _ = summary_incidences(summary_sec)
    return inline


def _own_notes(table: Table, held: Table) -> list[Footnote]:
    """The footnotes printed with a table: under it (as its reader handed them over), then those
    printed as a line of a cell ("*particularly in patients ..."), each once."""
    notes = [interpret(Footnote(marker, text, src)) for marker, text, src in held.footnotes]
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row):
            lines = [ln for ln in cell.split("\n") if ln.strip()]
            for k, ln in enumerate(lines):
                note = footnote_of_line(ln)
                if note is not None and not any((n.marker, n.text) == note for n in notes):
                    src = _cell_source(table, r, c, k)
                    notes.append(interpret(Footnote(*note, replace(src, quote=ln) if src else table.source)))
    return notes


def _cell_source(table: Table, r: int, c: int, k: int) -> Source | None:
    srcs = table.cell_sources[r][c] if r < len(table.cell_sources) and c < len(table.cell_sources[r]) else []
    return srcs[k] if k < len(srcs) else (srcs[0] if srcs else None)


def _used_markers(table: Table) -> dict[str, int | None]:
    """Marker -> the line it is first printed on, over the table's cells: the markers the reader
    parted from a cell's term where it established the cell, else those printed on each line of
    the cell that is not itself a footnote."""
    used: dict[str, int | None] = {}
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row):
            reading = table.readings.get((r, c))
            if reading is not None:
                src = _cell_source(table, r, c, 0)
                for m in reading.markers:
                    used.setdefault(m, src.line_start if src else None)
                continue
            lines = [ln for ln in cell.split("\n") if ln.strip()]
            for k, ln in enumerate(lines):
                if footnote_of_line(ln) is not None:
                    continue
                src = _cell_source(table, r, c, k)
                for m in markers(ln)[1]:
                    used.setdefault(m, src.line_start if src else None)
    return used


def legend_bands(record: LabelRecord) -> list[FrequencyBand]:
    """The frequency legend as printed in 4.8 ("Very common (≥ 1/10); ...")."""
    sec = record.section("4.8")
    if sec is None:
        return []
    for p in sec.paragraphs:
        items = _LEGEND_ITEM.findall(p.text)
        if len(items) < 3:
            continue
        out = []
        for name, inside in items:
            lo, hi = _legend_range(name.lower(), inside)
            out.append(FrequencyBand(name.lower(), p.source, lo, hi, f"({inside})"))
        return out
    return []


def paragraph_footnotes(record: LabelRecord, markers: set[str]) -> list[Footnote]:
    """The footnotes printed as paragraphs of 4.8 ("a Events may ...") for the given markers."""
    notes = []
    for s in record.sections:
        if s.number != "4.8":
            continue
        for p in s.paragraphs:
            m = _MARKER_PARA.match(p.text)
            if m and m.group(1) in markers:
                notes.append(Footnote(m.group(1), p.text[m.end() :].strip(), p.source))
    return notes


def _legend_range(name: str, legend: str) -> tuple[float | None, float | None]:
    """The interval a band's printed legend states ("≥ 1/1,000 to < 1/100"), wherever it is printed
    (under a table heading or in a legend sentence); none for "not known"."""
    lo = hi = None
    for op, den in _FRACTION.findall(legend):
        val = 1 / float(den.replace(",", "").replace(" ", ""))
        if op.startswith((">", "≥")):
            lo = val
        else:
            hi = val
    return (None, None) if name == "not known" else (lo, hi)
