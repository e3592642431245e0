"""The shapes evaluated as SPARQL in Oxigraph (kb.validate.shacl.validate_graph) report the same
violations as pySHACL (kb.validate.shacl.validate_graph_reference) on broken graphs.

Each broken graph breaks the fictional fixture label (tests/fixtures/zentavir-smpc.txt) or
the bundled label in one or several places, one per kind of constraint the shapes use
(counts, classes, datatypes, lengths, patterns, value lists, ranges, property pairs, the
logical or/xone, an inverse path, the SHACL-SPARQL constraints); the two reports must agree
violation for violation (shape, focus node, path, value, and the shape's own message).
"""
from __future__ import annotations

from functools import lru_cache

import pytest
from conftest import ZENTAVIR
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from ingest.pipeline import read_label
from kb.rdf.base import SMPC
from kb.rdf.build import build_graph
from kb.validate.shacl import validate_graph, validate_graph_reference

SCHEMA = "https://schema.org/"


@lru_cache(maxsize=None)
def _base() -> Graph:
    return build_graph(read_label(ZENTAVIR))


def fresh() -> Graph:
    g = Graph(identifier=_base().identifier)
    for t in _base():
        g.add(t)
    return g


def first(g: Graph, cls) -> URIRef:
    return sorted(g.subjects(RDF.type, cls), key=str)[0]


def same(report_a, report_b) -> None:
    def key(v):
        return (v.severity, v.shape, v.focus, v.path or "", v.value or "")

    a = sorted(map(key, report_a.violations))
    b = sorted(map(key, report_b.violations))
    assert a == b
    assert report_a.conforms == report_b.conforms


def compare(g: Graph):
    ours, reference = validate_graph(g), validate_graph_reference(g)
    same(ours, reference)
    # where a shape states its message, both report that message
    declared = {(v.shape, v.focus, v.path, v.value): v.message for v in reference.violations}
    for v in ours.violations:
        ref_message = declared[(v.shape, v.focus, v.path, v.value)]
        if not ref_message.startswith(("Less than", "More than", "Value ", "Node ", "String ", "Cannot",
                                       "Datatype", "Node:", "Focus node", "Value:")):
            assert v.message == ref_message
    return ours


def test_the_fixture_label_conforms_for_both():
    report = compare(fresh())
    assert report.conforms and report.violations == []


def test_text_span_breaks():
    g = fresh()
    spans = sorted(g.subjects(RDF.type, SMPC.TextSpan), key=str)
    g.set((spans[0], SMPC.startLine, Literal(500)))  # after its end line: lessThanOrEquals
    g.set((spans[1], SMPC.startChar, Literal(-3)))  # minInclusive 0
    g.set((spans[2], SMPC.quote, Literal("")))  # minLength 1
    g.add((spans[3], SMPC.quote, Literal("a second quote")))  # maxCount 1
    g.set((spans[4], SMPC.derivation, Literal("guessed")))  # sh:in
    g.set((spans[5], SMPC.endLine, Literal("twelve")))  # datatype xsd:integer
    g.set((spans[6], SMPC.startChar, Literal("x", datatype=XSD.integer)))  # an ill-formed integer
    g.remove((spans[7], SMPC.inSection, None))  # minCount 1
    g.set((spans[8], SMPC.inSection, URIRef(str(spans[8]) + "/nowhere")))  # sh:class Section
    g.set((spans[9], SMPC.startChar, Literal("7", datatype=XSD.decimal)))  # decimal is not integer
    report = compare(g)
    assert len({v.focus for v in report.violations}) == 10


def test_sections_populations_and_references_break():
    g = fresh()
    section = first(g, SMPC.Section)
    g.set((section, SMPC.sectionNumber, Literal("4.x")))  # sh:pattern
    g.add((section, DCTERMS.title, Literal("a second title")))
    label = first(g, SMPC.LabelVersion)
    g.set((label, SMPC.labelId, Literal("Not An Id")))
    population = first(g, SMPC.Population)
    for p in (SMPC.ageGroup, SMPC.minAge, SMPC.disease):  # sh:or: none of the three
        g.remove((population, p, None))
    indication = first(g, SMPC.Indication)
    g.remove((indication, SMPC.population, None))
    g.add((indication, SMPC.crossReference, URIRef(str(label) + "/section/99")))  # dangling
    report = compare(g)
    assert {"smpc:SectionShape", "smpc:LabelVersionShape", "smpc:PopulationShape", "smpc:IndicationShape",
            "smpc:CrossReferenceShape"} <= {v.shape for v in report.violations}


def test_quantities_provenance_and_adverse_entries_break():
    g = fresh()
    quantity = first(g, SMPC.Quantity)
    for p in list(g.predicates(quantity, None)):
        if str(p).startswith(SCHEMA):
            g.remove((quantity, p, None))  # no unit and no value: minCount and sh:or
    fact = first(g, SMPC.Warning)
    g.remove((fact, PROV.wasDerivedFrom, None))
    entry = first(g, SMPC.AdverseReaction)
    g.add((entry, SMPC.frequency, SMPC["freq-rare"]))  # two categories: maxCount
    other = sorted(g.subjects(RDF.type, SMPC.AdverseReaction), key=str)[1]
    g.remove((other, SMPC.frequency, None))  # no category and not open: sh:xone
    g.set((other, SMPC.confidence, Literal(1.5)))  # maxInclusive 1
    report = compare(g)
    assert {"smpc:QuantityShape", "smpc:FactProvenanceShape", "smpc:AdverseReactionShape"} <= {
        v.shape for v in report.violations}


def test_unresolved_item_without_its_label_version_breaks():
    g = fresh()
    item = URIRef(str(g.identifier) + "/unresolved/test-1")
    span = first(g, SMPC.TextSpan)
    g.add((item, RDF.type, SMPC.UnresolvedItem))
    g.add((item, PROV.wasDerivedFrom, span))
    g.add((item, SMPC.unresolvedKind, Literal("table-row")))
    g.add((item, SMPC.unresolvedReason, Literal("")))  # minLength
    # no smpc:hasUnresolvedItem pointing at it: the inverse path's minCount
    report = compare(g)
    assert {v.path for v in report.violations if v.focus.endswith("test-1")} == {
        "smpc:unresolvedReason", "^smpc:hasUnresolvedItem"}


def test_a_blank_node_value_and_a_literal_where_a_node_belongs():
    g = fresh()
    span = first(g, SMPC.TextSpan)
    g.set((span, SMPC.quote, BNode()))  # minLength and datatype on a blank node
    fact = first(g, SMPC.Contraindication)
    g.set((fact, PROV.wasDerivedFrom, Literal("section 4.3")))  # sh:class on a literal
    compare(g)


@pytest.mark.slow
def test_bundled_label_adverse_reactions_break(blincyto_graph):
    """The SHACL-SPARQL constraints of section 4.8: an incidence contradicting its category
    ("Cytokine release syndrome" 13.8 % in the summary, made "common") and an included term
    that is a separate entry of another organ class."""
    g = Graph(identifier=blincyto_graph.identifier)
    for t in blincyto_graph:
        g.add(t)

    def entry(term):
        return next(s for s in g.subjects(RDF.type, SMPC.AdverseReaction) if str(g.value(s, SMPC["term"])) == term)

    crs = entry("Cytokine release syndrome")
    g.set((crs, SMPC.frequency, SMPC["freq-common"]))
    g.add((entry("Anemia"), SMPC.includedTerm, Literal("Pyrexia")))
    report = compare(g)
    messages = [v.message for v in report.violations]
    assert any("13.8" in m and "contradicts" in m for m in messages)
    assert any("included term 'Pyrexia'" in m for m in messages)
