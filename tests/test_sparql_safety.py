"""check_query refusals and syntax errors, result formats, content negotiation."""
from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree as ET

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from kb.sparql.results import QueryResult
from kb.sparql.safety import (
    NotAcceptable,
    QueryRefused,
    QuerySyntaxError,
    UnknownFormat,
    check_query,
    negotiate,
)

REFUSED = [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DROP ALL",
    "CLEAR GRAPH <http://g>",
    "LOAD <http://example.org/data.ttl>",
    "LOAD <http://example.org/data.ttl> INTO GRAPH <http://g>",
    "PREFIX x: <http://x#> INSERT { ?s x:p 1 } WHERE { ?s ?p ?o }",
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
    r"SELECT * WHERE { \u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    r"SELECT * WHERE { \U00000053\U00000045RVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "select * where { service <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://x/> { ?s ?p ?o } } }",
    "SELECT * WHERE { ?s ?p ?o FILTER NOT EXISTS { SERVICE <http://x/> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://x/> { ?s ?p ?o } } } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { ?s ?q ?r MINUS { SERVICE <http://x/> { ?s ?q ?r } } } }",
    "ASK { GRAPH ?g { SERVICE ?endpoint { ?s ?p ?o } } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o # a comment ends at CR too\r SERVICE <http://x/> { ?s ?p ?o } \n }",
    r"SELECT * WHERE { ?s ?p ?o # the same CR escaped\u000D SERVICE <http://x/> { ?s ?p ?o } " + "\n }",
]


def test_deep_nesting_is_a_clear_400_not_a_crash():
    """Nesting past the parsers' recursion: one clear 400 for both parses (rdflib's recursion failed
    at about 25 levels with a 500, and 2,500 levels killed a query worker: Oxigraph's stack)."""
    from kb.sparql.safety import MAX_NESTING
    from kb.sparql.vet import vet_query

    deep = [
        "SELECT * WHERE " + "{" * 2500 + "?s ?p ?o" + "}" * 2500,
        "SELECT * WHERE " + "{" * (MAX_NESTING + 1) + "?s ?p ?o" + "}" * (MAX_NESTING + 1),
        "SELECT * WHERE { ?s ?p ?o FILTER" + "(" * MAX_NESTING + "1" + ")" * MAX_NESTING + " }",
    ]
    for text in deep:
        for check in (check_query, vet_query):
            with pytest.raises(QuerySyntaxError) as e:
                check(text + " # service")
            assert e.value.status == 400 and "deep" in str(e.value)
    # as deep as allowed, and brackets inside strings do not count
    check_query("SELECT * WHERE " + "{" * (MAX_NESTING - 1) + "?s ?p ?o" + "}" * (MAX_NESTING - 1) + " # service")
    check_query('SELECT * WHERE { ?s ?p "' + "{" * 100 + '" } # service')


@pytest.mark.parametrize("text", REFUSED)
def test_refused(text):
    with pytest.raises(QueryRefused) as e:
        check_query(text)
    assert e.value.status == 403
    assert "not allowed" in str(e.value)


def test_refused_never_reaches_the_store(tmp_path):
    from kb.store.local import LocalStore

    with LocalStore(str(tmp_path / "s")) as s:
        g = Graph()
        g.add((URIRef("http://a"), URIRef("http://b"), Literal(1)))
        s.replace_graph("http://g", g)
        for text in REFUSED:
            with pytest.raises(QueryRefused):
                s.query(text, timeout_s=5)
        assert s.graphs() == ["http://g"]


def test_service_as_data_is_fine():
    check_query('SELECT * WHERE { ?s ?p "SERVICE <http://x/> { }" FILTER(CONTAINS(?p, "service")) }')
    check_query("PREFIX s: <http://x/> SELECT ?service WHERE { ?service s:SERVICE ?o }")


@pytest.mark.parametrize("text,line,col", [
    ("SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER( }", 3, 3),
    ("SELEC * WHERE { ?s ?p ?o }", 1, 1),
    ("SELECT * WHERE { ?s ?p ?o } trailing", 1, 29),
])
def test_syntax_errors_have_a_position(text, line, col):
    with pytest.raises(QuerySyntaxError) as e:
        check_query(text)
    assert e.value.status == 400
    assert (e.value.line, e.value.column) == (line, col)
    assert f"line {line}, column {col}" in str(e.value)


def test_other_malformed_input():
    for text in ("", "   ", "PREFIX x: <http://x#>"):
        with pytest.raises(QuerySyntaxError):
            check_query(text)


def test_kinds_and_dataset_clause():
    assert check_query("SELECT * WHERE { ?s ?p ?o }").kind == "select"
    assert check_query("ASK { ?s ?p ?o }").kind == "ask"
    assert check_query("CONSTRUCT WHERE { ?s ?p ?o }").kind == "construct"
    assert check_query("DESCRIBE <http://a>").kind == "describe"
    assert not check_query("SELECT * WHERE { ?s ?p ?o }").has_dataset_clause
    assert check_query("SELECT * FROM <http://g> WHERE { ?s ?p ?o }").has_dataset_clause
    assert check_query("SELECT * FROM NAMED <http://g> WHERE { GRAPH ?g { ?s ?p ?o } }").has_dataset_clause


# -- result formats ---------------------------------------------------------------

def _select() -> QueryResult:
    rows = [
        {"s": URIRef("http://e/a"), "o": Literal('say "hi", then\nleave'), "n": Literal(5)},
        {"s": BNode("b0"), "o": Literal("Dosis", lang="de"), "n": None},
        {"s": URIRef("http://e/c"), "o": Literal("2.5", datatype=XSD.decimal), "n": Literal("tab\there")},
    ]
    return QueryResult(kind="select", variables=["s", "o", "n"], rows=rows)


def test_sparql_json_parses_back():
    doc = json.loads(_select().to_sparql_json())
    assert doc["head"]["vars"] == ["s", "o", "n"]
    b = doc["results"]["bindings"]
    assert b[0]["s"] == {"type": "uri", "value": "http://e/a"}
    assert b[0]["n"]["datatype"] == str(XSD.integer)
    assert b[1]["s"]["type"] == "bnode" and "n" not in b[1]
    assert b[1]["o"] == {"type": "literal", "value": "Dosis", "xml:lang": "de"}
    assert json.loads(QueryResult(kind="ask", boolean=True).to_sparql_json()) == {"head": {}, "boolean": True}


def test_sparql_xml_parses_back():
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(_select().to_sparql_xml())
    assert [v.get("name") for v in root.findall("r:head/r:variable", ns)] == ["s", "o", "n"]
    results = root.findall("r:results/r:result", ns)
    assert len(results) == 3
    assert results[0].find("r:binding[@name='o']/r:literal", ns).text == 'say "hi", then\nleave'
    lit = results[1].find("r:binding[@name='o']/r:literal", ns)
    assert lit.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    assert results[1].find("r:binding[@name='n']", ns) is None
    ask = ET.fromstring(QueryResult(kind="ask", boolean=False).to_sparql_xml())
    assert ask.find("r:boolean", ns).text == "false"


def test_csv_and_tsv_parse_back():
    rows = list(csv.reader(io.StringIO(_select().to_csv().decode())))
    assert rows[0] == ["s", "o", "n"]
    assert rows[1] == ["http://e/a", 'say "hi", then\nleave', "5"]
    assert rows[2] == ["_:b0", "Dosis", ""]
    tsv = _select().to_tsv().decode().split("\n")
    assert tsv[0] == "?s\t?o\t?n"
    assert len(tsv) == 5 and tsv[-1] == ""  # 3 rows; newline and tab inside values are escaped
    cells = tsv[3].split("\t")
    assert cells[0] == "<http://e/c>" and len(cells) == 3
    assert tsv[2].split("\t")[1] == '"Dosis"@de'


def test_graph_results_and_table():
    g = Graph()
    g.add((URIRef("http://e/a"), URIRef("http://e/p"), Literal("x")))
    r = QueryResult(kind="construct", graph=g)
    for fmt, rdflib_fmt in (("turtle", "turtle"), ("n-triples", "nt")):
        assert set(Graph().parse(data=r.to_rdf(fmt), format=rdflib_fmt)) == set(g)
    assert json.loads(r.to_rdf("json-ld"))
    with pytest.raises(ValueError):
        r.to_csv()
    with pytest.raises(ValueError):
        _select().to_rdf("turtle")
    table = _select().to_table()
    assert table.splitlines()[0].split() == ["s", "o", "n"]
    assert table.endswith("(3 rows)")


# -- negotiation ------------------------------------------------------------------

@pytest.mark.parametrize("kind,accept,fmt,media", [
    ("select", None, None, "application/sparql-results+json"),
    ("select", "text/csv", None, "text/csv"),
    ("select", "text/html,application/xhtml+xml,*/*;q=0.8", None, "application/sparql-results+json"),
    ("select", "application/sparql-results+xml;q=0.5, text/tab-separated-values", None,
     "text/tab-separated-values"),
    ("ask", "application/json", None, "application/sparql-results+json"),
    ("select", "text/csv", "xml", "application/sparql-results+xml"),
    ("construct", None, None, "text/turtle"),
    ("construct", "application/ld+json", None, "application/ld+json"),
    ("describe", None, "nt", "application/n-triples"),
    ("construct", "*/*", None, "text/turtle"),
])
def test_negotiate(kind, accept, fmt, media):
    got, serializer = negotiate(kind, accept, fmt)
    assert got == media
    assert callable(serializer)


def test_negotiate_errors():
    with pytest.raises(UnknownFormat, match="unknown result format"):
        negotiate("select", None, "yaml")
    with pytest.raises(UnknownFormat, match="does not fit"):
        negotiate("select", None, "turtle")
    with pytest.raises(NotAcceptable) as e:
        negotiate("construct", "text/csv", None)
    assert e.value.status == 406


def test_negotiated_serializer_output_parses():
    media, ser = negotiate("select", "text/csv", None)
    assert list(csv.reader(io.StringIO(ser(_select()).decode())))[0] == ["s", "o", "n"]
