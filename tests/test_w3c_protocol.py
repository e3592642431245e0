"""The W3C SPARQL 1.1 Protocol query-side tests, as real HTTP requests against /sparql.

tests/w3c-protocol/manifest.ttl is the W3C manifest (licence alongside). The 14
tests that apply to a read-only endpoint are run: the 7 ``query_*`` tests that
need none of the suite's own data (no ``ut:graphData``) and the 7
``bad_query_*``/``bad_multiple_queries`` tests. Each ``ht:Request`` becomes a
request to the test server (``/sparql/`` paths kept); status class, content
type of the expected format and the ASK boolean are checked.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Namespace, RDF
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
        applies = (name.startswith("query_") and (t, UT.graphData, None) not in g) or \
            name.startswith("bad_query_") or name == "bad_multiple_queries"
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


def test_the_fourteen_tests_are_found():
    assert len(TESTS) == 14
    assert sum(t["name"].startswith("query_") for t in TESTS) == 7


@pytest.mark.parametrize("case", TESTS, ids=[t["name"] for t in TESTS])
def test_w3c_protocol(base_url, case):
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
        Graph().parse(data=r.text, format={"text/turtle": "turtle", "application/ld+json": "json-ld",
                                            "application/n-triples": "nt"}[ctype])
    if case["boolean"] is not None:
        if ctype == "application/sparql-results+json":
            got = json.loads(r.text)["boolean"]
        else:
            ns = "{http://www.w3.org/2005/sparql-results#}"
            got = ET.fromstring(r.content).find(f"{ns}boolean").text == "true"
        assert got == case["boolean"].toPython()
