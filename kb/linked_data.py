"""Linked-data services: describe a minted IRI, the ontology, VoID, the JSON-LD context,
compacted JSON-LD and the streamed union Turtle.

* :func:`describe` - every triple whose subject is the IRI (in whichever label
  graph holds it), as Turtle / N-Triples / JSON-LD, or None when the store has
  no such subject; evaluated by the store (SPARQL CONSTRUCT).
* :func:`ontology_terms` / :func:`ontology_bytes` - the vocabulary files.
* :func:`void_graph` - a VoID description: the dataset, its SPARQL endpoint,
  dumps and URI space, and one subset per label version with its triple count.
* :func:`jsonld_context` / :func:`compact_jsonld` - readable keys: a context
  generated from the vocabulary (``sectionKey``, ``hasIndication``, ``title``
  ...) and Oxigraph's expanded JSON-LD rewritten against it (values of object
  properties as plain IRIs, plain strings as strings).
* :func:`union_turtle` - the union of every label graph as Turtle, from Oxigraph's
  native TriG dump with the graph braces dropped, streamed in chunks;
  :func:`union_stream` the same as N-Triples from the N-Quads dump.
"""
from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from typing import Iterator

import pyoxigraph as ox
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from kb.rdf.base import ID_BASE, LATEST_GRAPH, PREFIXES, SMPC
from kb.validate.shacl import vocabulary_graph

VOID = Namespace("http://rdfs.org/ns/void#")
ONTOLOGY_IRI = "https://w3id.org/smpc-kb/ontology"
MEDIA = {"turtle": "text/turtle", "n-triples": "application/n-triples", "json-ld": "application/ld+json"}
_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def is_minted(iri: str) -> bool:
    return iri.startswith(ID_BASE) and len(iri) > len(ID_BASE) and not any(c in iri for c in '<>"{}|\\^` \n')


def describe(store, iri: str, fmt: str) -> bytes | None:
    """The triples about a minted IRI in ``fmt`` (turtle | n-triples | json-ld), or None if unknown."""
    if not is_minted(iri) or fmt not in MEDIA:
        return None
    result = store.query(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}")
    if len(result) == 0:
        return None
    if fmt == "json-ld":
        return json.dumps(compact_graph(result.graph), ensure_ascii=False, indent=1).encode("utf-8")
    return result.to_rdf(fmt)


def describe_rows(store, iri: str) -> list[tuple[str, str, bool]]:
    """(property IRI, value, value is an IRI) about a minted IRI, for the HTML view."""
    if not is_minted(iri):
        return []
    rows = store.query(f"SELECT ?p ?o WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }} ORDER BY ?p ?o").rows
    return [(str(r["p"]), str(r["o"]), isinstance(r["o"], URIRef)) for r in rows]


# ---------------------------------------------------------------- ontology


def ontology_bytes(fmt: str = "turtle") -> bytes:
    g = vocabulary_graph()
    for p, ns in PREFIXES.items():
        g.bind(p, ns, override=True)
    return g.serialize(format={"turtle": "turtle", "n-triples": "nt", "json-ld": "json-ld"}[fmt], encoding="utf-8")


@lru_cache(maxsize=1)
def ontology_terms() -> list[dict]:
    """Classes and properties of the vocabulary: name, kind, label, comment, domain, range."""
    g = vocabulary_graph()
    kinds = {OWL.Class: "class", RDFS.Class: "class", OWL.ObjectProperty: "object property",
             OWL.DatatypeProperty: "datatype property", RDF.Property: "property",
             OWL.AnnotationProperty: "annotation property"}
    out = []
    for kind, name in kinds.items():
        for t in set(g.subjects(RDF.type, kind)):
            if not str(t).startswith(str(SMPC)):
                continue
            out.append({"iri": str(t), "name": str(t)[len(str(SMPC)):], "kind": name,
                        "label": str(g.value(t, RDFS.label) or ""), "comment": str(g.value(t, RDFS.comment) or ""),
                        "domain": [str(x) for x in g.objects(t, RDFS.domain)],
                        "range": [str(x) for x in g.objects(t, RDFS.range)],
                        "superclass": [str(x) for x in g.objects(t, RDFS.subClassOf)]})
    return sorted(out, key=lambda d: (d["kind"] != "class", d["name"].lower()))


ONTOLOGY_GRAPH = "https://w3id.org/smpc-kb/graph/ontology"


def ontology_stamp() -> str:
    """The ontology graph's ``dcterms:identifier``: a hash of the vocabulary and shape files."""
    from kb.validate.shacl import ONTOLOGY

    files = sorted(ONTOLOGY.glob("vocab/*.ttl")) + sorted(ONTOLOGY.glob("shapes/*.ttl"))
    return "sha256:" + hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()


def ontology_graph() -> Graph:
    """The vocabulary and the SHACL shapes as one named graph, stamped with a hash of the files."""
    from kb.validate.shacl import shapes_graph

    g = Graph(identifier=URIRef(ONTOLOGY_GRAPH))
    for t in vocabulary_graph():
        g.add(t)
    for t in shapes_graph():
        g.add(t)
    from kb.rdf.standard_types import supertypes

    sup = supertypes()  # the vocabulary's own individuals (organ classes, frequencies) typed as the data is
    for x, cls in list(g.subject_objects(RDF.type)):
        for t in sup.get(cls, ()):
            g.add((x, RDF.type, t))
    node = URIRef(ONTOLOGY_GRAPH)
    g.add((node, RDF.type, VOID.Dataset))
    g.add((node, DCTERMS.title, Literal("smpc-kb vocabulary and SHACL shapes")))
    g.add((node, DCTERMS.identifier, Literal(ontology_stamp())))
    return g


def ensure_ontology_graph(store) -> bool:
    """Load (or refresh) the ontology graph in the store when the files changed; True if written."""
    stamp = ontology_stamp()  # the graph itself (2,500 triples) is built only when it must be written
    # a SELECT compared here, not an ASK: Virtuoso (7.2) answers ASK (and COUNT) over GRAPH <g> as
    # true (1) when <g> is not among the protocol's named-graph-uri list RemoteStore sends, i.e. when
    # the store does not hold the ontology graph yet, so the graph was never written there (docs/store.md)
    q = f"SELECT ?id WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <{ONTOLOGY_GRAPH}> <{DCTERMS.identifier}> ?id }} }}"
    if any(r.get("id") is not None and str(r["id"]) == str(stamp) for r in store.query(q).rows):
        return False
    store.replace_graph(ONTOLOGY_GRAPH, ontology_graph())
    return True


# ---------------------------------------------------------------- VoID


def graph_counts(store) -> dict[str, int]:
    """Triples per named graph, without the latest-versions graph (derived from the versions,
    left out of the whole-store dump too: kb/rdf/latest_versions.py)."""
    return {str(r["g"]): int(str(r["n"])) for r in store.query(_COUNTS).rows if str(r["g"]) != LATEST_GRAPH}


def void_graph(store, labels: list, base_url: str) -> Graph:
    """VoID for the store: ``labels`` are the label versions (kb.service.LabelRef), ``base_url``
    the server root ("http://host:port/") for the endpoint and dump links."""
    base = base_url.rstrip("/") + "/"
    g = Graph()
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    g.bind("xsd", XSD)
    ds = URIRef(base + "void#dataset")
    counts = graph_counts(store)
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal("smpc-kb: structured SmPC drug labels")))
    g.add((ds, VOID.sparqlEndpoint, URIRef(base + "sparql")))
    g.add((ds, VOID.dataDump, URIRef(base + "download/all.trig")))
    g.add((ds, VOID.uriSpace, Literal(ID_BASE)))
    g.add((ds, VOID.vocabulary, URIRef(str(SMPC))))
    g.add((ds, VOID.triples, Literal(sum(counts.values()), datatype=XSD.integer)))
    g.add((ds, VOID.entities, Literal(len(labels), datatype=XSD.integer)))
    for ref in labels:
        sub = URIRef(base + "void#" + ref.name.replace("@", "_"))
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, DCTERMS.title, Literal(f"{ref.title or ref.label_id} ({ref.version})")))
        g.add((sub, DCTERMS.identifier, Literal(ref.name)))
        g.add((sub, VOID.inDataset, ds))
        g.add((sub, DCTERMS.source, URIRef(ref.iri)))
        g.add((sub, VOID.triples, Literal(counts.get(ref.iri, 0), datatype=XSD.integer)))
        g.add((sub, VOID.dataDump, URIRef(base + f"download/{ref.name}.trig")))
        if ref.version_date:  # a date as the label prints it, typed when it is a calendar date
            dated = re.fullmatch(r"\d{4}-\d{2}-\d{2}", ref.version_date)
            g.add((sub, DCTERMS.modified, Literal(ref.version_date, datatype=XSD.date if dated else None)))
    if ONTOLOGY_GRAPH in counts:
        sub = URIRef(base + "void#ontology")
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, DCTERMS.title, Literal("vocabulary and SHACL shapes")))
        g.add((sub, DCTERMS.source, URIRef(ONTOLOGY_GRAPH)))
        g.add((sub, VOID.inDataset, ds))
        g.add((sub, VOID.triples, Literal(counts[ONTOLOGY_GRAPH], datatype=XSD.integer)))
    return g


def void_bytes(store, labels: list, base_url: str, fmt: str = "turtle") -> bytes:
    g = void_graph(store, labels, base_url)
    return g.serialize(format={"turtle": "turtle", "n-triples": "nt", "json-ld": "json-ld"}[fmt], encoding="utf-8")


# ---------------------------------------------------------------- JSON-LD


@lru_cache(maxsize=1)
def jsonld_context() -> dict:
    """Readable keys for every smpc: term (object properties coerce to IRIs), the common reused
    terms, and the prefixes."""
    vocab = vocabulary_graph()
    ctx: dict = {p: str(ns) for p, ns in PREFIXES.items()}
    ctx.update({"id": "@id", "type": "@type", "graph": "@graph"})
    objects = set(vocab.subjects(RDF.type, OWL.ObjectProperty))
    for t in sorted({s for k in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property, RDFS.Class)
                     for s in vocab.subjects(RDF.type, k)}, key=str):
        if not str(t).startswith(str(SMPC)):
            continue
        name = str(t)[len(str(SMPC)):]
        if name in ctx:
            continue
        ctx[name] = {"@id": f"smpc:{name}", "@type": "@id"} if t in objects else f"smpc:{name}"
    reused = {"title": "dcterms:title", "name": "schema:name", "label": "rdfs:label", "value": "schema:value",
              "minValue": "schema:minValue", "maxValue": "schema:maxValue", "unitCode": "schema:unitCode",
              "notation": "skos:notation", "prefLabel": "skos:prefLabel"}
    for k, v in reused.items():
        ctx.setdefault(k, v)
    for k, v in {"wasDerivedFrom": "prov:wasDerivedFrom", "exactMatch": "skos:exactMatch",
                 "inScheme": "skos:inScheme", "broader": "skos:broader"}.items():
        ctx.setdefault(k, {"@id": v, "@type": "@id"})
    return ctx


@lru_cache(maxsize=1)
def _reverse() -> tuple[dict[str, str], set[str]]:
    """full IRI -> key, and the keys that coerce values to IRIs."""
    ctx = jsonld_context()
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("#", "/"))}

    def full(curie: str) -> str:
        p, _, local = curie.partition(":")
        return prefixes[p] + local if p in prefixes else curie

    keys, coerce = {}, set()
    for k, v in ctx.items():
        if k in prefixes or k in ("id", "type", "graph"):
            continue
        iri = full(v["@id"] if isinstance(v, dict) else v)
        keys.setdefault(iri, k)
        if isinstance(v, dict) and v.get("@type") == "@id":
            coerce.add(k)
    return keys, coerce


def _short(iri: str) -> str:
    keys, _ = _reverse()
    if iri in keys:
        return keys[iri]
    for p, ns in PREFIXES.items():
        if iri.startswith(str(ns)) and len(iri) > len(str(ns)):
            return f"{p}:{iri[len(str(ns)):]}"
    return iri


def _curie(iri: str) -> str:
    """An IRI in a vocabulary namespace as a compact IRI (smpc:freq-common); others unchanged."""
    for p, ns in PREFIXES.items():
        if iri.startswith(str(ns)) and len(iri) > len(str(ns)) and "/" not in iri[len(str(ns)):]:
            return f"{p}:{iri[len(str(ns)):]}"
    return iri


def _node(node: dict) -> dict:
    _, coerce = _reverse()
    out: dict = {}
    for k, values in node.items():
        if k == "@id":
            out["id"] = _curie(values)
        elif k == "@type":
            types = [_short(t) for t in (values if isinstance(values, list) else [values])]
            out["type"] = types[0] if len(types) == 1 else types
        elif k == "@graph":
            out["graph"] = [_node(n) for n in values]
        elif k == str(RDF.type) and all(isinstance(v, dict) and set(v) == {"@id"} for v in values):
            types = [_short(v["@id"]) for v in values]
            out["type"] = types[0] if len(types) == 1 else types
        else:
            key = _short(k)
            vals = []
            for v in values if isinstance(values, list) else [values]:
                if isinstance(v, dict) and set(v) == {"@id"}:
                    iri = _curie(v["@id"])
                    vals.append(iri if key in coerce else {"id": iri})
                elif isinstance(v, dict) and set(v) == {"@value"} and isinstance(v["@value"], str) and key not in coerce:
                    vals.append(v["@value"])
                elif isinstance(v, dict) and "@type" in v and "@value" in v:
                    vals.append({"@value": v["@value"], "@type": _short(v["@type"])})
                else:
                    vals.append(v)
            out[key] = vals[0] if len(vals) == 1 else vals
    return out


def compact_jsonld(expanded: bytes) -> bytes:
    """Oxigraph's JSON-LD (full IRIs) -> the same data with the published context inline."""
    doc = json.loads(expanded)
    nodes = doc if isinstance(doc, list) else doc.get("@graph", [doc])
    body = {"@context": jsonld_context(), "graph": [_node(n) for n in nodes]}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def compact_graph(graph: Graph) -> dict:
    expanded = graph.serialize(format="json-ld", encoding="utf-8")
    return json.loads(compact_jsonld(expanded))


# ---------------------------------------------------------------- union Turtle


_GRAPH_BRACES = re.compile(rb"^(?:(?:<[^>\n]*>|_:\S+) \{|\})\n", re.M)


def union_turtle(trig: bytes, chunk: int = 1 << 20) -> Iterator[bytes]:
    """The union of a TriG dump's graphs as Turtle, in chunks of about ``chunk`` bytes.

    Oxigraph writes TriG as prefixes, then per graph a line ``<g> {``, the graph's triples
    (tab-indented Turtle) and a line ``}``; string literals are written with escapes, never as
    multi-line strings, so dropping the graph lines leaves the union as Turtle (a triple in
    several graphs is written once per graph: the same graph). Native speed: one regex pass."""
    body = _GRAPH_BRACES.sub(b"", trig)
    start = 0
    while start < len(body):
        end = body.find(b"\n", start + chunk)
        end = len(body) if end < 0 else end + 1
        yield body[start:end]
        start = end


def union_stream(nquads: bytes, fmt: str = "turtle", chunk: int = 20000) -> Iterator[bytes]:
    """The union of the quads' graphs as Turtle or N-Triples, in chunks (Turtle: prefixes once)."""
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    if fmt == "turtle":
        yield "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes.items()).encode("utf-8")
    batch: list = []
    for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        batch.append(q.triple)
        if len(batch) >= chunk:
            yield _body(batch, prefixes, fmt)
            batch = []
    if batch:
        yield _body(batch, prefixes, fmt)


def _body(triples: list, prefixes: dict, fmt: str) -> bytes:
    if fmt != "turtle":
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    out = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    lines = out.split(b"\n")
    i = 0
    while i < len(lines) and (lines[i].startswith(b"@prefix") or not lines[i].strip()):
        i += 1
    return b"\n".join(lines[i:]) + b"\n"
