"""Every class and property of the vocabulary has a label and a comment, and every smpc:
term the bundled graphs use is declared."""
from __future__ import annotations

from rdflib import OWL, RDF, RDFS, Graph

from kb.rdf.base import SMPC
from kb.validate.shacl import vocabulary_graph

DECLARED_KINDS = (OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property,
                  OWL.AnnotationProperty)


def declared(vocab: Graph) -> set:
    return {s for k in DECLARED_KINDS for s in vocab.subjects(RDF.type, k)}


def test_every_term_has_label_and_comment():
    vocab = vocabulary_graph()
    terms = declared(vocab)
    assert len(terms) > 80
    for t in terms:
        assert vocab.value(t, RDFS.label) is not None, f"{t} has no rdfs:label"
        assert vocab.value(t, RDFS.comment) is not None, f"{t} has no rdfs:comment"


def test_every_used_term_is_declared(blincyto_graph, zentavir_record):
    from kb.rdf.build import build_graph

    vocab = vocabulary_graph()
    terms = declared(vocab) | set(vocab.subjects(RDF.type, None))
    used = set()
    for g in (blincyto_graph, build_graph(zentavir_record)):
        used |= {p for p in g.predicates() if str(p).startswith(str(SMPC))}
        used |= {o for o in g.objects(None, RDF.type) if str(o).startswith(str(SMPC))}
    missing = sorted(str(t) for t in used - terms)
    assert not missing, f"undeclared terms: {missing}"
