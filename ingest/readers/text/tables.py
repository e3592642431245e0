"""The text reader's table recovery: a section 4.8 table that PDF extraction flattened into lines.

The frequency columns are gone, cells wrap over several lines, the header repeats after a page
break and footnote markers are glued to words. This module recovers the *structure* and the
*layout evidence* the extraction left: which organ class a cell belongs to, in which order cells
were printed, which cells share a printed line (and how many spaces lie between them), leading
spaces, and whitespace-only lines inside a row. :func:`recover_tables` hands the result over as a
:class:`~ingest.records.RecoveredTable` on the section holding the table: extractors never re-split.

Recovering the lost columns is part of the reader's job too: each cell's term (footnote markers
glued to it removed, with the label's vocabulary) and the interval of frequency columns it may
stand in are settled here from the layout evidence and the incidences the 4.8 summary states (the
rules are :mod:`ingest.extract.adverse.infer`'s). A cell the evidence cannot settle stays open
between columns, as data (``Cell.state``: lowest and highest column, the rules used, notes); the
extractor never infers a column.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.extract.adverse.data import MARKER, Soc, default_columns, heading_band, soc_name_printed, soc_prefix, term_key
from ingest.extract.adverse.footnotes import strip_markers
from ingest.extract.adverse.incidence import summary_incidences
from ingest.extract.adverse.infer import CellState, cell_evidence, confidence, settle_row
from ingest.records import CellReading, Issue, LabelRecord, RecoveredTable, Section, Source
from ingest.text_lines import Line, join_lines, vocabulary_of

_LEGEND = re.compile(r"\(([^)]*)\)")
_HEADER_WORDS = {"meddra", "system", "organ", "class", "classes", "soc", "frequency", "category", "categories",
                 "adverse", "reaction", "reactions", "and", "by"}
FOOTNOTE_LINE = re.compile(rf"^\s*({MARKER})\s+(?=[A-Z\u201c\"])")
_FOOTNOTE_START = re.compile(rf"^\s*({MARKER})\s+(\S.*)$")  # a footnote line as printed: marker, text
_SPLIT = re.compile(r"(\s+)(?=[A-Z][a-z])")
_TABLE_SECTION = re.compile(r"tabul|list of adverse", re.I)
_SUMMARY_SECTION = re.compile(r"summary", re.I)
_UNKNOWN_SOC = re.compile(r"^([A-Z][\w,\- ]{0,80}?\b(?:disorders|conditions|complications|infestations))(?P<m>[a-z]|\d{1,2})?\b")


@dataclass
class Cell:
    """One entry as printed: possibly wrapped over several lines."""

    printed: str
    lines: list[Line]
    first_on_line: bool  # begins its printed line (no cell or class name before it)
    gap: int  # spaces before it on its line (leading spaces when first on line)
    after_head: bool  # printed on the same line as the organ class name
    blank_before: bool  # a whitespace-only line separates it from the previous cell of its row
    term: str = ""  # the printed entry without the footnote markers glued to it
    markers: list[str] = field(default_factory=list)  # those markers, as printed
    state: CellState | None = None  # the frequency columns it may stand in (settled: one)
    source: Source | None = None  # its printed lines (line span, offsets, the lines as printed)


@dataclass
class Row:
    soc: Soc | None
    soc_printed: str
    soc_markers: list[str]
    head_lines: list[Line]
    cells: list[Cell] = field(default_factory=list)
    head_line: int | None = None  # the line the organ class name starts on
    source: Source | None = None  # every printed line of the row, organ class and cells


@dataclass
class FlatTable:
    columns: list[str]  # frequency band names, left to right
    legends: dict[str, tuple[str, Line]]
    rows: list[Row]
    header_lines: list[Line]
    end: int  # index (into the given lines) of the first line after the table
    legend_sources: dict[str, tuple[str, Source]] = field(default_factory=dict)  # band -> (legend, its line)


def _prose(ln: Line) -> bool:
    return len(ln.text) > 90 and ln.text.count(" ") > 10


def _is_header_start(text: str) -> bool:
    t = text.lower()
    return "organ class" in t or t.startswith("meddra") or t.startswith("system organ")


def _parse_header_line(text: str) -> tuple[list[str], list[str], list[str]]:
    """-> (band names, legends, unknown words) found on one header line."""
    names: list[str] = []
    legends = [m.group(1).strip() for m in _LEGEND.finditer(text)]
    rest = _LEGEND.sub(" | ", text)
    unknown: list[str] = []
    for chunk in rest.split("|"):
        words = chunk.split()
        i = 0
        while i < len(words):
            for n in (3, 2, 1):
                cand = " ".join(words[i:i + n])
                b = heading_band(cand) if len(words[i:i + n]) == n else None
                if b:
                    names.append(b)
                    i += n
                    break
            else:
                w = re.sub(r"\W", "", words[i].lower())
                if w and w not in _HEADER_WORDS:
                    unknown.append(words[i])
                i += 1
    return names, legends, unknown


def parse_flat_table(lines: list[Line], section: str, double_spaced: bool, issues: list[Issue]) -> FlatTable | None:
    """Parse the first flattened table in ``lines`` (the lines of one section)."""
    content = [ln for ln in lines if ln.artefact is None and (ln.raw != "" or not double_spaced)]
    start = next((i for i, ln in enumerate(content) if ln.text and _is_header_start(ln.text)), None)
    if start is None:
        return None
    table = FlatTable([], {}, [], [], len(content))
    i = _read_header(content, start, table, section, issues, first=True)
    row: Row | None = None
    pending_blank = False
    while i < len(content):
        ln = content[i]
        blank = (ln.raw != "" and not ln.raw.strip()) if double_spaced else not ln.raw.strip()
        if blank:
            pending_blank = row is not None and bool(row.cells)
            i += 1
            continue
        if not ln.text:
            i += 1
            continue
        if _is_header_start(ln.text):
            i = _read_header(content, i, table, section, issues, first=False)
            continue
        if FOOTNOTE_LINE.match(ln.raw) or _prose(ln):
            break
        head = _row_head(content, i)
        if head is not None:
            soc, printed, markers, used, rest, gap = head
            row = Row(soc, printed, markers, content[i:i + used])
            table.rows.append(row)
            if soc is None:
                issues.append(Issue("warning", f"unknown system organ class '{printed}' in the adverse reaction table",
                                    section, ln.number, "adverse.unknown-soc"))
            last = content[i + used - 1]
            if rest.strip():
                _add_cells(row, rest, last, gap, after_head=True, blank=False)
            pending_blank = False
            i += used
            continue
        if row is None:
            issues.append(Issue("warning", f"table text before any organ class: '{ln.text}'", section, ln.number,
                                "adverse.cell-without-soc"))
            row = Row(None, "", [], [])
            table.rows.append(row)
        lead = len(ln.raw) - len(ln.raw.lstrip(" \t"))
        _add_cells(row, ln.raw.strip(), ln, lead, after_head=False, blank=pending_blank)
        pending_blank = False
        i += 1
    table.end = i
    return table


def _read_header(content: list[Line], i: int, table: FlatTable, section: str, issues: list[Issue], first: bool) -> int:
    cols: list[str] = []
    legends: dict[str, tuple[str, Line]] = {}
    while i < len(content):
        ln = content[i]
        if not ln.text:
            i += 1
            continue
        if cols and _row_head(content, i) is not None:
            break
        names, legs, unknown = _parse_header_line(ln.text)
        if unknown and not names and not legs and cols:
            # Not a header line after all: a heading we do not know.
            issues.append(Issue("warning", f"unknown frequency heading '{ln.text}' in the adverse reaction table",
                                section, ln.number, "adverse.unknown-frequency-heading"))
            cols.append("not known")
            i += 1
            continue
        if unknown and (names or cols):
            issues.append(Issue("warning", f"unrecognised words in the table header: '{' '.join(unknown)}'",
                                section, ln.number, "adverse.unknown-frequency-heading"))
        cols.extend(names)
        for leg in legs:
            if cols:
                legends[cols[-1]] = (leg, ln)
        table.header_lines.append(ln)
        i += 1
    if first:
        table.columns = cols
        table.legends = legends
    elif cols and cols != table.columns:
        issues.append(Issue("warning", f"repeated table header has different columns ({', '.join(cols)})",
                            section, content[i - 1].number if i else None, "adverse.header-mismatch"))
    return i


def _row_head(content: list[Line], i: int):
    """Organ class name starting at content[i], possibly wrapped over up to 4 lines.

    Returns (soc | None, printed, markers, lines used, rest of last line, spaces before rest).
    """
    texts: list[str] = []
    j = i
    while j < len(content) and len(texts) < 4:
        if not content[j].text:
            break
        texts.append(content[j].raw.strip())
        j += 1
        joined_prev = " ".join(texts[:-1])
        joined = " ".join(texts)
        hit = soc_prefix(joined)
        if hit and len(hit[1]) > len(joined_prev):
            soc, printed, markers = hit
            offset = len(printed) - (len(joined_prev) + 1 if joined_prev else 0)
            last = texts[-1]
            rest = last[offset:]
            gap = len(rest) - len(rest.lstrip(" "))
            return soc, printed, markers, j - i, rest.strip(), gap
    m = _UNKNOWN_SOC.match(content[i].raw.strip()) if content[i].text else None
    if m:
        printed = m.group(0)
        rest = content[i].raw.strip()[len(printed):]
        markers = [m.group("m")] if m.group("m") else []
        return None, printed, markers, 1, rest.strip(), len(rest) - len(rest.lstrip(" "))
    return None


def _add_cells(row: Row, text: str, ln: Line, gap: int, after_head: bool, blank: bool) -> None:
    parts = _SPLIT.split(text)
    segs: list[tuple[str, int]] = [(parts[0], gap)]
    for k in range(1, len(parts), 2):
        segs.append((parts[k + 1], len(parts[k])))
    for n, (seg, sp) in enumerate(segs):
        seg = seg.strip()
        if not seg:
            continue
        first = n == 0 and not after_head
        prev = row.cells[-1] if row.cells else None
        if n == 0 and not after_head and prev is not None and _continues(prev.printed, seg):
            prev.printed = _join(prev.printed, seg)
            prev.lines.append(ln)
            continue
        row.cells.append(Cell(seg, [ln], first, sp, after_head, blank and n == 0))


def _continues(prev: str, seg: str) -> bool:
    if seg[:1].islower() or seg[:1] in "(-/&":
        return not re.search(r"\d$", prev)
    return prev.endswith(("-", "/", ",", " and", " of", " with"))


def _join(prev: str, seg: str) -> str:
    if prev.endswith("-") and seg[:1].islower():
        return prev + seg
    return prev + " " + seg


def recover_tables(record: LabelRecord, lines: list[Line], double_spaced: bool) -> None:
    """Attach section 4.8's flattened table (if any) to the (sub-)section that prints it."""
    sec = record.section("4.8")
    if sec is None:
        return
    table_sec = next((s for s in record.children("4.8") if _TABLE_SECTION.search(s.title)), sec)
    span = lines[table_sec.source.line_start - 1: table_sec.source.line_end]
    flat = parse_flat_table(span, table_sec.key, double_spaced, record.issues)
    if flat is None or not flat.rows:
        return
    used = {ln.number for row in flat.rows for c in row.cells for ln in c.lines}
    used |= {ln.number for row in flat.rows for ln in row.head_lines}
    # the header: from the last line that opens it before the first row (not a sentence before it
    # that names "organ class" or "frequency")
    first_row = min(used)
    header = [ln for ln in flat.header_lines if ln.number < first_row]
    after = max((k for k, ln in enumerate(header) if _prose(ln)), default=-1)
    start = next((k for k, ln in enumerate(header) if k > after and _is_header_start(ln.text)), len(header))
    header = header[start:]
    printed = sorted(used | {ln.number for ln in header})
    first, last = lines[printed[0] - 1], lines[printed[-1] - 1]
    source = Source(table_sec.key, first.number, last.number, first.start, last.end,
                    record.original[first.start:last.end])
    content = [ln for ln in span if ln.artefact is None and (ln.raw != "" or not double_spaced)]
    vocab = vocabulary_of([ln for ln in lines if ln.number not in used])
    summary = next((s for s in record.children("4.8") if _SUMMARY_SECTION.search(s.title)), None)
    settle_columns(flat, vocab, summary, table_sec.key, record.issues)
    _sources(flat, table_sec.key)
    table = RecoveredTable(None, [], [], source, layout=flat,
                           footnotes=table_footnotes(content[flat.end:], table_sec.key, vocab))
    _grid(flat, table)
    table_sec.tables.append(table)


def _grid(flat: FlatTable, table: RecoveredTable) -> None:
    """The recovered table in the shape every reader hands over (header, rows of cells with their
    sources): each printed cell gets a row of its own (the organ class repeated), in printed order,
    and stands in every column it may stand in, with a :class:`~ingest.records.CellReading`. Rows
    whose organ class does not resolve are handed over as unread rows."""
    columns = flat.columns or default_columns()
    table.header = ["System organ class", *columns]
    table.legends = dict(flat.legend_sources)
    table.header_sources = [table.source] + [
        flat.legend_sources[c][1] if c in flat.legend_sources else table.source for c in columns]
    for row in flat.rows:
        if row.soc is None:
            if row.source is not None:
                printed = " ".join(row.soc_printed.split())
                reason = (f"organ class '{printed}' is not a MedDRA system organ class" if printed
                          else "table text before any organ class") + f"; {len(row.cells)} cell(s) not read as entries"
                table.unread.append((reason, row.source))
            continue
        name = soc_name_printed(row.soc_printed)
        head = _line_source(table.source.section, row.head_lines)
        head_reading = CellReading(0, 0, name, list(row.soc_markers), row_markers=True)
        cells: list[Cell | None] = list(row.cells) or [None]  # a row with no cell still names its class
        for cell in cells:
            r = len(table.rows)
            slots, sources = [name], [[head]]
            table.readings[(r, 0)] = head_reading
            if cell is None:
                slots += [""] * len(columns)
                sources += [[] for _ in columns]
            else:
                st = cell.state or CellState(0, len(columns) - 1)  # no evidence: every column open
                rule = "; ".join(st.notes + sorted(st.rules - {"summary-incidence"})) or None
                reading = CellReading(st.lo + 1, st.hi + 1, cell.term, list(cell.markers), rule,
                                      confidence(st.rules) if st.settled else None)
                for j in range(1, len(columns) + 1):
                    inside = reading.first <= j <= reading.last
                    slots.append(cell.printed if inside else "")
                    sources.append([cell.source] if inside and cell.source is not None else [])
                    if inside:
                        table.readings[(r, j)] = reading
            table.rows.append(slots)
            table.cell_sources.append(sources)


def _line_source(key: str, lines: list[Line]) -> Source:
    first, last = lines[0], lines[-1]
    quote = " ".join(ln.raw.strip() for ln in lines) if len(lines) > 1 else first.raw.strip()
    return Source(key, first.number, last.number, first.start, last.end, quote)


def _sources(flat: FlatTable, key: str) -> None:
    """Where each cell, row and legend was printed, as sources (the extractor never sees a line)."""
    for row in flat.rows:
        row.head_line = row.head_lines[0].number if row.head_lines else None
        for c in row.cells:
            c.source = _line_source(key, c.lines)
        lines = list(row.head_lines) + [ln for c in row.cells for ln in c.lines]
        uniq = sorted({ln.number: ln for ln in lines}.values(), key=lambda ln: ln.number)
        if uniq:
            row.source = _line_source(key, uniq)
    for name, (printed, ln) in flat.legends.items():
        flat.legend_sources[name] = (printed, _line_source(key, [ln]))


def table_footnotes(lines: list[Line], key: str, vocab: set[str]) -> list[tuple[str, str, Source]]:
    """The footnotes printed after the table, as (marker, text, source). A footnote opens with its
    marker at the start of a line; a line continues it when it starts in lower case or the
    footnote's last line does not end a sentence. Any other line is prose: it ends the footnote."""
    notes: list[tuple[str, list[Line]]] = []
    open_note = False
    for ln in (x for x in lines if x.text and not x.artefact):
        m = _FOOTNOTE_START.match(ln.raw)
        if m:
            notes.append((m.group(1), [ln]))
        elif open_note and (ln.text[:1].islower() or not notes[-1][1][-1].raw.rstrip().endswith((".", ":"))):
            notes[-1][1].append(ln)
        open_note = bool(m) or open_note and notes[-1][1][-1] is ln  # prose (neither) ends the footnote
    out = []
    for marker, lns in notes:
        first = _FOOTNOTE_START.match(lns[0].raw).group(2).strip()  # type: ignore[union-attr]
        text = join_lines([first] + [x.text for x in lns[1:]], vocab)
        out.append((marker, text, _line_source(key, lns)))
    return out


def settle_columns(flat: FlatTable, vocab: set[str], summary: Section | None, key: str, issues: list[Issue]) -> None:
    """Each cell's term, markers and frequency-column interval (``Cell.state``), from the layout
    evidence and the summary's incidences (any grade, serious, the lowest listed)."""
    incs, _, _, lowest = summary_incidences(summary) if summary is not None else ([], None, None, None)
    any_by_key: dict[str, float] = {}
    serious_by_key: dict[str, float] = {}
    for i in incs:
        (any_by_key if i.kind == "any grade" else serious_by_key).setdefault(term_key(i.subject or ""), i.percent)
    columns = flat.columns or default_columns()
    for row in flat.rows:
        if row.soc is None:
            continue
        states: list[CellState] = []
        for cell in row.cells:
            cell.term, cell.markers = strip_markers(cell.printed, vocab)
            k = term_key(cell.term)
            states.append(cell_evidence(columns, any_by_key.get(k), serious_by_key.get(k), lowest))
        for cell, st in zip(row.cells, settle_row(row, columns, states, key, issues)):
            cell.state = st
