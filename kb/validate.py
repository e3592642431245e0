"""SHACL validation of a label graph against ``ontology/shapes/*.ttl``.

Results are values (:class:`ValidationReport`); an exception means the shapes
or the data could not be read at all. Each violation names the shape, the
focus node, the message and the label line the focus node was read from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from ingest.data_location import ontology_dir

from .rdf_base import SH, SMPC
from .shacl_sparql import evaluate, load, split_shapes

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
    g = Graph()
    for f in sorted((ONTOLOGY / "shapes").glob("*.ttl")):
        g.parse(f, format="turtle")
    return g


@lru_cache(maxsize=1)
def _split_shapes():
    return split_shapes(shapes_graph())


@lru_cache(maxsize=1)
def vocabulary_graph() -> Graph:
    g = Graph()
    for f in sorted((ONTOLOGY / "vocab").glob("*.ttl")):
        g.parse(f, format="turtle")
    return g


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
    core_shapes, sparql_constraints = _split_shapes()
    conforms, results, _ = shacl_validate(
        data,
        shacl_graph=core_shapes,
        ont_graph=vocabulary_graph(),
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    report = ValidationReport(conforms=bool(conforms))
    for r in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(r, SH.focusNode)
        shape = results.value(r, SH.sourceShape)
        # a property shape is a blank node: name the node shape that holds it
        owner = next(iter(results.subjects(SH.property, shape)), None) if shape is not None else None
        shape_name = _short(owner if owner is not None and isinstance(owner, URIRef) else shape)
        if not isinstance(shape, URIRef):
            owner = next(iter(shapes_graph().subjects(SH.property, shape)), None)
            if owner is not None:
                shape_name = _short(owner)
        sev = results.value(r, SH.resultSeverity)
        section, line = _source_of(data, focus)
        report.violations.append(Violation(
            severity=_short(sev).rsplit("#", 1)[-1] if sev else "Violation",
            shape=shape_name,
            focus=_short(focus),
            path=_short(results.value(r, SH.resultPath)) if results.value(r, SH.resultPath) else None,
            message=str(results.value(r, SH.resultMessage) or "constraint not met"),
            value=str(results.value(r, SH.value)) if results.value(r, SH.value) is not None else None,
            section=section,
            line=line,
        ))
    for r in evaluate(load(data, vocabulary_graph()), sparql_constraints):
        section, line = _source_of(data, r.focus)
        report.violations.append(Violation(
            severity=_short(r.severity).rsplit("#", 1)[-1], shape=_short(r.shape), focus=_short(r.focus),
            path=None, message=r.message, value=str(r.value) if r.value is not None else None,
            section=section, line=line,
        ))
    report.violations.sort(key=lambda v: (v.line or 0, v.shape))
    report.conforms = not any(v.severity == "Violation" for v in report.violations)
    return report
