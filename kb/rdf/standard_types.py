"""Standard types in the data: each node typed with a ``smpc:`` class also gets the schema.org,
FHIR, PROV-O and SKOS classes that class aligns to in the vocabulary (``rdfs:subClassOf``,
transitively), so ``?x a schema:Drug`` or ``?x a fhir:ClinicalUseDefinition`` finds the product or
the clinical facts without reasoning; and every vocabulary concept a graph points at (MedDRA organ
classes, frequency categories) is described in that graph with its type, ``skos:prefLabel``,
``rdfs:label``, ``skos:notation`` (the MedDRA SOC code) and scheme, so plain queries can read
their names and codes.

Everything is read from ``ontology/vocab/*.ttl``; nothing here names a term.
"""
from __future__ import annotations

from functools import lru_cache

from rdflib import URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from ingest.records import LabelRecord
from kb.rdf.base import FHIR, SCHEMA, SMPC, GraphBuilder

STANDARD = tuple(str(ns) for ns in (SCHEMA, FHIR, PROV, SKOS))
_CONCEPT_PROPS = (RDF.type, SKOS.prefLabel, RDFS.label, SKOS.notation, SKOS.inScheme)


def _vocab():
    from kb.validate.shacl import vocabulary_graph

    return vocabulary_graph()


@lru_cache(maxsize=1)
def supertypes() -> dict[URIRef, tuple[URIRef, ...]]:
    """smpc class -> the standard classes it is (transitively) a subclass of."""
    g = _vocab()
    out: dict[URIRef, tuple[URIRef, ...]] = {}
    for cls in set(g.subjects(RDFS.subClassOf, None)):
        if not str(cls).startswith(str(SMPC)):
            continue
        seen, todo = set(), [cls]
        while todo:
            for sup in g.objects(todo.pop(), RDFS.subClassOf):
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        std = tuple(sorted((s for s in seen if str(s).startswith(STANDARD)), key=str))
        if std:
            out[cls] = std
    return out


@lru_cache(maxsize=1)
def concepts() -> dict[URIRef, tuple]:
    """Vocabulary concepts (members of a SKOS scheme) -> the triples describing them."""
    g = _vocab()
    sup = supertypes()
    out = {}
    for c in set(g.subjects(SKOS.inScheme, None)):
        triples = [(c, p, o) for p in _CONCEPT_PROPS for o in g.objects(c, p)]
        for cls in list(g.objects(c, RDF.type)):
            triples += [(c, RDF.type, s) for s in sup.get(cls, ())]
        out[c] = tuple(triples)
    return out


def add(b: GraphBuilder, record: LabelRecord) -> None:
    g = b.g
    sup = supertypes()
    rdf_type = RDF.type
    for s, cls in list(g.subject_objects(rdf_type)):
        for t in sup.get(cls, ()):
            g.add((s, rdf_type, t))
    known = concepts()
    for c in {o for o in g.objects() if o in known}:
        for t in known[c]:
            g.add(t)
