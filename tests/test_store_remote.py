"""RemoteStore specifics against a real ``oxigraph serve`` (parity tests live in test_store.py)."""
from __future__ import annotations

import time

import pytest
from rdflib import Graph, Literal, URIRef

try:
    from .conftest_store import count, free_port, label_graph, oxigraph_server
except ImportError:
    from conftest_store import count, free_port, label_graph, oxigraph_server
from kb.sparql import QueryFailed, QueryRefused, QueryTimeout
from kb.store import LocalStore, open_store

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
