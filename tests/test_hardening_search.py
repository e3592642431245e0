"""Search under 50 concurrent connections (one whoosh searcher per thread), over real HTTP."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

try:  # tests/ as a package or as a plain directory
    from .web_fixtures import *  # noqa: F401,F403
except ImportError:
    from web_fixtures import *  # noqa: F401,F403

WORDS = ["seizure", "breast-feeding", "CRS", "anaemia", "infection", "neurological", "storage", "pregnancy"]


@pytest.fixture(scope="module")
def wide_server():
    """The shared app behind a waitress with 16 threads, so 50 connections really run side by side."""
    from waitress.server import create_server

    app = shared_app()
    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=16, connection_limit=200,
                           ident="smpc-kb-test", asyncore_use_poll=True)
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/openapi.json", timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.05)
    yield base
    server.close()


def test_fifty_concurrent_search_connections(wide_server):
    expected = {}
    for w in WORDS:
        r = requests.get(wide_server + "/api/search", params={"q": w}, timeout=30)
        assert r.status_code == 200, r.text[:300]
        expected[w] = (r.json()["total"], [x["id"] if "id" in x else x.get("path") for x in r.json()["results"]])
    assert any(total for total, _ in expected.values())
    barrier = threading.Barrier(50)

    def client(i):
        barrier.wait(30)
        out = []
        with requests.Session() as s:
            for k in range(4):
                w = WORDS[(i + k) % len(WORDS)]
                r = s.get(wide_server + "/api/search", params={"q": w}, timeout=60)
                body = r.json()
                got = (body.get("total"), [x["id"] if "id" in x else x.get("path") for x in body.get("results", [])])
                out.append((w, r.status_code, got))
        return out

    with ThreadPoolExecutor(50) as ex:
        answers = [a for chunk in ex.map(client, range(50)) for a in chunk]
    assert len(answers) == 200
    bad = [(w, status) for w, status, got in answers if status != 200 or got != expected[w]]
    assert bad == []


def test_each_thread_searches_with_its_own_searcher(web_kb):
    """whoosh searchers are not thread-safe: a thread never gets another thread's searcher."""
    from kb.search.whoosh_index import index_for

    idx = index_for(web_kb, "whoosh")
    idx.sync(web_kb)
    mine = idx.searcher()
    assert idx.searcher() is mine  # reused within a thread
    others = []
    threads = [threading.Thread(target=lambda: others.append(idx.searcher())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len({id(s) for s in others} | {id(mine)}) == 5
