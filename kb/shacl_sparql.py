"""SHACL-SPARQL constraints evaluated in Oxigraph instead of rdflib's engine.

pySHACL runs a SHACL-SPARQL constraint once per focus node and rdflib parses
the query text each time (70 ms for a long query), so a constraint on the 104
preparation-table rows of one label cost seconds. This module takes the
node-level ``sh:sparql`` constraints out of the shapes graph, runs each one in
an in-memory Oxigraph store once per focus node with ``$this`` pre-bound by
substitution (SHACL's pre-binding semantics), and returns the results in the
same form as pySHACL's. Everything else is still validated by pySHACL.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from .rdf_base import SH


@dataclass
class SparqlConstraint:
    shape: URIRef | BNode
    node: URIRef | BNode
    select: str
    prefixes: dict[str, str]
    messages: list[str]
    severity: URIRef
    targets: list[tuple[URIRef, object]] = field(default_factory=list)


@dataclass
class SparqlResult:
    shape: URIRef | BNode
    focus: object
    value: object | None
    message: str
    severity: URIRef


def _prefixes(shapes: Graph, node) -> dict[str, str]:
    out: dict[str, str] = {}
    for decl_owner in shapes.objects(node, SH.prefixes):
        for decl in shapes.objects(decl_owner, SH.declare):
            p, ns = shapes.value(decl, SH.prefix), shapes.value(decl, SH.namespace)
            if p is not None and ns is not None:
                out[str(p)] = str(ns)
    return out


def split_shapes(shapes: Graph) -> tuple[Graph, list[SparqlConstraint]]:
    """(shapes without node-level sh:sparql, the constraints taken out)."""
    rest = Graph()
    for p, ns in shapes.namespaces():
        rest.bind(p, ns)
    taken: set = set()
    constraints: list[SparqlConstraint] = []
    for shape, c in shapes.subject_objects(SH.sparql):
        if (None, SH.property, shape) in shapes or shapes.value(c, SH.deactivated) == Literal(True):
            continue  # property-level constraints ($PATH) stay with pySHACL
        select = shapes.value(c, SH.select)
        if select is None:
            continue
        targets = [(p, o) for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
                   for o in shapes.objects(shape, p)]
        messages = [str(m) for m in shapes.objects(c, SH.message)] or [str(m) for m in shapes.objects(shape, SH.message)]
        severity = shapes.value(c, SH.severity) or shapes.value(shape, SH.severity) or SH.Violation
        constraints.append(SparqlConstraint(shape, c, str(select), _prefixes(shapes, c), messages, severity, targets))
        taken.add((shape, SH.sparql, c))
    for t in shapes:
        if t not in taken:
            rest.add(t)
    return rest, constraints


def _ox(term):
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


def _rdflib(term):
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


def load(data: Graph, vocabulary: Graph) -> ox.Store:
    store = ox.Store()
    store.extend([ox.Quad(_ox(s), _ox(p), _ox(o)) for g in (data, vocabulary) for s, p, o in g])
    return store


def _focus_nodes(store: ox.Store, targets) -> list:
    nodes: dict[str, object] = {}
    for kind, value in targets:
        v = f"<{value}>"
        q = {
            SH.targetClass: f"SELECT DISTINCT ?f WHERE {{ ?f a/<{RDFS.subClassOf}>* {v} }}",
            SH.targetSubjectsOf: f"SELECT DISTINCT ?f WHERE {{ ?f {v} ?x }}",
            SH.targetObjectsOf: f"SELECT DISTINCT ?f WHERE {{ ?x {v} ?f }}",
        }.get(kind)
        if kind == SH.targetNode:
            nodes[str(value)] = _ox(value)
            continue
        for sol in store.query(q):
            nodes[str(sol["f"])] = sol["f"]
    return list(nodes.values())


def _message(template: str, sol, variables) -> str:
    def sub(m):
        name = m.group(1)
        if name in variables and sol[name] is not None:
            return getattr(sol[name], "value", str(sol[name]))
        return m.group(0)

    return re.sub(r"\{[?$](\w+)\}", sub, template)


def evaluate(store: ox.Store, constraints: list[SparqlConstraint]) -> list[SparqlResult]:
    results: list[SparqlResult] = []
    this = ox.Variable("this")
    for c in constraints:
        query = c.select
        prefixes = dict(c.prefixes)
        prefixes.setdefault("rdf", str(RDF))
        prefixes.setdefault("rdfs", str(RDFS))
        for focus in _focus_nodes(store, c.targets):
            solutions = store.query(query.replace("$this", "?this"), prefixes=prefixes, substitutions={this: focus})
            variables = [v.value for v in solutions.variables]
            for sol in solutions:
                if "failure" in variables and sol["failure"] == ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")):
                    results.append(SparqlResult(c.shape, _rdflib(focus), None, "SPARQL constraint failed to run", c.severity))
                    continue
                value = _rdflib(sol["value"]) if "value" in variables else None
                message = _message(c.messages[0], sol, variables) if c.messages else "SPARQL constraint not met"
                results.append(SparqlResult(c.shape, _rdflib(focus), value, message, c.severity))
    return results
