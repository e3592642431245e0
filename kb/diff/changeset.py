"""A label diff as RDF: a changeset graph linking each change to the facts it compares.

Vocabulary in ``ontology/vocab/changeset.ttl``. The changeset of the diff
from version A to version B is stored as its own named graph
``{B-graph-iri}/changeset/{A-label}/{A-version}``, so SPARQL over the store can
ask which labels added a warning since a date, or which adverse reactions
moved frequency (``docs/queries/diff-*.rq``)::

    <changeset> a smpc:LabelChangeset ; smpc:fromVersion <A> ; smpc:toVersion <B> ;
        smpc:ofLabel "acme" ; smpc:fromDate "2024-07-01"^^xsd:date ; smpc:toDate ... ;
        smpc:hasChange <changeset/change/1> .
    <changeset/change/1> a smpc:LabelChange, smpc:Addition ;
        smpc:changeKind "warning" ; smpc:changeType "added" ; smpc:changeSubject "..." ;
        smpc:factAfter <B/warning/...> ; smpc:quoteAfter "..." ; smpc:sectionAfter "4.4/..." .
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from kb.diff.model import Change
from kb.rdf.base import SMPC, bind_prefixes

TYPE_CLASS = {"added": SMPC.Addition, "removed": SMPC.Removal, "changed": SMPC.Modification,
              "renamed": SMPC.Renaming, "moved": SMPC.Move}
_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?")


def effective_date(meta) -> str | None:
    """A version's date as YYYY-MM-DD: its stated revision date, else a date-like
    version name, else the day it was ingested."""
    for value in (meta.version_date, meta.version, meta.ingested_at):
        m = _DATE.match(value or "")
        if m:
            return f"{m.group(1)}-{m.group(2)}-{m.group(3) or '01'}"
    return None


def changeset_iri(diff) -> URIRef:
    b, a = diff.after, diff.before
    return URIRef(f"{b.iri}/changeset/{quote(a.label_id, safe='')}/{quote(a.version, safe='')}")


def _side(g: Graph, node: URIRef, c: Change, side: str) -> None:
    src = c.before_source if side == "before" else c.after_source
    fact = c.before_fact if side == "before" else c.after_fact
    value = c.before if side == "before" else c.after
    cap = side.capitalize()
    if value is not None:
        g.add((node, SMPC[f"value{cap}"], Literal(value)))
    if fact:
        g.add((node, SMPC[f"fact{cap}"], URIRef(fact)))
    if src is not None:
        if src.span:
            g.add((node, SMPC[f"source{cap}"], URIRef(src.span)))
        g.add((node, SMPC[f"section{cap}"], Literal(src.section)))
        g.add((node, SMPC[f"startLine{cap}"], Literal(src.line_start, datatype=XSD.integer)))
        g.add((node, SMPC[f"endLine{cap}"], Literal(src.line_end, datatype=XSD.integer)))
        g.add((node, SMPC[f"quote{cap}"], Literal(src.quote)))


def _change(g: Graph, node: URIRef, c: Change) -> None:
    g.add((node, RDF.type, SMPC.LabelChange))
    g.add((node, RDF.type, TYPE_CLASS[c.change]))
    g.add((node, SMPC.changeKind, Literal(c.kind)))
    g.add((node, SMPC.changeType, Literal(c.change)))
    g.add((node, SMPC.changeSubject, Literal(c.subject)))
    g.add((node, RDFS.label, Literal(f"{c.kind} {c.change}: {c.subject}" + (f" ({c.field})" if c.field else ""))))
    if c.field:
        g.add((node, SMPC.changedField, Literal(c.field)))
    _side(g, node, c, "before")
    _side(g, node, c, "after")


def changeset_graph(diff, generated_at: datetime | None = None) -> Graph:
    iri = changeset_iri(diff)
    g = bind_prefixes(Graph(identifier=iri))
    a, b = diff.before, diff.after
    g.add((iri, RDF.type, SMPC.LabelChangeset))
    g.add((iri, RDF.type, PROV.Entity))
    g.add((iri, RDFS.label, Literal(f"changes from {a.name} to {b.name}")))
    g.add((iri, SMPC.fromVersion, URIRef(a.iri)))
    g.add((iri, SMPC.toVersion, URIRef(b.iri)))
    g.add((iri, SMPC.ofLabel, Literal(b.label_id)))
    g.add((iri, SMPC.fromVersionName, Literal(a.name)))
    g.add((iri, SMPC.toVersionName, Literal(b.name)))
    for prop, meta in ((SMPC.fromDate, a), (SMPC.toDate, b)):
        d = effective_date(meta)
        if d:
            g.add((iri, prop, Literal(d, datatype=XSD.date)))
    when = (generated_at or datetime.now(timezone.utc)).replace(microsecond=0)
    g.add((iri, PROV.generatedAtTime, Literal(when, datatype=XSD.dateTime)))
    g.add((iri, SMPC.changeCount, Literal(len(diff.changes), datatype=XSD.integer)))
    n = 0
    for c in diff.changes:
        for item in [c, *c.related]:
            n += 1
            node = URIRef(f"{iri}/change/{n}")
            g.add((iri, SMPC.hasChange, node))
            _change(g, node, item)
            if item is not c:
                g.add((node, SMPC.consequenceOf, URIRef(f"{iri}/change/{n - 1 - c.related.index(item)}")))
    return g


def store_changeset(store, diff, generated_at: datetime | None = None) -> tuple[str, int]:
    """Replace the changeset graph of this diff in the store; -> (graph IRI, triples)."""
    g = changeset_graph(diff, generated_at)
    store.replace_graph(str(g.identifier), g)
    return str(g.identifier), len(g)
