"""A query text is parsed once per request, by Oxigraph, with the refusals of check_query kept exact.

Parses are counted (rdflib's grammar entry point, and the in-process Oxigraph run), never timed.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

import kb.store.local
from kb.sparql.safety import QueryRefused, QuerySyntaxError, check_query
from kb.sparql.vet import quick_verdict, vet_query

QUERIES = Path(__file__).resolve().parent.parent / "docs" / "queries"


@pytest.fixture
def counted(monkeypatch):
    """Counts of rdflib query parses and Oxigraph runs (in-process) from here on."""
    from rdflib.plugins.sparql import parser

    calls = {"rdflib": 0, "oxigraph": 0}
    parse = parser.Query.parse_string
    run = kb.store.local.run_query

    def counting_parse(*a, **k):
        calls["rdflib"] += 1
        return parse(*a, **k)

    def counting_run(*a, **k):
        calls["oxigraph"] += 1
        return run(*a, **k)

    monkeypatch.setattr(parser.Query, "parse_string", counting_parse)
    monkeypatch.setattr(kb.store.local, "run_query", counting_run)
    return calls


@pytest.fixture
def client(tmp_path):
    from kb.service import KnowledgeBase
    from web import create_app

    k = KnowledgeBase(tmp_path / "store")
    g = Graph()
    g.add((URIRef("http://e/s"), URIRef("http://e/p"), Literal("one")))
    k.store.replace_graph("http://e/g", g)
    app = create_app({"KB": k, "LOG_REQUESTS": False, "QUERY_TIMEOUT_S": None, "TESTING": True})
    yield app.test_client()
    k.close()


def test_a_new_text_through_the_endpoint_is_parsed_once_by_oxigraph(client, counted):
    q = "SELECT ?o WHERE { ?s <http://e/p> ?o } # asked once: parse_once_1"
    r = client.get("/sparql", query_string={"query": q}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    assert [b["o"]["value"] for b in r.get_json()["results"]["bindings"]] == ["one"]
    assert counted == {"rdflib": 0, "oxigraph": 1}


def test_a_dataset_clause_is_seen_without_rdflib(client, counted):
    q = "SELECT ?o FROM <http://e/other> WHERE { ?s ?p ?o } # parse_once_2"
    r = client.get("/sparql", query_string={"query": q}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and r.get_json()["results"]["bindings"] == []  # FROM kept: not the union
    assert counted == {"rdflib": 0, "oxigraph": 1}


def test_service_goes_to_the_full_check_and_is_refused_before_running(client, counted):
    q = r"SELECT * WHERE { \u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } } # parse_once_3"
    r = client.get("/sparql", query_string={"query": q})
    assert r.status_code == 403
    assert counted["rdflib"] >= 1 and counted["oxigraph"] == 0


def test_an_update_is_refused_403_before_running(client, counted):
    r = client.get("/sparql", query_string={"query": "INSERT DATA { <http://a> <http://b> <http://c> } #po4"})
    assert r.status_code == 403
    assert counted["oxigraph"] == 0


def test_a_syntax_error_found_by_oxigraph_is_worded_as_check_query_words_it(client, counted):
    q = "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER( }"
    with pytest.raises(QuerySyntaxError) as e:
        client.application.config["KB"].sparql(q)
    assert (e.value.line, e.value.column) == (3, 3)
    assert counted["oxigraph"] == 1  # Oxigraph found it; rdflib only worded it


@pytest.mark.parametrize("text,kind,dataset", [
    ("SELECT * WHERE { ?s ?p ?o }", "select", False),
    ("PREFIX : <http://x/>\nBASE <http://b/>\n# a comment\nconstruct { ?s ?p ?o } WHERE { ?s ?p ?o }", "construct", False),
    ("DESCRIBE <http://a>", "describe", False),
    ("ASK { ?s ?p ?o }", "ask", False),
    ("SELECT*FROM<http://g>WHERE{?s ?p ?o}", "select", True),
    ("SELECT * FROM NAMED <http://g> WHERE { GRAPH ?g { ?s ?p ?o } }", "select", True),
    ("PREFIX prov: <http://www.w3.org/ns/prov#>\nSELECT * WHERE { ?s prov:wasDerivedFrom ?from } # from here",
     "select", False),
    ('SELECT * WHERE { ?s ?p "taken from the label" }', "select", False),
])
def test_quick_verdict_agrees_with_check_query(text, kind, dataset):
    quick = quick_verdict(text)
    full = check_query(text)
    assert quick is not None
    assert (quick.kind, quick.has_dataset_clause) == (full.kind, full.has_dataset_clause) == (kind, dataset)


@pytest.mark.parametrize("text", [
    'SELECT * WHERE { ?s ?p "no service here" }',  # the letters anywhere: the full check decides
    "PREFIX : <http://x/> SELECT * FROM:g WHERE { ?s ?p ?o }",  # Oxigraph reads FROM:g as FROM :g
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < <http://x/#from>) }",
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "SELECT * WHERE { ?s ?p 'unterminated }",
    "PREFIX x <http://x/> SELECT * {}",
])
def test_unclear_texts_get_the_full_check(text):
    assert quick_verdict(text) is None


def test_every_refusal_of_check_query_is_a_refusal_of_vet_query():
    from test_sparql_safety import REFUSED

    for text in REFUSED:
        with pytest.raises(QueryRefused):
            check_query(text)
        with pytest.raises(QueryRefused):
            vet_query(text)


def test_the_competency_queries_take_the_quick_way():
    for path in sorted(QUERIES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        quick, full = quick_verdict(text), check_query(text)
        assert quick is not None, path.name
        assert (quick.kind, quick.has_dataset_clause) == (full.kind, full.has_dataset_clause), path.name
