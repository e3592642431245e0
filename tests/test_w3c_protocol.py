"""The W3C SPARQL 1.1 Protocol query-side tests, as real HTTP requests against /sparql.

tests/w3c-protocol/manifest.ttl is the W3C manifest (licence alongside). Every
query-side test runs (20): the 13 ``query_*`` tests, the dataset ones included,
and the 7 ``bad_query_*``/``bad_multiple_queries`` tests (the ``update_*`` and
``bad_update_*`` ones are for an update endpoint; /sparql is read-only). Each
``ht:Request`` becomes a request to a server whose store holds the data the
tests name (``ut:graphData``): graphs ``data0.rdf`` .. ``data3.rdf``, built here,
each describing its own IRI as a document. Status class, content type of the
expected format (parsed) and the ASK boolean are checked. The dataset tests
would pass against an endpoint that ignored the dataset parameters (the union
of all graphs answers them too), so each has a counterpart here whose answer
changes when the protocol's dataset is honoured.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

try:  # tests/ as a package or as a plain directory
    from .web_fixtures import *  # noqa: F401,F403
except ImportError:
    from web_fixtures import *  # noqa: F401,F403

MANIFEST = Path(__file__).resolve().parent / "w3c-protocol" / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
CNT = Namespace("http://www.w3.org/2011/content#")
FORMATS = {
    "boolean": ("application/sparql-results+json", "application/sparql-results+xml"),
    "tabular": ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"),
    "RDF": ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"),
}


def load_tests() -> list[dict]:
    g = Graph().parse(MANIFEST)
    out = []
    for t in g.subjects(RDF.type, MF.ProtocolTest):
        name = str(t).rsplit("#", 1)[-1]
        applies = name.startswith(("query_", "bad_query_")) or name == "bad_multiple_queries"
        if not applies:
            continue
        action = g.value(t, MF.action)
        for req in Collection(g, g.value(action, HT.requests)):
            headers_node = g.value(req, HT.headers)
            headers = {str(g.value(h, HT.fieldName)): str(g.value(h, HT.fieldValue))
                       for h in (Collection(g, headers_node) if headers_node else [])}
            body = g.value(req, HT.body)
            resp = g.value(req, HT.resp)
            statuses = {str(s).rsplit("#StatusCode", 1)[-1] for s in g.objects(resp, MF.expectedStatus)}
            out.append({
                "name": name, "method": str(g.value(req, HT.methodName)), "path": str(g.value(req, HT.absolutePath)),
                "headers": headers, "body": str(g.value(body, CNT.chars)) if body is not None else None,
                "statuses": statuses,
                "format": str(g.value(resp, MF.expectedFormat)) if g.value(resp, MF.expectedFormat) else None,
                "boolean": g.value(resp, MF.expectedBoolean),
            })
    return sorted(out, key=lambda d: d["name"])


TESTS = load_tests()


DATA = "http://kasei.us/2009/09/sparql/data/"
DOCUMENT = URIRef("http://xmlns.com/foaf/0.1/Document")


def _data_graph(n: int) -> Graph:
    """Graph ``dataN.rdf``: its IRI typed as a document, plus a title naming the graph."""
    iri = URIRef(f"{DATA}data{n}.rdf")
    g = Graph(identifier=iri)
    g.add((iri, RDF.type, DOCUMENT))
    g.add((iri, URIRef("http://purl.org/dc/terms/title"), Literal(f"data {n}")))
    return g


@pytest.fixture(scope="module")
def dataset_url(tmp_path_factory):
    """A live server whose store holds exactly the manifest's graphs data0..data3."""
    from kb.service import KnowledgeBase
    from web import create_app

    kb = KnowledgeBase(tmp_path_factory.mktemp("w3c") / "store")
    for n in range(4):
        kb.store.replace_graph(f"{DATA}data{n}.rdf", _data_graph(n))
    assert len(kb.store.graphs()) == 4
    app = create_app({"KB": kb, "LOG_REQUESTS": False, "QUERY_TIMEOUT_S": 10.0, "TESTING": True})
    yield start_server(app)
    kb.close()


def test_every_query_side_test_is_found():
    assert len(TESTS) == 20
    names = {t["name"] for t in TESTS}
    assert sum(n.startswith("query_") for n in names) == 13
    assert sum(n.startswith("query_dataset") or n == "query_multiple_dataset" for n in names) == 6


@pytest.mark.parametrize("case", TESTS, ids=[t["name"] for t in TESTS])
def test_w3c_protocol(dataset_url, case):
    base_url = dataset_url
    data = None
    if case["body"] is not None:
        charset = "utf-16" if "UTF-16" in case["headers"].get("content-type", "").upper() else "utf-8"
        data = case["body"].encode(charset)
    # requests would add a content type of its own for bytes: none, as in the manifest
    headers = {"Accept": None, "Accept-Encoding": "identity", **case["headers"]}
    r = requests.request(case["method"], base_url + case["path"], data=data, headers=headers, timeout=30)
    assert f"{r.status_code // 100}xx" in case["statuses"], (r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert r.json()["ok"] is False and r.json()["error"]
        return
    ctype = r.headers["Content-Type"].split(";")[0].strip()
    if case["format"]:
        assert ctype in FORMATS[case["format"]], ctype
    if case["format"] == "RDF":
        Graph().parse(data=r.content, format={"text/turtle": "turtle", "application/ld+json": "json-ld",
                                               "application/n-triples": "nt", "application/rdf+xml": "xml"}[ctype])
    if case["boolean"] is not None:
        if ctype == "application/sparql-results+json":
            got = json.loads(r.text)["boolean"]
        else:
            ns = "{http://www.w3.org/2005/sparql-results#}"
            got = ET.fromstring(r.content).find(f"{ns}boolean").text == "true"
        assert got == case["boolean"].toPython()


def _ask(url: str, query: str, *, default=(), named=(), method="GET") -> bool:
    params = [("default-graph-uri", d) for d in default] + [("named-graph-uri", n) for n in named]
    if method == "GET":
        r = requests.get(url + "/sparql", params=[("query", query), *params],
                         headers={"Accept": "application/sparql-results+json"}, timeout=30)
    else:
        r = requests.post(url + "/sparql", params=params, data=query.encode(),
                          headers={"Content-Type": "application/sparql-query",
                                   "Accept": "application/sparql-results+json"}, timeout=30)
    assert r.status_code == 200, r.text[:300]
    return r.json()["boolean"]


D = {n: f"{DATA}data{n}.rdf" for n in range(4)}
BOTH_DEFAULT = f"ASK {{ <{D[1]}> a ?type . <{D[2]}> a ?type . }}"
BOTH_NAMED = f"ASK {{ GRAPH ?g1 {{ <{D[1]}> a ?type }} GRAPH ?g2 {{ <{D[2]}> a ?type }} }}"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_protocol_default_graphs_are_the_whole_default_graph(dataset_url, method):
    assert _ask(dataset_url, BOTH_DEFAULT, default=[D[1], D[2]], method=method)
    assert not _ask(dataset_url, BOTH_DEFAULT, default=[D[1]], method=method)  # data2 is not in it
    assert not _ask(dataset_url, BOTH_DEFAULT, default=[D[3]], method=method)
    assert not _ask(dataset_url, "ASK { GRAPH ?g { ?s ?p ?o } }", default=[D[1]], method=method)  # no named


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_protocol_named_graphs_are_the_only_named_graphs(dataset_url, method):
    assert _ask(dataset_url, BOTH_NAMED, named=[D[1], D[2]], method=method)
    assert not _ask(dataset_url, BOTH_NAMED, named=[D[1]], method=method)
    # (the project's rule, kb/sparql_exec.dataset_options: named graphs only -> the default graph is their union)
    assert not _ask(dataset_url, f"ASK {{ <{D[3]}> ?p ?o }}", named=[D[1], D[2]], method=method)
    assert not _ask(dataset_url, f"ASK {{ GRAPH <{D[3]}> {{ ?s ?p ?o }} }}", named=[D[1], D[2]], method=method)


def test_protocol_dataset_wins_over_from_and_from_named(dataset_url):
    from_only = f"ASK FROM <{D[3]}> {{ GRAPH ?g1 {{ <{D[1]}> a ?type }} }}"
    assert not _ask(dataset_url, from_only, method="POST")  # FROM alone: no named graphs at all
    assert _ask(dataset_url, from_only, named=[D[1]], method="POST")  # the protocol's named graphs replace it
    from_named = f"ASK FROM NAMED <{D[1]}> {{ GRAPH ?g {{ <{D[1]}> a ?type }} }}"
    assert _ask(dataset_url, from_named)
    assert not _ask(dataset_url, from_named, named=[D[2]])  # protocol named graphs override FROM NAMED
    full = f"ASK {{ <{D[3]}> a ?type GRAPH ?g1 {{ <{D[1]}> a ?type }} GRAPH ?g2 {{ <{D[2]}> a ?type }} }}"
    assert _ask(dataset_url, full, default=[D[3]], named=[D[1], D[2]], method="POST")
    assert not _ask(dataset_url, full, default=[D[0]], named=[D[1], D[2]], method="POST")
