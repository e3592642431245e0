"""A server's store (follow_writers) that lets another process write never opens the live
directory read-only meanwhile: it reads the checkpoint it left when it let go (RocksDB leaves a
read-only open beside another process's writer undefined: a compaction may delete an SST file
the reader counts on), takes the directory back afterwards, and keeps no answer read from the
checkpoint under the writer's new generation token (docs/store.md)."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

import pyoxigraph as ox
import pytest

try:
    from .conftest_store import label_graph
except ImportError:
    from conftest_store import label_graph
from kb.store.local import LocalStore

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.dirname(os.path.abspath(__file__))

WRITER = r"""
import sys
sys.path.insert(0, {root!r})
sys.path.insert(0, {tests!r})
from conftest_store import label_graph
from kb.store.local import LocalStore
for v in range(4):
    with LocalStore({path!r}, busy_timeout_s=30, follow_writers=False) as s:
        s.replace_graph(*label_graph("drug-b", str(v)))
print("written", flush=True)
"""

VERSION = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s a <https://w3id.org/smpc-kb/ontology#LabelVersion> } }"


def versions(store: LocalStore) -> int:
    return int(store.query(VERSION).rows[0]["n"])


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """The directories kb.store.holding opens read-only."""
    paths: list[str] = []
    real = ox.Store

    class RecordingStore:  # what kb.store.holding sees as pyoxigraph.Store: records read-only opens
        def __new__(cls, *a, **k):
            return real(*a, **k)

        @staticmethod
        def read_only(p):
            paths.append(os.path.abspath(p))
            return real.read_only(p)

    class Pyoxigraph:  # kb.store.holding's `ox`: pyoxigraph with that Store
        Store = RecordingStore

        def __getattr__(self, name):
            return getattr(ox, name)

    monkeypatch.setattr("kb.store.holding.ox", Pyoxigraph())
    return paths


def test_server_reads_a_checkpoint_while_another_process_writes(tmp_path, opened):
    path = str(tmp_path / "store")
    server = LocalStore(path)  # hold=True, follow_writers=True: as `kb serve` opens it
    server.replace_graph(*label_graph("drug-a", "1"))
    tokens: set = set()
    seen: list[int] = []
    stop = threading.Event()

    def keep_reading():
        while not stop.is_set():
            tokens.add(server.generation())
            seen.append(versions(server))

    t = threading.Thread(target=keep_reading)
    t.start()
    code = WRITER.format(root=ROOT, tests=TESTS, path=path)
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    finally:
        stop.set()
        t.join(30)
    try:
        assert proc.returncode == 0 and proc.stdout.strip() == "written", proc.stderr
        assert seen and min(seen) >= 1  # the server kept answering, never from an empty store
        assert os.path.abspath(path) not in opened  # never the live directory read-only
        assert any(p.startswith(os.path.join(os.path.abspath(path), "readers")) for p in opened)
        assert None in tokens  # no caching under a token while reading the checkpoint
        assert versions(server) == 5  # the directory taken back: the other process's 4 versions
        assert server.generation() is not None
    finally:
        server.close()
    assert not os.listdir(os.path.join(path, "readers"))  # the hand-over checkpoints are gone


def test_a_reader_beside_the_server_reads_a_checkpoint_the_server_lends(tmp_path, opened):
    """A CLI command beside `kb serve` (a store that never held the directory) asks the holder
    for a checkpoint instead of opening the live directory read-only; it deletes it when done."""
    path = str(tmp_path / "store")
    server = LocalStore(path)  # holds the directory and lends checkpoints (follow_writers)
    try:
        server.replace_graph(*label_graph("drug-a", "1"))
        cli = LocalStore(path, follow_writers=False)  # as the CLI opens it
        assert len(cli.graphs()) == 1
        assert versions(cli) == 1
        lent = [p for p in opened if "-lent-" in os.path.basename(p)]
        assert lent and os.path.abspath(path) not in opened
        assert os.path.dirname(lent[0]) == os.path.join(os.path.abspath(path), "readers")
        cli.close()
        assert not os.path.exists(lent[0])  # given back
        server.replace_graph(*label_graph("drug-a", "2"))  # the server still writes as before
        assert versions(server) == 2
    finally:
        server.close()


def test_kb_serve_stopped_by_sigterm_leaves_no_checkpoint(tmp_path):
    """`kb serve` stopped by SIGTERM (a service manager's stop) closes its store: the query
    workers' and lent checkpoints and its lending flag are gone, not left for the next start."""
    import signal
    import socket
    import time
    import urllib.request

    store = tmp_path / "store"
    LocalStore(str(store)).close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_STORE=str(store))
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port), "--no-ingest"],
                                  cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        query = "http://127.0.0.1:%d/sparql?query=ASK%%7B%%3Fs%%3Fp%%3Fo%%7D" % port
        while True:
            assert server.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(query, timeout=10) as r:  # a timed query: a worker checkpoint
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.3)
        assert os.listdir(store / "readers")  # the workers' checkpoint
        assert any(".lends." in p.name for p in tmp_path.iterdir())
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert not os.listdir(store / "readers")
    assert not [p.name for p in tmp_path.iterdir() if ".lends." in p.name or ".checkpoint-" in p.name], log.read_text()
