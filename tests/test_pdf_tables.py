"""Tables rebuilt from the PDFs' ruling lines and word positions. Every expected cell was read in
the PDF (pdftotext -layout and the rendered page), not taken from the reader's output."""
from __future__ import annotations

from ingest import document as dm
from tests.pdf_support import pdf_labels, pdf_read, row_texts, table_with


def test_dovato_adverse_reaction_table_over_a_page_break():
    # Dovato 4.8, Table 2 (pages 14-15): frequency | adverse reaction, organ-class rows spanning both columns
    doc = pdf_read("dovato").documents[0]
    t = table_with(doc, "4.8", "Table 2")
    assert [[c.text for c in r] for r in t.header] == [["Frequency", "Adverse reaction"]]
    rows = row_texts(t)
    assert rows[0] == ["Blood and lymphatic systems disorders:"] * 2
    assert t.rows[0][0] is t.rows[0][1] and t.rows[0][0].col_span == 2
    assert rows[1] == ["Uncommon:", "neutropenia, anaemia, thrombocytopenia"]
    assert rows[2] == ["Very rare:", "pure red cell aplasia"]
    # page 15 part of the same table
    assert ["Very common:", "headache"] in rows
    assert ["Rare:", "amylase elevations"] in rows
    assert t.prov.pages == (14, 15)


def test_superscript_footnote_markers_are_separated_from_the_word():
    # Dovato Table 2: "acute hepatic failure1, increased bilirubin2" with superscript 1 and 2
    t = table_with(pdf_read("dovato").documents[0], "4.8", "Table 2")
    cell = next(r[1] for r in t.rows if r[1].text.startswith("acute hepatic failure"))
    assert cell.text == "acute hepatic failure, increased bilirubin"
    assert cell.markers == ["1", "2"]
    assert cell.marked == "acute hepatic failure¹, increased bilirubin²"


def test_humira_dose_table_ruled_with_horizontal_lines_only():
    # Humira 20 mg SmPC, 4.2 Table 1 (page 3): patient weight | dosing regimen
    t = table_with(pdf_read("humira").documents[0], "4.2", "Table 1")
    assert [[c.text for c in r] for r in t.header] == [["Patient Weight", "Dosing Regimen"]]
    assert row_texts(t) == [["10 kg to < 30 kg", "20 mg every other week"],
                            ["≥ 30 kg", "40 mg every other week"]]
    t3 = table_with(pdf_read("humira").documents[0], "4.2", "Table 3")
    assert row_texts(t3)[0] == ["15 kg to < 30 kg", "Initial dose of 20 mg, followed by 20 mg given every other week "
                                "starting one week after the initial dose"]


def test_humira_adverse_table_repeats_its_header_on_every_page():
    # Humira 20 mg SmPC, 4.8 Table 6 "Undesirable Effects" runs over pages 13-18, the header
    # "System Organ Class | Frequency | Adverse Reaction" printed again on each page
    t = table_with(pdf_read("humira").documents[0], "4.8", "Table 6")
    assert [[c.text for c in r] for r in t.header] == [["System Organ Class", "Frequency", "Adverse Reaction"]]
    rows = row_texts(t)
    assert ["System Organ Class", "Frequency", "Adverse Reaction"] not in rows
    assert t.prov.pages[0] == 13 and t.prov.pages[-1] == 18
    # "Metabolism and nutrition" / "disorders": the organ class is broken by the page break (pages 14-15)
    assert ["Metabolism and nutrition disorders", "Very common", "Lipids increased"] in rows
    common = next(r for r in rows if r[0] == "Metabolism and nutrition disorders" and r[1] == "Common")
    assert common[2].startswith("Hypokalaemia, uric acid increased")
    assert ["Blood and the lymphatic system disorders*", "Rare", "Pancytopenia"] in rows


def test_suliqua_frequency_columns_under_a_spanning_header():
    # Suliqua 4.8 Table 1 (page 10): organ class rows x frequency columns; "Frequency" spans them
    t = table_with(pdf_read("suliqua").documents[0], "4.8", "Table 1")
    assert [c.text for c in t.header[-1]] == ["", "Very common", "Common", "Uncommon", "Rare", "Not Known"]
    rows = row_texts(t)
    assert ["Gastrointestinal disorders", "", "Nausea\nDiarrhoea\nVomiting", "Dyspepsia\nAbdominal pain",
            "Delayed gastric emptying", ""] in rows
    assert ["Metabolism and nutrition disorders", "Hypoglycaemia", "", "", "", ""] in rows


def test_skilarence_titration_table_rows_printed_without_rules():
    # Skilarence 4.2 (page 3): week | tablets morning, midday, evening | total daily dose
    doc = pdf_read("skilarence").documents[0]
    t = next(t for t in doc.section("4.2").tables())
    rows = row_texts(t)
    assert ["1", "0", "0", "1", "30"] in rows
    assert ["9+", "2", "2", "2", "720"] in rows
    assert rows.index(["Skilarence 120 mg"] * 5) == rows.index(["4", "0", "0", "1", "120"]) - 1


def test_pdf_tables_reach_the_extractors_as_structured_tables():
    # the records hand the same cells over, like the FHIR reader's tables
    rec = pdf_labels("dovato").records[0]
    tables = [t for s in rec.sections if s.number == "4.8" for t in s.tables]
    assert tables and tables[0].header == ["Frequency", "Adverse reaction"]
    assert ["Uncommon:", "neutropenia, anaemia, thrombocytopenia"] in tables[0].rows
    src = tables[0].cell_sources[1][1][0]
    assert src.locator.startswith("page 14") and src.quote == "neutropenia, anaemia, thrombocytopenia"
    assert rec.original[src.char_start:src.char_end] == "neutropenia, anaemia, thrombocytopenia"


def test_every_cell_has_page_and_box():
    for doc in pdf_read("suliqua").documents:
        for _, block in doc.blocks():
            if isinstance(block, dm.Table):
                for row in block.header + block.rows:
                    for c in row:
                        assert c.prov.page and (c.prov.bbox or not c.text)


def test_footnotes_printed_inside_the_table_frame_are_footnotes_not_rows():
    # Dovato Table 2 ends (page 15) with "1 This adverse reaction was identified through post-marketing
    # surveillance ..." and "2 In combination with increased transaminases." inside its frame
    t = table_with(pdf_read("dovato").documents[0], "4.8", "Table 2")
    assert [(f.marker, f.text) for f in t.footnotes][1] == ("2", "In combination with increased transaminases.")
    assert t.footnotes[0].marker == "1" and t.footnotes[0].text.startswith(
        "This adverse reaction was identified through post-marketing surveillance for dolutegravir")
    assert row_texts(t)[-1] == ["Rare:", "amylase elevations"]
