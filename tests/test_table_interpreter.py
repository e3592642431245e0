"""One table interpreter for section 4.8, whichever reader made the table (issue #10).

Every reader hands over its 4.8 table in one shape: a header (the organ-class column, then the
frequency columns) and rows of cells with their sources. The text reader, whose input lost the
table's column rules, hands over each cell spanning the columns it could establish (settled: one
column; open: several, never guessed); the PDF and FHIR readers hand over the columns as printed.
The same interpreter (:func:`ingest.extract.adverse.table_html.adverse_reactions_from_table`) turns
any of them into entries. Facts are read in the labels (line numbers of labels/blincyto/smpc-il.txt,
gold files of the bundled labels)."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pdf_support import pdf_labels

from ingest import document as dm
from ingest.extract.adverse.table_html import adverse_reactions_from_table
from ingest.pipeline import read_label, read_label_bytes
from ingest.records import RecoveredTable

ROOT = Path(__file__).resolve().parent.parent
BLINCYTO = ROOT / "labels/blincyto/smpc-il.txt"
METHOTREXATE = ROOT / "labels/methotrexate-uk/smpc-epi.json"


def _gold(path: Path) -> list[dict]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


@pytest.fixture(scope="module")
def blincyto():
    return read_label(BLINCYTO)


@pytest.fixture(scope="module")
def uncurated():
    """The BLINCYTO text with one character changed after 4.8: its curation file (found by the
    text's content hash) no longer applies, so what the flattened text leaves open stays open."""
    text = BLINCYTO.read_text(encoding="utf-8") + "\n"
    return read_label_bytes(text.encode("utf-8"), "/nonexistent/uncurated.txt")


def _model_table(rec) -> dm.Table:
    [table] = [t for s in rec.document.sections if s.number == "4.8" for t in s.tables()]
    return table


def test_text_reader_hands_over_the_shape_every_reader_does(blincyto):
    """The label prints the 4.8 table under "MedDRA system organ class | Very common (≥ 1/10) |
    Common (≥ 1/100 to < 1/10) | Uncommon (≥ 1/1,000 to < 1/100)" (lines 1458-1466); the reader
    hands over that header and one cell per printed reaction, in the column(s) it may stand in."""
    table = _model_table(blincyto)
    assert [c.text for c in table.header[0]] == ["System organ class", "very common", "common", "uncommon"]
    # the legend printed under each heading is where the header cell comes from (line 1462: "(≥ 1/100 to < 1/10)")
    assert table.header[0][2].prov.line_start == 1462
    assert all(len(row) == 4 for row in table.rows)
    # line 1472: "Bacterial infectionsa, b", very common in the label (gold-adverse-reactions.tsv)
    first = table.rows[0]
    assert first[0].text == "Infections and infestations"
    assert (first[1].text, first[1].markers, first[1].options, first[1].uncertain) == \
        ("Bacterial infections", ["a", "b"], ["very common"], False)
    assert first[2].text == first[3].text == ""


def test_open_cell_spans_both_columns_and_stays_open_without_curation(uncurated):
    """Line 1536 prints "Disorientation18" alone, under "Psychiatric disordersa Insomnia18
    Confusional state18" (line 1534): the flattened text keeps no column rule and the summary gives
    no incidence for it, so it may stand in "common" or "uncommon" (the printed PDF table has it
    under Confusional state, common: labels/blincyto/curation.json). Without the curation file the
    cell spans both columns, uncertain, and the entry stays open with both candidates."""
    table = _model_table(uncurated)
    row = next(r for r in table.rows if any(c.text == "Disorientation" for c in r))
    cell = row[2]
    assert cell.text == "Disorientation" and cell.prov.line_start == 1536
    assert cell.uncertain and cell.options == ["common", "uncommon"] and cell.col_span == 2
    assert row[3] is cell and row[1].text == ""  # it repeats in every slot it covers, no other
    [e] = [e for e in uncurated.adverse_reactions.entries if e.term == "Disorientation"]
    assert (e.frequency, e.frequency_basis, e.frequency_options) == (None, "open", ["common", "uncommon"])
    items = [u for u in uncurated.unresolved if u.kind == "adverse-frequency" and u.fact_id == e.id]
    assert [u.candidates for u in items] == [["common", "uncommon"]]


def test_curation_settles_the_open_cell(blincyto):
    """With the curation file reviewed for this text, Disorientation is common, as printed."""
    [e] = [e for e in blincyto.adverse_reactions.entries if e.term == "Disorientation"]
    assert (e.frequency, e.frequency_basis) == ("common", "curated")


def test_one_interpreter_reads_the_recovered_table(uncurated):
    """The interpreter every reader's table goes through reads the text reader's table to the 70
    reactions the label prints (gold-adverse-reactions.tsv), each with its organ class, and the
    organ class as printed without the marker glued to it ("Nervous system disordersa", line 1528)."""
    recovered = next(t for s in uncurated.sections for t in s.tables if isinstance(t, RecoveredTable))
    entries = adverse_reactions_from_table(recovered, uncurated)
    gold = _gold(ROOT / "labels/blincyto/gold-adverse-reactions.tsv")
    assert sorted((e.term, e.soc) for e in entries) == sorted((g["term"], g["soc"]) for g in gold)
    headache = next(e for e in entries if e.term == "Headache")
    assert headache.soc_as_printed == "Nervous system disorders" and headache.footnotes[0] == "a"
    assert {e.frequency for e in entries if e.frequency_basis == "inferred"} <= {"very common", "common", "uncommon"}


def test_unknown_organ_class_row_is_handed_over_unread():
    """A row whose organ class is not a MedDRA class is not placed in the table: the reader hands
    it over as unread (an unresolved item), and its text stays in the document model."""
    text = BLINCYTO.read_text(encoding="utf-8")
    rec = read_label_bytes(text.replace("Cardiac disorders Tachycardia7", "Heart rhythm disorders Tachycardia7", 1)
                           .encode("utf-8"), "/nonexistent/broken.txt")
    table = _model_table(rec)
    assert not any(c.text == "Tachycardia" for r in table.rows for c in r)
    paras = [b for b in rec.document.section("4.8").blocks if isinstance(b, dm.Paragraph)]
    assert any(b.text.startswith("Heart rhythm disorders") for b in paras)
    assert [u.quote for u in rec.unresolved if u.kind == "adverse-row"] == ["Heart rhythm disorders Tachycardia7"]


def test_pdf_table_cell_gets_the_band_of_its_column():
    """Suliqua's 4.8 table (PDF) prints "Nasopharyngitis" and "Upper respiratory tract infection"
    in the "Uncommon" column of the Infections and infestations row (gold: uncommon, stated)."""
    rec = pdf_labels("suliqua").records[0]
    table = next(t for t in rec.document.section("4.8").tables() if "Uncommon" in [c.text for c in t.header[-1]])
    header = [c.text for c in table.header[-1]]
    col = header.index("Uncommon")
    row = next(r for r in table.rows if "Nasopharyngitis" in r[col].text)
    assert not row[col].uncertain  # a real table: the column is printed, nothing to settle
    by = {e.term: e for e in rec.adverse_reactions.entries}
    for term in ("Nasopharyngitis", "Upper respiratory tract infection"):
        e = by[term]
        assert (e.frequency, e.frequency_basis, e.soc) == ("uncommon", "stated", "Infections and infestations")
        assert e.frequency_source.quote == "Uncommon" and e.frequency_source.line_start == table.header[-1][col].prov.line_start


def test_pdf_marks_in_frequency_columns():
    """Humalog's 4.8 table prints an X in the "Common" column of "Local allergy" and in "Rare"
    for "Systemic allergy" (gold-adverse-reactions.tsv)."""
    rec = pdf_labels("humalog").records[0]
    by = {e.term: e for e in rec.adverse_reactions.entries}
    assert (by["Local allergy"].frequency, by["Systemic allergy"].frequency) == ("common", "rare")
    assert by["Local allergy"].frequency_source.quote == "Common"


def test_fhir_cell_keeps_a_provenance_per_paragraph():
    """Methotrexate's ePI prints "Herpes zoster infections", "Sepsis" and "Neutropenic sepsis
    leading to fatality" as three paragraphs of one cell in the "Rare" column of Infections and
    infestations (gold: rare): the model's cell keeps one provenance per paragraph, and each entry
    points at its own paragraph."""
    rec = read_label(METHOTREXATE)
    table = _model_table(rec)
    rare = [c.text for c in table.header[-1]].index("Rare")
    cell = next(r[rare] for r in table.rows if r[rare].text.startswith("Herpes zoster infections"))
    assert cell.text.split("\n")[:2] == ["Herpes zoster infections", "Sepsis"]
    assert [ln.text for ln in cell.lines] == cell.text.split("\n")
    assert cell.lines[0].prov.path.endswith("/p[1]") and cell.lines[1].prov.path.endswith("/p[2]")
    by = {e.term: e for e in rec.adverse_reactions.entries}
    assert by["Herpes zoster infections"].frequency == by["Sepsis"].frequency == "rare"
    assert by["Sepsis"].source.locator == cell.lines[1].prov.path
    assert by["Herpes zoster infections"].source.locator == cell.lines[0].prov.path


def test_pdf_table_footnotes_printed_under_the_table():
    """Humira's 4.8 table (first SmPC, page 18) ends "Common | Chest pain, oedema, pyrexia¹⁾" and
    prints under it "* further information is found elsewhere in sections 4.3, 4.4 and 4.8",
    then on lines of their own "** including open label extension studies" and "1) including
    spontaneous reporting data": the PDF reader hands them over as the table's footnotes, the way
    the text reader does, and the interpreter attaches them to the set."""
    rec = pdf_labels("humira").records[0]
    [table] = [t for s in rec.sections if s.number == "4.8" for t in s.tables if t.footnotes]
    assert [m for m, _, _ in table.footnotes] == ["*", "**", "1)", "2)"]
    ars = rec.adverse_reactions
    notes = {n.marker: n for n in ars.footnotes}
    assert notes["1)"].text == "including spontaneous reporting data"
    assert notes["1)"].source.locator.startswith("page 18 ")
    assert notes["1)"].source.quote == "1) including spontaneous reporting data"
    assert notes["*"].text == "further information is found elsewhere in sections 4.3, 4.4 and 4.8"
    assert notes["**"].text == "including open label extension studies"
    pyrexia = next(e for e in ars.entries if e.term == "pyrexia")
    assert (pyrexia.frequency, pyrexia.footnotes) == ("common", ["1)"])


def test_marker_check_runs_for_every_readers_table():
    """Every reader's 4.8 table is checked: a marker printed in a cell with no footnote is a warning.
    Methotrexate's ePI prints under its table "²See section 4.4."; without that footnote, marker 2
    (printed in the table's cells) has none. The bundled labels print a footnote for every marker
    of their 4.8 tables: Dovato's "*particularly in patients with a pre-existing history of
    depression or psychiatric illness." inside the cells of suicidal ideation (page 14), Skilarence's
    "*Additional adverse reactions reported with Fumaderm ..." and "**Adverse reactions reported
    during post marketing experience." under its table (page 8), so none warns."""
    text = METHOTREXATE.read_text(encoding="utf-8")
    assert text.count("<sup>2</sup>See section 4.4.") == 1
    broken = read_label_bytes(text.replace("<sup>2</sup>See section 4.4.", "See section 4.4.").encode(),
                              "/nonexistent/methotrexate.json")
    missing = [i for i in broken.issues if i.rule == "adverse.footnote-missing"]
    assert [i.message for i in missing] == ["footnote marker '2' has no footnote"] and missing[0].section == "4.8"
    assert not [i for i in read_label(METHOTREXATE).issues if i.rule and i.rule.startswith("adverse.footnote")]
    dovato = pdf_labels("dovato").records[0]
    skilarence = pdf_labels("skilarence").records[0]
    for rec in (dovato, skilarence):
        assert not [i for i in rec.issues if i.rule and i.rule.startswith("adverse.footnote")]
    note = next(n for n in dovato.adverse_reactions.footnotes if n.marker == "*")
    assert note.text == "particularly in patients with a pre-existing history of depression or psychiatric illness."
    assert note.source.locator.startswith("page 14 ")
    by = {e.term: e for e in dovato.adverse_reactions.entries}
    assert by["suicidal ideation"].footnotes == by["completed suicide"].footnotes == ["*"]
    notes = {n.marker: n.text for n in skilarence.adverse_reactions.footnotes}
    assert notes == {"*": "Additional adverse reactions reported with Fumaderm, a related medicinal product "
                          "containing dimethyl fumarate along with other fumaric acid esters.",
                     "**": "Adverse reactions reported during post marketing experience."}


def test_summary_incidences_for_every_reader():
    """Dovato's 4.8 summary (page 14) prints "The most frequently reported adverse reactions are
    headache (3%), diarrhoea (2%), nausea (2%) and insomnia (2%)": the set carries those incidences,
    whichever reader made the table, as it does for a recovered table."""
    dovato = pdf_labels("dovato").records[0]
    got = {(i.subject, i.percent, i.kind) for i in dovato.adverse_reactions.incidences}
    assert got == {("headache", 3.0, "any grade"), ("diarrhoea", 2.0, "any grade"),
                   ("nausea", 2.0, "any grade"), ("insomnia", 2.0, "any grade")}
