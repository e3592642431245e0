"""The FHIR ePI reader on the UK methotrexate SmPC (JSON bundle and its XML form).

Expectations are the label's own words and numbers."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from ingest.readers.fhir.epi import read_bundle

ROOT = Path(__file__).resolve().parent.parent
LABEL = ROOT / "labels" / "methotrexate-uk" / "smpc-epi.json"
XML_FIXTURE = ROOT / "tests" / "fixtures" / "methotrexate-epi.xml"


@pytest.fixture(scope="module")
def rec():
    return read_bundle(LABEL.read_bytes(), str(LABEL), "fhir-epi-json")


@pytest.fixture(scope="module")
def xml_rec():
    return read_bundle(XML_FIXTURE.read_bytes(), str(XML_FIXTURE), "fhir-epi-xml")


def texts(record, key):
    return [p.text for p in record.section(key).paragraphs]


def test_sections_1_to_10_with_scheme_numbers_and_titles(rec):
    numbered = [s.key for s in rec.sections if not s.is_subheading]
    assert numbered[:3] == ["1", "2", "3"]
    for n in ["4.1", "4.2", "4.3", "4.4", "4.8", "5.2", "6.3", "6.4", "7", "8", "9", "10"]:
        assert n in numbered
    assert rec.section("4.3").title == "Contraindications"
    assert rec.section("4.3").parent == "4" and rec.section("4.3").level == 2
    assert rec.section("6.3").text == "3 years."
    assert rec.section("6.4").text == "Do not store above 25°C. Store in the original container in order to protect from light."
    assert texts(rec, "10") == ["14/09/2023"]
    assert rec.reader == "fhir-epi-json"


def test_indications_paragraphs(rec):
    body = rec.section("4.1").text
    assert "severe cases of uncontrolled psoriasis, unresponsive to conventional therapy" in body
    assert "adults with severe, active, classical or definite rheumatoid arthritis" in body
    assert len(rec.section("4.1").paragraphs) == 4


def test_contraindications_are_list_items_without_bullet_glyphs(rec):
    paras = rec.section("4.3").paragraphs
    assert paras[0].kind == "paragraph" and paras[0].text == "Methotrexate is contra-indicated in the presence of:"
    items = [p.text for p in paras if p.kind == "list-item"]
    assert len(items) == 13
    assert "Significantly impaired hepatic function" in items
    assert "Alcoholism" in items
    assert "Active infectious disease" in items
    assert not any(t.startswith("\u2022") for t in items)


def test_provenance_points_into_the_bundle(rec):
    p = next(p for p in rec.section("4.3").paragraphs if p.text == "Alcoholism")
    assert p.source.locator == "Composition.section[3].section[2].text.div/p[8]"
    raw = rec.original[p.source.char_start : p.source.char_end]
    assert "Alcoholism" in raw  # the element's content, as escaped in the JSON
    line = rec.original.splitlines()[p.source.line_start - 1]
    assert '"div"' in line and "Alcoholism" in line
    sec = rec.section("4.3")
    assert sec.source.locator == "Composition.section[3].section[2]"
    assert json.loads(rec.original[sec.source.char_start : sec.source.char_end])["title"] == "4.3 Contraindications"


def test_subheadings_follow_the_text_reader_convention(rec):
    keys = [s.key for s in rec.sections if s.is_subheading]
    for k in ["4.2/rheumatoid-arthritis", "4.2/psoriasis", "4.2/elderly", "4.4/hepatotoxicity",
              "4.4/respiratory-effects", "4.4/renal-effects", "5.2/absorption", "4.6/pregnancy"]:
        assert k in keys
    ra = rec.section("4.2/rheumatoid-arthritis")
    assert ra.parent == "4.2" and ra.level == 3 and ra.number == "4.2" and ra.title == "Rheumatoid arthritis"
    # the weekly dosing rule, under its own sub-heading, with the label's numbers
    rule = next(p for p in ra.paragraphs if "recommended initial dose" in p.text)
    assert "7.5 mg methotrexate once weekly" in rule.text
    assert "should not exceed a total weekly dose of 20 mg" in rule.text
    assert rule.source.section == "4.2/rheumatoid-arthritis"
    # sentences without a full stop are not taken for headings
    assert not any(k.startswith("4.2/examples-of-doses") for k in keys)
    assert rec.section("3").paragraphs[0].text == "Tablet"
    # a parent's text carries its sub-headings
    assert "Rheumatoid arthritis" in rec.section("4.2").text and "7.5 mg" in rec.section("4.2").text


def test_bsa_dosing_statement_keeps_the_unit(rec):
    leuk = rec.section("4.2/leukaemia-in-children")
    assert any("Methotrexate 15 mg/m2, given parenterally or orally once weekly" in p.text for p in leuk.paragraphs)
    cho = rec.section("4.2/choriocarcinoma-and-other-trophoblastic-tumours")
    assert "0.25-1 mg /kg up to a maximum of 60 mg intramuscularly every 48 hours" in cho.text


def test_one_cell_box_is_read_as_paragraphs(rec):
    box = next(s for s in rec.sections if s.key.startswith("4.2/important-warning-about-the-dosage"))
    assert "must only be taken once a week" in box.text
    assert rec.section("4.2").tables == [] and not any(s.tables for s in rec.sections if s.number == "4.2")


def test_frequency_legend_images_become_symbols(rec):
    legend = next(p.text for p in rec.section("4.8").paragraphs if p.text.startswith("The frequencies"))
    assert "Very common (≥ 1/10); common (≥ 1/100 to < 1/10)" in legend
    assert "rare (≥ 1/10,000 to < 1/1,000)" in legend
    notes = [i for i in rec.issues if i.rule == "xhtml-image-symbol"]
    assert len(notes) == 4 and all(i.section == "4.8" for i in notes)
    assert "image1.png" in notes[0].message


def test_adverse_table_kept_as_structure(rec):
    [table] = rec.section("4.8").tables
    assert table.header == ["", "Common", "Uncommon", "Rare", "Very rare", "Not known"]
    blood = next(r for r in table.rows if r[0] == "Blood and lymphatic system disorders")
    assert blood[1] == "Leucopenia"
    assert "Agranulocytosis" in blood[5].split("\n")
    assert table.rows[1][2] == "Lymphoma¹"  # footnote marker kept apart from the term
    srcs = table.cell_sources[0][3]
    assert [s.quote for s in srcs] == ["Herpes zoster infections", "Sepsis", "Neutropenic sepsis leading to fatality"]
    assert srcs[1].locator.endswith("text.div/table[1]/tr[2]/td[4]/p[2]")
    rows = [p for p in rec.section("4.8").paragraphs if p.kind == "table-row"]
    assert len(rows) == 22  # header + 21 organ classes, for search


def test_xml_bundle_reads_the_same(rec, xml_rec):
    assert xml_rec.reader == "fhir-epi-xml"
    assert [s.key for s in xml_rec.sections] == [s.key for s in rec.sections]
    for a, b in zip(xml_rec.sections, rec.sections):
        assert [p.text for p in a.paragraphs] == [p.text for p in b.paragraphs]
        assert [p.source.locator for p in a.paragraphs] == [p.source.locator for p in b.paragraphs]
    assert xml_rec.section("4.8").tables[0].rows == rec.section("4.8").tables[0].rows
    p = next(p for p in xml_rec.section("4.3").paragraphs if p.text == "Alcoholism")
    assert "Alcoholism" in xml_rec.original[p.source.char_start : p.source.char_end]
    assert "<p>" in xml_rec.original.splitlines()[p.source.line_start - 1]


def test_xml_fixture_is_the_converted_json_bundle():
    spec = importlib.util.spec_from_file_location("epi_json_to_xml", ROOT / "tests" / "fixtures" / "epi_json_to_xml.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.convert(LABEL.read_text(encoding="utf-8")) == XML_FIXTURE.read_text(encoding="utf-8")


def test_the_label_as_the_document_model():
    """The FHIR reader's label carries the document model, every block and cell with its element path."""
    from ingest import document as dm
    from ingest.pipeline import read_label

    doc = read_label(LABEL).document
    assert doc.reader == "fhir-epi-json"
    s43 = doc.section("4.3")
    assert s43.blocks[0].text == "Methotrexate is contra-indicated in the presence of:"
    items = [b.text for b in s43.blocks if isinstance(b, dm.ListItem)]
    assert len(items) == 13 and "Alcoholism" in items
    assert all(b.prov.path and ".text.div/" in b.prov.path for b in s43.blocks)
    [table] = doc.section("4.8").tables()  # the rows are the table's, not repeated as paragraphs
    assert [c.text for c in table.header[0]] == ["", "Common", "Uncommon", "Rare", "Very rare", "Not known"]
    sepsis = table.rows[0][3]
    assert sepsis.text.split("\n") == ["Herpes zoster infections", "Sepsis", "Neutropenic sepsis leading to fatality"]
    assert sepsis.prov.path.endswith("text.div/table[1]/tr[2]/td[4]/p[1]")
    assert not any(b.kind == "paragraph" and " | " in b.text for b in doc.section("4.8").blocks)
