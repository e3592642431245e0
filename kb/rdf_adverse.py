"""Adverse reactions -> RDF (placeholder until that capability lands)."""
from __future__ import annotations

from ingest.records import LabelRecord

from .rdf_base import GraphBuilder


def add(b: GraphBuilder, record: LabelRecord) -> None:
    return None
