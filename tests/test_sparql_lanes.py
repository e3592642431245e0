"""Runaway queries run in a lane of their own (issue 12: zero failed valid requests while runaways run).

The static estimate (kb.sparql.cost) calls a query "heavy" only for shapes that enumerate the
store (several unanchored patterns, a cross product); the project's own competency queries are
light. Heavy queries never take the last worker and have their own short queue, so cheap
queries neither wait out a runaway nor get shed while a burst of runaways fills the queue.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kb.sparql.cost import estimate
from kb.sparql.safety import QueryBusy, QueryTimeout, check_query

ROOT = Path(__file__).resolve().parent.parent
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.mark.parametrize("query", [
    CROSS_JOIN,
    "SELECT ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1",  # two unanchored patterns
    "SELECT * WHERE { ?s ?p ?o . ?o ?q ?r }",  # joined, but both enumerate everything
    "PREFIX x: <http://x/> SELECT * WHERE { ?s a x:L . ?t a x:W }",  # a cross product of two classes
    "PREFIX x: <http://x/> SELECT * WHERE { ?s x:p* ?o . ?o ?q ?r }",  # a closure between variables
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a ?b ?c . ?d ?e ?f } }",
])
def test_runaway_shapes_are_heavy(query):
    assert check_query(query).cost == "heavy"  # the checked query carries its cost to the workers


@pytest.mark.parametrize("query", [
    "ASK { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5",
    "PREFIX x: <http://x/> SELECT * WHERE { { ?s a x:L } UNION { ?t a x:W } }",  # a union is no product
    "PREFIX x: <http://x/> SELECT * WHERE { GRAPH ?g { ?s a x:L . ?g x:labelId ?id } }",  # joined by the graph
    "SELECT ?a ?b ?c WHERE { ?a <p> ?b . ?b <q> ?c } ORDER BY ?a ?b ?c",  # variables side by side, no pattern
    "SELECT * WHERE { ?s <p> \"?a ?b ?c . ?d ?e ?f\" }  # ?g ?h ?i . ?j ?k ?l",  # in a string, a comment
    "SELECT * WHERE { ?a <p> ?x FILTER (?x > 1) ?x <q> ?y . ?y <r> 5.5 }",  # a FILTER needs no dot after it
    "SELECT * WHERE { ?a <p> ?x . { SELECT ?x WHERE { ?x <q> ?y } } }",  # joined through a subquery
    "SELECT * WHERE { ?a <p> ?x . LATERAL { SELECT ?y WHERE { ?x <q> ?y } LIMIT 1 } }",
    "SELECT * WHERE { <a> <b> <c> . ?a <p> ?x }",  # a fixed triple multiplies nothing
])
def test_ordinary_shapes_are_light(query):
    assert estimate(query) == "light"  # the estimate reads tokens; rdflib's check does not know LATERAL


@pytest.mark.parametrize("path", sorted((ROOT / "docs" / "queries").glob("*.rq")), ids=lambda p: p.name)
def test_the_competency_and_diff_queries_are_light(path):
    assert estimate(path.read_text(encoding="utf-8")) == "light"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    from kb.store.local import LocalStore

    try:
        from .conftest_store import label_graph
    except ImportError:
        from conftest_store import label_graph
    path = str(tmp_path_factory.mktemp("lanes") / "s")
    with LocalStore(path) as s:
        for i in range(3):
            s.replace_graph(*label_graph(f"drug-{i}", "1", n=60))
    return path


def test_a_burst_of_runaways_neither_sheds_nor_stalls_cheap_queries(store_path):
    from kb.sparql.workers import WorkerPool
    from kb.store.reader_snapshots import store_fingerprint

    pool = WorkerPool(store_path, 2, wait_s=1.0, preempt_s=0.5)
    spec, fp = {"has_dataset_clause": False}, store_fingerprint(store_path)
    cheap = check_query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3")
    runaway = check_query(CROSS_JOIN)
    outcomes: list[str] = []
    light: list[str] = []
    stop = threading.Event()

    def run_runaway(_):
        try:
            pool.run(runaway.text, spec, None, runaway.kind, 3.0, fp, runaway.cost)
            outcomes.append("answered")
        except (QueryBusy, QueryTimeout) as e:
            outcomes.append(type(e).__name__)

    def run_cheap():
        while not stop.is_set():
            try:
                rows = pool.run(cheap.text, spec, None, cheap.kind, 3.0, fp, cheap.cost)["rows"]
                light.append("ok" if len(rows) == 3 else f"rows {len(rows)}")
            except Exception as e:  # every failure of a cheap query is what this test is about
                light.append(f"{type(e).__name__}: {e}")

    try:
        pool.warm(all_workers=True)
        assert pool.run(cheap.text, spec, None, cheap.kind, 30.0, fp, cheap.cost)["rows"]
        cheap_threads = [threading.Thread(target=run_cheap) for _ in range(3)]
        for t in cheap_threads:
            t.start()
        with ThreadPoolExecutor(8) as ex:
            list(ex.map(run_runaway, range(8)))
        time.sleep(0.3)
        stop.set()
        for t in cheap_threads:
            t.join(30)
    finally:
        pool.close()
    assert len(outcomes) == 8 and "answered" not in outcomes  # every runaway was stopped or shed
    assert light and set(light) == {"ok"}, [x for x in light if x != "ok"][:5]
    assert len(light) >= 10  # the cheap queries kept running while the runaways were handled


def test_a_text_stopped_once_is_heavy_from_then_on(store_path):
    from kb.sparql.workers import WorkerPool
    from kb.store.reader_snapshots import store_fingerprint

    text = check_query(CROSS_JOIN).text
    pool = WorkerPool(store_path, 2, wait_s=1.0)
    spec, fp = {"has_dataset_clause": False}, store_fingerprint(store_path)
    try:
        assert not pool.is_heavy(text, "light")  # as if the estimate had missed it
        with pytest.raises(QueryTimeout):
            pool.run(text, spec, None, "select", 0.3, fp, "light")
        assert pool.is_heavy(text, "light")
    finally:
        pool.close()
