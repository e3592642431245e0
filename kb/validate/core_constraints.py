"""SHACL Core constraints compiled to SPARQL and evaluated in Oxigraph.

pySHACL copies the data graph (0.7 s for a 21,000-triple label) and walks every
focus node in Python (TextSpanShape and QuantityShape alone took 58 % of its
time). Here each constraint component of each shape becomes one SPARQL query
over all focus nodes at once, run in the in-memory Oxigraph store that also
evaluates the SHACL-SPARQL constraints (:mod:`kb.validate.sparql_constraints`).

The components the project's shapes use are compiled: targets (class, subjects
of, objects of, node), paths (a predicate or ``sh:inversePath``), minCount,
maxCount, class, datatype, nodeKind, minLength, maxLength, pattern, in,
hasValue, min/maxInclusive, min/maxExclusive, lessThan, lessThanOrEquals,
equals, disjoint, and the logical and/or/xone/not over nested shapes. A shape
using anything else raises :class:`UnsupportedShape` when the shapes are
compiled, so a new shape cannot be skipped silently. pySHACL stays the reference:
tests/test_shacl_equivalence.py checks both report the same violations on broken
graphs.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, XSD

from kb.rdf.base import SH

_SUBCLASS = f"<{RDF.type}>/<{RDFS.subClassOf}>*"
_NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.int, XSD.long, XSD.short,
            XSD.nonNegativeInteger, XSD.positiveInteger, XSD.negativeInteger, XSD.nonPositiveInteger}
_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
_HANDLED = {SH.path, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.deactivated,
            SH.property, SH.sparql, SH.prefixes, SH.declare, RDF.type, RDFS.label, RDFS.comment, *_TARGETS}


class UnsupportedShape(ValueError):
    """A shape uses a SHACL feature this compiler does not translate."""


@dataclass
class CoreCheck:
    """One constraint component of one shape as a query selecting ``?this`` (and ``?value``)."""

    shape: URIRef | BNode  # the shape that reports (a property shape, or the node shape)
    owner: URIRef | BNode  # the node shape that names it
    component: str
    path: str | None  # the path as SPARQL text (``<p>`` or ``^<p>``)
    query: str
    message: str | None  # sh:message, None: a default message is made
    severity: URIRef
    has_value: bool


def sparql_term(term) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        text = _string(str(term))
        if term.language:
            return f"{text}@{term.language}"
        return f"{text}^^<{term.datatype or XSD.string}>"
    raise UnsupportedShape(f"cannot write {term!r} in a query")


def _string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def _path(shapes: Graph, p) -> str:
    if isinstance(p, URIRef):
        return f"<{p}>"
    inverse = shapes.value(p, SH.inversePath)
    if isinstance(inverse, URIRef):
        return f"^<{inverse}>"
    raise UnsupportedShape(f"path {p!r}: only a predicate or sh:inversePath of one is compiled")


class _Compiler:
    def __init__(self, shapes: Graph):
        self.g = shapes
        self.vars = count()

    def var(self) -> str:
        return f"?v{next(self.vars)}"

    def lst(self, node) -> list:
        return list(Collection(self.g, node))

    # -- what a single value must satisfy ------------------------------------------
    def value_failure(self, comp, arg, v: str) -> str | None:
        """A SPARQL expression true when value ``v`` breaks the component, or None (not per value)."""
        if comp == SH["class"]:
            return f"NOT EXISTS {{ {v} {_SUBCLASS} <{arg}> }}"
        if comp == SH.datatype:
            ok = f"isLiteral({v}) && datatype({v}) = <{arg}>"
            if arg in _NUMERIC:
                ok += f" && isNumeric({v})"  # an ill-formed "abc"^^xsd:integer is not an integer
            return f"!({ok})"
        if comp == SH.nodeKind:
            kinds = {SH.IRI: f"isIRI({v})", SH.BlankNode: f"isBlank({v})", SH.Literal: f"isLiteral({v})",
                     SH.BlankNodeOrIRI: f"!isLiteral({v})", SH.BlankNodeOrLiteral: f"!isIRI({v})",
                     SH.IRIOrLiteral: f"!isBlank({v})"}
            return f"!({kinds[arg]})"
        if comp == SH.minLength:
            return f"(isBlank({v}) || STRLEN(STR({v})) < {int(arg)})"
        if comp == SH.maxLength:
            return f"(isBlank({v}) || STRLEN(STR({v})) > {int(arg)})"
        if comp == SH.pattern:
            flags = self.g.value(self._owner_of_pattern, SH.flags) if self._owner_of_pattern is not None else None
            extra = f", {_string(str(flags))}" if flags is not None else ""
            return f"(isBlank({v}) || !REGEX(STR({v}), {_string(str(arg))}{extra}))"
        if comp == SH["in"]:
            members = " || ".join(f"sameTerm({v}, {sparql_term(m)})" for m in self.lst(arg))
            return f"!({members or 'false'})"
        ops = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
        if comp in ops:
            return f"!COALESCE({v} {ops[comp]} {sparql_term(arg)}, false)"
        return None

    _owner_of_pattern = None

    # -- whether a node conforms to a (nested) shape, as one expression --------------
    def conforms(self, shape, v: str) -> str:
        parts = []
        path = self.g.value(shape, SH.path)
        p = _path(self.g, path) if path is not None else None
        for comp, arg in self.g.predicate_objects(shape):
            if comp in _HANDLED or comp == SH.flags:
                continue
            parts.append(self.condition(shape, comp, arg, v, p))
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def distinct_values(self, v: str, p: str, n: int) -> str:
        xs = [self.var() for _ in range(n)]
        pattern = " . ".join(f"{v} {p} {x}" for x in xs)
        different = " && ".join(f"!sameTerm({a}, {b})" for i, a in enumerate(xs) for b in xs[i + 1:])
        return f"{{ {pattern} {f'FILTER ({different})' if different else ''} }}"

    def condition(self, shape, comp, arg, v: str, p: str | None) -> str:
        self._owner_of_pattern = shape
        if comp in (SH["or"], SH["and"], SH.xone):
            subs = [self.conforms(s, v) for s in self.lst(arg)]
            if comp == SH["or"]:
                return "(" + " || ".join(subs) + ")"
            if comp == SH["and"]:
                return "(" + " && ".join(subs) + ")"
            return "(" + " + ".join(f"IF({s}, 1, 0)" for s in subs) + " = 1)"
        if comp == SH["not"]:
            return f"!{self.conforms(arg, v)}"
        if comp == SH.node:
            return self.conforms(arg, v)
        if p is None:  # a node-level value constraint on the node itself
            fail = self.value_failure(comp, arg, v)
            if fail is None:
                raise UnsupportedShape(f"{comp} on a node shape")
            return f"!{fail}"
        if comp == SH.minCount:
            return f"EXISTS {self.distinct_values(v, p, int(arg))}" if int(arg) > 0 else "true"
        if comp == SH.maxCount:
            return f"NOT EXISTS {self.distinct_values(v, p, int(arg) + 1)}"
        if comp == SH.hasValue:
            return f"EXISTS {{ {v} {p} {sparql_term(arg)} }}"
        x = self.var()
        fail = self.pair_failure(comp, arg, v, x)
        if fail is None:
            fail = self.value_failure(comp, arg, x)
        if fail is None:
            raise UnsupportedShape(f"component {comp} is not compiled")
        return f"NOT EXISTS {{ {v} {p} {x} FILTER ({fail}) }}"

    def pair_failure(self, comp, arg, this: str, x: str) -> str | None:
        """Property-pair components: an expression on value ``x`` of node ``this``."""
        o = self.var()
        if comp == SH.lessThanOrEquals:
            return f"EXISTS {{ {this} <{arg}> {o} FILTER (!COALESCE({x} <= {o}, false)) }}"
        if comp == SH.lessThan:
            return f"EXISTS {{ {this} <{arg}> {o} FILTER (!COALESCE({x} < {o}, false)) }}"
        if comp == SH.disjoint:
            return f"EXISTS {{ {this} <{arg}> {x} }}"
        if comp == SH.equals:
            return f"NOT EXISTS {{ {this} <{arg}> {x} }}"
        return None

    # -- top-level checks: one query per component ------------------------------------
    def focus(self, shape) -> str | None:
        alts = []
        for kind in _TARGETS:
            for t in self.g.objects(shape, kind):
                alts.append({
                    SH.targetClass: f"?this {_SUBCLASS} <{t}> .",
                    SH.targetSubjectsOf: f"?this <{t}> [] .",
                    SH.targetObjectsOf: f"[] <{t}> ?this .",
                    SH.targetNode: f"VALUES ?this {{ {sparql_term(t)} }}",
                }[kind])
        if not alts:
            return None
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(f"{{ {a} }}" for a in alts) + " } }"

    def checks(self, node_shape, focus: str) -> list[CoreCheck]:
        out = []
        severity = self.g.value(node_shape, SH.severity) or SH.Violation
        for comp, arg in self.g.predicate_objects(node_shape):
            if comp in _HANDLED or comp == SH.flags:
                continue
            expr = self.condition(node_shape, comp, arg, "?this", None)
            out.append(self._check(node_shape, node_shape, comp, None, severity,
                                   f"SELECT DISTINCT ?this ?value WHERE {{ {focus} FILTER (!{expr}) BIND (?this AS ?value) }}",
                                   True))
        for prop in self.g.objects(node_shape, SH.property):
            if self.g.value(prop, SH.deactivated) == Literal(True):
                continue
            p = _path(self.g, self.g.value(prop, SH.path))
            sev = self.g.value(prop, SH.severity) or SH.Violation
            for comp, arg in self.g.predicate_objects(prop):
                if comp in _HANDLED or comp == SH.flags:
                    continue
                self._owner_of_pattern = prop
                out.append(self.property_check(node_shape, prop, comp, arg, p, focus, sev))
        return out

    def property_check(self, owner, prop, comp, arg, p: str, focus: str, sev) -> CoreCheck:
        if comp == SH.minCount:
            n = int(arg)
            if n == 1:
                q = f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {p} ?x }} }}"
            else:
                q = (f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {p} ?x }} }} "
                     f"GROUP BY ?this HAVING (COUNT(DISTINCT ?x) < {n})")
            return self._check(owner, prop, comp, p, sev, q, False)
        if comp == SH.maxCount:
            q = (f"SELECT ?this WHERE {{ {focus} ?this {p} ?x }} "
                 f"GROUP BY ?this HAVING (COUNT(DISTINCT ?x) > {int(arg)})")
            return self._check(owner, prop, comp, p, sev, q, False)
        if comp == SH.hasValue:
            q = f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {p} {sparql_term(arg)} }} }}"
            return self._check(owner, prop, comp, p, sev, q, False)
        if comp in (SH["or"], SH["and"], SH.xone, SH["not"], SH.node):
            expr = self.condition(prop, comp, arg, "?value", None)
            q = f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {p} ?value FILTER (!{expr}) }}"
            return self._check(owner, prop, comp, p, sev, q, True)
        fail = self.pair_failure(comp, arg, "?this", "?value") or self.value_failure(comp, arg, "?value")
        if fail is None:
            raise UnsupportedShape(f"component {comp} of a property shape of {owner} is not compiled")
        q = f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {p} ?value FILTER ({fail}) }}"
        return self._check(owner, prop, comp, p, sev, q, True)

    def _check(self, owner, shape, comp, p, sev, query, has_value) -> CoreCheck:
        message = self.g.value(shape, SH.message)
        return CoreCheck(shape, owner, str(comp).rsplit("#", 1)[-1], p, query,
                         str(message) if message is not None else None, sev, has_value)


def compile_shapes(shapes: Graph) -> list[CoreCheck]:
    """Every SHACL Core constraint of every node shape with a target, as queries."""
    c = _Compiler(shapes)
    out: list[CoreCheck] = []
    node_shapes = {s for t in _TARGETS for s in shapes.subjects(t, None)}
    for shape in sorted(node_shapes, key=str):
        if shapes.value(shape, SH.deactivated) == Literal(True):
            continue
        focus = c.focus(shape)
        if focus is not None:
            out.extend(c.checks(shape, focus))
    return out


def default_message(check: CoreCheck, focus: str, value: str | None) -> str:
    where = f"{focus} {check.path}" if check.path else focus
    if value is not None and check.has_value:
        return f"{check.component} not met by value {value} of {where}"
    return f"{check.component} not met on {where}"
