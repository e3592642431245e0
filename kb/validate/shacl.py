"""SHACL validation of a label graph against ``ontology/shapes/*.ttl``.

Results are values (:class:`ValidationReport`); an exception means the shapes
or the data could not be read at all. Each violation names the shape, the
focus node, the message and the label line the focus node was read from.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from ingest.data_location import ontology_dir
from kb.rdf.base import SH, SMPC
from kb.rdf.oxigraph_terms import ox_triples
from kb.rdf.oxigraph_terms import rdflib_term as _rdflib
from kb.validate.core_constraints import compile_shapes, default_message
from kb.validate.sparql_constraints import evaluate, load, split_shapes

ONTOLOGY = ontology_dir()


@dataclass
class Violation:
    severity: str
    shape: str
    focus: str
    path: str | None
    message: str
    value: str | None
    section: str | None = None
    line: int | None = None

    def describe(self) -> str:
        where = f"section {self.section}, line {self.line}" if self.line is not None else "no source line"
        path = f" {self.path}" if self.path else ""
        return f"{self.severity}: {self.message} [shape {self.shape}{path}; focus {self.focus}; {where}]"


@dataclass
class ValidationReport:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # reader issues, not shape results
    # what the reader recognised but could not settle (stored as unresolved items, never as facts)
    unresolved: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [f"conforms: {self.conforms} ({len(self.violations)} violation(s)); "
                 f"{len(self.unresolved)} unresolved item(s)"]
        lines += [v.describe() for v in self.violations]
        lines += [f"warning: {w}" for w in self.warnings]
        lines += list(self.unresolved)
        return "\n".join(lines)


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    g = Graph()  # rdflib's parser: Oxigraph gives the blank-node property lists' triples in another order
    for f in sorted((ONTOLOGY / "shapes").glob("*.ttl")):
        g.parse(f, format="turtle")
    return g


_PREFIX_DECLARATION = re.compile(rb"(?:@prefix|PREFIX)\s+([\w.-]*):", re.I)


def _turtle_files(folder: str) -> Graph:
    """The Turtle files of an ontology folder as one rdflib graph, parsed by Oxigraph (rdflib's
    Turtle parser took 45 ms for the vocabulary, in every new process): the same triples in the
    same order (a plain literal without a datatype, as rdflib reads it), and each file's prefixes
    bound after its triples in the order the file declares them, as ``Graph.parse`` binds them."""
    g = Graph()
    add = g.add
    terms: dict = {}
    for f in sorted((ONTOLOGY / folder).glob("*.ttl")):
        data = f.read_bytes()
        parser = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=f.resolve().as_uri())
        for t in parser:
            add((_term(t.subject, terms), _term(t.predicate, terms), _term(t.object, terms)))
        declared = [m.group(1).decode() for m in _PREFIX_DECLARATION.finditer(data)]
        for prefix, namespace in sorted(parser.prefixes.items(),
                                        key=lambda kv: declared.index(kv[0]) if kv[0] in declared else len(declared)):
            g.bind(prefix, namespace)
    return g


def _term(term, terms: dict):
    """:func:`rdflib_term` with plain strings (literals are not kept; nodes once per file set)."""
    if type(term) is ox.Literal:
        return _rdflib(term, plain_strings=True)
    hit = terms.get(term)
    if hit is None:
        hit = terms[term] = _rdflib(term)
    return hit


@lru_cache(maxsize=1)
def _split_shapes():
    return split_shapes(shapes_graph())


def core_shapes_graph() -> Graph:
    """The shapes without their node-level SHACL-SPARQL constraints (those run as SPARQL in
    Oxigraph): the part the compiled core checks evaluate, and what a pySHACL run of the same
    checks reads."""
    return _split_shapes()[0]


@lru_cache(maxsize=1)
def _core_checks():
    return compile_shapes(_split_shapes()[0])


@lru_cache(maxsize=1)
def vocabulary_graph() -> Graph:
    return _turtle_files("vocab")


def _short(term) -> str:
    s = str(term)
    for ns, p in ((str(SMPC), "smpc:"), ("https://w3id.org/smpc-kb/id/", "")):
        if s.startswith(ns):
            return p + s[len(ns):]
    return s


def _source_of(data: Graph, focus) -> tuple[str | None, int | None]:
    """The section and first line the focus node (or its nearest owner) was read from."""
    seen = set()
    frontier = [focus]
    while frontier:
        node = frontier.pop(0)
        if node in seen:
            continue
        seen.add(node)
        if (node, RDF.type, SMPC.TextSpan) in data:
            span = node
        else:
            span = next(iter(data.objects(node, PROV.wasDerivedFrom)), None)
        if span is not None:
            line = data.value(span, SMPC.startLine)
            sec = data.value(data.value(span, SMPC.inSection), SMPC.sectionKey) if data.value(span, SMPC.inSection) else None
            return (str(sec) if sec else None, int(line) if isinstance(line, Literal) else None)
        frontier.extend(s for s in data.subjects(None, node) if isinstance(s, URIRef))
    return None, None


def validate_graph(data: Graph) -> ValidationReport:
    """Every shape evaluated as SPARQL in an in-memory Oxigraph store holding the data and the
    vocabulary (the core constraints by :mod:`kb.validate.core_constraints`, the SHACL-SPARQL ones by
    :mod:`kb.validate.sparql_constraints`); pySHACL is the reference (:func:`validate_graph_reference`)."""
    return validate_triples(data, ox_triples(data))


def validate_triples(data: Graph, triples: list) -> ValidationReport:
    """:func:`validate_graph` of ``data`` given as pyoxigraph triples too (``ox_triples(data)``;
    the caller keeps them to write the version to the store without converting it again)."""
    store = load(data, vocabulary_graph(), triples)
    report = ValidationReport(conforms=True)
    for check in _core_checks():
        solutions = store.query(check.query)
        assert isinstance(solutions, ox.QuerySolutions)
        for sol in solutions:
            focus = _rdflib(sol["this"])
            value = _rdflib(sol["value"]) if check.has_value else None
            path = _short_path(check.path)
            message = check.message or default_message(check, _short(focus), None if value is None else str(value))
            _add(report, data, check.severity, check.owner, focus, path, message, value)
    _, sparql_constraints = _split_shapes()
    for r in evaluate(store, sparql_constraints):
        _add(report, data, r.severity, r.shape, r.focus, None, r.message, r.value)
    return _finish(report)


def _short_path(path: str | None) -> str | None:
    if path is None:
        return None
    inverse = path.startswith("^")
    return ("^" if inverse else "") + _short(path.lstrip("^")[1:-1])


def _add(report: ValidationReport, data: Graph, severity, shape, focus, path, message, value) -> None:
    section, line = _source_of(data, focus)
    report.violations.append(Violation(
        severity=_short(severity).rsplit("#", 1)[-1], shape=_short(shape), focus=_short(focus),
        path=path, message=message, value=str(value) if value is not None else None,
        section=section, line=line,
    ))


def _finish(report: ValidationReport) -> ValidationReport:
    report.violations.sort(key=lambda v: (v.line or 0, v.shape, v.focus, v.path or "", v.value or ""))
    report.conforms = not any(v.severity == "Violation" for v in report.violations)
    return report


def validate_graph_reference(data: Graph) -> ValidationReport:
    """The same report by pySHACL (it copies the data graph and walks it in Python: seconds for a
    label); the reference the SPARQL evaluation is tested against."""
    from pyshacl import validate as shacl_validate

    if not data.store.context_aware:  # e.g. build_graph's TripleIndex: pySHACL wants a Dataset's store
        copy = Graph(identifier=data.identifier)
        for t in data:
            copy.add(t)
        data = copy
    conforms, results, _ = shacl_validate(
        data, shacl_graph=shapes_graph(), ont_graph=vocabulary_graph(), inference="none",
        advanced=True, allow_warnings=True,
    )
    report = ValidationReport(conforms=bool(conforms))
    for r in results.subjects(RDF.type, SH.ValidationResult):
        shape = results.value(r, SH.sourceShape)
        # a property shape is a blank node: name the node shape that holds it
        owner = next(iter(shapes_graph().subjects(SH.property, shape)), None) if shape is not None else None
        path = results.value(r, SH.resultPath)
        path_text: str | None
        if isinstance(path, BNode):
            inverse = results.value(path, SH.inversePath)
            path_text = "^" + _short(inverse) if inverse is not None else str(path)
        else:
            path_text = _short(path) if path is not None else None
        sev = results.value(r, SH.resultSeverity)
        _add(report, data, sev or SH.Violation, owner if owner is not None else shape, results.value(r, SH.focusNode),
             path_text, str(results.value(r, SH.resultMessage) or "constraint not met"), results.value(r, SH.value))
    return _finish(report)
