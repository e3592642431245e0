"""Section 4.2 / 6.6 dosing rules as data (placeholder until that capability lands)."""
from __future__ import annotations

from .records import LabelRecord


def extract(record: LabelRecord) -> None:
    """Fill ``record.dosing``."""
    return None
