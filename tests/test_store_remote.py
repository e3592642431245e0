"""RemoteStore specifics against a real ``oxigraph serve`` (parity tests live in test_store.py)."""
from __future__ import annotations

import time

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

try:
    from .conftest_store import count, free_port, label_graph, oxigraph_server
except ImportError:
    from conftest_store import count, free_port, label_graph, oxigraph_server
from kb.sparql.safety import QueryFailed, QueryRefused, QueryTimeout
from kb.store import open_store
from kb.store.local import LocalStore

pytestmark = pytest.mark.remote

# an aggregate: oxigraph's --timeout-s cancels it (a plain streamed cross join is not cancelled
# by the server at all, measured with 0.5.13: only the client deadline stops that one)
CROSS_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _big() -> Graph:
    g = Graph()
    for i in range(3000):
        g.add((URIRef(f"http://e/s{i}"), URIRef(f"http://e/p{i % 7}"), Literal(i)))
    return g


def test_server_side_timeout_is_an_error_not_a_short_answer(tmp_path):
    """oxigraph serve --timeout-s cuts the answer off with HTTP 200: must not pass as a result."""
    with oxigraph_server(tmp_path / "r", "--timeout-s", "1") as url:
        s = open_store(url)
        s.replace_graph("http://e/big", _big())
        start = time.monotonic()
        with pytest.raises(QueryTimeout):
            s.query(CROSS_COUNT)  # no client-side deadline: only the server stops it
        assert time.monotonic() - start < 10
        assert count(s) == 3000


def test_data_written_remotely_is_in_the_directory(tmp_path):
    with oxigraph_server(tmp_path / "r") as url:
        s = open_store(url)
        iri, g = label_graph("drug-r", "7")
        s.replace_graph(iri, g)
    with LocalStore(str(tmp_path / "r")) as local:  # the server stopped: its directory is ours
        assert local.graphs() == [iri]
        assert set(local.get_graph(iri)) == set(g)


def test_refusal_happens_before_any_request():
    s = open_store(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    with pytest.raises(QueryRefused):
        s.query("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }")
    with pytest.raises(QueryFailed, match="cannot reach"):
        s.query("ASK { ?s ?p ?o }")


# -- the second server: Virtuoso (one URL for queries and updates) ---------------------------

try:
    from .virtuoso_support import MISSING, VIRTUOSO, clear, virtuoso
except ImportError:
    from virtuoso_support import MISSING, VIRTUOSO, clear, virtuoso

needs_virtuoso = pytest.mark.skipif(VIRTUOSO is None, reason=MISSING)


@pytest.fixture
def vstore():
    v = virtuoso()
    s = open_store(v["sparql"], store_url=v["gsp"])
    clear(s)
    yield s
    clear(s)


def _raw_count(url: str) -> int:
    """Triples the server itself holds in all graphs (no dataset made explicit)."""
    import json
    import urllib.parse
    import urllib.request

    data = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"}).encode()
    req = urllib.request.Request(url, data=data, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return int(json.loads(r.read())["results"]["bindings"][0]["n"]["value"])


@needs_virtuoso
def test_virtuoso_system_graphs_never_leak(vstore):
    assert _raw_count(vstore.query_url) > 100  # Virtuoso's own RDF views and vocabularies are there
    assert vstore.graphs() == [] and count(vstore) == 0
    assert not vstore.query("ASK { GRAPH ?g { ?s ?p ?o } }").boolean
    iri, g = label_graph("drug-v", "1")
    vstore.replace_graph(iri, g)
    assert vstore.graphs() == [iri] and count(vstore) == len(g)
    assert _by_graph_count(vstore) == {iri: len(g)}


def _by_graph_count(store) -> dict:
    r = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {str(x["g"]): int(x["n"]) for x in r.rows}


@needs_virtuoso
def test_virtuoso_time_limit_is_an_error_not_a_partial_answer(vstore):
    """Virtuoso (MaxQueryExecutionTime = 4 s here) answers 200 with partial results and X-SQL-State."""
    vstore.replace_graph("http://e/big", _big())
    start = time.monotonic()
    with pytest.raises(QueryTimeout):
        vstore.query(CROSS_COUNT)  # no client-side deadline: only the server stops it
    assert time.monotonic() - start < 30
    assert count(vstore) == 3000


@needs_virtuoso
def test_virtuoso_whole_knowledge_base(tmp_path):
    """The bundled label ingested into Virtuoso through the KnowledgeBase, read back, queried."""
    from kb.service import KnowledgeBase

    try:
        from .web_fixtures import BLINCYTO
    except ImportError:
        from web_fixtures import BLINCYTO
    v = virtuoso()
    clear(open_store(v["sparql"], store_url=v["gsp"]))  # before the KnowledgeBase writes anything on opening
    kb = KnowledgeBase(v["sparql"], index_dir=tmp_path / "index", store_options={"store_url": v["gsp"]})
    try:
        result = kb.ingest(BLINCYTO)
        assert result.stored, result.report.text()
        assert [r.name for r in kb.labels()] == [result.ref.name]
        local = KnowledgeBase(tmp_path / "local")
        try:
            assert local.ingest(BLINCYTO).stored
            remote_g, local_g = kb.store.get_graph(result.ref.iri), local.store.get_graph(result.ref.iri)
            assert len(remote_g) == len(local_g) > 1000
            stamped = lambda g: {t for t in g if getattr(t[2], "datatype", None) == XSD.dateTime}  # noqa: E731
            assert len(stamped(remote_g)) == len(stamped(local_g))  # the ingest time differs, nothing else
            assert set(remote_g) - stamped(remote_g) == set(local_g) - stamped(local_g)
            # the label version's own graph, queried (the ontology graph differs on Virtuoso: docs/store.md)
            q = (f"SELECT ?t (COUNT(*) AS ?n) WHERE {{ GRAPH <{result.ref.iri}> {{ ?x a ?t }} }} "
                 "GROUP BY ?t ORDER BY ?t")
            assert kb.sparql(q).rows == local.sparql(q).rows
        finally:
            local.close()
    finally:
        clear(kb.store)
        kb.close()


# -- endpoint layouts and the FROM stripping (no server needed) ------------------------------

def test_endpoint_layouts():
    from kb.store.remote import endpoints, remote_options

    ox_layout = endpoints("http://h:7878/")
    assert (ox_layout["query"], ox_layout["update"], ox_layout["store"], ox_layout["oxigraph"]) == \
        ("http://h:7878/query", "http://h:7878/update", "http://h:7878/store", True)
    one = endpoints("http://h:8890/sparql")
    assert (one["query"], one["update"], one["store"], one["oxigraph"]) == \
        ("http://h:8890/sparql", "http://h:8890/sparql", None, False)
    split = endpoints("http://h/ds/query", "http://h/ds/update", "http://h/ds/data")
    assert (split["update"], split["store"]) == ("http://h/ds/update", "http://h/ds/data")
    with pytest.raises(ValueError, match="not an http"):
        endpoints("http:///sparql")
    assert remote_options("http://h/sparql", update_url="http://h/u", timeout_s=3) == \
        {"update_url": "http://h/u", "http_timeout_s": 3.0}
    with pytest.raises(ValueError, match="remote"):
        remote_options("/some/dir", store_url="http://h/gsp")
    with pytest.raises(ValueError, match="not an http"):
        remote_options("http://h/sparql", update_url="file:///etc/passwd")


def test_from_clauses_are_stripped_and_nothing_else():
    from kb.sparql.safety import check_query
    from kb.store.remote import without_dataset_clauses

    q = ('PREFIX ex: <http://e/> CONSTRUCT { ?s <http://x/from> "FROM <x>" } FROM ex:g FROM NAMED <http://b> '
         'WHERE { ?s ?p ?o FILTER(?o != "FROM <y>") } # FROM <c>')
    out = without_dataset_clauses(q)
    assert "FROM ex:g" not in out and "FROM NAMED <http://b>" not in out
    assert '"FROM <x>"' in out and '"FROM <y>"' in out and "# FROM <c>" in out
    assert not check_query(out).has_dataset_clause and check_query(out).kind == "construct"
