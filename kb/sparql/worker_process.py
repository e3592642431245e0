"""The child side of a query worker (:mod:`kb.sparql.workers` starts it as ``python -c``): requests
on stdin, answers on stdout, pickled; a read-only pyoxigraph handle on the directory the parent
names (a checkpoint of the store, :mod:`kb.store.reader_snapshots`), re-opened when the request
names another directory or fingerprint.
"""
from __future__ import annotations

import os
import select
import time
from typing import Any

from kb.sparql.execution import QueryFailed, SparqlError, dataset_options, open_read_only, run_query


def _open_read_only(path: str):
    try:
        return open_read_only(path)
    except (OSError, RuntimeError) as e:
        raise QueryFailed(f"cannot open the store read-only: {e}") from None


VANISHED_ATTEMPTS = 8  # re-opens when a store file vanished under a read (about 1.4 s in all)


def _worker_main(conn, path: str) -> None:  # runs in the child process
    store = None
    fingerprint: Any = None
    conn.send(("ready", None))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if msg is None:
            return
        text, spec, max_rows, kind, directory, fp = msg
        try:
            attempt = 0
            while True:
                attempt += 1
                if store is None or (directory, fp) != fingerprint:
                    store = None
                    store = _open_read_only(directory or path)
                    fingerprint = (directory, fp)
                try:
                    res = run_query(store, text, dataset_options(**spec), max_rows, kind)
                    break
                except QueryFailed as e:
                    # a compaction still running in the parent (just after an ingest, on a loaded machine)
                    # can remove the next file too: re-open a few times, briefly apart; other failures once
                    vanished = "No such file" in str(e)
                    if attempt >= (VANISHED_ATTEMPTS if vanished else 2):
                        raise
                    store = None
                    if vanished:
                        time.sleep(0.05 * attempt)
            conn.send(("ok", res))
        except SparqlError as e:
            conn.send(("err", e))
        except Exception as e:  # never let the worker die on a bad query
            conn.send(("err", QueryFailed(f"query failed: {e}")))


def main() -> None:
    """Entry point of a worker process: requests on stdin, answers on stdout (pickled)."""
    import sys
    from multiprocessing.connection import Connection

    conn_in = Connection(os.dup(0), writable=False)
    conn_out = Connection(os.dup(1), readable=False)
    sys.stdout = sys.stderr  # nothing else may write to the answer pipe
    _worker_main(Duplex(conn_in, conn_out), sys.argv[1])


class Duplex:
    """Both ends of a worker's pipes as one connection (the parent's and the child's side)."""

    def __init__(self, rd, wr):
        self._rd, self._wr = rd, wr
        # one poll object for the life of the pipe (Connection.poll builds a selector per call)
        self._poller = select.poll()
        self._poller.register(rd.fileno(), select.POLLIN)

    def recv(self):
        return self._rd.recv()

    def send(self, obj) -> None:
        self._wr.send(obj)

    def poll(self, timeout: float) -> bool:
        """Whether an answer (or the end of the pipe) is there to read, waiting up to ``timeout`` s."""
        return bool(self._poller.poll(max(0.0, timeout) * 1000))

    def close(self) -> None:
        self._rd.close()
        self._wr.close()
