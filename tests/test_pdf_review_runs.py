"""Runs of one printed line stay in their printed order (review of the PDF reader).

A dash or a comma is drawn as a sliver of ink at some height of its line; read by its ink it fell
out of the line and was appended after it. The passages below were read in the PDFs themselves
(labels/ema/*/...pdf, the page given), and the reader's text must reproduce them.
"""
from __future__ import annotations

import pytest

from tests.pdf_support import pdf_read


def _passages(product: str, number: str) -> list[str]:
    return [b.text for doc in pdf_read(product).documents if doc.section(number)
            for b in doc.section(number).blocks if hasattr(b, "text")]


def _with(product: str, number: str, start: str) -> list[str]:
    """The passages (of every SmPC of the file) holding ``start``."""
    hits = [t for t in _passages(product, number) if start in t]
    assert hits, f"no passage of {product} section {number} holds {start!r}"
    return hits


@pytest.mark.parametrize("product, number, printed", [
    # Dovato p. 5, section 4.4 (metformin): the en dash of the range stays between its numbers
    ("dovato", "4.4", "moderate renal impairment (stage 3a creatinine clearance 45– 59 mL/min) and a cautious "
                      "approach is recommended. Reduction of the metformin dose should be highly considered."),
    # Humalog p. 2, section 2 and p. 3, section 4.2 (Junior KwikPen)
    ("humalog", "2", "Each Junior KwikPen delivers 0.5 – 30 units in steps of 0.5 units."),
    ("humalog", "4.2", "The Humalog 100 units/ml Junior KwikPen delivers 0.5 – 30 units in steps of 0.5 units "
                       "in a single injection."),
    # Skilarence p. 4, section 4.4 (Leukopenia): the comma stays after "found"
    ("skilarence", "4.4", "If a marked decrease in the total number of white blood cells is found, the situation "
                          "should be monitored carefully"),
    # Humira p. 42, section 6.4
    ("humira", "6.4", "Store in a refrigerator (2°C – 8°C). Do not freeze."),
])
def test_a_thin_glyph_keeps_its_place_in_the_line(product, number, printed):
    assert any(printed in t for t in _with(product, number, printed[:30]))


def test_no_dash_is_left_stranded_at_a_passage_end():
    """Before, the dash that fell out of its line ended the paragraph ("... a cautious approach is –")."""
    for product in ("dovato", "humalog", "humira"):
        stranded = [b.text for doc in pdf_read(product).documents for s in doc.sections for b in s.blocks
                    if hasattr(b, "text") and b.text.endswith((" –", " -"))]
        assert stranded == [], (product, stranded[:3])


def test_a_range_broken_at_the_line_end_is_not_a_list_item():
    """Humira p. 81, section 5.1 (paediatric plaque psoriasis): the line ends "methotrexate 0.1" and the
    next one opens "– 0.4 mg/kg weekly": one sentence, not a list item starting with a dash."""
    texts = _with("humira", "5.1", "or methotrexate 0.1")
    assert any("or methotrexate 0.1 – 0.4 mg/kg weekly (up to 25 mg). At week 16" in t for t in texts)
    items = [b.text for doc in pdf_read("humira").documents for b in doc.section("5.1").blocks
             if b.text.startswith("0.4 mg/kg weekly")]
    assert items == []


def test_a_power_of_ten_keeps_its_raised_exponent():
    """Skilarence p. 4, section 4.4: "3.0x10" followed by a raised 9 ("3.0x10⁹/L"): the exponent must not
    run into the base as "109" (a count a thousand times too high would be read)."""
    assert any("discontinued at levels below 3.0x10⁹/L." in t for t in _with("skilarence", "4.4", "If a marked"))
    assert "109/L" not in " ".join(_passages("skilarence", "4.4"))
    lymph = _with("skilarence", "4.4", "If the lymphocyte count falls below 1.0")
    assert any("below 1.0x10⁹/L but is ≥ 0.7 x10⁹/L" in t for t in lymph)


def test_a_superscript_set_high_above_its_line_stays_at_the_end_of_its_word():
    """Humalog p. 22, section 5.1 (Humalog Mix25 table): the cell prints "Reduction of the mean fasting blood" /
    "glucose¹", the marker 1 raised so high that it overlapped its line less than a run of the line: it was
    read as a line of its own, before the cell's text ("Reduction of the mean fasting blood 1 glucose")."""
    cells = [c for doc in pdf_read("humalog").documents for _, b in doc.blocks() if hasattr(b, "rows")
             for row in b.rows for c in row if c.text.startswith("Reduction of the mean fasting blood")]
    assert cells
    for c in cells:
        assert c.text == "Reduction of the mean fasting blood glucose"
        assert c.marked == "Reduction of the mean fasting blood glucose¹" and c.markers == ["1"]
