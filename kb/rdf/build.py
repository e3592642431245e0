"""A label record -> the RDF graph of its label version (all mappers, in order)."""
from __future__ import annotations

from rdflib import Graph

from ingest.records import LabelRecord
from kb.rdf import adverse as rdf_adverse
from kb.rdf import core as rdf_core
from kb.rdf import dosing as rdf_dosing
from kb.rdf import standard_types as rdf_types
from kb.rdf import unresolved as rdf_unresolved
from kb.rdf.base import GraphBuilder
from kb.rdf.triple_index import TripleIndex

# rdf_types last: it types what the others made
MAPPERS = [rdf_core.add, rdf_adverse.add, rdf_dosing.add, rdf_unresolved.add, rdf_types.add]


def build_graph(record: LabelRecord) -> Graph:
    """The label version's graph, held in a :class:`TripleIndex` (fast to fill and to read; copy it
    into a default rdflib graph for pySHACL)."""
    b = GraphBuilder(record.label_id, record.version, TripleIndex())
    for mapper in MAPPERS:
        mapper(b, record)
    return b.g
