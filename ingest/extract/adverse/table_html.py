"""Section 4.8 tables (any reader's: FHIR ePI, PDF, text recovered) -> adverse reaction records.

The layouts read (docs/adverse-reactions.md lists them all):

* grid: organ-class rows x frequency columns ("", "Common", "Uncommon" ...);
  a cell may hold several terms, one per paragraph (line) of the cell, and a
  line may list several short terms separated by commas; a cell whose column
  the reader established (a recovered table) is one term, spanning the
  columns it may stand in: one entry, stated by the reader as settled
  (``inferred``) or open between them (``open``, never guessed);
* long: one row per term with an organ-class column, a frequency column and a
  term column (a blank organ-class cell repeats the one above).

Footnote markers are the superscripts the XHTML reader keeps in cells
("Lymphoma¹"); they are moved to ``footnotes``. Organ classes are mapped to
the official MedDRA names of ``ontology/data/meddra-soc.json``; frequencies to
the bands of ``adverse-frequency.json``. Nothing here knows a product.

This is the one table interpreter for 4.8, whichever reader made the table:
:func:`model_tables` gives the document model's 4.8 tables as the rows it reads
(:func:`table_of`: cell texts, one source per printed line, and what a reader
established about cells whose column rules were lost: the columns a cell spans,
settled or open); ``adverse_reactions_from_table(table, record)`` converts one
table. :func:`ingest.extract.adverse.reactions.adverse_set` builds the whole set.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ingest.extract.adverse.cells import (
    band_segments,
    cell_lines,
    clean,
    is_mark,
    join_wrapped,
    layouts,
    markers,
    split_terms,
)
from ingest.extract.adverse.data import Soc, heading_band, match_soc_exact, socs
from ingest.extract.adverse.data import fold_spelling as fold
from ingest.extract.adverse.incidence import population_age_group
from ingest.extract.adverse.records import AdverseReaction, Incidence
from ingest import document as dm
from ingest.ids import IdMaker
from ingest.records import CellReading, Issue, LabelRecord, Source, Table
from ingest.records_document import document, source_of

_SOC_WORDS = {"soc", "system", "organ", "class", "classes", "meddra", "body"}
_FREQ_WORDS = {"frequency", "frequencies", "incidence", "category"}
_STOP = {"and", "the", "of", "incl", "including", "disorders", "disorder"}
_markers = markers
_clean = clean


def match_soc(printed: str):
    """The MedDRA SOC for a printed organ class: exact/variant, prefix, then
    the class whose name holds most of the printed words (at least 60 %)."""
    s = match_soc_exact(printed)
    if s:
        return s
    words = set(fold(printed).split()) - _STOP
    if not words:
        return None
    scored = sorted(((len(words & (set(fold(x.name).split()) - _STOP)) / len(words), x.name, x) for x in socs()),
                    key=lambda t: (-t[0], t[1]))
    if scored[0][0] >= 0.6 and (len(scored) < 2 or scored[1][0] < scored[0][0]):
        return scored[0][2]
    return None


def _layout(table: Table) -> tuple[str, dict[int, str], int | None, int | None]:
    """(kind, {col: band}, soc_col, freq_col); kind is "grid" (frequency as
    column headings), "long" (a frequency column), "inline" (the frequency
    label inside the cells) or "none"."""
    header = table.header
    bands = {i: heading_band(_clean(h)) for i, h in enumerate(header) if heading_band(_clean(h))}
    if len(bands) >= 2:
        soc_col = next((i for i in range(len(header)) if i not in bands), None)
        return ("grid" if soc_col is not None else "none"), bands, soc_col, None
    words = [set(fold(h).split()) for h in header]
    soc_col = next((i for i, w in enumerate(words) if w & _SOC_WORDS), None)
    freq_col = next((i for i, w in enumerate(words) if w & _FREQ_WORDS and i != soc_col), None)
    if freq_col is None:  # a column whose cells are band names
        for j in range(len(header)):
            vals = [_clean(_markers(x)[0]) for r in table.rows if j < len(r) for x in r[j].split("\n") if x.strip()]
            if vals and sum(1 for v in vals if heading_band(v)) >= max(1, 2 * len(vals) // 3):
                freq_col = j
                break
    if soc_col is None:
        for j in range(len(header)):
            if j == freq_col:
                continue
            vals = [_markers(r[j])[0] for r in table.rows if j < len(r) and r[j].strip() and _spanning(r) is None]
            if vals and sum(1 for v in vals if match_soc(_clean(v))) >= max(1, len(vals) // 2):
                soc_col = j
                break
    pops = _population_columns(table, soc_col)
    if len(pops) >= 2:
        return "population", pops, soc_col, None
    if freq_col is not None:
        return "long", {}, soc_col, freq_col
    if soc_col is not None and any(band_segments(ln) for r in table.rows for c in r for ln in c.split("\n")):
        return "inline", {}, soc_col, None
    return "none", {}, soc_col, freq_col


def _population_columns(table: Table, soc_col: int | None) -> dict[int, str]:
    """Columns headed by a population ("Children 2-11 years") whose cells are
    frequency words: {col: population as printed}."""
    cue = {w.lower() for w in layouts()["population_words"]}
    out = {}
    for j, h in enumerate(table.header):
        if j == soc_col or not (set(re.findall(r"[a-z]+", h.lower())) & cue):
            continue
        vals = [_clean(_markers(r[j])[0]) for r in table.rows if j < len(r) and r[j].strip() and _spanning(r) is None]
        if vals and all(heading_band(v) for v in vals):
            out[j] = _clean(h)
    return out


def adverse_reactions_from_table(table: Table, record: LabelRecord, ids: IdMaker | None = None,
                                 soc_notes: set[str] | None = None) -> list[AdverseReaction]:
    """One AdverseReaction per term of the table (empty when the table is not
    a frequency table), whichever reader made it: the one table interpreter.
    Problems become ``record.issues``; ``soc_notes`` collects the footnote
    markers printed on organ-class cells."""
    return _convert(table, record, ids or IdMaker(), set() if soc_notes is None else soc_notes)


def table_of(t: dm.Table, key: str) -> Table:
    """The rows the interpreter reads, from a table of the document model (any reader's): header
    and cell texts (superscript markers kept), one source per printed line of a cell (its own
    provenance where the reader kept one, else the cell's), and what the reader established about
    cells whose column rules were lost (a cell spanning the columns it may stand in)."""
    def source(prov: dm.Provenance, quote: str) -> Source:
        return source_of(key, prov, quote)

    def sources(c: dm.Cell) -> list[Source]:
        if c.lines:
            return [source(ln.prov, ln.text) for ln in c.lines]
        return [source(c.prov, ln) for ln in [x for x in c.marked.split("\n") if x.strip()] or [""]]

    header = t.header[-1] if t.header else []
    out = Table(t.caption, [" ".join(c.marked.split()) for c in header], [[c.marked for c in row] for row in t.rows],
                source(t.prov, t.text), cell_sources=[[sources(c) for c in row] for row in t.rows],
                header_sources=[source(c.prov, c.text) for c in header])
    for i, row in enumerate(t.rows):
        read: dict[int, CellReading] = {}  # id(cell) -> its reading: a spanned cell repeats in every slot
        for j, c in enumerate(row):
            if not (c.options or c.row_notes):
                continue
            if id(c) not in read:
                read[id(c)] = CellReading(j, j + max(c.col_span, 1) - 1, c.text, list(c.markers), c.rule, c.confidence,
                                          row_markers=c.row_notes)
            out.readings[(i, j)] = read[id(c)]
    return out


def model_tables(record: LabelRecord) -> list[Table]:
    """Section 4.8's tables as the interpreter reads them: the document model's tables (whichever
    reader made them), each named by the section record (sub-heading) that holds it."""
    held = [t for s in record.sections if s.number == "4.8" for t in s.tables]
    ds = document(record).section("4.8")
    model = ds.tables() if ds is not None else []
    if len(model) != len(held):  # a model not made from these records: read the records' tables
        return held
    return [table_of(m, t.source.section) for m, t in zip(model, held)]


def _soc_text(text: str) -> tuple[str, list[str]]:
    printed, notes = _markers(text)
    return _clean(printed), notes


def _spanning(row: list[str]) -> str | None:
    """The text of a row printed across the table (an organ-class sub-heading)."""
    vals = {_clean(c) for c in row if _clean(c)}
    return next(iter(vals)) if len(vals) == 1 else None


def _merge_wrapped(rows: list[list[str]], r: int, soc_col: int, limit: int = 4) -> tuple[list[str], int] | None:
    """An organ-class name wrapped over several table rows ("Skin and" /
    "subcutaneous" / "tissue disorders"): the rows joined, and how many."""
    name = ""
    for k in range(r, min(len(rows), r + limit)):
        part = _soc_text(rows[k][soc_col])[0] if soc_col < len(rows[k]) else ""
        if not part:
            return None
        name = f"{name} {part}".strip()
        if k > r and match_soc_exact(name):
            width = max(len(x) for x in rows[r:k + 1])
            merged = []
            for c in range(width):
                lines = [ln for x in rows[r:k + 1] if c < len(x) for ln in x[c].split("\n") if ln.strip()]
                merged.append(name if c == soc_col else "\n".join(join_wrapped(lines)))
            return merged, k - r + 1
    return None


def _convert(table: Table, record: LabelRecord, ids: IdMaker, record_notes: set[str]) -> list[AdverseReaction]:
    kind, bands, soc_col, freq_col = _layout(table)
    if kind == "none":
        return []
    cell_sources = table.cell_sources
    header_sources = table.header_sources
    out: list[AdverseReaction] = []
    current: tuple[Soc, str] | None = None  # (soc, printed) of the row above, for blank organ-class cells

    def src(r: int, c: int, k: int, text: str) -> Source:
        try:
            s = cell_sources[r][c][k]
        except IndexError:
            s = table.source
        return replace(s, quote=s.quote or text)

    def add(r: int, c: int, k: int, line: str, freq: str, fsrc: Source | None = None) -> None:
        assert current is not None
        for term, notes in split_terms(line):
            out.append(AdverseReaction(
                id=ids(f"{current[0].abbrev}-{term}"), term=term, soc=current[0].name, frequency=freq,
                source=src(r, c, k, line), soc_as_printed=current[1], frequency_basis="stated",
                footnotes=list(notes), frequency_source=fsrc,
            ))

    def add_read(r: int, c: int, cell: CellReading) -> None:
        """A cell whose columns the reader established: its own term, settled or open."""
        assert current is not None
        options = [bands[j] for j in range(cell.first, cell.last + 1) if j in bands]
        conf = round(1.0 / len(options), 2) if not cell.settled or cell.confidence is None else cell.confidence
        s = replace(src(r, c, 0, cell.term), derivation="inferred", rule=cell.rule, confidence=conf)
        head = table.readings.get((r, soc_col)) if soc_col is not None else None
        row_notes = list(head.markers) if head is not None and head.row_markers else []
        out.append(AdverseReaction(
            ids(f"{current[0].abbrev}-{cell.term}"), cell.term, current[0].name, options[0] if cell.settled else None,
            s, soc_as_printed=current[1], frequency_basis="inferred" if cell.settled else "open",
            frequency_rule=cell.rule, confidence=conf, footnotes=row_notes + cell.markers, frequency_source=s,
            frequency_options=options, own_markers=list(cell.markers)))

    rows = [list(x) for x in table.rows]
    r = 0
    while r < len(rows):
        row = rows[r]
        step = 1
        span = _spanning(row)
        if span is not None and (soc_col is None or not _clean(row[soc_col]) or _clean(row[soc_col]) == span):
            printed, notes = _soc_text(span.rstrip(":"))
            soc = match_soc(printed)
            if soc is not None and (kind != "grid" or not any(is_mark(row[c]) for c in bands if c < len(row))):
                record_notes.update(notes)
                current = (soc, printed)
                r += 1
                continue
        printed, soc_notes = _soc_text(row[soc_col]) if soc_col is not None and soc_col < len(row) else ("", [])
        soc_reading = table.readings.get((r, soc_col)) if soc_col is not None else None
        if soc_reading is not None:  # the reader parted the organ class from its glued markers
            printed, soc_notes = soc_reading.term, list(soc_reading.markers)
        term_here = None  # X-mark layout: the term stands in the organ-class column
        if kind == "grid" and printed and any(is_mark(row[c]) for c in bands if c < len(row)):
            term_here, printed = row[soc_col], ""
        if printed:
            soc = match_soc_exact(printed.rstrip(":"))
            if soc is None:
                merged = _merge_wrapped(rows, r, soc_col)
                if merged is not None:
                    row, step = merged
                    printed = row[soc_col]
                    soc = match_soc_exact(printed)
                else:
                    soc = match_soc(printed.rstrip(":"))
            if soc is None:
                record.issues.append(Issue("warning", f"4.8 table row {r + 1}: organ class '{printed}' is not a "
                                           "MedDRA system organ class; row skipped", table.source.section,
                                           table.source.line_start, "adverse.unknown-soc"))
                _unresolved_row(record, table, r, row, f"organ class '{printed}' is not a MedDRA system organ class")
                current = None
                r += step
                continue
            record_notes.update(soc_notes)
            current = (soc, printed.rstrip(":"))
        if current is None:
            r += step
            continue
        if term_here is not None:
            for c in sorted(bands):
                if c < len(row) and is_mark(row[c]):
                    lines, _ = cell_lines(term_here)
                    add(r, soc_col, 0, " ".join(join_wrapped(lines)), bands[c], header_sources[c] if c < len(header_sources) else None)
        elif kind == "grid":
            for c in sorted(bands):
                reading = table.readings.get((r, c))
                if reading is not None:  # a cell spans the columns it may stand in: one entry, at its first
                    if c == reading.first:
                        add_read(r, c, reading)
                elif c < len(row):
                    for k, line in enumerate(cell_lines(row[c])[0]):
                        add(r, c, k, line, bands[c], header_sources[c] if c < len(header_sources) else None)
        elif kind == "population":  # one entry per population column, with that population
            term_cols = [c for c in range(len(row)) if c != soc_col and c not in bands]
            for c, pop in sorted(bands.items()):
                b = heading_band(_clean(_markers(row[c])[0])) if c < len(row) else None
                for tc in term_cols if b else []:
                    n = len(out)
                    for k, line in enumerate(cell_lines(row[tc])[0]):
                        add(r, tc, k, line, b, header_sources[c] if c < len(header_sources) else None)
                    for e in out[n:]:
                        e.incidences.append(Incidence("any grade", src(r, c, 0, row[c]), population=pop,
                                                      subject=e.term, entry_id=e.id,
                                                      age_group=population_age_group(pop)))
        elif kind == "long":
            _long_row(r, row, soc_col, freq_col, add, record, table)
        else:  # "inline": the frequency label printed inside the cell ("Common: a, b")
            for c in range(len(row)):
                if c == soc_col:
                    continue
                for k, line in enumerate(cell_lines(row[c])[0]):
                    for b, rest in band_segments(line):
                        add(r, c, k, rest, b)
        r += step
    return out


def _long_row(r, row, soc_col, freq_col, add, record, table) -> None:
    """One row with a frequency column: one band for the row, or one band per
    line paired with the term lines (frequency in a right-hand column)."""
    fcell = row[freq_col] if freq_col < len(row) else ""
    flines = [_clean(_markers(x)[0]) for x in fcell.split("\n") if x.strip()]
    fbands = [heading_band(x) for x in flines]
    whole = heading_band(_clean(_markers(" ".join(flines))[0]))
    term_cols = [c for c in range(len(row)) if c not in (soc_col, freq_col)]
    if len(flines) > 1 and all(fbands):
        for c in term_cols:
            lines = cell_lines(row[c])[0]
            if len(lines) == len(fbands):
                for k, (line, b) in enumerate(zip(lines, fbands)):
                    add(r, c, k, line, b)
            else:
                _unresolved_row(record, table, r, row, f"{len(lines)} term lines beside {len(fbands)} frequencies")
        return
    if whole is None:
        record.issues.append(Issue("warning", f"4.8 table row {r + 1}: frequency '{_clean(fcell)}' "
                                   "not understood; row skipped", table.source.section,
                                   table.source.line_start, "adverse.unknown-frequency"))
        _unresolved_row(record, table, r, row, f"frequency '{_clean(fcell)}' is not a frequency category")
        return
    for c in term_cols:
        if c < len(row):
            for k, line in enumerate(cell_lines(row[c])[0]):
                add(r, c, k, line, whole)


def _unresolved_row(record: LabelRecord, table: Table, r: int, row: list[str], reason: str) -> None:
    """A table row that cannot be read as entries: an unresolved item, never an entry.

    Its place is the row's first cell when the reader kept cell sources (line or
    page), else the table's, with the row number in the locator."""
    quote = " | ".join(_clean(c) for c in row if _clean(c))
    cells = table.cell_sources
    first = next((s for c in (cells[r] if r < len(cells) else []) for s in c if s is not None), None)
    base = first or table.source
    loc = base.locator if first else (f"{table.source.locator}/row[{r + 1}]" if table.source.locator else f"row {r + 1}")
    record.add_unresolved("adverse-row", quote, reason + "; row not read as entries",
                          replace(base, quote=quote, locator=loc, derivation="stated", rule=None, confidence=None))
