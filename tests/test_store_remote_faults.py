"""A remote store that is down, silent, trickling or answering garbage: a clear one-line error
within the configured timeout, never a hang and never a wrong answer (issue 15, bad input).

The misbehaving servers are small socket servers on loopback written here.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import pytest
from rdflib import Graph, Literal, URIRef

from kb.sparql.safety import QueryFailed, QueryTimeout
from kb.store import open_store

try:
    from .conftest_store import free_port
except ImportError:
    from conftest_store import free_port

pytestmark = pytest.mark.remote


@contextmanager
def fake_server(behaviour):
    """A loopback HTTP server: ``behaviour(conn)`` handles each connection (after reading the request)."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            threading.Thread(target=_handle, args=(conn,), daemon=True).start()

    def _handle(conn):
        try:
            conn.settimeout(5)
            conn.recv(65536)
            behaviour(conn, stop)
        except OSError:
            pass
        finally:
            conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    finally:
        stop.set()
        t.join(5)
        srv.close()


def silent(conn, stop):
    stop.wait(30)  # accepts, never answers


def trickle(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n\r\n")
    while not stop.is_set():
        conn.sendall(b" ")  # a byte at a time: every socket read succeeds, the answer never ends
        time.sleep(0.2)


def answer(ctype: str, body: bytes, status: str = "200 OK"):
    def reply(conn, stop):
        conn.sendall(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                     "Connection: close\r\n\r\n".encode() + body)
    return reply


def _graph() -> Graph:
    g = Graph()
    g.add((URIRef("http://e/s"), URIRef("http://e/p"), Literal("x")))
    return g


@pytest.mark.parametrize("layout", ["", "/sparql"])
def test_down(layout):
    s = open_store(f"http://127.0.0.1:{free_port()}{layout}", http_timeout_s=2)
    for call in (lambda: s.query("ASK { ?s ?p ?o }"), s.graphs, lambda: s.replace_graph("http://e/g", _graph())):
        with pytest.raises(QueryFailed, match="cannot reach"):
            call()


@pytest.mark.parametrize("behaviour", [silent, trickle], ids=["silent", "trickle"])
@pytest.mark.parametrize("layout", ["", "/sparql"])
def test_no_hang_beyond_the_configured_timeout(behaviour, layout):
    with fake_server(behaviour) as url:
        s = open_store(url + layout, http_timeout_s=1.0)
        calls = [lambda: s.query("SELECT * WHERE { ?s ?p ?o }"), s.graphs,
                 lambda: s.query("SELECT * WHERE { ?s ?p ?o }", timeout_s=0.5)]
        if behaviour is silent:  # an update gets no answer at all
            calls.append(lambda: s.replace_graph("http://e/g", _graph()))
        for call in calls:
            start = time.monotonic()
            with pytest.raises(QueryTimeout, match="did not answer|deadline"):
                call()
            assert time.monotonic() - start < 1.0 + 1.5


@pytest.mark.parametrize("ctype, body, message", [
    ("text/html", b"<html><body>Welcome to nginx</body></html>", "web page"),
    ("application/sparql-results+json", b"Service Unavailable", "not application/sparql-results\\+json"),
    ("application/sparql-results+json", b'{"unexpected": 1}', "not SPARQL results"),
    ("application/json", b"[1, 2, 3]", "not SPARQL results"),
])
def test_garbage_answers_are_refused_not_returned(ctype, body, message):
    with fake_server(answer(ctype, body)) as url:
        s = open_store(url + "/sparql", http_timeout_s=5)
        with pytest.raises(QueryFailed, match=message):
            s.query("SELECT * WHERE { ?s ?p ?o }")


def test_garbage_graph_store_answer():
    with fake_server(answer("application/n-triples", b"this is not n-triples\n")) as url:
        s = open_store(url + "/sparql", store_url=url + "/gsp", http_timeout_s=5)
        with pytest.raises(QueryFailed, match="not application/n-triples"):
            s.get_graph("http://e/g")


def test_server_error_status_is_one_line():
    with fake_server(answer("text/plain", b"boom\nstack trace line 1\nline 2", "500 Internal Server Error")) as url:
        s = open_store(url + "/sparql", http_timeout_s=5)
        with pytest.raises(QueryFailed) as e:
            s.replace_graph("http://e/g", _graph())
        assert "HTTP 500" in str(e.value) and "\n" not in str(e.value)


def test_cli_reports_a_silent_store_in_one_line_within_its_timeout():
    with fake_server(silent) as url:
        start = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "cli", "--store", url + "/sparql", "--store-timeout", "1",
                            "labels"], capture_output=True, text=True, timeout=60)
        elapsed = time.monotonic() - start
    assert r.returncode != 0
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("kb: error:") and "did not answer within 1 s" in lines[0], r.stderr
    assert elapsed < 30  # interpreter start-up included; without the timeout this would wait forever


def test_cli_refuses_a_store_endpoint_that_is_not_http():
    r = subprocess.run([sys.executable, "-m", "cli", "--store", "http://127.0.0.1:9/sparql", "--store-update",
                        "ftp://x/", "labels"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "not an http(s) URL" in r.stderr
