"""A fast rdflib store for one label version graph while it is built, validated and indexed.

rdflib's default ``Memory`` store keeps every triple's contexts and fires an event per added
triple: filling it with one label (21,000 triples) took about as long as building the terms
(0.25 s of a 0.43 s graph build), and every lookup walks the context machinery. A label
graph has one context, itself, so this store keeps the triples in a subject -> predicate ->
objects index only (insertion ordered, duplicates dropped, a count kept), and builds the
predicate-first and object-first indexes on the first lookup that needs them (then keeps them
in step). Everything the ingest reads of the graph (the standard types, the validation's source
lines, the search documents, the conversion to pyoxigraph terms) is a plain lookup.

It is not context aware, so pySHACL (which wraps the data graph in a Dataset) needs a copy
into a ``Memory`` graph: :func:`kb.validate.shacl.validate_graph_reference` makes it.
"""
from __future__ import annotations

from typing import Iterator

from rdflib.store import Store

_NO_CONTEXTS: tuple = ()


class TripleIndex(Store):
    """Triples of one graph, indexed subject first (``by_subject``), other orders on demand."""

    context_aware = False
    formula_aware = False
    transaction_aware = False
    graph_aware = False

    def __init__(self, configuration=None, identifier=None):
        super().__init__(configuration)
        self.identifier = identifier
        self._spo: dict = {}
        self._pos: dict | None = None
        self._osp: dict | None = None
        self._count = 0
        self._namespace: dict[str, object] = {}
        self._prefix: dict[object, str] = {}

    # -- writing ------------------------------------------------------------
    def add(self, triple, context=None, quoted=False) -> None:
        s, p, o = triple
        po = self._spo.get(s)
        if po is None:
            po = self._spo[s] = {}
        objects = po.get(p)
        if objects is None:
            objects = po[p] = {}
        elif o in objects:
            return
        objects[o] = None
        self._count += 1
        if self._pos is not None:
            self._pos.setdefault(p, {}).setdefault(o, {})[s] = None
        if self._osp is not None:
            self._osp.setdefault(o, {}).setdefault(s, {})[p] = None

    def addN(self, quads) -> None:  # noqa: N802 - rdflib's name
        for s, p, o, _c in quads:
            self.add((s, p, o))

    def remove(self, triple_pattern, context=None) -> None:
        for (s, p, o), _ in list(self.triples(triple_pattern)):
            _discard(self._spo, s, p, o)
            if self._pos is not None:
                _discard(self._pos, p, o, s)
            if self._osp is not None:
                _discard(self._osp, o, s, p)
            self._count -= 1

    # -- reading ------------------------------------------------------------
    def by_subject(self) -> dict:
        """The index itself, subject -> predicate -> objects (a dict with None values): read, never change."""
        return self._spo

    def triples(self, triple_pattern, context=None) -> Iterator:
        s, p, o = triple_pattern
        none = _NO_CONTEXTS
        if s is not None:
            po = self._spo.get(s)
            if not po:
                return
            if p is not None:
                objects = po.get(p)
                if objects:
                    if o is not None:
                        if o in objects:
                            yield (s, p, o), none
                    else:
                        for obj in list(objects):
                            yield (s, p, obj), none
                return
            for pred, objects in list(po.items()):
                if o is not None:
                    if o in objects:
                        yield (s, pred, o), none
                else:
                    for obj in list(objects):
                        yield (s, pred, obj), none
            return
        if p is not None:
            os_ = self._by_predicate().get(p)
            if not os_:
                return
            if o is not None:
                for subj in list(os_.get(o, ())):
                    yield (subj, p, o), none
                return
            for obj, subjects in list(os_.items()):
                for subj in list(subjects):
                    yield (subj, p, obj), none
            return
        if o is not None:
            sp = self._by_object().get(o)
            if sp:
                for subj, preds in list(sp.items()):
                    for pred in list(preds):
                        yield (subj, pred, o), none
            return
        for subj, po in list(self._spo.items()):
            for pred, objects in list(po.items()):
                for obj in list(objects):
                    yield (subj, pred, obj), none

    def __len__(self, context=None) -> int:
        return self._count

    def contexts(self, triple=None):
        return iter(())

    def _by_predicate(self) -> dict:
        if self._pos is None:
            pos: dict = {}
            for s, po in self._spo.items():
                for p, objects in po.items():
                    os_ = pos.get(p)
                    if os_ is None:
                        os_ = pos[p] = {}
                    for o in objects:
                        subjects = os_.get(o)
                        if subjects is None:
                            os_[o] = {s: None}
                        else:
                            subjects[s] = None
            self._pos = pos
        return self._pos

    def _by_object(self) -> dict:
        if self._osp is None:
            osp: dict = {}
            for s, po in self._spo.items():
                for p, objects in po.items():
                    for o in objects:
                        sp = osp.get(o)
                        if sp is None:
                            osp[o] = {s: {p: None}}
                        else:
                            preds = sp.get(s)
                            if preds is None:
                                sp[s] = {p: None}
                            else:
                                preds[p] = None
            self._osp = osp
        return self._osp

    # -- prefixes (as rdflib's SimpleMemory) ------------------------------------
    def bind(self, prefix, namespace, override=True) -> None:
        bound_namespace = self._namespace.get(prefix)
        bound_prefix = self._prefix.get(namespace)
        if override:
            if bound_prefix is not None:
                del self._namespace[bound_prefix]
            if bound_namespace is not None:
                del self._prefix[bound_namespace]
            self._prefix[namespace] = prefix
            self._namespace[prefix] = namespace
        else:
            self._prefix[bound_namespace or namespace] = bound_prefix or prefix
            self._namespace[bound_prefix or prefix] = bound_namespace or namespace

    def namespace(self, prefix):
        return self._namespace.get(prefix)

    def prefix(self, namespace):
        return self._prefix.get(namespace)

    def namespaces(self):
        yield from list(self._namespace.items())


def _discard(index: dict, a, b, c) -> None:
    inner = index.get(a)
    if inner is None:
        return
    leaves = inner.get(b)
    if leaves is None:
        return
    leaves.pop(c, None)
    if not leaves:
        del inner[b]
        if not inner:
            del index[a]
