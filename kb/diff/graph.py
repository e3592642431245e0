"""A fast read-only view of one stored label-version graph for the diff.

Loading a version as an rdflib ``Graph`` costs about a second for a large
label; the diff only needs lookups by subject/predicate and by
predicate/object. :func:`load_version` takes the graph's N-Triples from the
store (``store.serialize``), parses them with pyoxigraph and indexes them in
dicts. :class:`TripleIndex` answers the part of the rdflib ``Graph`` API the
diff uses (``value``, ``objects``, ``subjects``, ``subject_objects``,
``predicate_objects``, ``in``, ``len``): IRIs as rdflib ``URIRef``, literals as :class:`Lit`.
"""
from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
from rdflib import BNode, URIRef


class Lit(str):
    """A literal's lexical form (a str), with its datatype or language: cheaper than
    an rdflib ``Literal`` and enough for the diff (str/int/float of the value)."""

    __slots__ = ("datatype", "language")


def _term(t):
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    lit = Lit(t.value)
    lit.datatype = t.datatype.value if t.datatype is not None else None
    lit.language = t.language
    return lit


class TripleIndex:
    def __init__(self, identifier: str, triples=()):
        self.identifier = URIRef(identifier)
        self._sp: dict = defaultdict(lambda: defaultdict(list))
        self._po: dict = defaultdict(list)
        self._p: dict = defaultdict(list)
        self._n = 0
        cache: dict = {}
        for t in triples:
            s, p, o = (cache.get(x) or cache.setdefault(x, _term(x)) for x in (t.subject, t.predicate, t.object))
            self._sp[s][p].append(o)
            self._po[(p, o)].append(s)
            self._p[p].append((s, o))
            self._n += 1

    def __len__(self) -> int:
        return self._n

    def __contains__(self, triple) -> bool:
        s, p, o = triple
        return o in self._sp.get(s, {}).get(p, ())

    def objects(self, s, p):
        return iter(self._sp.get(s, {}).get(p, ()))

    def subjects(self, p, o):
        return iter(self._po.get((p, o), ()))

    def subject_objects(self, p):
        return iter(self._p.get(p, ()))

    def predicate_objects(self, s):
        for p, objs in self._sp.get(s, {}).items():
            for o in objs:
                yield p, o

    def value(self, subject=None, predicate=None, object=None):
        if subject is not None:
            objs = self._sp.get(subject, {}).get(predicate, ())
            return objs[0] if objs else None
        subs = self._po.get((predicate, object), ())
        return subs[0] if subs else None


def load_version(store, iri: str) -> TripleIndex:
    """One named graph of the store as a :class:`TripleIndex`."""
    data = store.serialize("nt", iri)
    return TripleIndex(iri, ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
