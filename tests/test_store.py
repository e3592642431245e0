"""Store behaviour, run identically against LocalStore and RemoteStore (oxigraph serve)."""
from __future__ import annotations

import json

import pytest
from rdflib import Graph, Literal, URIRef

try:  # tests/ as a package (relative imports) or as a plain directory
    from .conftest_store import count, label_graph, oxigraph_server
    from .virtuoso_support import MISSING, VIRTUOSO, clear, virtuoso
except ImportError:
    from conftest_store import count, label_graph, oxigraph_server
    from virtuoso_support import MISSING, VIRTUOSO, clear, virtuoso
from kb.sparql.safety import QueryRefused, QueryTimeout, ResultTooLarge
from kb.store import open_store
from kb.store.local import LocalStore


@pytest.fixture(params=["local", pytest.param("remote", marks=pytest.mark.remote),
                        pytest.param("virtuoso", marks=pytest.mark.remote)])
def store(request, tmp_path):
    if request.param == "local":
        s = open_store(str(tmp_path / "store"))
        yield s
        s.close()
    elif request.param == "virtuoso":  # a second SPARQL 1.1 server: one URL for queries and updates
        if VIRTUOSO is None:
            pytest.skip(MISSING)
        v = virtuoso()
        s = open_store(v["sparql"], store_url=v["gsp"])
        clear(s)
        yield s
        clear(s)
        s.close()
    else:
        with oxigraph_server(tmp_path / "remote", "--timeout-s", "4") as url:
            s = open_store(url)
            yield s
            s.close()


@pytest.fixture
def two_versions(store):
    g1, a = label_graph("drug-a", "1", n=3)
    g2, b = label_graph("drug-a", "2", n=4)
    assert store.replace_graph(g1, a) == len(a)
    assert store.replace_graph(g2, b) == len(b)
    return store, (g1, a), (g2, b)


def test_open_store_picks_the_kind(tmp_path):
    from kb.store.remote import RemoteStore

    s = open_store(str(tmp_path / "d"))
    assert isinstance(s, LocalStore)
    s.close()
    assert isinstance(open_store("http://127.0.0.1:9"), RemoteStore)
    with pytest.raises(FileNotFoundError):
        open_store(str(tmp_path / "missing"), create=False)


def test_replace_graph_round_trip(two_versions):
    store, (g1, a), (g2, b) = two_versions
    assert store.graphs() == sorted([g1, g2])
    assert store.has_graph(g1) and not store.has_graph(g1 + "x")
    assert set(store.get_graph(g1)) == set(a)
    assert set(store.get_graph(g2)) == set(b)


def test_reingest_replaces_never_duplicates(two_versions):
    store, (g1, a), (g2, b) = two_versions
    before = count(store)
    assert store.replace_graph(g1, a) == len(a)
    assert count(store) == before
    _, newer = label_graph("drug-a", "1", n=1, tag="revised ")
    store.replace_graph(g1, newer)
    got = store.get_graph(g1)
    assert set(got) == set(newer)
    assert count(store) == len(newer) + len(b)
    texts = {str(o) for o in got.objects() if isinstance(o, Literal)}
    assert any(t.startswith("revised ") for t in texts)


def test_literals_with_escapes_survive(store):
    g = Graph()
    tricky = 'quote " backslash \\ \\u0041 tab\t newline\n unicode µg/m² 👍'
    g.add((URIRef("http://e/s"), URIRef("http://e/p"), Literal(tricky)))
    g.add((URIRef("http://e/s"), URIRef("http://e/q"), Literal("Dosis", lang="de")))
    store.replace_graph("http://e/g", g)
    assert set(store.get_graph("http://e/g")) == set(g)


def test_union_default_graph_and_graph_addressing(two_versions):
    store, (g1, a), (g2, b) = two_versions
    assert count(store) == len(a) + len(b)
    r = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert {str(x["g"]): int(x["n"]) for x in r.rows} == {g1: len(a), g2: len(b)}


def test_dataset_restriction(two_versions):
    store, (g1, a), (g2, b) = two_versions
    assert count(store, default_graph_uris=[g1]) == len(a)
    r = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graph_uris=[g2])
    assert [str(x["g"]) for x in r.rows] == [g2]
    # only named graphs given: the default graph is empty (SPARQL 1.1 Query 13.2, as FROM NAMED alone)
    assert count(store, named_graph_uris=[g2]) == 0
    assert count(store, default_graph_uris=[g1], named_graph_uris=[g2]) == len(a)
    r = store.query(f"SELECT (COUNT(*) AS ?n) FROM <{g2}> WHERE {{ ?s ?p ?o }}")
    assert int(r.rows[0]["n"]) == len(b)
    # protocol parameters win over FROM
    r = store.query(f"SELECT (COUNT(*) AS ?n) FROM <{g2}> WHERE {{ ?s ?p ?o }}", default_graph_uris=[g1])
    assert int(r.rows[0]["n"]) == len(a)


def test_remove_graph(two_versions):
    store, (g1, a), (g2, b) = two_versions
    store.remove_graph(g1)
    assert store.graphs() == [g2]
    assert count(store) == len(b)
    store.remove_graph(g1)  # removing twice is fine


def test_failed_write_leaves_store_unchanged(two_versions):
    store, (g1, a), (g2, b) = two_versions
    _, bad = label_graph("drug-a", "1", n=200, tag="half-written ")
    bad.add((URIRef("http://e/s"), URIRef("http://e/p"), URIRef("http://e/not an iri")))
    with pytest.raises(Exception):
        store.replace_graph(g1, bad)
    assert set(store.get_graph(g1)) == set(a)
    assert count(store) == len(a) + len(b)
    with pytest.raises(ValueError):
        store.replace_graph("http://e/g> } ; DROP ALL ; #", a)
    assert store.graphs() == sorted([g1, g2])


def test_query_kinds(two_versions):
    store, (g1, a), _ = two_versions
    assert store.query(f"ASK {{ GRAPH <{g1}> {{ ?s ?p ?o }} }}").boolean is True
    assert store.query("ASK { <http://nothing> ?p ?o }").boolean is False
    c = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g1}> {{ ?s ?p ?o }} }}")
    assert c.kind == "construct" and set(c.graph) == set(a)
    d = store.query(f"DESCRIBE <{g1}>")
    assert d.kind == "describe" and len(d.graph) > 0
    r = store.query("PREFIX smpc: <https://w3id.org/smpc-kb/ontology#> "
                    "SELECT ?w ?x WHERE { ?w a smpc:Warning OPTIONAL { ?w smpc:nothing ?x } }")
    assert r.variables == ["w", "x"] and len(r.rows) == 7 and all(x["x"] is None for x in r.rows)


def test_updates_are_refused_and_not_run(two_versions):
    store, (g1, a), (g2, b) = two_versions
    with pytest.raises(QueryRefused):
        store.query("DROP ALL")
    assert store.graphs() == sorted([g1, g2])


def test_max_rows(two_versions):
    store, (g1, a), (g2, b) = two_versions
    n = len(a) + len(b)
    assert len(store.query("SELECT * WHERE { ?s ?p ?o }", max_rows=n).rows) == n
    with pytest.raises(ResultTooLarge, match=str(n - 1)):
        store.query("SELECT * WHERE { ?s ?p ?o }", max_rows=n - 1)
    with pytest.raises(ResultTooLarge):
        store.query("CONSTRUCT WHERE { ?s ?p ?o }", max_rows=3)


def _by_graph(data: bytes, fmt) -> dict[str, set]:
    """Parse a dataset serialisation (with pyoxigraph: rdflib's Dataset.parse warns) per graph."""
    import pyoxigraph as ox

    from kb.store.interface import triples_to_graph

    quads = list(ox.parse(data, format=fmt))
    names = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    return {n: set(triples_to_graph(q for q in quads if q.graph_name.value == n)) for n in names}


def test_serialize_formats_parse_back(two_versions):
    import pyoxigraph as ox

    store, (g1, a), (g2, b) = two_versions
    for fmt, rdflib_fmt in (("ttl", "turtle"), ("nt", "nt")):
        g = Graph().parse(data=store.serialize(fmt, g1), format=rdflib_fmt)
        assert set(g) == set(a), fmt
    assert _by_graph(store.serialize("jsonld", g1), ox.RdfFormat.JSON_LD) == {g1: set(a)}
    assert _by_graph(store.serialize("nq", g2), ox.RdfFormat.N_QUADS) == {g2: set(b)}
    for fmt, oxf in (("nq", ox.RdfFormat.N_QUADS), ("trig", ox.RdfFormat.TRIG),
                     ("jsonld", ox.RdfFormat.JSON_LD)):
        assert _by_graph(store.serialize(fmt), oxf) == {g1: set(a), g2: set(b)}, fmt
    assert json.loads(store.serialize("jsonld", g1))
    with pytest.raises(ValueError, match="single graph"):
        store.serialize("ttl")
    with pytest.raises(ValueError, match="unknown format"):
        store.serialize("rdfxml", g1)


def test_timeout_stops_a_runaway_query(store, timeout_graph):
    import time

    store.replace_graph("http://e/big", timeout_graph)
    start = time.monotonic()
    with pytest.raises(QueryTimeout):
        store.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout_s=1.0)
    assert time.monotonic() - start < 3.0
    # the store keeps answering, through the worker path and in-process
    assert count(store, timeout_s=5) == len(timeout_graph)
    assert count(store) == len(timeout_graph)


@pytest.fixture(scope="module")
def timeout_graph():
    g = Graph()
    for i in range(3000):
        g.add((URIRef(f"http://e/s{i}"), URIRef(f"http://e/p{i % 7}"), Literal(i)))
    return g


def test_timed_and_untimed_paths_agree(two_versions):
    store, _, _ = two_versions
    q = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s ?o"
    assert store.query(q, timeout_s=10).rows == store.query(q).rows


# -- LocalStore only: crashes and other processes ------------------------------------

WRITER = r"""
import sys, time
sys.path.insert(0, {root!r})
from rdflib import Graph, Literal, URIRef
from kb.store.local import LocalStore
store = LocalStore({path!r})
g = Graph()
for i in range({n}):
    g.add((URIRef(f"http://e/new{{i}}"), URIRef("http://e/p"), Literal(f"new content {{i}}")))
print("writing", flush=True)
store.replace_graph("http://e/g", g)
print("done", flush=True)
store.close()
"""


def _run_writer(path, sig):
    import os
    import subprocess
    import sys
    import time

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = WRITER.format(root=root, path=str(path), n=NEW)
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout.readline().strip() == "writing"
            # serialising 60k triples takes ~0.3 s, the Oxigraph update ~3 s: land inside it
            time.sleep(1.2)
            proc.send_signal(sig)
            out, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return "done" in out, proc.returncode


NEW = 60000


@pytest.mark.slow
@pytest.mark.parametrize("signame", ["SIGKILL", "SIGINT"])
def test_interrupted_write_keeps_previous_content(tmp_path, signame):
    import signal

    path = tmp_path / "store"
    old = Graph()
    for i in range(50):
        old.add((URIRef(f"http://e/old{i}"), URIRef("http://e/p"), Literal(f"old {i}")))
    with LocalStore(str(path)) as s:
        s.replace_graph("http://e/g", old)
    finished, rc = _run_writer(path, getattr(signal, signame))
    assert rc != 0 and not finished
    with LocalStore(str(path)) as s:  # re-opens after the crash (lock released, WAL recovered)
        n = count(s)
        if signame == "SIGKILL":
            assert set(s.get_graph("http://e/g")) == set(old)
        else:  # Python sees Ctrl-C once the (uninterruptible) update returns: all or nothing
            assert n in (len(old), NEW)
            if n == len(old):
                assert set(s.get_graph("http://e/g")) == set(old)
            else:
                assert count(s, '?s ?p ?o FILTER(STRSTARTS(STR(?s), "http://e/new"))') == NEW


HOLDER = r"""
import sys, time
sys.path.insert(0, {root!r})
from kb.store.local import LocalStore
s = LocalStore({path!r}, follow_writers=False)
print("holding", flush=True)
sys.stdin.readline()
s.close()
"""


def test_second_writer_gets_a_clear_busy_error(tmp_path):
    import os
    import subprocess
    import sys

    from kb.sparql.safety import StoreBusy

    path = tmp_path / "store"
    LocalStore(str(path)).close()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with subprocess.Popen([sys.executable, "-c", HOLDER.format(root=root, path=str(path))],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout.readline().strip() == "holding"
            other = LocalStore(str(path), busy_timeout_s=0.3)
            assert other.graphs() == []  # a reader gets a read-only snapshot at once
            with pytest.raises(StoreBusy, match="in use by another process"):
                other.replace_graph(*label_graph("drug-a", "1"))  # a writer waits, then says why
            other.close()
            proc.stdin.write("\n")
            proc.stdin.flush()
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    with LocalStore(str(path), busy_timeout_s=5) as s:  # free again
        assert s.graphs() == []


INGEST = r"""
import sys
sys.path.insert(0, {root!r})
sys.path.insert(0, {tests!r})
from conftest_store import label_graph
from kb.store.local import LocalStore
for v in range(5):
    with LocalStore({path!r}, busy_timeout_s=20) as s:
        iri, g = label_graph("drug-b", str(v))
        s.replace_graph(iri, g)
print("ingested", flush=True)
"""


def test_cli_can_ingest_while_a_server_store_is_open(tmp_path):
    """A long-lived ``hold=False`` store (the web server) and writes from another process."""
    import os
    import subprocess
    import sys

    path = tmp_path / "store"
    server = LocalStore(str(path), hold=False)
    iri, g = label_graph("drug-a", "1")
    server.replace_graph(iri, g)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tests = os.path.dirname(os.path.abspath(__file__))
    code = INGEST.format(root=root, tests=tests, path=str(path))
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as proc:
        try:
            answered = 0
            while proc.poll() is None:  # the server keeps answering meanwhile
                assert count(server, "?s a <https://w3id.org/smpc-kb/ontology#LabelVersion>") >= 1
                answered += 1
            assert proc.stdout.read().strip() == "ingested"
            assert answered > 0
            assert len(server.graphs()) == 6  # sees the new versions without restarting
            assert count(server, timeout_s=5) == len(g) * 6
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            server.close()
