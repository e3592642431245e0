"""Clients nobody here wrote, with their defaults, against a live /sparql (issue 15 item 1).

SPARQLWrapper (GET, return format XML: ``format=xml`` and ``Accept:
application/rdf+xml`` for a CONSTRUCT) and rdflib's ``SPARQLStore`` (both
return formats: XML sends ``application/sparql-results+xml, application/rdf+xml``,
JSON sends only ``application/sparql-results+json``) must get answers they parse.
Also: HEAD, ``Vary`` and gzip on the real server.
"""
from __future__ import annotations

import gzip

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import SPARQLWrapper

try:
    from .web_fixtures import *  # noqa: F401,F403
except ImportError:
    from web_fixtures import *  # noqa: F401,F403
# rdflib 7's JSON-LD parser and SPARQLWrapper's RDF/XML conversion use rdflib's deprecated ConjunctiveGraph
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


def _truth(web_kb, label_ref) -> set:
    """The label version's own triples about itself, read from the store directly."""
    r = web_kb.sparql(f"CONSTRUCT {{ <{label_ref.iri}> ?p ?o }} WHERE {{ GRAPH ?g {{ <{label_ref.iri}> ?p ?o }} }}")
    return set(r.graph)


def _construct(label_ref) -> str:
    return f"CONSTRUCT {{ <{label_ref.iri}> ?p ?o }} WHERE {{ <{label_ref.iri}> ?p ?o }}"


def test_sparqlwrapper_defaults_construct_and_describe(base_url, web_kb, label_ref):
    truth = _truth(web_kb, label_ref)
    assert any(p == RDF.type for _, p, _ in truth)
    w = SPARQLWrapper(base_url + "/sparql")  # defaults: GET, XML
    w.setQuery(_construct(label_ref))
    g = w.queryAndConvert()  # RDF/XML parsed by rdflib inside SPARQLWrapper
    assert isinstance(g, Graph)
    assert set(g) == truth
    w.setQuery(f"DESCRIBE <{label_ref.iri}>")
    d = w.queryAndConvert()
    assert isinstance(d, Graph) and truth <= set(d)


def test_sparqlwrapper_defaults_select_and_ask(base_url, web_kb, label_ref):
    w = SPARQLWrapper(base_url + "/sparql")
    w.setQuery(f"SELECT ?p ?o WHERE {{ <{label_ref.iri}> ?p ?o }}")
    doc = w.queryAndConvert()  # an xml.dom document of SPARQL XML results
    results = doc.getElementsByTagName("result")
    assert len(results) == len(_truth(web_kb, label_ref))
    w.setQuery(f"ASK {{ <{label_ref.iri}> a ?t }}")
    assert w.queryAndConvert().getElementsByTagName("boolean")[0].firstChild.data == "true"


@pytest.mark.parametrize("return_format", ["xml", "json"])
def test_rdflib_sparqlstore_both_return_formats(base_url, web_kb, label_ref, return_format):
    truth = _truth(web_kb, label_ref)
    store = SPARQLStore(base_url + "/sparql", returnFormat=return_format)
    try:
        g = Graph(store)
        got = g.query(_construct(label_ref)).graph
        assert set(got) == truth
        rows = list(g.query(f"SELECT ?p ?o WHERE {{ <{label_ref.iri}> ?p ?o }}"))
        assert {(URIRef(label_ref.iri), p, o) for p, o in rows} == truth
        assert g.query(f"ASK {{ <{label_ref.iri}> ?p ?o }}").askAnswer is True
        described = g.query(f"DESCRIBE <{label_ref.iri}>").graph
        assert truth <= set(described)
    finally:
        store.close()


def test_head_on_sparql_and_downloads(base_url, label_ref):
    q = {"query": f"SELECT ?p WHERE {{ <{label_ref.iri}> ?p ?o }}"}
    for url, params in [(base_url + "/sparql", q), (base_url + "/sparql", None),
                        (base_url + "/download/all.trig", None),
                        (base_url + f"/download/{label_ref.name}.ttl", None)]:
        get = requests.get(url, params=params, headers={"Accept-Encoding": "identity"}, timeout=60)
        head = requests.head(url, params=params, headers={"Accept-Encoding": "identity"}, timeout=60)
        assert get.status_code == head.status_code == 200, (url, head.status_code)
        assert head.headers["Content-Type"] == get.headers["Content-Type"]
        assert head.content == b""
        assert get.content


def test_vary_accept_wherever_negotiated(base_url, label_ref):
    q = {"query": f"ASK {{ <{label_ref.iri}> ?p ?o }}"}
    cases = [("/sparql", q, "text/html"), ("/sparql", q, "application/sparql-results+json"),
             ("/sparql", None, "text/turtle"), ("/sparql", None, "text/html"),
             (f"/labels/{label_ref.name}", None, "text/html"), (f"/labels/{label_ref.name}", None, "text/turtle"),
             ("/download/all.trig", None, "*/*")]
    for path, params, accept in cases:
        r = requests.get(base_url + path, params=params, headers={"Accept": accept}, timeout=60)
        assert r.status_code == 200, (path, accept, r.status_code)
        assert "accept" in [v.strip().lower() for v in r.headers.get("Vary", "").split(",")], (path, accept)


def test_large_answers_are_gzipped_only_when_asked(base_url):
    q = {"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 2000"}
    plain = requests.get(base_url + "/sparql", params=q, headers={"Accept-Encoding": "identity"},
                         stream=True, timeout=60)
    raw_plain = plain.raw.read()
    assert "Content-Encoding" not in plain.headers
    zipped = requests.get(base_url + "/sparql", params=q, headers={"Accept-Encoding": "gzip"},
                          stream=True, timeout=60)
    raw_zipped = zipped.raw.read(decode_content=False)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["Vary"].lower()
    assert gzip.decompress(raw_zipped) == raw_plain
    assert len(raw_zipped) < len(raw_plain) / 3
    refused = requests.get(base_url + "/sparql", params=q, headers={"Accept-Encoding": "gzip;q=0, identity"},
                           stream=True, timeout=60)
    assert "Content-Encoding" not in refused.headers
    small = requests.get(base_url + "/sparql", params={"query": "ASK { ?s ?p ?o }"},
                         headers={"Accept-Encoding": "gzip"}, timeout=60)
    assert "Content-Encoding" not in small.headers  # a tiny answer is not worth compressing


def test_download_is_gzipped_and_identical(base_url):
    plain = requests.get(base_url + "/download/all.nq", headers={"Accept-Encoding": "identity"}, timeout=60)
    zipped = requests.get(base_url + "/download/all.nq", headers={"Accept-Encoding": "gzip"}, stream=True, timeout=60)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.raw.read(decode_content=False)) == plain.content
