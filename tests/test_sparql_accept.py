"""One reading of Accept / Accept-Encoding (kb.accept) for result negotiation and gzip:
``q=0`` is an explicit refusal (RFC 9110 section 12.4.2: "not acceptable"), which a wildcard in the
same header must not override."""
from __future__ import annotations

import gzip

import pytest
from web_fixtures import *  # noqa: F401,F403

from kb import accept
from kb.sparql.safety import NotAcceptable, negotiate
from web.http_encoding import accepts_gzip


def test_parse_keeps_refusals_and_orders_by_preference():
    got = accept.parse("text/csv;q=0.5, application/sparql-results+json;q=0, */*;q=0.1, Text/TSV")
    assert got == [("text/tsv", 1.0), ("text/csv", 0.5), ("*/*", 0.1), ("application/sparql-results+json", 0.0)]
    assert accept.refused(got) == {"application/sparql-results+json"}
    assert accept.parse("a/b;q=oops, c/d;q=7, e/f;q=-1") == [("c/d", 1.0), ("a/b", 0.0), ("e/f", 0.0)]
    assert accept.parse(None) == [] and accept.parse(" , ") == []


@pytest.mark.parametrize("header,gz", [
    ("gzip", True), ("gzip;q=0", False), ("*", True), ("*, gzip;q=0", False), ("gzip;q=0, *", False),
    ("identity", False), ("", False), (None, False), ("x-gzip;q=0.5", True), ("deflate, gzip;q=0.001", True),
])
def test_accepts_gzip(header, gz):
    assert accepts_gzip(header) is gz


def test_a_refused_type_is_not_chosen_through_a_wildcard():
    # SELECT's default is SPARQL JSON; refused, the wildcard gets the next format that fits
    media, _ = negotiate("select", "application/sparql-results+json;q=0, */*")
    assert media != "application/sparql-results+json" and media.startswith(("application/sparql-results", "text/"))
    media, _ = negotiate("construct", "text/turtle;q=0, */*;q=0.5")
    assert media != "text/turtle"
    assert negotiate("select", "*/*")[0] == "application/sparql-results+json"
    with pytest.raises(NotAcceptable):
        negotiate("select", "application/sparql-results+json;q=0")
    with pytest.raises(NotAcceptable):
        negotiate("ask", "*/*;q=0")


def test_refusal_over_http(client):
    q = {"query": "ASK { ?s ?p ?o }"}
    r = client.get("/sparql", query_string=q, headers={"Accept": "application/sparql-results+json;q=0, */*"})
    assert r.status_code == 200 and not r.content_type.startswith("application/sparql-results+json")
    r = client.get("/sparql", query_string=q, headers={"Accept": "application/sparql-results+json;q=0"})
    assert r.status_code == 406 and r.get_json()["status"] == 406
    big = {"query": "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 200"}
    r = client.get("/sparql", query_string=big, headers={"Accept-Encoding": "*, gzip;q=0"})
    assert r.status_code == 200 and "Content-Encoding" not in r.headers
    r = client.get("/sparql", query_string=big, headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip" and gzip.decompress(r.data).startswith(b"{")
