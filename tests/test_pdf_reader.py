"""The PDF reader on the six bundled EMA product-information PDFs: every SmPC of Annex I found,
its sections, no page furniture or annex text in any passage. Expectations were read in the PDFs
(pdftotext -layout and the rendered pages), not taken from the reader's output."""
from __future__ import annotations

import re

import pytest

from ingest import document as dm
from tests.pdf_support import PRODUCTS, pdf_read

# SmPCs in Annex I, counted in each PDF ("1. NAME OF THE MEDICINAL PRODUCT" before "ANNEX II")
SMPC_COUNT = {"karvea": 6, "dovato": 1, "skilarence": 1, "humira": 5, "humalog": 4, "suliqua": 1}
# the first presentation named in section 1 of each SmPC, as printed
FIRST_NAMES = {
    "karvea": ["Karvea 75 mg tablets.", "Karvea 150 mg tablets.", "Karvea 300 mg tablets.",
               "Karvea 75 mg film-coated tablets.", "Karvea 150 mg film-coated tablets.",
               "Karvea 300 mg film-coated tablets."],
    "dovato": ["Dovato 50 mg/300 mg film-coated tablets"],
    "skilarence": ["Skilarence 30 mg gastro-resistant tablets"],
    "humira": ["Humira 20 mg solution for injection in pre-filled syringe", "Humira 40 mg/0.8 ml solution for injection",
               "Humira 40 mg solution for injection in pre-filled syringe",
               "Humira 40 mg solution for injection in pre-filled syringe",
               "Humira 80 mg solution for injection in pre-filled syringe"],
    "humalog": ["Humalog 100 units/ml solution for injection in vial",
                "Humalog Mix25 100 units/ml suspension for injection in vial",
                "Humalog Mix50 100 units/ml suspension for injection in cartridge",
                "Humalog 200 units/ml KwikPen solution for injection in a pre-filled pen"],
    "suliqua": ["Suliqua 100 units/ml + 50 micrograms/ml solution for injection in pre-filled pen"],
}
# the EU SmPC template: every SmPC of these files has each of these numbered sections
NUMBERS = ["1", "2", "3", "4", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "4.8", "4.9", "5", "5.1", "5.2",
           "5.3", "6", "6.1", "6.2", "6.3", "6.4", "6.5", "6.6", "7", "8", "9", "10"]
# text that belongs to Annex II / III, never to an SmPC
ANNEX_TEXT = re.compile(r"\bANNEX (?:II|III|IV)\b|LABELLING AND PACKAGE LEAFLET|PARTICULARS TO APPEAR ON|"
                        r"Package leaflet: Information for the|CONDITIONS OR RESTRICTIONS REGARDING SUPPLY")


@pytest.mark.parametrize("product", PRODUCTS)
def test_every_smpc_of_annex_one_is_found(product):
    docs = pdf_read(product).documents
    assert len(docs) == SMPC_COUNT[product]
    names = [d.section("1").blocks[0].text for d in docs]
    for name, expected in zip(names, FIRST_NAMES[product]):
        assert name.startswith(expected)


@pytest.mark.parametrize("product", PRODUCTS)
def test_each_smpc_has_its_numbered_sections_in_order(product):
    for doc in pdf_read(product).documents:
        numbers = [s.number for s in doc.sections]
        assert numbers == NUMBERS
        sec = doc.section("4.1")
        assert sec.title.lower().startswith("therapeutic indications") and sec.parent == "4" and sec.level == 2
        assert all(s.blocks for s in doc.sections if s.number not in ("4", "5", "6", "10"))


@pytest.mark.parametrize("product", PRODUCTS)
def test_annexes_two_and_three_are_skipped_not_read(product):
    read = pdf_read(product)
    assert [s.what.split(" (")[0] for s in read.skipped] == ["Annex II", "Annex III"]
    last_smpc_page = max(d.pages[1] for d in read.documents)
    assert last_smpc_page < read.skipped[0].pages[0]
    for doc in read.documents:
        for sec, block in doc.blocks():
            assert not ANNEX_TEXT.search(block.text), (sec.number, block.text[:80])


@pytest.mark.parametrize("product", PRODUCTS)
def test_no_page_number_or_running_text_in_any_passage(product):
    for doc in pdf_read(product).documents:
        for sec, block in doc.blocks():
            if isinstance(block, dm.Table):
                continue
            # EMA pages carry their page number, centred at the foot: never a passage, never glued on
            assert block.text != str(block.prov.page), (sec.number, block.prov.locator())
            assert not block.text.endswith(f" {block.prov.page}") or block.prov.page < 10
            assert "\ufffd" not in block.text and not re.search("[\ue000-\uf8ff]", block.text)


def test_heading_number_and_title_in_separate_runs():
    # Dovato prints "4.7 " and "Effects on ability to drive and use mach" + "ines" as separate runs
    doc = pdf_read("dovato").documents[0]
    assert doc.section("4.7").title == "Effects on ability to drive and use machines"
    assert doc.section("4.8").title == "Undesirable effects"


def test_stray_text_before_a_heading_does_not_hide_an_smpc():
    # the fifth Humira SmPC starts on page 215 with "Error! Hyperlink reference not valid.1. NAME OF ..."
    docs = pdf_read("humira").documents
    assert docs[4].pages[0] == 215
    assert docs[4].section("1").blocks[0].text.startswith("Humira 80 mg solution for injection in pre-filled syringe")


def test_sub_headings_by_style_and_own_line():
    doc = pdf_read("dovato").documents[0]
    heads = [b.text for b in doc.section("4.8").blocks if isinstance(b, dm.Heading)]
    # underlined / own-line sub-headings of Dovato's 4.8 (page 14-16)
    for title in ("Summary of the safety profile", "Tabulated list of adverse reactions",
                  "Changes in laboratory biochemistries", "Co-infection with Hepatitis B or C"):
        assert title in heads
    paras = [b.text for b in doc.section("4.8").blocks if isinstance(b, dm.Paragraph)]
    assert any(p.startswith("The most frequently reported adverse reactions are headache (3%)") for p in paras)


def test_lines_typed_as_a_list_are_separate_passages():
    # Karvea 4.3 prints two contraindications on consecutive lines
    doc = pdf_read("karvea").documents[0]
    texts = [b.text for b in doc.section("4.3").blocks]
    assert "Hypersensitivity to the active substance or to any of the excipients listed in section 6.1." in texts
    assert "Second and third trimesters of pregnancy (see sections 4.4 and 4.6)." in texts


def test_bold_lead_in_is_kept_as_data():
    # Karvea 4.4: "Intravascular volume depletion: symptomatic hypotension, ..." with a bold lead-in
    doc = pdf_read("karvea").documents[0]
    leads = [b.lead_in for b in doc.section("4.4").blocks if isinstance(b, dm.Paragraph) and b.lead_in]
    assert "Intravascular volume depletion" in leads and "Hyperkalaemia" in leads


def test_symbol_font_glyphs_become_unicode():
    # Humira's 4.8 frequency convention is printed with the Symbol font's >= glyph
    doc = pdf_read("humira").documents[0]
    text = " ".join(b.text for b in doc.section("4.8").blocks if not isinstance(b, dm.Table))
    assert "very common (≥ 1/10)" in text or "very common (≥1/10)" in text


def test_list_items_keep_their_bullet():
    # Humira 4.2 (paediatric Crohn's disease, page 5): two bullet lines after "... increase in dosage:"
    doc = pdf_read("humira").documents[0]
    items = [b for b in doc.section("4.2").blocks if isinstance(b, dm.ListItem)]
    texts = [i.text for i in items]
    assert "< 40 kg: 20 mg every week" in texts and "≥ 40 kg: 40 mg every week or 80 mg every other week" in texts


def test_every_block_has_page_and_box():
    for doc in pdf_read("dovato").documents:
        for _, block in doc.blocks():
            assert block.prov.page and block.prov.bbox and block.prov.char_end > block.prov.char_start
            assert doc.text[block.prov.char_start:block.prov.char_end].strip()


def test_words_hyphenated_at_a_line_end_are_joined():
    # Dovato 4.4: "... Polyvalent cation-" / "containing antacids are recommended ..." (a compound: kept)
    doc = pdf_read("dovato").documents[0]
    assert any("Polyvalent cation-containing antacids are recommended" in b.text for _, b in doc.blocks())
    # Suliqua 4.8: "Neither status for anti-" / "insulin glargine antibodies"
    doc = pdf_read("suliqua").documents[0]
    assert any("Neither status for anti-insulin glargine antibodies" in b.text for _, b in doc.blocks())


def test_a_word_split_by_hyphenation_loses_its_hyphen_when_the_word_occurs_whole():
    from ingest.readers.pdf.layout import join_lines
    from ingest.readers.pdf.lines import Line, Span

    lines = [Line(1, 72, 100, 500, 110, 11, [Span("the recommended treat-")]),
             Line(1, 72, 113, 300, 123, 11, [Span("ment is given daily")])]
    assert join_lines(lines, {"treatment"})[0] == "the recommended treatment is given daily"
    assert join_lines(lines, set())[0] == "the recommended treat-ment is given daily"


def _page(number: int, lines: list[tuple[float, str]]):
    from ingest.readers.pdf.glyphs import PageGlyphs
    from ingest.readers.pdf.lines import Line, Span

    return PageGlyphs(number, 595, 842, [], []), [Line(number, 72, top, 400, top + 9, 10, [Span(t)]) for top, t in lines]


def test_running_header_footer_and_page_number_removed_by_position_and_repetition():
    from ingest.readers.pdf.lines import drop_running_text

    pages, lines = zip(*[_page(n, [(30, "Fictional Company - Zentavir SmPC"), (80, f"Body text of page {n}."),
                                   (400, "Fictional Company - Zentavir SmPC"), (810, f"Page {n} of 5")])
                         for n in range(1, 6)])
    lines = [list(x) for x in lines]
    drop_running_text(list(pages), lines)
    for n, ls in enumerate(lines, 1):
        # the repeated line at the top and the page number at the foot go; body text stays,
        # and so does the same sentence in the body of the page (not in the margin)
        assert [ln.text for ln in ls] == [f"Body text of page {n}.", "Fictional Company - Zentavir SmPC"]


def test_larger_type_makes_a_sub_heading():
    from ingest.readers.pdf.layout import is_subheading as _is_subheading
    from ingest.readers.pdf.lines import Line, Span

    big = Line(1, 72, 100, 300, 112, 13, [Span("Paediatric population")])
    plain = Line(1, 72, 100, 300, 110, 10, [Span("Paediatric population")])
    assert _is_subheading([big], big.text, 10) and not _is_subheading([plain], plain.text, 10)


def test_rotated_figure_labels_are_not_read_as_text():
    # Humira 20 mg SmPC, 5.1 Figure 1 (page 32): the y-axis label is printed rotated
    doc = pdf_read("humira").documents[0]
    blocks = [b for b in doc.section("5.1").blocks if b.prov.page == 32]
    assert blocks and not any(len(b.text) <= 2 for b in blocks)


def test_footnotes_printed_one_per_line_are_separate_footnotes():
    """Under Suliqua's hypoglycaemia table (page 11) three footnotes are printed, each on lines of
    its own, their markers as plain text: "* Documented symptomatic hypoglycaemia ...", "** Severe
    symptomatic hypoglycaemia ..." and "*** Liraglutide, exenatide BID ...": three footnotes, not
    one paragraph."""
    sec = pdf_read("suliqua").documents[0].section("4.8")
    notes = [b for b in sec.blocks if isinstance(b, dm.Footnote) and b.prov.page == 11]
    assert [n.marker for n in notes] == ["*", "**", "***"]
    assert notes[0].text.startswith("Documented symptomatic hypoglycaemia") and "**" not in notes[0].text
    assert notes[1].text.startswith("Severe symptomatic hypoglycaemia")
    assert notes[2].text.startswith("Liraglutide, exenatide BID")


def test_a_footnote_marker_glued_to_its_first_word():
    """Skilarence prints under its 4.8 table (page 8) "*Additional adverse reactions reported with
    Fumaderm, ..." and "**Adverse reactions reported during post marketing experience.", the stars
    glued to the first word: two footnotes of the table."""
    sec = pdf_read("skilarence").documents[0].section("4.8")
    [table] = sec.tables()
    assert [(n.marker, n.text.split()[:3]) for n in table.footnotes] == [
        ("*", ["Additional", "adverse", "reactions"]), ("**", ["Adverse", "reactions", "reported"])]


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("name", ["dovato", "no-smpc.pdf"])
def test_a_read_leaves_the_garbage_collector_as_it_found_it(name, enabled):
    """The reader holds off Python's cyclic garbage collector while it reads (it builds many
    long-lived objects and little garbage); afterwards, also after a refused file, collection
    is on again exactly when it was on before."""
    import gc

    from ingest.errors import IngestError
    from ingest.readers.pdf.reader import read_pdf
    from tests.pdf_support import FIXTURES, pdf_path

    path = pdf_path(name) if not name.endswith(".pdf") else FIXTURES / name
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        try:
            read_pdf(path.read_bytes(), str(path))
        except IngestError:
            assert name.endswith(".pdf")  # the fixture is refused (no SmPC in it)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
