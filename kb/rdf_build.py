"""A label record -> the RDF graph of its label version (all mappers, in order)."""
from __future__ import annotations

from rdflib import Graph

from ingest.records import LabelRecord

from . import rdf_adverse, rdf_core, rdf_dosing, rdf_types, rdf_unresolved
from .rdf_base import GraphBuilder

# rdf_types last: it types what the others made
MAPPERS = [rdf_core.add, rdf_adverse.add, rdf_dosing.add, rdf_unresolved.add, rdf_types.add]


def build_graph(record: LabelRecord) -> Graph:
    b = GraphBuilder(record.label_id, record.version)
    for mapper in MAPPERS:
        mapper(b, record)
    return b.g
