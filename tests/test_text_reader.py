"""Sections, sub-headings, spans and artefact cleaning on the bundled BLINCYTO text."""
from __future__ import annotations

import pytest
from conftest import BLINCYTO

from ingest.readers.text.reader import parse_text, read_text_file

NUMBERED = ["1", "2", "3", "4", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "4.8", "4.9",
            "5", "5.1", "5.2", "5.3", "6", "6.1", "6.2", "6.3", "6.4", "6.5", "6.6", "7", "8", "9"]


@pytest.fixture(scope="module")
def rec():
    return read_text_file(BLINCYTO)


def test_every_numbered_section_in_order(rec):
    numbered = [s.key for s in rec.sections if not s.is_subheading]
    assert numbered == NUMBERED


def test_section_titles_and_spans(rec):
    s = rec.section("4.4")
    assert s.title == "Special warnings and precautions for use"
    assert s.source.line_start == 851  # the heading line in the file
    assert s.source.line_end == 1282  # the line before 4.5
    assert rec.original[s.source.char_start:].startswith("4.4 Special warnings")
    # 6.3's heading starts with a space in the extraction and is still found
    assert rec.section("6.3").source.line_start == 3545
    assert rec.section("9").title == "LICENSE NUMBER"


def test_warning_subheadings_of_4_4(rec):
    titles = [s.title for s in rec.sections if s.parent == "4.4"]
    for expected in ["Neurologic events including ICANS", "Infections",
                     "Cytokine release syndrome and infusion reactions", "Tumor lysis syndrome",
                     "Pancreatitis", "Immunizations", "Contraception", "Medication errors"]:
        assert expected in titles
    # the two-line heading is joined
    assert any(t.startswith("Haemophagocytic lymphohistiocytosis/Immune effector cell-associated") for t in titles)
    assert len(titles) >= 15


def test_subheadings_of_4_6(rec):
    assert [s.title for s in rec.sections if s.parent == "4.6"] == [
        "Women of childbearing potential/Contraception", "Pregnancy", "Breast-feeding", "Fertility"]


def test_stray_text_box_is_an_artefact_not_a_warning(rec):
    neuro = rec.section("4.4/neurologic-events-including-icans")
    box = [p for p in neuro.paragraphs if p.artefact and "text box" in p.artefact]
    assert box, "the 'BLINCYTO is indicated:' box must be flagged"
    assert box[0].text == "BLINCYTO is indicated:"
    assert box[0].source.line_start == 901
    assert "BLINCYTO is indicated" not in neuro.text
    assert not any(s.title.startswith("BLINCYTO is indicated") for s in rec.sections)
    # the indications of 4.1 are kept as 4.1's own text
    assert sum(1 for p in rec.section("4.1").paragraphs if not p.artefact and "indicated" in p.text) == 4


def test_pdf_artefacts_removed_but_original_kept(rec):
    cleaned = "\n".join(s.text for s in rec.sections)
    assert "\uf0b7" not in cleaned
    assert "http://www.medicines.org.uk" not in cleaned
    assert "\uf0b7" in rec.original  # the original stays available for quotes
    pages = [p for s in rec.sections for p in s.paragraphs if p.artefact == "page-number"]
    assert {p.source.line_start for p in pages} >= {939, 3749}


def test_words_split_at_line_end_are_joined(rec):
    text = rec.section("4.8").text
    assert "Immune effector cell-associated" in text or "immune effector cell-associated" in text.lower()


def test_paragraph_quotes_point_into_the_original(rec):
    for s in rec.sections:
        for p in s.paragraphs:
            src = p.source
            assert rec.original[src.char_start:src.char_end] == src.quote
            assert rec.original.count("\n", 0, src.char_start) + 1 == src.line_start


def test_double_spacing_detected_and_single_spacing_too():
    single = "1. NAME OF THE MEDICINAL PRODUCT\n\nX 5 mg tablets\n\n2. QUALITATIVE AND QUANTITATIVE COMPOSITION\n\nEach tablet contains 5 mg x.\n\n3. PHARMACEUTICAL FORM\n\nTablet.\n\n4. CLINICAL PARTICULARS\n\n4.1 Therapeutic indications\n\nX is indicated in adults with y.\n\nX is indicated in children aged 6 years or older with z.\n\n4.2 Posology and method of administration\n\n5 mg daily.\n\n4.3 Contraindications\n\nHypersensitivity to the active substance.\nPregnancy.\n\n4.4 Special warnings and precautions for use\n\nNone.\n\n4.8 Undesirable effects\n\nNone known.\n"
    rec = parse_text(single, "mini.txt")
    assert len([p for p in rec.section("4.1").paragraphs]) == 2
    assert [p.text for p in rec.section("4.3").paragraphs] == ["Hypersensitivity to the active substance.", "Pregnancy."]


def test_flattened_4_8_table_is_recovered_by_the_reader(rec):
    """The reader hands over the 4.8 table it recovered from the flattened text: the label
    prints "MedDRA system organ class | Very common (≥ 1/10) | Common ..." and, in the first
    row, "Infections and infestations" with "Bacterial infectionsa, b" (markers still glued:
    telling them from the word is the extractor's job)."""
    from ingest.records import RecoveredTable

    sec = rec.section("4.8/tabulated-list-of-adverse-reactions")
    tables = [t for t in sec.tables if isinstance(t, RecoveredTable)]
    assert len(tables) == 1
    table = tables[0]
    assert table.header[:3] == ["System organ class", "very common", "common"]
    first = table.rows[0]
    assert first[0] == "Infections and infestations"
    assert first[1] == "Bacterial infectionsa, b"
    cell = table.layout.rows[0].cells[0]
    assert rec.original[cell.lines[0].start:cell.lines[0].end].startswith("Bacterial infectionsa, b")
    assert table.source.section == sec.key and table.source.line_start > sec.source.line_start


def test_no_extractor_asks_for_the_reader_type():
    """Extractors read what the sections hold; only readers and the pipeline name a reader."""
    import re
    from pathlib import Path

    ingest = Path(__file__).resolve().parent.parent / "ingest"
    readers = {"pipeline.py", "records.py", "document.py"}
    offenders = []
    for path in sorted(ingest.glob("*.py")) + sorted((ingest / "extract").rglob("*.py")):
        if path.name in readers or path.name.startswith(("text_reader", "fhir_", "pdf_", "xhtml")):
            continue
        if re.search(r"\.reader\s*(?:==|!=|in\b)", path.read_text(encoding="utf-8")):
            offenders.append(path.name)
    assert offenders == []


def test_the_label_as_the_document_model():
    """The text reader's label carries the document model: sections of blocks whose line spans
    and character offsets point into the label text, and the recovered 4.8 table as a table
    whose cells keep the lines they were printed on (the label, lines 1468-1472: "Infections
    and " / "infestations" / "Bacterial infectionsa, b")."""
    from ingest import document as dm
    from ingest.pipeline import read_label

    doc = read_label(BLINCYTO).document
    text = doc.text
    assert [s.number for s in doc.sections] == NUMBERED
    s44 = doc.section("4.4")
    headings = [b.text for b in s44.blocks if isinstance(b, dm.Heading)]
    assert "Neurologic events including ICANS" in headings
    for _, b in doc.blocks():
        assert b.prov.line_start >= 1 and text[b.prov.char_start:b.prov.char_end].strip()
    para = next(b for b in s44.blocks if b.text.startswith("In order to improve the traceability"))
    assert text[para.prov.char_start:para.prov.char_end].startswith("In order to improve the traceability")
    [table] = [t for s in doc.sections for t in s.tables()]
    first = table.rows[0]
    assert (first[0].text, first[0].prov.line_start, first[0].prov.line_end) == ("Infections and infestations", 1468, 1470)
    assert (first[1].marked, first[1].prov.line_start) == ("Bacterial infectionsa, b", 1472)
    # the reader recovered the lost column: the term without its glued markers, in "very common"
    # (gold-adverse-reactions.tsv: "Bacterial infections  Infections and infestations  very common")
    assert (first[1].text, first[1].markers, first[1].options) == ("Bacterial infections", ["a", "b"], ["very common"])
    # a cell the flattened text leaves open stays open between its columns, as data (the label's
    # curation.json settles "Disorientation", line 1536, to common from the printed layout)
    disorientation = next(c for r in table.rows for c in r if c.text == "Disorientation")
    assert disorientation.prov.line_start == 1536 and len(disorientation.options) > 1
    # the notes printed under the table are its footnotes (line 1711: "a Additional information is
    # provided in “Description of selected adverse reactions”.")
    note = next(f for f in table.footnotes if f.marker == "a")
    assert note.prov.line_start == 1711 and note.text.startswith("Additional information is provided in")
    assert all(text[f.prov.char_start:f.prov.char_end].lstrip().startswith(f.marker) for f in table.footnotes)
    lines = {b.prov.line_start for b in doc.section("4.8").blocks if not isinstance(b, dm.Table)}
    assert 1472 not in lines  # the table's lines are not repeated as paragraphs
