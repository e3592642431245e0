"""Section 4.8 HTML tables (FHIR ePI) -> adverse reaction records.

Two layouts are read, both with frequencies stated by the table itself:

* grid: organ-class rows x frequency columns ("", "Common", "Uncommon" ...);
  a cell may hold several terms, one per paragraph (line) of the cell, and a
  line may list several short terms separated by commas;
* long: one row per term with an organ-class column, a frequency column and a
  term column (a blank organ-class cell repeats the one above).

Footnote markers are the superscripts the XHTML reader keeps in cells
("Lymphoma¹"); they are moved to ``footnotes``. Organ classes are mapped to
the official MedDRA names of ``ontology/data/meddra-soc.json``; frequencies to
the bands of ``adverse-frequency.json``. Nothing here knows a product.

``adverse_reactions_from_table(table, record)`` converts one table;
``adverse_set_from_html(record)`` builds the whole
:class:`~ingest.adverse_records.AdverseReactionSet` for a record whose
section 4.8 carries tables (what :func:`ingest.adverse_reactions.extract`
should call for structured input).
"""
from __future__ import annotations

import re
from dataclasses import replace

from .adverse_data import band, fold, heading_band, soc_by_name, soc_prefix, socs
from .adverse_records import AdverseReaction, AdverseReactionSet, FrequencyBand, Footnote
from .ids import IdMaker, slugify
from .records import Issue, LabelRecord, Source, Table

_SUPERS = "⁰¹²³⁴⁵⁶⁷⁸⁹ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ*"
_PLAIN = "0123456789abcdefghijklmnoprstuvwxyz*"
_TO_PLAIN = str.maketrans(_SUPERS, _PLAIN)
_SUPER_RUN = re.compile(f"[{_SUPERS}][{_SUPERS},]*")
_SOC_WORDS = {"soc", "system", "organ", "class", "classes", "meddra", "body"}
_FREQ_WORDS = {"frequency", "frequencies", "incidence", "category"}
_STOP = {"and", "the", "of", "incl", "including", "disorders", "disorder"}
_MARKER_PARA = re.compile(r"^([a-z]|\d{1,2}|\*{1,3}|[†‡§])\s+(?=\S)")
_LEGEND_ITEM = re.compile(r"\b(very common|common|uncommon|very rare|rare|not known)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)", re.I)
_PAREN = re.compile(r"\([^()]*\)")
_FRACTION = re.compile(r"([<>≥≤]=?)\s*1\s*/\s*([\d,. ]+\d)")


def _markers(text: str) -> tuple[str, list[str]]:
    """Remove superscript footnote markers: ("Lymphoma", ["1"])."""
    found: list[str] = []
    for run in _SUPER_RUN.findall(text):
        found.extend(m for m in run.translate(_TO_PLAIN).split(",") if m)
    return _SUPER_RUN.sub(" ", text), found


def _clean(text: str) -> str:
    return " ".join(text.split()).strip(" ,;.")


def _split_terms(line: str) -> list[str]:
    """A cell line may list short terms: "Pancytopenia, eosinophilia",
    "Paresis & Convulsions (...)". A descriptive line ("X resulting in a, b,
    c or death") stays whole. Separators inside parentheses do not count."""
    parts, depth, cur = [], 0, ""
    for i, ch in enumerate(line):
        depth += ch == "("
        depth -= ch == ")"
        if depth <= 0 and (ch == "," or (ch == "&" and line[i - 1 : i] == " ")):
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    parts = [_clean(p) for p in parts if _clean(p)]
    if len(parts) > 1 and all(len(_PAREN.sub(" ", p).split()) <= 4 for p in parts):
        return parts
    return [_clean(line)] if _clean(line) else []


def match_soc(printed: str):
    """The MedDRA SOC for a printed organ class: exact/variant, prefix, then
    the class whose name holds most of the printed words (at least 60 %)."""
    s = soc_by_name(printed)
    if s:
        return s
    pre = soc_prefix(printed)
    if pre and not printed[len(pre[1]) :].strip():
        return pre[0]
    words = set(fold(printed).split()) - _STOP
    if not words:
        return None
    scored = sorted(((len(words & (set(fold(x.name).split()) - _STOP)) / len(words), x.name, x) for x in socs()),
                    key=lambda t: (-t[0], t[1]))
    if scored[0][0] >= 0.6 and (len(scored) < 2 or scored[1][0] < scored[0][0]):
        return scored[0][2]
    return None


def _layout(table: Table) -> tuple[str, dict[int, str], int | None, int | None]:
    """("grid", {col: band}, soc_col, None) or ("long", {}, soc_col, freq_col, ) ..."""
    header = table.header
    bands = {i: heading_band(h) for i, h in enumerate(header) if heading_band(h)}
    if len(bands) >= 2:
        soc_col = next((i for i in range(len(header)) if i not in bands), None)
        return "grid", bands, soc_col, None
    words = [set(fold(h).split()) for h in header]
    soc_col = next((i for i, w in enumerate(words) if w & _SOC_WORDS), None)
    freq_col = next((i for i, w in enumerate(words) if w & _FREQ_WORDS), None)
    if freq_col is None:  # a column whose cells are band names
        for j in range(len(header)):
            vals = [r[j] for r in table.rows if j < len(r) and r[j].strip()]
            if vals and all(heading_band(_markers(v)[0]) for v in vals):
                freq_col = j
                break
    if soc_col is None:
        for j in range(len(header)):
            vals = [_markers(r[j])[0] for r in table.rows if j < len(r) and r[j].strip()]
            if vals and sum(1 for v in vals if match_soc(_clean(v))) >= max(1, len(vals) // 2):
                soc_col = j
                break
    if freq_col is not None and soc_col is not None:
        return "long", {}, soc_col, freq_col
    return "none", {}, soc_col, freq_col


def adverse_reactions_from_table(table: Table, record: LabelRecord, ids: IdMaker | None = None) -> list[AdverseReaction]:
    """One AdverseReaction per term of the table (empty when the table is not
    a frequency table). Problems become ``record.issues``."""
    return _convert(table, record, ids or IdMaker(), set())


def _convert(table: Table, record: LabelRecord, ids: IdMaker, record_notes: set[str]) -> list[AdverseReaction]:
    kind, bands, soc_col, freq_col = _layout(table)
    if kind == "none" or soc_col is None:
        return []
    cell_sources = getattr(table, "cell_sources", None) or []
    header_sources = getattr(table, "header_sources", None) or []
    out: list[AdverseReaction] = []
    current = None  # (soc, printed) of the row above, for blank organ-class cells

    def src(r: int, c: int, k: int, text: str) -> Source:
        try:
            s = cell_sources[r][c][k]
        except IndexError:
            s = table.source
        return replace(s, quote=s.quote or text)

    for r, row in enumerate(table.rows):
        printed, soc_notes = _markers(row[soc_col]) if soc_col < len(row) else ("", [])
        printed = _clean(printed)
        record_notes.update(soc_notes)
        if printed:
            soc = match_soc(printed)
            if soc is None:
                record.issues.append(Issue("warning", f"4.8 table row {r + 1}: organ class '{printed}' is not a "
                                           "MedDRA system organ class; row skipped", table.source.section,
                                           table.source.line_start, "html-table-unknown-soc"))
                _unresolved_row(record, table, r, row, f"organ class '{printed}' is not a MedDRA system organ class")
                current = None
                continue
            current = (soc, printed)
        if current is None:
            continue
        if kind == "grid":
            cols = [(c, bands[c]) for c in sorted(bands)]
        else:
            b = heading_band(_clean(_markers(row[freq_col])[0])) if freq_col < len(row) else None
            if b is None:
                record.issues.append(Issue("warning", f"4.8 table row {r + 1}: frequency '{row[freq_col]}' "
                                           "not understood; row skipped", table.source.section,
                                           table.source.line_start, "html-table-unknown-frequency"))
                _unresolved_row(record, table, r, row, f"frequency '{_clean(row[freq_col])}' is not a frequency "
                                "category")
                continue
            cols = [(c, b) for c in range(len(row)) if c not in (soc_col, freq_col)]
        for c, freq in cols:
            if c >= len(row):
                continue
            for k, line in enumerate(row[c].split("\n")):
                text, notes = _markers(line)
                for term in _split_terms(text):
                    fsrc = header_sources[c] if kind == "grid" and c < len(header_sources) else None
                    out.append(AdverseReaction(
                        id=ids(f"{current[0].abbrev}-{term}"), term=term, soc=current[0].name, frequency=freq,
                        source=src(r, c, k, line), soc_as_printed=current[1], frequency_basis="stated",
                        footnotes=list(notes), frequency_source=fsrc,
                    ))
    return out


def _unresolved_row(record: LabelRecord, table: Table, r: int, row: list[str], reason: str) -> None:
    """A table row that cannot be read as entries: an unresolved item, never an entry.

    Its place is the row's first cell when the reader kept cell sources (line or
    page), else the table's, with the row number in the locator."""
    quote = " | ".join(_clean(c) for c in row if _clean(c))
    cells = (getattr(table, "cell_sources", None) or [])
    first = next((s for c in (cells[r] if r < len(cells) else []) for s in c if s is not None), None)
    base = first or table.source
    loc = base.locator if first else (f"{table.source.locator}/row[{r + 1}]" if table.source.locator else f"row {r + 1}")
    record.add_unresolved("adverse-row", quote, reason + "; row not read as entries",
                          replace(base, quote=quote, locator=loc, derivation="stated", rule=None, confidence=None))


def _bands(record: LabelRecord) -> list[FrequencyBand]:
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
            name = name.lower()
            lo = hi = None
            for op, den in _FRACTION.findall(inside):
                val = 1 / float(den.replace(",", "").replace(" ", ""))
                if op.startswith((">", "≥")):
                    lo = val
                else:
                    hi = val
            if name == "not known":
                lo = hi = None
            out.append(FrequencyBand(name, p.source, lo, hi, f"({inside})"))
        return out
    return []


def adverse_set_from_html(record: LabelRecord) -> AdverseReactionSet | None:
    """All frequency tables of section 4.8 (and its sub-headings), legend and
    footnotes; None when 4.8 has no frequency table."""
    ids = IdMaker()
    entries: list[AdverseReaction] = []
    tables = [t for s in record.sections if s.number == "4.8" for t in s.tables]
    soc_notes: set[str] = set()
    for t in tables:
        entries.extend(_convert(t, record, ids, soc_notes))  # soc_notes: markers on organ-class cells
    if not entries:
        return None
    used = {m for e in entries for m in e.footnotes} | soc_notes
    notes = []
    for s in record.sections:
        if s.number != "4.8":
            continue
        for p in s.paragraphs:
            m = _MARKER_PARA.match(p.text)
            if m and m.group(1) in used:
                notes.append(Footnote(m.group(1), p.text[m.end() :].strip(), p.source))
    bands = _bands(record) or [FrequencyBand(b, None, band(b).low, band(b).high, band(b).legend)
                               for b in ("very common", "common", "uncommon", "rare", "very rare", "not known")]
    return AdverseReactionSet(entries=entries, bands=bands, footnotes=notes, style="html-table")


def entry_slug(e: AdverseReaction) -> str:
    return slugify(f"{e.soc}-{e.term}-{e.frequency}")
