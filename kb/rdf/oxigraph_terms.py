"""rdflib terms and triples <-> pyoxigraph terms (validation and the store write share them)."""
from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef


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


def rdflib_term(term):
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return None


def ox_triples(data) -> list:
    """The triples of an rdflib graph (or any iterable of rdflib triples) as pyoxigraph triples.

    Dispatch on the exact type and no term cache: hashing rdflib terms costs more than
    making the pyoxigraph term again."""
    named, literal, triple = ox.NamedNode, ox.Literal, ox.Triple
    datatypes: dict[str, ox.NamedNode] = {}
    out: list[ox.Triple] = []
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
