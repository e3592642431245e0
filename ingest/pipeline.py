"""Read any supported label file into a complete :class:`LabelRecord`.

The reader is chosen by content, not by file name; every record carries the
label as the document model (``record.document``: the PDF reader's own, or the
text and FHIR readers' sections as that model); then every extractor runs
over the sections. Extractors add records and :class:`Issue` values; they
never raise for problems inside a readable label.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ingest.extract import product, statements
from ingest.extract.adverse import reactions as adverse_reactions
from ingest.extract.clinical import facts as clinical
from ingest.extract.identity import identify
from ingest.extract.posology import dosing as posology
from ingest.readers.text.reader import parse_text

from .errors import UnreadableInput
from .records import LabelRecord
from .records_document import document_of
from .text_lines import decode

Extractor = Callable[[LabelRecord], None]

EXTRACTORS: list[Extractor] = [
    product.extract,
    clinical.extract,
    statements.extract,
    adverse_reactions.extract,
    posology.extract,
]


def detect_format(data: bytes) -> str:
    """'pdf' | 'fhir-epi-json' | 'fhir-epi-xml' | 'text', from the first bytes."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    head = data.lstrip()[:200].lstrip(b"\xef\xbb\xbf")
    if head.startswith(b"{"):
        return "fhir-epi-json"
    if head.startswith(b"<"):
        return "fhir-epi-xml"
    return "text"


def _read_bytes(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UnreadableInput(f"cannot read file: {exc.strerror or exc}", str(path)) from exc


def read_label(path: str | Path, label_id: str | None = None, version: str | None = None) -> LabelRecord:
    return read_label_bytes(_read_bytes(path), str(path), label_id, version)


def read_label_bytes(data: bytes, path: str, label_id: str | None = None, version: str | None = None) -> LabelRecord:
    fmt = detect_format(data)
    if fmt == "pdf":
        return read_labels_bytes(data, path, label_id, version).records[0]
    if fmt == "text":
        record = parse_text(decode(data, path), path)
    else:
        from ingest.readers.fhir import epi as fhir_epi  # the structured reader (FHIR ePI Bundle, JSON or XML)

        record = fhir_epi.read_bundle(data, path, fmt)
    record.document = document_of(record)
    identify(record, label_id, version)
    for extract in EXTRACTORS:
        extract(record)
    return record


@dataclass
class LabelsRead:
    """Every SmPC of one file, and the parts of the file not read as an SmPC."""

    records: list[LabelRecord]
    skipped: list[str] = field(default_factory=list)  # e.g. "Annex III (labelling and package leaflet) (pages 30-49)"


def read_labels(path: str | Path, label_id: str | None = None, version: str | None = None) -> list[LabelRecord]:
    """One record per SmPC in the file (an EU product-information PDF may hold several);
    a text or FHIR file gives a list of one. See :func:`read_labels_with_skipped` for what was skipped."""
    return read_labels_with_skipped(path, label_id, version).records


def read_labels_with_skipped(path: str | Path, label_id: str | None = None, version: str | None = None) -> LabelsRead:
    return read_labels_bytes(_read_bytes(path), str(path), label_id, version)


def read_labels_bytes(data: bytes, path: str, label_id: str | None = None, version: str | None = None) -> LabelsRead:
    if detect_format(data) != "pdf":
        return LabelsRead([read_label_bytes(data, path, label_id, version)])
    from ingest.readers.pdf.reader import read_pdf

    return labels_from_pdf(read_pdf(data, path), label_id, version)


def labels_from_pdf(read, label_id: str | None = None, version: str | None = None) -> LabelsRead:
    """Records of the SmPCs of a read PDF (:class:`ingest.readers.pdf.reader.PdfRead`): identified and extracted."""
    from ingest.extract.identity import identify_pdf
    from ingest.readers.pdf.records import to_record

    records = [to_record(d) for d in read.documents]
    for record, doc in zip(records, read.documents):
        record.document = doc
    identify_pdf(records, label_id, version)
    for record in records:
        for extract in EXTRACTORS:
            extract(record)
    return LabelsRead(records, [s.describe() for s in read.skipped])
