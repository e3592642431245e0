"""Section 4.8 adverse reactions as data: ``extract(record)`` fills
``record.adverse_reactions`` with an :class:`AdverseReactionSet`.

The extractor never sees the reader type, only what the sections hold:

* a table recovered from flattened text (:class:`~ingest.records.RecoveredTable`,
  made by the text reader's :mod:`ingest.readers.text.tables`): its cells'
  columns are settled by :mod:`ingest.extract.adverse.infer` and, where the text cannot
  settle a cell, by the label's curation file :mod:`ingest.extract.adverse.curation`;
* tables with their columns (FHIR ePI, PDF): :mod:`ingest.extract.adverse.table_html`;
  it also reads organ-class sub-headings and sentences stating a frequency;
* nothing of these and no table: inline frequency lists (:mod:`ingest.extract.adverse.inline`).

Footnotes, incidences and links to the selected-reaction subsections are
attached by :mod:`ingest.extract.adverse.links`.
"""
from __future__ import annotations

import re

from ingest.extract.adverse import curation as adverse_curation, inline as adverse_inline, links as adverse_links
from ingest.extract.adverse.data import band, term_key
from ingest.extract.adverse.footnotes import check_markers, parse_footnotes, strip_markers
from ingest.extract.adverse.incidence import summary_incidences
from ingest.extract.adverse.infer import CellState, cell_evidence, confidence, settle_row
from ingest.extract.adverse.records import AdverseReaction, AdverseReactionSet, FrequencyBand
from ingest.extract.adverse.table_html import adverse_set_from_html
from ingest.ids import IdMaker
from ingest.records import Issue, LabelRecord, RecoveredTable, Section, Source
from ingest.text_lines import Line

_SUMMARY_SECTION = re.compile(r"summary", re.I)


def extract(record: LabelRecord) -> None:
    """Fill ``record.adverse_reactions``; problems become warnings, never exceptions."""
    sec = record.section("4.8")
    if sec is None:
        return
    subs = record.children("4.8")
    recovered = next((t for s in [sec, *subs] for t in s.tables if isinstance(t, RecoveredTable)), None)
    if recovered is not None:  # a table recovered from flattened text: columns settled from its layout
        record.adverse_reactions = _from_table(record, recovered, subs)
        return
    record.adverse_reactions = adverse_set_from_html(record)
    if record.adverse_reactions is not None:
        adverse_links.attach(record, record.adverse_reactions, subs)
    elif not any(s.tables for s in [sec, *subs]) and _inline(record, sec, subs):
        return
    else:
        record.issues.append(Issue("warning", "section 4.8 has no adverse reaction table or frequency list",
                                   sec.key, sec.source.line_start, "adverse.no-table"))


def _inline(record: LabelRecord, sec: Section, subs: list[Section]) -> bool:
    """4.8 printed as inline frequency lists under organ classes; False when there are none."""
    inline = adverse_inline.parse_inline(record, [sec, *subs])
    if inline is None:
        return False
    summary_sec = next((s for s in subs if _SUMMARY_SECTION.search(s.title)), None)
    if summary_sec is not None:
        inline.incidences, inline.summary_population, inline.summary_n, _ = summary_incidences(summary_sec)
    record.adverse_reactions = inline
    adverse_links.attach(record, inline, subs)
    return True


def _from_table(record: LabelRecord, recovered: RecoveredTable, subs: list[Section]) -> AdverseReactionSet:
    table = recovered.layout
    key = recovered.source.section
    vocab = recovered.vocabulary
    notes = parse_footnotes(recovered.notes, key, vocab)
    summary_sec = next((s for s in subs if _SUMMARY_SECTION.search(s.title)), None)
    incs, pop, n, lowest = summary_incidences(summary_sec) if summary_sec else ([], None, None, None)
    any_by_key: dict[str, float] = {}
    serious_by_key: dict[str, float] = {}
    for i in incs:
        (any_by_key if i.kind == "any grade" else serious_by_key).setdefault(term_key(i.subject or ""), i.percent)
    out = AdverseReactionSet(style="flattened-table", footnotes=notes, summary_population=pop, summary_n=n)
    out.bands = _bands(table, key)
    ids = IdMaker()
    used_markers: dict[str, Line] = {}
    columns = table.columns or ["very common", "common", "uncommon"]
    for row in table.rows:
        if row.soc is None:
            _unresolved_row(record, key, row)
            continue
        for m in row.soc_markers:
            used_markers.setdefault(m, row.head_lines[0])
        cleaned = [strip_markers(c.printed, vocab) for c in row.cells]
        states: list[CellState] = []
        for (term, markers), cell in zip(cleaned, row.cells):
            for m in markers:
                used_markers.setdefault(m, cell.lines[0])
            k = term_key(term)
            states.append(cell_evidence(columns, any_by_key.get(k), serious_by_key.get(k), lowest))
        states = settle_row(row, columns, states, key, record.issues)
        for (term, markers), cell, st in zip(cleaned, row.cells, states):
            first, last = cell.lines[0], cell.lines[-1]
            quote = " ".join(ln.raw.strip() for ln in cell.lines) if len(cell.lines) > 1 else first.raw.strip()
            options = columns[st.lo:st.hi + 1]
            rule = "; ".join(st.notes + sorted(st.rules - {"summary-incidence"})) or None
            conf = confidence(st.rules)
            freq, basis = (options[0], "inferred") if st.settled else (None, "open")
            if not st.settled:
                conf = round(1.0 / len(options), 2)
            src = Source(key, first.number, last.number, first.start, last.end, quote,
                         derivation="inferred", rule=rule, confidence=conf)
            out.entries.append(AdverseReaction(
                ids(f"{row.soc.abbrev}-{term}"), term, row.soc.name, freq, src,
                soc_as_printed=re.sub(r"\s+", " ", row.soc_printed).strip(), frequency_basis=basis,
                frequency_rule=rule, confidence=conf, footnotes=row.soc_markers + markers,
                frequency_source=src, frequency_options=list(options), own_markers=markers))
    check_markers(used_markers, notes, key, record.issues)
    out.incidences = incs
    adverse_curation.apply(record, out)
    for e in out.entries:
        if e.is_open:
            record.add_unresolved(
                "adverse-frequency", e.source.quote,
                f"the text leaves the frequency of '{e.term}' ({e.soc}) open between columns"
                + (f" ({e.frequency_rule})" if e.frequency_rule else "") + "; a curation file can settle it",
                e.source, candidates=e.frequency_options, fact_id=e.id)
    adverse_links.attach(record, out, subs)
    return out


def _unresolved_row(record: LabelRecord, key: str, row) -> None:
    """A row whose organ class does not resolve: one unresolved item, no entries."""
    lines = list(row.head_lines) + [ln for c in row.cells for ln in c.lines]
    uniq = sorted({ln.number: ln for ln in lines}.values(), key=lambda ln: ln.number)
    if not uniq:
        return
    quote = " ".join(ln.raw.strip() for ln in uniq)
    src = Source(key, uniq[0].number, uniq[-1].number, uniq[0].start, uniq[-1].end, quote)
    printed = re.sub(r"\s+", " ", row.soc_printed).strip()
    reason = (f"organ class '{printed}' is not a MedDRA system organ class" if printed
              else "table text before any organ class") + f"; {len(row.cells)} cell(s) not read as entries"
    record.add_unresolved("adverse-row", quote, reason, src)


def _bands(table, key: str) -> list[FrequencyBand]:
    out = []
    for name in table.columns:
        b = band(name)
        leg = table.legends.get(name)
        if leg:
            printed, ln = leg
            low, high = _parse_legend(printed)
            src = Source(key, ln.number, ln.number, ln.start, ln.end, ln.raw.strip())
            out.append(FrequencyBand(name, src, low, high, printed))
        else:
            out.append(FrequencyBand(name, None, b.low, b.high, b.legend))
    return out


def _parse_legend(text: str) -> tuple[float | None, float | None]:
    t = text.replace(",", "").replace(" ", "")
    lo = re.search(r"≥1/(\d+)", t)
    hi = re.search(r"<1/(\d+)", t)
    return (1 / int(lo.group(1)) if lo else None, 1 / int(hi.group(1)) if hi else None)

