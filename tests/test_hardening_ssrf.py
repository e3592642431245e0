"""No outbound request, whatever the disguise (issue 12 item 1).

One listener on 127.0.0.1 stands for "any URL a query could name" and must see
no connection during this whole module. Every disguise of SERVICE (codepoint
escapes over the whole text, case, SILENT, a variable endpoint, inside
OPTIONAL/EXISTS/MINUS/UNION/GRAPH/subqueries, a comment between keyword and IRI)
and every dataset clause naming the listener (FROM, FROM NAMED, default-graph-uri,
named-graph-uri, DESCRIBE of its URL) goes through /sparql GET, POST (direct body
and form), the SPARQL page, ``kb sparql`` (in-process and with a worker) and a
remote store (``oxigraph serve``: it would run SERVICE itself if the text let it).
"""
from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from click.testing import CliRunner

try:  # tests/ as a package or as a plain directory
    from .conftest_store import label_graph, oxigraph_server
    from .web_fixtures import *  # noqa: F401,F403
except ImportError:
    from conftest_store import label_graph, oxigraph_server
    from web_fixtures import *  # noqa: F401,F403


class Listener:
    """Accepts (and records) every TCP connection to one loopback port."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.seen: list[bytes] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(0.5)
            try:
                self.seen.append(conn.recv(300) or b"<connected>")
            except OSError:
                self.seen.append(b"<connected>")
            conn.close()

    def close(self):
        self._stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def listener():
    ln = Listener()
    yield ln
    time.sleep(0.3)  # let a late connection be accepted before the verdict
    ln.close()
    assert ln.seen == [], f"the server made outbound requests: {ln.seen!r}"


def disguises(port: int) -> list[tuple[str, bool]]:
    """(query text, names SERVICE once escapes are decoded) -- each aims at the listener."""
    url = f"http://127.0.0.1:{port}/sparql"
    svc = "{ ?s ?p ?o }"
    return [
        # the reported hole: \u005C makes a backslash before the quote only after whole-text decoding
        (r'SELECT * WHERE { BIND("\u005C" AS ?a) SERVICE <' + url + r"> { ?s ?p ?o } BIND('\" AS ?c) } #' AS ?b) }",
         False),
        (r'SELECT * WHERE { BIND("\u005C" AS ?a) SERVICE <' + url + "> { ?s ?p ?o } BIND('\" AS ?c) } #' AS ?b) }",
         False),
        (f"SELECT * WHERE {{ SERVICE <{url}> {svc} }}", True),
        (f"select * where {{ service <{url}> {svc} }}", True),
        (f"SELECT * WHERE {{ SeRvIcE SiLeNt <{url}> {svc} }}", True),
        (r"SELECT * WHERE { \u0053ERVICE <" + url + "> { ?s ?p ?o } }", True),
        (r"SELECT * WHERE { \U00000053\U00000045RVICE SILENT <" + url + "> { ?s ?p ?o } }", True),
        (r"SELECT * WHERE { SERVICE <http\u003A//127.0.0.1:" + str(port) + "/sparql> { ?s ?p ?o } }", True),
        (r"SELECT * WHERE { \u005Cu0053ERVICE <" + url + "> { ?s ?p ?o } }", False),  # double-encoded
        (f"SELECT * WHERE {{ SERVICE # a comment\n <{url}> {svc} }}", True),
        # a comment ends at CR as well as LF (SPARQL 1.1, 19.8; Oxigraph); rdflib's grammar ends it only at LF
        (f"SELECT * WHERE {{ ?x ?y ?z # a comment\r SERVICE <{url}> {svc} \n }}", True),
        (f"SELECT * WHERE {{ ?x ?y ?z # a comment\r SERVICE <{url}> {svc} }} # \n", True),
        (r"SELECT * WHERE { ?x ?y ?z # a comment\u000D SERVICE <" + url + "> { ?s ?p ?o } \n }", True),
        (f"SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {svc} }}", True),
        (f"SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE SILENT ?e {svc} }}", True),
        (f"SELECT * WHERE {{ SERVICE ?unbound {svc} }}", True),
        (f"SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ SERVICE <{url}> {svc} }} }}", True),
        (f"SELECT * WHERE {{ ?x ?y ?z FILTER EXISTS {{ SERVICE <{url}> {svc} }} }}", True),
        (f"SELECT * WHERE {{ ?x ?y ?z FILTER NOT EXISTS {{ SERVICE SILENT <{url}> {svc} }} }}", True),
        (f"SELECT * WHERE {{ ?x ?y ?z MINUS {{ SERVICE <{url}> {svc} }} }}", True),
        (f"SELECT * WHERE {{ {{ ?x ?y ?z }} UNION {{ SERVICE <{url}> {svc} }} }}", True),
        (f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {svc} }} }} }}", True),
        (f"ASK {{ GRAPH ?g {{ SERVICE <{url}> {svc} }} }}", True),
        (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE SILENT <{url}> {svc} }}", True),
        (f"DESCRIBE ?s WHERE {{ SERVICE <{url}> {svc} }}", True),
        (f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }} LIMIT 1", False),
        (f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 1", False),
        (f"SELECT * FROM <{url}> FROM NAMED <{url}/n> WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}", False),
        (f"DESCRIBE <{url}>", False),
        (f"SELECT * WHERE {{ <{url}> ?p ?o }}", False),
    ]


def _check(status: int, text: str, service: bool):
    assert status < 500, text
    if service:
        assert status == 403, text


def test_decoded_text_is_the_checked_text():
    from kb.sparql.safety import QueryRefused, QuerySyntaxError, check_query

    hole = r'SELECT * WHERE { BIND("\u005C" AS ?a) SERVICE <http://x/> { ?s ?p ?o } BIND(' + "'\" AS ?c) } #' AS ?b) }"
    parsed = check_query(hole)
    assert "\\u" not in parsed.text and '"\\"' in parsed.text  # what runs is the decoded text
    with pytest.raises(QueryRefused):
        check_query(r"SELECT * WHERE { \u0053ERVICE <http://x/> { ?s ?p ?o } }")
    with pytest.raises(QuerySyntaxError):
        check_query(r"SELECT * WHERE { \u005Cu0053ERVICE <http://x/> { ?s ?p ?o } }")
    with pytest.raises(QuerySyntaxError):
        check_query(r'SELECT * WHERE { BIND("\uD800" AS ?x) }')


def test_http_get_post_and_form(listener, base_url):
    for text, service in disguises(listener.port):
        r = requests.get(base_url + "/sparql", params={"query": text}, timeout=30)
        _check(r.status_code, text, service)
        r = requests.post(base_url + "/sparql", data=text.encode("utf-8"), timeout=30,
                          headers={"Content-Type": "application/sparql-query"})
        _check(r.status_code, text, service)
        r = requests.post(base_url + "/sparql", data={"query": text}, timeout=30)
        _check(r.status_code, text, service)
        assert r.headers["Content-Type"].startswith(("application/", "text/")) and r.content
    assert listener.seen == []


def test_sparql_page(listener, base_url):
    for text, service in disguises(listener.port):
        r = requests.get(base_url + "/sparql", params={"query": text}, headers={"Accept": "text/html"}, timeout=30)
        _check(r.status_code, text, service)
        assert "<html" in r.text.lower()
    assert listener.seen == []


def test_dataset_parameters_name_graphs_and_are_never_fetched(listener, base_url):
    url = f"http://127.0.0.1:{listener.port}/graph"
    for key in ("default-graph-uri", "named-graph-uri"):
        r = requests.get(base_url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", key: url},
                         timeout=30)
        assert r.status_code == 200 and r.json()["results"]["bindings"] == []  # not a graph of the store
        r = requests.post(base_url + "/sparql", data={"query": "ASK { ?s ?p ?o }", key: url}, timeout=30)
        assert r.status_code == 200 and r.json()["boolean"] is False
    assert listener.seen == []


def test_kb_sparql_in_process_and_in_a_worker(listener, tmp_path):
    from cli import main
    from kb.store.local import LocalStore

    with LocalStore(str(tmp_path / "s")) as s:
        s.replace_graph(*label_graph("drug-a", "1"))
    runner = CliRunner()
    for text, service in disguises(listener.port):
        for extra in ([], ["--timeout", "5"]):
            r = runner.invoke(main, ["--store", str(tmp_path / "s"), "sparql", text, *extra])
            assert r.exit_code in (0, 2), (text, r.output)
            if service:
                assert r.exit_code == 2 and "not allowed" in r.output, (text, r.output)
    assert listener.seen == []


@pytest.mark.remote
def test_remote_store_gets_only_checked_text(listener, tmp_path):
    from kb.sparql.safety import SparqlError
    from kb.store import open_store

    with oxigraph_server(tmp_path / "r") as endpoint:
        s = open_store(endpoint)
        s.replace_graph(*label_graph("drug-r", "1"))
        for text, service in disguises(listener.port):
            try:
                s.query(text, timeout_s=10)
            except SparqlError as e:
                _check(e.status, text, service)
            else:
                assert not service, text
    assert listener.seen == []


def test_worker_processes_have_no_network(tmp_path):
    """Backstop: were a SERVICE ever let through, the worker could not connect anywhere."""
    import subprocess
    import sys

    from kb.sparql.workers import _ROOT

    code = (f"import sys; sys.path.insert(0, {_ROOT!r}); from kb.sparql.sandbox import no_network\n"
            "ok = no_network()\nimport socket\n"
            "try:\n    socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)\n    print('connected')\n"
            "except OSError:\n    print('isolated' if ok else 'no-namespace')\n")
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        out = subprocess.run([sys.executable, "-c", code, str(srv.getsockname()[1])], capture_output=True,
                             text=True, timeout=60).stdout.strip()
    if out == "no-namespace":
        pytest.skip("this kernel gives no network namespace to an unprivileged process")
    assert out == "isolated"


def test_an_unexpected_parser_failure_is_logged_not_blamed_on_the_client(monkeypatch, caplog):
    """What the rdflib race produced ("postParse2() missing 1 required positional argument") is ours: 500, logged."""
    from rdflib.plugins.sparql import parser

    from kb.sparql.safety import QueryFailed, check_query

    def broken(*a, **k):
        raise TypeError("postParse2() missing 1 required positional argument: 'tokenList'")

    monkeypatch.setattr(parser.Query, "parse_string", broken)
    with caplog.at_level("ERROR", logger="smpc_kb.sparql"), pytest.raises(QueryFailed) as e:
        check_query("SELECT ?never_seen_before_42 WHERE { ?s ?p ?o }")
    assert e.value.status == 500 and "syntax" not in e.value.message.lower()
    assert any("parser failed" in r.getMessage() for r in caplog.records)
