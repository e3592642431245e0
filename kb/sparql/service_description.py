"""The endpoint's SPARQL 1.1 Service Description: an RDF graph naming the endpoint, the query
language, the result formats and every label version's named graph, serialised on request
(the web layer asks for it and sends it; it does not build RDF itself)."""
from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

SD_FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
              "application/rdf+xml": "xml"}


def service_description(endpoint_url: str, refs, media: str) -> str:
    """The description of the endpoint at ``endpoint_url`` over the label versions ``refs``
    (:class:`kb.service.LabelRef`), in the RDF syntax of ``media`` (a key of :data:`SD_FORMATS`)."""
    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    fmt = Namespace("http://www.w3.org/ns/formats/")
    g = Graph()
    g.bind("sd", sd)
    g.bind("formats", fmt)
    svc = BNode()
    endpoint = URIRef(endpoint_url)
    g.add((svc, RDF.type, sd.Service))
    g.add((svc, sd.endpoint, endpoint))
    g.add((svc, sd.supportedLanguage, sd.SPARQL11Query))
    g.add((svc, sd.feature, sd.UnionDefaultGraph))
    for f in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
              "Turtle", "JSON-LD", "N-Triples", "RDF_XML"):
        g.add((svc, sd.resultFormat, fmt[f]))
    ds, dg = BNode(), BNode()
    g.add((svc, sd.defaultDataset, ds))
    g.add((ds, RDF.type, sd.Dataset))
    g.add((ds, sd.defaultGraph, dg))
    g.add((dg, RDF.type, sd.Graph))
    for ref in refs:
        ng = BNode()
        g.add((ds, sd.namedGraph, ng))
        g.add((ng, RDF.type, sd.NamedGraph))
        g.add((ng, sd.name, URIRef(ref.iri)))
        if ref.title:
            g.add((ng, URIRef("http://purl.org/dc/terms/title"), Literal(f"{ref.title} ({ref.name})")))
    return g.serialize(format=SD_FORMATS[media])


def is_iri(term) -> bool:
    """Whether a result term (an rdflib term of :class:`kb.sparql.results.QueryResult`) is an IRI."""
    return isinstance(term, URIRef)
