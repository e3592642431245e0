"""The CLI beside a running `kb serve` on the same store: every read command answers
(from a read-only snapshot), and `kb ingest` writes while the server keeps answering;
the server shows the new version without a restart (docs/store.md)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LABEL = ROOT / "labels" / "blincyto" / "smpc-il.txt"
V2 = ROOT / "tests" / "fixtures" / "blincyto-v2.txt"
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("beside")
    store = tmp / "data" / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_STORE=str(store), NO_COLOR="1")

    def kb(*args, timeout=120):
        return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=timeout)

    r = kb("ingest", str(LABEL), "--label-id", "blincyto", "--version", "2024-07")
    assert r.returncode == 0, r.stderr
    port = free_port()
    log = tmp / "serve.log"
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port), "--no-ingest"],
                                  env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, log.read_text()
            try:
                if get(base + "/api/labels")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        yield kb, base, server
    finally:
        server.terminate()
        server.wait(30)


READS = [
    ("labels", "--json"),
    ("search", "seizure", "--json"),
    ("sparql", "@docs/queries/cq6-section-4.4-cross-references.rq", "--format", "json"),
    ("adverse-reactions", "--frequency", "very common", "--json"),
    ("indications",),
    ("dose", "--indication", "adult-relapsed-refractory", "--weight-kg", "70", "--age-years", "40",
     "--cycle", "1", "--day", "8", "--json"),
    ("regimen", "--indication", "adult-relapsed-refractory", "--weight-kg", "70", "--age-years", "40", "--json"),
    ("export", "--format", "nq"),
    ("validate", "--label", "blincyto@2024-07"),
]


@pytest.mark.parametrize("args", READS, ids=[a[0] for a in READS])
def test_read_commands_answer_beside_the_server(served, args):
    kb, base, server = served
    r = kb(*args)
    assert r.returncode == 0, r.stderr
    assert "in use" not in r.stderr and r.stdout.strip()
    assert server.poll() is None


def test_read_answers_are_the_stored_facts(served):
    kb, base, _ = served
    (ref,) = [x for x in json.loads(kb("labels", "--json").stdout) if x["version"] == "2024-07"]
    assert ref["label"] == "blincyto"
    dose = json.loads(kb("dose", "--indication", "adult-relapsed-refractory", "--weight-kg", "70",
                         "--age-years", "40", "--cycle", "1", "--day", "8", "--json").stdout)
    assert dose["dose"] == {"value": 28, "unit": "ug/d"}  # 4.2: 28 mcg/day from day 8 of cycle 1


def test_ingest_beside_the_server_shows_up_without_restart(served):
    kb, base, server = served
    statuses: list[int] = []
    stop = threading.Event()

    def keep_asking():  # the server keeps answering pages while the CLI writes
        while not stop.is_set():
            statuses.append(get(base + "/")[0])
            time.sleep(0.05)

    t = threading.Thread(target=keep_asking)
    t.start()
    try:
        r = kb("ingest", str(V2), "--label-id", "blincyto", "--version", "2025-03")
    finally:
        stop.set()
        t.join(30)
    assert r.returncode == 0, r.stderr
    assert statuses and set(statuses) == {200}
    deadline = time.monotonic() + 5
    while True:
        status, body = get(base + "/api/labels")
        versions = {x["version"] for x in json.loads(body)["labels"]} if status == 200 else set()
        if "2025-03" in versions:
            break
        assert time.monotonic() < deadline, f"the server did not show the new version: {versions}"
        time.sleep(0.2)
    assert versions == {"2024-07", "2025-03"}
    status, body = get(base + "/labels/blincyto@2025-03")
    assert status == 200
    r = kb("diff", "blincyto@2024-07", "blincyto@2025-03", "--json")  # a read, and a write (changeset)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)
    assert server.poll() is None


def test_busy_server_hands_the_directory_to_a_waiting_writer(tmp_path):
    """Requests that always overlap (never a moment without one): while a writer waits, new
    reads get their own snapshot, so the users of the read-write handle drain and the writer
    gets in during the load, not after it (in one process: RocksDB locks per process too)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest_store import label_graph

    from kb.store.local import LocalStore

    path = str(tmp_path / "store")
    server = LocalStore(path)  # hold=True, follow_writers=True: as `kb serve` opens it
    server.replace_graph(*label_graph("drug-a", "1"))
    done = threading.Event()
    errors: list[Exception] = []

    def write():
        try:
            w = LocalStore(path, follow_writers=False, busy_timeout_s=20)
            w.replace_graph(*label_graph("drug-b", "1"))
            w.close()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        done.set()

    held = server._use()
    held.__enter__()  # a request holds the read-write handle
    t = threading.Thread(target=write)
    try:
        t.start()
        deadline = time.monotonic() + 10
        while not done.is_set() and time.monotonic() < deadline:  # each request starts before the last ends
            nxt = server._use()
            nxt.__enter__()
            held.__exit__(None, None, None)
            held = nxt
            time.sleep(0.02)
        assert done.is_set() and not errors, errors or "the writer waited for the load to stop"
    finally:
        held.__exit__(None, None, None)
        t.join(30)
        graphs = server.graphs()
        server.close()
    assert graphs == ["https://w3id.org/smpc-kb/id/drug-a/1", "https://w3id.org/smpc-kb/id/drug-b/1"]
