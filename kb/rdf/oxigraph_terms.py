"""rdflib terms and triples <-> pyoxigraph terms (validation and the store write share them)."""
from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from kb.rdf.triple_index import TripleIndex


def ox_term(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(term)


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def rdflib_term(term, plain_strings: bool = False):
    """The rdflib term of a pyoxigraph one; ``plain_strings``: an xsd:string literal without a
    datatype, as rdflib's Turtle parser reads a plain literal."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if plain_strings and datatype == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    return None


def ox_triples(data) -> list:
    """The triples of an rdflib graph (or any iterable of rdflib triples) as pyoxigraph quads in
    the default graph: read like triples (``subject``, ``predicate``, ``object``), serialised as
    N-Triples, and loaded as they are into the validation's in-memory store (a Triple would be
    wrapped in a Quad there: 35 ms for a label).

    Dispatch on the exact type and no term cache: hashing rdflib terms costs more than
    making the pyoxigraph term again. A graph held in a :class:`TripleIndex` is read from its
    index: each subject and each predicate converted once (see :func:`_indexed_triples`)."""
    if isinstance(data, Graph) and isinstance(data.store, TripleIndex):
        return _indexed_triples(data.store.by_subject())
    named, literal, triple = ox.NamedNode, ox.Literal, ox.Quad
    datatypes: dict[str, ox.NamedNode] = {}
    out: list[ox.Quad] = []
    append = out.append
    for s, p, o in data:
        kind = type(o)
        obj: ox.NamedNode | ox.Literal | ox.BlankNode
        if kind is URIRef:
            obj = named(o)
        elif kind is Literal:
            if o.language:
                obj = literal(o, language=o.language)
            elif o.datatype is None:
                obj = literal(o)
            else:
                dt = datatypes.get(o.datatype)
                if dt is None:
                    dt = datatypes[o.datatype] = named(o.datatype)
                obj = literal(o, datatype=dt)
        else:
            obj = ox_term(o)
        append(triple(named(s) if type(s) is URIRef else ox_term(s), named(p), obj))
    return out


def _indexed_triples(spo: dict) -> list:
    named, triple = ox.NamedNode, ox.Quad
    predicates: dict[str, ox.NamedNode] = {}  # a URIRef hashes as its str: cheap to look up
    objects: dict[str, ox.NamedNode] = {}
    out: list[ox.Quad] = []
    append = out.append
    for s, po in spo.items():
        subject = named(s) if type(s) is URIRef else ox_term(s)
        for p, objs in po.items():
            predicate = predicates.get(p)
            if predicate is None:
                predicate = predicates[p] = named(p)
            for o in objs:
                if type(o) is URIRef:
                    obj = objects.get(o)
                    if obj is None:
                        obj = objects[o] = named(o)
                    append(triple(subject, predicate, obj))
                else:
                    append(triple(subject, predicate, _object(o)))
    return out


_DATATYPES: dict[str, ox.NamedNode] = {}


def _object(o):
    if type(o) is Literal:
        if o.language:
            return ox.Literal(o, language=o.language)
        if o.datatype is None:
            return ox.Literal(o)
        dt = _DATATYPES.get(o.datatype)
        if dt is None:
            dt = _DATATYPES[o.datatype] = ox.NamedNode(o.datatype)
        return ox.Literal(o, datatype=dt)
    return ox_term(o)


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def graph_from_ntriples(text: str, identifier: str) -> Graph:
    """A label version's N-Triples (as a batch worker sends them) as an rdflib graph in a
    :class:`TripleIndex`, parsed by Oxigraph: what the search index reads after the store write,
    without reading the version back from the store (1.2 s for the bundled label)."""
    g = Graph(store=TripleIndex(), identifier=URIRef(identifier))
    add = g.store.add
    iris: dict[str, URIRef] = {}
    for t in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
        s, p, o = t.subject, t.predicate, t.object
        subject = iris.get(s.value) if type(s) is ox.NamedNode else None
        if subject is None:
            subject = rdflib_term(s)
            if type(s) is ox.NamedNode:
                iris[s.value] = subject
        predicate = iris.get(p.value)
        if predicate is None:
            predicate = iris[p.value] = URIRef(p.value)
        if type(o) is ox.Literal:
            obj = (Literal(o.value, lang=o.language) if o.language else
                   Literal(o.value) if o.datatype.value == _XSD_STRING else
                   Literal(o.value, datatype=URIRef(o.datatype.value)))
        else:
            obj = rdflib_term(o)
        add((subject, predicate, obj))
    return g
