"""HL7 FHIR ePI Bundle reader (placeholder until that capability lands)."""
from __future__ import annotations

from .errors import UnreadableInput
from .records import LabelRecord


def read_bundle(data: bytes, path: str, fmt: str) -> LabelRecord:
    raise UnreadableInput(f"{fmt} input is not supported yet", path)
