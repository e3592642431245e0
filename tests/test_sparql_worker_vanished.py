"""A query worker re-opens its read-only store a few times when a file vanished under it (a RocksDB
compaction still running in the parent just after an ingest): Schemathesis met the 500
"IO error: No such file or directory ... .sst" on a loaded machine, after the single re-open."""
from __future__ import annotations

import pytest

from kb.sparql import worker_process as sparql_worker
from kb.sparql.execution import QueryFailed

VANISHED = ("query failed: Corruption: IO error: No such file or directory: While open a file for random read: "
            "/tmp/x/store/000017.sst: No such file or directory")


class Conn:
    def __init__(self, messages):
        self.inbox, self.sent = list(messages), []

    def recv(self):
        return self.inbox.pop(0) if self.inbox else None

    def send(self, msg):
        self.sent.append(msg)


def run_worker(monkeypatch, failures: list[str]):
    opened = []
    monkeypatch.setattr(sparql_worker, "_open_read_only", lambda path: opened.append(path) or object())
    monkeypatch.setattr(sparql_worker.time, "sleep", lambda s: None)
    left = list(failures)

    def run_query(store, text, options, max_rows, kind):
        if left:
            raise QueryFailed(left.pop(0))
        return {"kind": "ask", "boolean": True}

    monkeypatch.setattr(sparql_worker, "run_query", run_query)
    conn = Conn([("ASK {}", {}, None, "ask", None, "fp")])
    sparql_worker._worker_main(conn, "/tmp/x/store")
    return conn.sent[1:], opened  # [0] is the worker's "ready"


def test_vanished_files_are_retried_until_the_compaction_settles(monkeypatch):
    sent, opened = run_worker(monkeypatch, [VANISHED] * 3)
    assert sent == [("ok", {"kind": "ask", "boolean": True})] and len(opened) == 4


def test_a_store_that_stays_broken_is_still_a_clear_failure(monkeypatch):
    sent, opened = run_worker(monkeypatch, [VANISHED] * 50)
    assert sent[0][0] == "err" and "No such file" in str(sent[0][1])
    assert len(opened) == sparql_worker.VANISHED_ATTEMPTS


@pytest.mark.parametrize("n,ok", [(1, True), (2, False)])
def test_other_engine_failures_are_retried_once(monkeypatch, n, ok):
    sent, opened = run_worker(monkeypatch, ["query failed: something else"] * n)
    assert (sent[0][0] == "ok") is ok and len(opened) == (2 if n else 1)
