"""Section 4.8 adverse reactions as data (placeholder until that capability lands)."""
from __future__ import annotations

from .records import LabelRecord


def extract(record: LabelRecord) -> None:
    """Fill ``record.adverse_reactions``."""
    return None
