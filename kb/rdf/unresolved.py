"""Unresolved items -> RDF (``ontology/vocab/unresolved.ttl``).

Each item is a ``smpc:UnresolvedItem`` linked from the label version, with its
kind, reason, candidate values, the fact it concerns (an adverse reaction
whose frequency is open) and its place in the label (a text span with the
quote). An item asserts nothing about the medicine.
"""
from __future__ import annotations

from rdflib import Literal
from rdflib.namespace import RDF, RDFS

from ingest.records import LabelRecord
from kb.rdf.base import SMPC, GraphBuilder

# fact kinds that an unresolved item may concern: record kind -> IRI kind segment
_FACT_KINDS = {"adverse-frequency": "adverse-reaction"}


def add(b: GraphBuilder, record: LabelRecord) -> None:
    for item in record.unresolved:
        node = b.iri("unresolved", item.id)
        b.add(b.root, SMPC.hasUnresolvedItem, node)
        b.add(node, RDF.type, SMPC.UnresolvedItem)
        b.add(node, SMPC.identifier, Literal(item.id))
        b.add(node, SMPC.unresolvedKind, Literal(item.kind))
        b.add(node, SMPC.unresolvedReason, Literal(item.reason))
        b.add(node, RDFS.label, Literal(f"{item.kind}: {item.quote[:80]}"))
        for c in item.candidates:
            b.add(node, SMPC.candidateValue, Literal(c))
        if item.fact_id and item.kind in _FACT_KINDS:
            b.add(node, SMPC.concernsFact, b.iri(_FACT_KINDS[item.kind], item.fact_id))
        b.source(node, item.source)
