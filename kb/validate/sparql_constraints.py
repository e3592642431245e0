"""SHACL-SPARQL constraints evaluated in Oxigraph instead of rdflib's engine.

pySHACL runs a SHACL-SPARQL constraint once per focus node and rdflib parses
the query text each time (70 ms for a long query), so a constraint on the 104
preparation-table rows of one label cost seconds. This module takes the
node-level ``sh:sparql`` constraints out of the shapes graph and runs each one
once in an in-memory Oxigraph store, its SELECT joined with the shape's focus
nodes, and returns the results in the same form as pySHACL's. The core
constraints are compiled to SPARQL by :mod:`kb.validate.core_constraints`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kb.rdf.base import SH
from kb.rdf.oxigraph_terms import ox_term as _ox
from kb.rdf.oxigraph_terms import ox_triples
from kb.rdf.oxigraph_terms import rdflib_term as _rdflib


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


_VOCABULARY: dict[int, list] = {}


def load(data: Graph, vocabulary: Graph, triples: list | None = None) -> ox.Store:
    """An in-memory store of the data (``triples``: the same already converted) and the vocabulary."""
    vocab = _VOCABULARY.get(id(vocabulary))
    if vocab is None:  # the vocabulary graph is loaded once per process (kb.validate.shacl caches it)
        vocab = _VOCABULARY[id(vocabulary)] = [ox.Quad(t.subject, t.predicate, t.object) for t in ox_triples(vocabulary)]
    store = ox.Store()
    quads = ox_triples(data) if triples is None else triples  # quads in the default graph (see ox_triples)
    quad = ox.Quad
    if not all(type(q) is quad for q in quads):
        quads = [quad(q.subject, q.predicate, q.object) for q in quads]
    store.extend(quads)
    store.extend(vocab)
    return store


def _message(template: str, sol, variables) -> str:
    def sub(m):
        name = m.group(1)
        if name in variables and sol[name] is not None:
            return getattr(sol[name], "value", str(sol[name]))
        return m.group(0)

    return re.sub(r"\{[?$](\w+)\}", sub, template)


def evaluate(store: ox.Store, constraints: list[SparqlConstraint]) -> list[SparqlResult]:
    """Each constraint once over all its focus nodes: the focus nodes are joined with the
    constraint's SELECT (``$this`` as a variable), the same results as one run per focus node
    with ``$this`` pre-bound for queries that bind ``$this`` in a triple pattern (all of ours)."""
    results: list[SparqlResult] = []
    true = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
    for c in constraints:
        prefixes = dict(c.prefixes)
        prefixes.setdefault("rdf", str(RDF))
        prefixes.setdefault("rdfs", str(RDFS))
        focus = _focus_pattern(c.targets)
        inner = c.select.replace("$this", "?this")
        query = f"SELECT * WHERE {{ {focus} {{ {inner} }} }}"
        solutions = store.query(query, prefixes=prefixes)
        assert isinstance(solutions, ox.QuerySolutions)
        variables = [v.value for v in solutions.variables]
        for sol in solutions:
            focus_node = _rdflib(sol["this"])
            if "failure" in variables and sol["failure"] == true:
                results.append(SparqlResult(c.shape, focus_node, None, "SPARQL constraint failed to run", c.severity))
                continue
            value = _rdflib(sol["value"]) if "value" in variables else None
            message = _message(c.messages[0], sol, variables) if c.messages else "SPARQL constraint not met"
            results.append(SparqlResult(c.shape, focus_node, value, message, c.severity))
    return results


def _focus_pattern(targets) -> str:
    alts = []
    for kind, value in targets:
        v = _ox(value)
        alts.append({
            SH.targetClass: f"?this a/<{RDFS.subClassOf}>* {v} .",
            SH.targetSubjectsOf: f"?this {v} [] .",
            SH.targetObjectsOf: f"[] {v} ?this .",
            SH.targetNode: f"VALUES ?this {{ {v} }}",
        }[kind])
    if not alts:
        return "FILTER (false)"
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(f"{{ {a} }}" for a in alts) + " } }"
