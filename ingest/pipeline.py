"""Read any supported label file into a complete :class:`LabelRecord`.

The reader is chosen by content, not by file name; then every extractor runs
over the sections. Extractors add records and :class:`Issue` values; they
never raise for problems inside a readable label.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from . import adverse_reactions, clinical, posology, product, statements
from .errors import UnreadableInput
from .identity import identify
from .records import LabelRecord
from .text_lines import decode
from .text_reader import parse_text

Extractor = Callable[[LabelRecord], None]

EXTRACTORS: list[Extractor] = [
    product.extract,
    clinical.extract,
    statements.extract,
    adverse_reactions.extract,
    posology.extract,
]


def detect_format(data: bytes) -> str:
    """'fhir-epi-json' | 'fhir-epi-xml' | 'text', from the first bytes."""
    head = data.lstrip()[:200].lstrip(b"\xef\xbb\xbf")
    if head.startswith(b"{"):
        return "fhir-epi-json"
    if head.startswith(b"<"):
        return "fhir-epi-xml"
    return "text"


def read_label(path: str | Path, label_id: str | None = None, version: str | None = None) -> LabelRecord:
    p = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UnreadableInput(f"cannot read file: {exc.strerror or exc}", p) from exc
    return read_label_bytes(data, p, label_id, version)


def read_label_bytes(data: bytes, path: str, label_id: str | None = None, version: str | None = None) -> LabelRecord:
    fmt = detect_format(data)
    if fmt == "text":
        record = parse_text(decode(data, path), path)
    else:
        from . import fhir_epi  # the structured reader (FHIR ePI Bundle, JSON or XML)

        record = fhir_epi.read_bundle(data, path, fmt)
    identify(record, label_id, version)
    for extract in EXTRACTORS:
        extract(record)
    return record
