"""Extractors read the document model (blocks and their provenance), never the reader's raw text.

Each label is read and given its document model; then ``record.original`` is replaced by an
object that refuses every use, and the label is identified and every extractor runs again: an
extractor that still sliced, searched, hashed or re-split the raw text would fail here."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BLINCYTO
from pdf_support import pdf_labels, pdf_read

from ingest import pipeline
from ingest.extract.identity import identify
from ingest.readers.fhir.epi import read_bundle
from ingest.readers.text.reader import parse_text
from ingest.records_document import document_of
from ingest.text_lines import decode

METHOTREXATE = Path(__file__).resolve().parent.parent / "labels" / "methotrexate-uk" / "smpc-epi.json"


class _NoRawText:
    """Stands for ``record.original``: any use of it fails the test."""

    def __getattr__(self, name):
        raise AssertionError(f"an extractor read record.original (.{name})")

    def __getitem__(self, key):
        raise AssertionError("an extractor sliced record.original")

    def __len__(self):
        raise AssertionError("an extractor measured record.original")

    def __str__(self):
        raise AssertionError("an extractor read record.original as text")


def _extract_without_raw_text(record):
    record.document = document_of(record)
    record.original = _NoRawText()
    identify(record, None, None)  # the version (a date, else a content hash) from the model
    for extract in pipeline.EXTRACTORS:
        extract(record)
    return record


def _poisoned_pdf(product: str):
    """The PDF reader's first SmPC of a bundled EMA file, extracted with record.original poisoned."""
    from ingest.extract.identity import identify_pdf
    from ingest.readers.pdf.records import to_record

    doc = pdf_read(product).documents[0]
    record = to_record(doc)
    record.document = doc
    record.original = _NoRawText()
    identify_pdf([record], None, None)
    for extract in pipeline.EXTRACTORS:
        extract(record)
    return record


def test_pdf_extractors_never_read_the_raw_text():
    """Karvea's SmPC (PDF) gives the same facts with its raw text out of reach."""
    record = _poisoned_pdf("karvea")
    full = pdf_labels("karvea").records[0]
    assert [(e.term, e.frequency) for e in record.adverse_reactions.entries] == \
        [(e.term, e.frequency) for e in full.adverse_reactions.entries]
    assert (record.version, record.version_basis) == (full.version, full.version_basis)
    assert [(i.text, i.source.char_start) for i in record.indications] == \
        [(i.text, i.source.char_start) for i in full.indications]
    assert repr(record.dosing) == repr(full.dosing)


def _blincyto():
    path = str(BLINCYTO)
    return parse_text(decode(Path(path).read_bytes(), path), path)


def _methotrexate():
    return read_bundle(METHOTREXATE.read_bytes(), str(METHOTREXATE), "fhir-epi-json")


@pytest.mark.parametrize("read", [_blincyto, _methotrexate], ids=["text", "fhir"])
def test_extractors_never_read_the_raw_text(read):
    record = _extract_without_raw_text(read())
    full = pipeline.read_label(BLINCYTO if read is _blincyto else METHOTREXATE)
    assert [e.term for e in record.adverse_reactions.entries] == [e.term for e in full.adverse_reactions.entries]
    assert (record.label_id, record.version, record.version_date) == (full.label_id, full.version, full.version_date)
    assert [(i.text, i.source.char_start) for i in record.indications] == \
        [(i.text, i.source.char_start) for i in full.indications]
    assert repr(record.dosing) == repr(full.dosing)
    assert [(u.kind, u.quote) for u in record.unresolved] == [(u.kind, u.quote) for u in full.unresolved]


def test_blincyto_facts_from_blocks():
    """The BLINCYTO label read with no access to its raw text: 4.8 prints 70 adverse reactions
    (gold-adverse-reactions.tsv); 6.6 prints "Table 13. For patients weighing greater than or equal
    to 45 kg: volumes of ..." whose first row is "24 hours" / "9 mcg/day 10 mL/hour 0.83 mL 1"
    (label lines 3842-3843), quoted from the document's text."""
    record = _extract_without_raw_text(_blincyto())
    assert len(record.adverse_reactions.entries) == 70
    table = next(t for t in record.dosing.preparation_tables if t.title.startswith("Table 13."))
    assert table.weight_group == "ge-45-kg"
    row = table.rows[0]
    assert (row.hours.value, row.dose.value, row.rate.value, row.volume.value, row.vials) == (24, 9, 10, 0.83, 1)
    assert row.source.line_start == 3842 and "0.83 mL 1" in row.source.quote


def test_standard_subheading_before_a_short_paragraph():
    """4.2 of the bundled label: "Method of administration" is followed by the five-word "BLINCYTO is
    for intravenous use." It is a sub-heading of the QRD template, so the infusion instructions
    after it ("Important note: Do not flush the BLINCYTO infusion line ...") are not filed under
    the "Pediatric population" sub-heading before it."""
    record = _blincyto()
    sections = {s.key: s for s in record.sections}
    moa = sections["4.2/method-of-administration"]
    texts = [p.text for p in moa.paragraphs]
    assert texts[0] == "BLINCYTO is for intravenous use."
    assert any(t.startswith("Important note: Do not flush the BLINCYTO infusion line") for t in texts)
    assert not any("Do not flush" in p.text for p in sections["4.2/pediatric-population"].paragraphs)
