"""Query workers read a checkpoint of the store, never the directory this process writes to.

CI met "Corruption: IO error: No such file or directory ... 000029.sst ... MANIFEST may be
corrupted" from a worker that had opened the live directory read-only right after the second
label was ingested (RocksDB: a read-only open beside a live writer is undefined behaviour)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from rdflib import Graph, Literal, URIRef

from kb.store.local import LocalStore
from kb.store.reader_snapshots import READERS_DIR, ReaderSnapshots

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def graph(prefix: str, n: int) -> Graph:
    g = Graph()
    for i in range(n):
        g.add((URIRef(f"http://e/{prefix}/{i}"), URIRef(f"http://e/p{i % 5}"), Literal(f"{prefix} {i}")))
    return g


def timed_count(store: LocalStore) -> int:
    return int(store.query(COUNT, timeout_s=30).rows[0]["n"])


def checkpoints(path) -> list[str]:
    root = os.path.join(path, READERS_DIR)
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


@pytest.fixture
def store(tmp_path):
    s = LocalStore(str(tmp_path / "store"), workers=1)
    yield s
    s.close()


def test_workers_read_a_checkpoint_that_follows_every_write(store):
    store.replace_graph("http://e/g1", graph("a", 200))
    assert timed_count(store) == 200
    first = checkpoints(store.path)
    assert len(first) == 1 and first[0].startswith(f"{os.getpid()}-")
    assert timed_count(store) == 200 and checkpoints(store.path) == first  # no write: the same one

    for i in range(2, 6):  # several versions, each followed by a full compaction of the live directory
        store.replace_graph(f"http://e/g{i}", graph(f"v{i}", 300))
        with store._use(write=True) as handle:
            handle.optimize()
        assert timed_count(store) == 200 + 300 * (i - 1)
    now = checkpoints(store.path)
    assert len(now) == 1 and now != first  # the replaced checkpoints are gone
    assert timed_count(store) == int(store.query(COUNT).rows[0]["n"])  # worker and in-process agree


def test_close_removes_this_process_checkpoints(tmp_path):
    s = LocalStore(str(tmp_path / "store"), workers=1)
    s.replace_graph("http://e/g1", graph("a", 50))
    assert timed_count(s) == 50 and len(checkpoints(s.path)) == 1
    s.close()
    assert checkpoints(s.path) == []


def test_checkpoints_of_a_process_that_is_gone_are_swept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    s = LocalStore(str(tmp_path / "store"), workers=1)
    try:
        s.replace_graph("http://e/g1", graph("a", 50))
        left = os.path.join(s.path, READERS_DIR, f"{dead}-7")
        os.makedirs(left)
        alive = os.path.join(s.path, READERS_DIR, f"{os.getppid()}-3")  # a live process: kept
        os.makedirs(alive)
        assert timed_count(s) == 50
        names = checkpoints(s.path)
        assert f"{dead}-7" not in names and f"{os.getppid()}-3" in names
    finally:
        s.close()


def test_a_checkpoint_in_use_outlives_its_replacement_until_released(tmp_path):
    import pyoxigraph as ox

    path = str(tmp_path / "store")
    live = ox.Store(path)
    live.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("1"), ox.NamedNode("http://e/g")))
    live.flush()
    snaps = ReaderSnapshots(path)
    first, fp = snaps.acquire(live)
    assert fp == () and first.startswith(os.path.join(path, READERS_DIR))
    live.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("2"), ox.NamedNode("http://e/g")))
    live.flush()
    second, _ = snaps.acquire(live)
    assert second != first and os.path.isdir(first)  # a query still reads the first
    assert len(ox.Store.read_only(second)) == 2
    snaps.release(first)
    assert not os.path.exists(first) and os.path.isdir(second)
    snaps.release(second)
    assert os.path.isdir(second)  # the current one stays for the next query
    snaps.close()
    assert not os.path.exists(second)


def test_without_a_checkpoint_the_workers_open_the_live_directory(tmp_path):
    import pyoxigraph as ox

    path = str(tmp_path / "store")
    live = ox.Store(path)
    live.flush()
    with open(os.path.join(path, READERS_DIR), "w"):  # a file where the folder would go
        pass
    snaps = ReaderSnapshots(path)
    directory, fp = snaps.acquire(live)
    assert directory == path and fp  # keyed by the live fingerprint
    snaps.release(directory)
