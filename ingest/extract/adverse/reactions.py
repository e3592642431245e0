"""Section 4.8 adverse reactions as data: ``extract(record)`` fills
``record.adverse_reactions`` with an :class:`AdverseReactionSet`.

The extractor never sees the reader type, only what the sections hold:

* a table recovered from flattened text (:class:`~ingest.records.RecoveredTable`,
  made by the text reader's :mod:`ingest.readers.text.tables`): the reader hands
  over each cell's term and the frequency columns it may stand in, settled or
  open between columns (``Cell.state``); an open cell is settled by the label's
  curation file (:mod:`ingest.extract.adverse.curation`) or stays an unresolved item;
* tables with their columns (FHIR ePI, PDF): :mod:`ingest.extract.adverse.table_html`;
  it also reads organ-class sub-headings and sentences stating a frequency;
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
from ingest.extract.adverse import curation as adverse_curation
from ingest.extract.adverse import inline as adverse_inline
from ingest.extract.adverse import links as adverse_links
from ingest.extract.adverse.data import band
from ingest.extract.adverse.footnotes import check_markers, interpret
from ingest.extract.adverse.incidence import summary_incidences
from ingest.extract.adverse.records import AdverseReactionSet, Footnote, FrequencyBand
from ingest.extract.adverse.table_html import adverse_reactions_from_table, adverse_set_from_html, model_tables
from ingest.ids import IdMaker
from ingest.records import Issue, LabelRecord, RecoveredTable, Section, Table

_SUMMARY_SECTION = re.compile(r"summary", re.I)


def extract(record: LabelRecord) -> None:
    """Fill ``record.adverse_reactions``; problems become warnings, never exceptions."""
    sec = record.section("4.8")
    if sec is None:
        return
    subs = record.children("4.8")
    recovered = next((t for s in [sec, *subs] for t in s.tables if isinstance(t, RecoveredTable)), None)
    if recovered is not None:  # a table recovered from flattened text: columns handed over by the reader
        ars: AdverseReactionSet | None = _from_table(record, recovered, subs)
    else:
        ars = adverse_set_from_html(record)
        if ars is None and not any(s.tables for s in [sec, *subs]):
            ars = _inline(sec, subs, record)
    if ars is None:
        record.issues.append(Issue("warning", "section 4.8 has no adverse reaction table or frequency list",
                                   sec.key, sec.source.line_start, "adverse.no-table"))
        return
    _settle_open(record, ars)
    record.adverse_reactions = ars
    adverse_links.attach(record, ars, subs)


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


def _from_table(record: LabelRecord, recovered: RecoveredTable, subs: list[Section]) -> AdverseReactionSet:
    """A table recovered from flattened text, read by the one table interpreter
    (:func:`~ingest.extract.adverse.table_html.adverse_reactions_from_table`): its cells carry the
    columns the reader established (settled or open). What stays here is the text table's own
    material: footnotes and legends printed with it, the summary's incidences."""
    key = recovered.source.section
    notes = [interpret(Footnote(marker, text, src)) for marker, text, src in recovered.footnotes]
    summary_sec = next((s for s in subs if _SUMMARY_SECTION.search(s.title)), None)
    incs, pop, n, _ = summary_incidences(summary_sec) if summary_sec else ([], None, None, None)
    out = AdverseReactionSet(style="flattened-table", footnotes=notes, summary_population=pop, summary_n=n)
    out.bands = _bands(recovered.layout)
    for reason, src in recovered.unread:  # rows the reader could not place: unresolved, no entries
        record.add_unresolved("adverse-row", src.quote, reason, src)
    table = next((t for t in model_tables(record) if t.source.line_start == recovered.source.line_start
                  and t.source.section == key), recovered)  # the document model's table
    out.entries = adverse_reactions_from_table(table, record, IdMaker())
    check_markers(_used_markers(table), notes, key, record.issues)
    out.incidences = incs
    return out


def _used_markers(table: Table) -> dict[str, int | None]:
    """Marker -> the line it is first printed on, over the cells the reader read."""
    used: dict[str, int | None] = {}
    for (r, c), reading in sorted(table.readings.items()):
        srcs = table.cell_sources[r][c] if r < len(table.cell_sources) and c < len(table.cell_sources[r]) else []
        for m in reading.markers:
            used.setdefault(m, srcs[0].line_start if srcs else None)
    return used


def _bands(table) -> list[FrequencyBand]:
    out = []
    for name in table.columns:
        b = band(name)
        leg = table.legend_sources.get(name)
        if leg:
            printed, src = leg
            low, high = _parse_legend(printed)
            out.append(FrequencyBand(name, src, low, high, printed))
        else:
            out.append(FrequencyBand(name, None, b.low, b.high, b.legend))
    return out


def _parse_legend(text: str) -> tuple[float | None, float | None]:
    t = text.replace(",", "").replace(" ", "")
    lo = re.search(r"≥1/(\d+)", t)
    hi = re.search(r"<1/(\d+)", t)
    return (1 / int(lo.group(1)) if lo else None, 1 / int(hi.group(1)) if hi else None)

