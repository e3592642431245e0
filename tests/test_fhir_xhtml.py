"""XHTML structure in ePI sections: lists, headings, tables with spans, images, entities.

A small hand-written SmPC bundle (a made-up product) exercises what the
methotrexate label does not use."""
from __future__ import annotations

import json

import pytest

from ingest.extract.adverse.reactions import adverse_set
from ingest.extract.adverse.table_html import adverse_reactions_from_table
from ingest.readers.fhir.epi import read_bundle

X = 'xmlns="http://www.w3.org/1999/xhtml"'
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

DIVS = {
    "1. Name of the medicinal product": "<p>Examplol 10&nbsp;mg tablets</p>",
    "2. Qualitative and quantitative composition": "<p>Each tablet contains 10 mg examplol.</p>",
    "3. Pharmaceutical form": "<p>Film-coated tablet.</p>",
    "4. Clinical particulars": None,
    "4.1 Therapeutic indications": "<p>Examplol is indicated for:</p><ul><li>adults with condition A</li>"
                                   "<li>children aged 6 years and older with condition B</li></ul>",
    "4.2 Posology and method of administration": "<h3>Adults</h3><p>The dose is 2 mg/kg once daily.<br/>Take with food.</p>"
                                                 "<h3>Children</h3><p>The dose is 40 mg/m<sup>2</sup> once daily.</p>",
    "4.3 Contraindications": "<p>Hypersensitivity to the active substance.</p>",
    "4.4 Special warnings and precautions for use": "Loose text before a paragraph.<p>Monitor liver function.</p>"
                                                    f'<p><img src="{PNG}"/></p>',
    "4.8 Undesirable effects": '<p>Frequencies: very common (<img alt="&#8805;" src="a.png"/> 1/10); common '
                               '(<img src="icons/ge.png"/> 1/100 to &lt; 1/10); uncommon (&#8805; 1/1,000 to &lt; 1/100); '
                               "rare (&#8805; 1/10,000 to &lt; 1/1,000).</p>"
                               "<table><thead><tr><th>System organ class</th><th>Frequency</th><th>Adverse reaction</th></tr></thead>"
                               "<tbody><tr><td rowspan=\"2\">Nervous system disorders<sup>a</sup></td><td>Very common</td><td>Headache</td></tr>"
                               "<tr><td>Uncommon</td><td>Dizziness, somnolence</td></tr>"
                               "<tr><td>Gastro-intestinal disorders</td><td>Common</td><td><p>Nausea<sup>b</sup></p><p>Vomiting</p></td></tr>"
                               "<tr><td>Unknown organ things</td><td>Rare</td><td>Odd event</td></tr></tbody></table>"
                               "<p><sup>a</sup> See section 4.4.</p><p><sup>b</sup> Usually mild.</p>",
}


def bundle() -> bytes:
    sections, clinical = [], None
    for title, div in DIVS.items():
        sec = {"title": title}
        if div is not None:
            sec["text"] = {"status": "generated", "div": f"<div {X}>{div}</div>"}
        if title.startswith("4.") and clinical is not None:
            clinical.setdefault("section", []).append(sec)
        else:
            sections.append(sec)
        if title.startswith("4. "):
            clinical = sec
    comp = {"resourceType": "Composition", "type": {"text": "Summary of Product Characteristics"},
            "title": "Examplol", "section": sections}
    return json.dumps({"resourceType": "Bundle", "type": "document", "entry": [{"resource": comp}]},
                      indent=2, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def rec():
    return read_bundle(bundle(), "examplol.json", "fhir-epi-json")


def test_lists_are_list_items_with_paths(rec):
    paras = rec.section("4.1").paragraphs
    assert [p.kind for p in paras] == ["paragraph", "list-item", "list-item"]
    assert paras[2].text == "children aged 6 years and older with condition B"
    assert paras[2].source.locator == "Composition.section[3].section[0].text.div/ul[1]/li[2]"
    assert rec.original[paras[2].source.char_start : paras[2].source.char_end] == paras[2].text


def test_h3_headings_make_subsections(rec):
    assert rec.section("4.2/adults").paragraphs[0].text == "The dose is 2 mg/kg once daily. Take with food."
    assert rec.section("4.2/children").paragraphs[0].text == "The dose is 40 mg/m2 once daily."
    assert rec.section("4.2/children").parent == "4.2"


def test_entities_and_loose_text(rec):
    assert rec.section("1").paragraphs[0].text == "Examplol 10 mg tablets"
    assert rec.section("4.4").paragraphs[0].text == "Loose text before a paragraph."


def test_images_symbols_and_embedded_pictures(rec):
    legend = rec.section("4.8").paragraphs[0].text
    assert "very common (≥ 1/10); common (≥ 1/100 to < 1/10)" in legend
    rules = {i.rule for i in rec.issues}
    assert "xhtml-image-dropped" in rules
    dropped = next(i for i in rec.issues if i.rule == "xhtml-image-dropped")
    assert dropped.section == "4.4" and "base64" not in rec.section("4.4").text
    assert "iVBOR" not in dropped.message  # the picture itself is never copied into text
    by = sorted(i.message.split("(by ")[1] for i in rec.issues if i.rule == "xhtml-image-symbol")
    assert by == ["alt)", "file-name)"]


def test_long_layout_table_with_rowspan_and_footnotes(rec):
    [table] = rec.section("4.8").tables
    assert table.header == ["System organ class", "Frequency", "Adverse reaction"]
    assert table.rows[1][0] == "Nervous system disorders\u1d43"  # rowspan repeats the organ class
    entries = adverse_reactions_from_table(table, rec)
    got = {(e.term, e.soc, e.frequency) for e in entries}
    assert got == {
        ("Headache", "Nervous system disorders", "very common"),
        ("Dizziness", "Nervous system disorders", "uncommon"),
        ("somnolence", "Nervous system disorders", "uncommon"),
        ("Nausea", "Gastrointestinal disorders", "common"),
        ("Vomiting", "Gastrointestinal disorders", "common"),
    }
    nausea = next(e for e in entries if e.term == "Nausea")
    assert nausea.footnotes == ["b"] and nausea.source.quote == "Nausea\u1d47"  # as printed
    assert nausea.source.locator.endswith("table[1]/tbody[1]/tr[3]/td[3]/p[1]")
    assert any(i.rule == "adverse.unknown-soc" and "Unknown organ things" in i.message for i in rec.issues)


def test_adverse_set_has_legend_and_footnotes(rec):
    s = adverse_set(rec)
    assert s.style == "html-table" and len(s.entries) == 5
    assert {f.marker: f.text for f in s.footnotes} == {"a": "See section 4.4.", "b": "Usually mild."}
    common = next(b for b in s.bands if b.name == "common")
    assert (common.low, common.high) == (0.01, 0.1)


def test_unknown_organ_class_row_is_an_unresolved_item_not_an_entry(rec):
    entries = adverse_reactions_from_table(rec.section("4.8").tables[0], rec)
    rows = [u for u in rec.unresolved if u.kind == "adverse-row"]
    assert rows, rec.unresolved
    u = rows[0]
    assert u.quote == "Unknown organ things | Rare | Odd event"
    assert "Unknown organ things" in u.reason and u.section == "4.8" and u.source.locator.endswith("tbody[1]/tr[4]/td[1]")
    assert entries and not any(e.term == "Odd event" for e in entries)
