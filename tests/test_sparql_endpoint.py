"""/sparql over real HTTP: SPARQLWrapper, curl and requests against a waitress server."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import threading
import time

import pytest
import requests
from rdflib import Graph

try:  # tests/ as a package or as a plain directory
    from .web_fixtures import *  # noqa: F401,F403
except ImportError:
    from web_fixtures import *  # noqa: F401,F403

PREFIX = "PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>\nPREFIX dcterms: <http://purl.org/dc/terms/>\n"
WARNINGS = PREFIX + "SELECT ?title WHERE { ?w a smpc:Warning ; dcterms:title ?title } ORDER BY ?title"
CONSTRUCT = PREFIX + "CONSTRUCT { ?w dcterms:title ?t } WHERE { ?w a smpc:Warning ; dcterms:title ?t }"
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def warning_titles(web_kb):
    return [str(r["title"]) for r in web_kb.sparql(WARNINGS).rows]


def parse_graph(data, fmt: str) -> Graph:
    """rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph: not our warning."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return Graph().parse(data=data, format=fmt)


def wrapper(base_url, query, fmt=None, method="GET"):
    from SPARQLWrapper import POST, SPARQLWrapper

    sw = SPARQLWrapper(base_url + "/sparql")
    sw.setQuery(query)
    if fmt:
        sw.setReturnFormat(fmt)
    if method == "POST":
        sw.setMethod(POST)
    return sw


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json_and_xml(base_url, warning_titles, method):
    from SPARQLWrapper import JSON, XML

    res = wrapper(base_url, WARNINGS, JSON, method).query().convert()
    assert [b["title"]["value"] for b in res["results"]["bindings"]] == warning_titles
    doc = wrapper(base_url, WARNINGS, XML, method).query().convert()
    ns = "http://www.w3.org/2005/sparql-results#"
    assert len(doc.getElementsByTagNameNS(ns, "result")) == len(warning_titles)


def test_sparqlwrapper_csv_tsv_ask_construct(base_url, warning_titles):
    from SPARQLWrapper import CSV, JSON, JSONLD, N3, TSV, TURTLE

    rows = list(csv.reader(io.StringIO(wrapper(base_url, WARNINGS, CSV).query().convert().decode())))
    assert rows[0] == ["title"] and [r[0] for r in rows[1:]] == warning_titles
    tsv = wrapper(base_url, WARNINGS, TSV).query().convert().decode().splitlines()
    assert tsv[0] == "?title" and len(tsv) == len(warning_titles) + 1
    assert wrapper(base_url, PREFIX + "ASK { ?w a smpc:Warning }", JSON).query().convert()["boolean"] is True
    for fmt, syntax in ((TURTLE, "turtle"), (N3, "turtle"), (JSONLD, "json-ld")):
        raw = wrapper(base_url, CONSTRUCT, fmt).query().response.read()
        assert len(parse_graph(raw, syntax)) == len(warning_titles)


@pytest.mark.parametrize("accept,param,ctype", [
    ("application/sparql-results+json", None, "application/sparql-results+json"),
    ("application/sparql-results+xml", None, "application/sparql-results+xml"),
    ("text/csv", None, "text/csv"), ("text/tab-separated-values", None, "text/tab-separated-values"),
    (None, "csv", "text/csv"), (None, "tsv", "text/tab-separated-values"), (None, "xml", "application/sparql-results+xml"),
    ("*/*", None, "application/sparql-results+json"),
])
def test_select_formats_by_accept_or_format(base_url, accept, param, ctype):
    params = {"query": WARNINGS, **({"format": param} if param else {})}
    r = requests.get(base_url + "/sparql", params=params, headers={"Accept": accept} if accept else {}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(ctype)


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                        ("application/n-triples", "nt")])
def test_construct_and_describe_formats(base_url, warning_titles, accept, fmt):
    for q in (CONSTRUCT, PREFIX + "DESCRIBE ?w WHERE { ?w a smpc:Warning } LIMIT 1"):
        r = requests.post(base_url + "/sparql", data=q.encode(), headers={
            "Content-Type": "application/sparql-query", "Accept": accept}, timeout=30)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(accept)
        assert len(parse_graph(r.text, fmt)) > 0


def test_post_form_and_dataset_parameters(base_url, label_ref):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    def count(**extra):
        r = requests.post(base_url + "/sparql", data={"query": q, **extra}, timeout=30,
                          headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200, r.text
        return int(r.json()["results"]["bindings"][0]["n"]["value"])
    union = count()
    own = count(query=f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{label_ref.iri}> {{ ?s ?p ?o }} }}")
    # the union also holds the ontology graph (vocabulary and shapes)
    assert union > own > 1000 and count(**{"default-graph-uri": label_ref.iri}) == own
    assert count(**{"default-graph-uri": "http://example.org/no-such-graph"}) == 0
    r = requests.get(base_url + "/sparql", params={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?g a ?t } }", "named-graph-uri": label_ref.iri}, timeout=30)
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [label_ref.iri]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl(base_url, warning_titles):
    out = subprocess.run(["curl", "-sS", "-H", "Accept: text/csv", "--data-urlencode", f"query={WARNINGS}",
                          base_url + "/sparql"], capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.splitlines()[1:] == [t if "," not in t else f'"{t}"' for t in warning_titles]
    out = subprocess.run(["curl", "-sS", "-w", "\\n%{http_code} %{content_type}", "-X", "POST", "-H",
                          "Content-Type: application/sparql-query", "--data-binary", "INSERT DATA { <a> <b> <c> }",
                          base_url + "/sparql"], capture_output=True, text=True, timeout=60, check=True).stdout
    body, status = out.rsplit("\n", 1)
    assert status.startswith("403 application/json") and "read-only" in json.loads(body)["error"]


@pytest.mark.parametrize("query,status,word", [
    ("INSERT DATA { <http://a> <http://b> <http://c> }", 403, "read-only"),
    ("DELETE WHERE { ?s ?p ?o }", 403, "read-only"),
    ("LOAD <http://example.org/data.ttl>", 403, "LOAD"),
    ("DROP ALL", 403, "read-only"),
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", 403, "SERVICE"),
    ("SELECT * WHERE { ?s ?p ?o . FILTER EXISTS { SERVICE <http://x.example/> { ?s ?p ?o } } }", 403, "SERVICE"),
    ("SELECT * WHERE { ?s ?p ", 400, "syntax"),
    ("ASK {", 400, "syntax"),
    ('SELECT * WHERE { ?s ?p "unbalanced }', 400, "syntax"),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 1 # " + "x" * 10_000, 200, None),
    ("", 400, "empty"),
    ("SELECT * WHERE { ?s ?p ?o # a comment ends at CR\r SERVICE <http://x.example/> { ?s ?p ?o } \n }", 403, "SERVICE"),
    ("SELECT * WHERE " + "{" * 2500 + "?s ?p ?o" + "}" * 2500, 400, "deep"),
    ("SELECT (TRIPLE(<http://a>, <http://b>, <http://c>) AS ?t) WHERE {}", 400, "triple term"),
    ("SELECT ?x WHERE { ?x foo:bar ?z }", 400, "undeclared prefix 'foo:'"),  # was Oxigraph's character classes
])
def test_refusals_and_malformed_queries(base_url, query, status, word):
    r = requests.post(base_url + "/sparql", data={"query": query}, timeout=30)
    assert r.status_code == status, r.text[:300]
    if word:
        body = r.json()
        assert body["ok"] is False and body["status"] == status and word.lower() in body["error"].lower()
        assert "\\u{" not in body["error"]


def test_update_parameter_and_methods_refused(base_url):
    assert requests.post(base_url + "/sparql", data={"update": "DROP ALL"}, timeout=30).status_code == 403
    r = requests.put(base_url + "/sparql", data="ASK {}", timeout=30)
    assert r.status_code == 405 and r.json()["status"] == 405


def test_result_size_limit(base_url):
    r = requests.get(base_url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, timeout=60)
    assert r.status_code == 413 and "5000" in r.json()["error"].replace(",", "")
    # few rows, each huge: 2,000 values of 9,000 characters (18 million) are over the size limit too
    huge = ('SELECT ?x WHERE { VALUES ?i { ' + " ".join(str(i) for i in range(2000)) + ' } '
            'BIND(CONCAT(STR(?i), "' + "x" * 9000 + '") AS ?x) }')
    r = requests.post(base_url + "/sparql", data={"query": huge}, timeout=60)
    assert r.status_code == 413 and "million characters" in r.json()["error"]


def test_time_limit_stops_a_runaway_query_and_others_are_answered(base_url):
    result = {}

    def runaway():
        t0 = time.monotonic()
        r = requests.get(base_url + "/sparql", params={"query": CROSS_JOIN}, timeout=60)
        result.update(status=r.status_code, body=r.json(), seconds=time.monotonic() - t0)

    th = threading.Thread(target=runaway)
    th.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    r = requests.get(base_url + "/sparql", params={"query": "ASK {}"}, timeout=30)
    assert r.status_code == 200 and r.json()["boolean"] is True and time.monotonic() - t0 < 2.0
    th.join(60)
    assert result["status"] == 503 and "stopped" in result["body"]["error"]
    assert result["seconds"] < 10
    r = requests.get(base_url + "/api/search", params={"q": "seizure"}, timeout=30)
    assert r.status_code == 200 and r.json()["total"] > 0


def test_cors_for_browser_tools(base_url):
    r = requests.options(base_url + "/sparql", headers={
        "Origin": "http://yasgui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"}, timeout=30)
    assert r.status_code in (200, 204) and r.headers.get("Access-Control-Allow-Origin") in ("*", "http://yasgui.example")
    allowed = {m.strip() for m in r.headers.get("Access-Control-Allow-Methods", "").split(",")}
    assert "POST" in allowed and not allowed & {"PUT", "PATCH", "DELETE"}  # a read-only endpoint
    r = requests.get(base_url + "/sparql", params={"query": "ASK {}"}, headers={"Origin": "http://yasgui.example"},
                     timeout=30)
    assert r.headers.get("Access-Control-Allow-Origin") in ("*", "http://yasgui.example")


def test_service_description(base_url, label_ref):
    r = requests.get(base_url + "/sparql", headers={"Accept": "text/turtle"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    q = f"PREFIX sd: <{sd}> ASK {{ ?s a sd:Service ; sd:supportedLanguage sd:SPARQL11Query ; " \
        f"sd:defaultDataset/sd:namedGraph/sd:name <{label_ref.iri}> }}"
    assert g.query(q).askAnswer


@pytest.mark.parametrize("path,ctype,fmt", [
    ("/download/all.nq", "application/n-quads", "nquads"), ("/download/all.trig", "application/trig", "trig"),
    ("/download/all.jsonld", "application/ld+json", "json-ld"), ("/download/all.ttl", "text/turtle", "turtle"),
    ("/download/blincyto.ttl", "text/turtle", "turtle"), ("/download/blincyto.jsonld", "application/ld+json", "json-ld"),
    ("/download/blincyto.nq", "application/n-quads", "nquads"),
])
def test_downloads(base_url, web_kb, path, ctype, fmt):
    r = requests.get(base_url + path, timeout=60)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(ctype)
    assert "attachment" in r.headers["Content-Disposition"]
    import pyoxigraph as ox

    oxfmt = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG, "json-ld": ox.RdfFormat.JSON_LD,
             "turtle": ox.RdfFormat.TURTLE}[fmt]
    assert sum(1 for _ in ox.parse(r.content, format=oxfmt)) > 1000


@pytest.mark.parametrize("accept,ctype", [("text/turtle", "text/turtle"), ("application/ld+json", "application/ld+json"),
                                          ("application/n-quads", "application/n-quads"), ("text/html", "text/html")])
def test_label_url_negotiates(base_url, accept, ctype):
    r = requests.get(base_url + "/labels/blincyto", headers={"Accept": accept}, timeout=60)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(ctype)


def test_construct_as_turtle_keeps_every_literal_as_written(base_url):
    """rdflib's Turtle writer printed "96"^^xsd:decimal as 96.0, another literal than the N-Triples
    answer's: the Turtle answer must be the same graph."""
    from rdflib.compare import isomorphic

    q = ("PREFIX schema: <https://schema.org/> CONSTRUCT { ?q schema:value ?v } "
         "WHERE { ?q schema:value ?v } LIMIT 200")
    got = {}
    for accept, fmt in (("text/turtle", "turtle"), ("application/n-triples", "nt")):
        r = requests.get(base_url + "/sparql", params={"query": q}, headers={"Accept": accept}, timeout=30)
        assert r.status_code == 200, r.text[:300]
        got[fmt] = Graph().parse(data=r.text, format=fmt)
    assert len(got["nt"]) > 10 and isomorphic(got["turtle"], got["nt"])
