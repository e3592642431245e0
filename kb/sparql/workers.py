"""Warm worker processes that run SPARQL queries so they can be stopped.

pyoxigraph cannot cancel a running query, so a query with a time budget runs
in a separate (spawned) process that we can kill (a ``python -c`` child speaking pickles over
its stdin/stdout, so scripts need no ``__main__`` guard).  Each worker keeps a
*read-only* pyoxigraph handle and re-opens it when the request names another directory or
another fingerprint of it.  The parent (:class:`kb.store.local.LocalStore`) sends a checkpoint of
the store (:mod:`kb.store.reader_snapshots`), which nobody writes to: RocksDB's read-only open
beside a live writer is undefined behaviour (a background compaction deletes files the reader
still counts on).

On timeout the worker is killed (SIGKILL: it only reads, so nothing is lost)
and a replacement is started in the background, so the next query does not
pay the process start-up.

Limits (so runaways cannot stall the server):

* the wait for a free worker is bounded (``wait_s``), and at most ``max_waiting`` cheap queries
  (default four times the workers: they drain fast) and ``max_heavy_waiting`` heavy ones (default
  one less than the workers) wait at once; beyond either, :class:`QueryBusy` (503 with Retry-After)
  answers at once, so a burst of runaway queries never holds every server thread;
* a worker's resident memory is watched while it runs a query; over ``memory_mb``
  it is killed, the query gets :class:`QueryTooCostly` (413) and a fresh worker starts;
* a query that runs longer than ``DEMOTE_AFTER_S`` drops its worker to a lower CPU
  priority (nice 10), so pages and the JSON API keep answering while runaways run
  (short queries keep full priority: a niced worker starved behind page traffic); a
  worker that cannot be raised back (no privilege to lower niceness) is retired and
  replaced after that query;
* lanes: a query whose text looks like a runaway (:mod:`kb.sparql.cost`, "heavy"), or whose
  text was stopped here before (time limit, preemption, memory cap), never takes the last free
  worker, waits behind any cheap query, and has its own short queue (``max_heavy_waiting``), so a
  burst of runaways cannot shed or stall cheap queries (under a steady stream of cheap queries a
  heavy one may wait out ``wait_s`` and be shed: that is the intended order);
* fairness: while requests wait for a worker, a query that has already run
  ``preempt_s`` (2 s) is stopped (503, "other queries were waiting") and its worker
  replaced, so a few runaways cannot make every short query wait out their whole
  time limit; alone, a query gets its full ``timeout_s``;
* workers run in a network namespace of their own (:mod:`kb.sparql.sandbox`), so no
  query can reach any host.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import deque

from kb.sparql.execution import QueryBusy, QueryFailed, QueryTimeout, QueryTooCostly
from kb.sparql.worker_process import Duplex

WORKER_NICE = 10
POLL_S = 0.05  # how often a running query's memory is looked at
DEMOTE_AFTER_S = 1.0  # a query running longer than this drops to nice WORKER_NICE
PREEMPT_AFTER_S = 2.0  # with requests waiting, a query older than this is stopped to free its worker
START_WAIT_S = 30.0  # longest wait for a worker that is still starting (process start, imports)
REMEMBER_STOPPED = 1024  # query texts stopped here, remembered (by hash) as heavy


_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the folder holding kb/
_BOOT = (f"import sys; sys.path.insert(0, {_ROOT!r}); "
         "from kb.sparql.sandbox import no_network; no_network(); "  # first, while single-threaded
         "from kb.sparql.worker_process import main; main()")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class _Worker:
    """A child ``python -c ...`` process (not multiprocessing: no re-import of __main__)."""

    def __init__(self, path: str):
        from multiprocessing.connection import Connection

        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT, path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
        )
        self.conn = Duplex(Connection(os.dup(self.proc.stdout.fileno()), writable=False),
                            Connection(os.dup(self.proc.stdin.fileno()), readable=False))
        self.proc.stdout.close()
        self.proc.stdin.close()

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the child has imported everything (start-up is not query time)."""
        try:
            ok = self.conn.poll(timeout) and self.conn.recv()[0] == "ready"
        except (EOFError, OSError):
            ok = False
        if not ok:
            self.kill()
            raise QueryFailed("the query worker did not start")

    demoted = False
    preempted = False

    def set_nice(self, value: int) -> bool:
        """Set the worker's CPU niceness; False when not permitted (raising priority needs privilege)."""
        try:
            os.setpriority(os.PRIO_PROCESS, self.proc.pid, value)
        except (OSError, AttributeError):
            return False
        self.demoted = value > 0
        return True

    def rss_mb(self) -> float:
        """Resident memory of the worker process (Linux /proc; 0 where unknown)."""
        try:
            with open(f"/proc/{self.proc.pid}/statm") as f:
                return int(f.read().split()[1]) * _PAGE / 2**20
        except (OSError, ValueError, IndexError):
            return 0.0

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(5)
        finally:
            self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
            self.proc.wait(2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.conn.close()


class WorkerPool:
    """Up to ``size`` warm workers for one store directory (limits: see the module doc)."""

    def __init__(self, path: str, size: int = 2, *, wait_s: float = 2.0, max_waiting: int | None = None,
                 memory_mb: float | None = 512, preempt_s: float | None = PREEMPT_AFTER_S,
                 max_heavy_waiting: int | None = None):
        self.path = path
        self.size = max(1, size)
        self.wait_s = wait_s
        self.heavy_slots = max(1, self.size - 1)  # heavy queries never take the last worker
        self.max_waiting = 4 * self.size if max_waiting is None else max_waiting
        self.max_heavy_waiting = self.heavy_slots if max_heavy_waiting is None else max_heavy_waiting
        self.memory_mb = memory_mb
        self.preempt_s = preempt_s
        self._running: dict[_Worker, float] = {}  # busy worker -> when its query started
        self._heavy: set[_Worker] = set()  # busy workers running a heavy query
        self._stopped: dict[int, None] = {}  # hashes of texts stopped here (insertion-ordered, bounded)
        self._idle: list[_Worker] = []
        self._count = 0
        self._queue: deque[object] = deque()  # tickets of cheap queries waiting, first come first served
        self._heavy_queue: deque[object] = deque()  # tickets of heavy queries waiting
        self._ready_at = 0.0  # when a worker last finished starting
        self._starting = 0  # workers being started in the background (warm)
        self._cond = threading.Condition()
        self._closed = False

    def warm(self, all_workers: bool = False) -> None:
        """Start one worker (or every missing one) in the background so the first queries are fast."""
        while True:
            with self._cond:
                if (self._idle and not all_workers) or self._count >= self.size or self._closed:
                    return
                self._count += 1
                self._starting += 1
            threading.Thread(target=self._spawn_idle, daemon=True).start()
            if not all_workers:
                return

    def _spawn_idle(self) -> None:
        try:
            w = _Worker(self.path)
            w.wait_ready()
        except Exception:
            with self._cond:
                self._count -= 1
                self._starting -= 1
                self._cond.notify_all()
            return
        with self._cond:
            self._starting -= 1
            self._ready_at = time.monotonic()
            if self._closed:
                w.stop()
                return
            self._idle.append(w)
            self._cond.notify_all()

    def _busy(self) -> QueryBusy:
        return QueryBusy(f"all {self.size} query workers are busy; try again in a few seconds",
                         retry_after=max(1, round(self.wait_s * 2)))

    def _may_start(self, heavy: bool) -> bool:
        """(under the lock) A heavy query starts only behind every waiting cheap one, on a spare worker."""
        return not heavy or (not self._queue and len(self._heavy) < self.heavy_slots)

    def _acquire(self, heavy: bool = False) -> _Worker:
        """A worker for one query; a heavy one is counted in ``_heavy`` before the lock is let go."""
        now = time.monotonic()
        deadline = now + self.wait_s
        start_deadline = now + START_WAIT_S
        spawn = False
        w: _Worker | None = None
        ticket = object()
        queue = self._heavy_queue if heavy else self._queue
        with self._cond:
            queued = False
            try:
                while True:
                    if self._closed:
                        raise QueryFailed("the query worker pool is closed")
                    first = not queue or (queued and queue[0] is ticket)  # no barging past those waiting
                    if first and self._may_start(heavy) and (self._idle or self._count < self.size):
                        if self._idle:
                            w = self._idle.pop()
                        else:
                            self._count += 1
                            self._starting += 1  # others wait for it as for a warm start
                            spawn = True
                        break
                    if not queued:
                        if len(queue) >= (self.max_heavy_waiting if heavy else self.max_waiting):
                            raise self._busy()
                        queue.append(ticket)
                        queued = True
                    self._preempt_oldest(heavy)
                    now = time.monotonic()
                    # a worker still starting is our delay, not overload; once one is up the wait restarts
                    limit = start_deadline if self._starting else max(deadline, self._ready_at + self.wait_s)
                    left = limit - now
                    if left <= 0:
                        raise self._busy()
                    self._cond.wait(min(left, 0.1))  # wake to preempt a query as it passes preempt_s
            finally:
                if queued:
                    queue.remove(ticket)
                    self._cond.notify_all()  # the next in line (or a heavy query) may go now
        if spawn:
            try:
                w = _Worker(self.path)
                w.wait_ready()
            except Exception:
                with self._cond:
                    self._count -= 1
                    self._cond.notify_all()
                raise
            finally:
                with self._cond:
                    self._starting -= 1
                    self._ready_at = time.monotonic()
        assert w is not None
        with self._cond:
            self._running[w] = time.monotonic()
            if heavy:
                self._heavy.add(w)
        return w

    def _preempt_oldest(self, heavy: bool = False) -> None:
        """(under the lock) Ask the longest-running query past ``preempt_s`` to stop, if none is stopping
        yet; for a heavy waiter only a heavy query (the spare worker is not its to take)."""
        if not self.preempt_s or self._starting or any(w.preempted for w in self._running):
            return
        now = time.monotonic()
        old = [(t, id(w), w) for w, t in self._running.items()
               if now - t > self.preempt_s and (not heavy or w in self._heavy)]
        if old:
            min(old)[2].preempted = True

    def _remember_stopped(self, text: str) -> None:
        with self._cond:
            self._stopped[hash(text)] = None
            while len(self._stopped) > REMEMBER_STOPPED:
                del self._stopped[next(iter(self._stopped))]

    def is_heavy(self, text: str, estimated: str | None = None) -> bool:
        """Heavy by the static estimate, or because this text was stopped here before."""
        return estimated == "heavy" or hash(text) in self._stopped

    def _discard(self, w: _Worker) -> None:
        w.kill()
        with self._cond:
            self._count -= 1
            self._cond.notify_all()

    def _wait_answer(self, w: _Worker, timeout_s: float) -> None:
        start = time.monotonic()
        deadline = start + timeout_s
        while True:
            if not w.demoted and time.monotonic() - start > DEMOTE_AFTER_S:
                w.set_nice(WORKER_NICE)
            left = deadline - time.monotonic()
            if left <= 0:
                self._discard(w)
                self.warm()
                raise QueryTimeout(
                    f"the query did not finish within {timeout_s:g} s and was stopped; "
                    "narrow it (LIMIT, more specific patterns) and try again"
                )
            if w.conn.poll(min(POLL_S, left)):
                return
            if w.preempted:
                ran = time.monotonic() - start
                self._discard(w)
                self.warm()
                raise QueryBusy(
                    f"the query was stopped after {ran:.1f} s because other queries were waiting for a worker "
                    f"(alone, a query may run {timeout_s:g} s); narrow it or try again later",
                    retry_after=max(1, round(timeout_s)))
            if self.memory_mb and w.rss_mb() > self.memory_mb:
                self._discard(w)
                self.warm()
                raise QueryTooCostly(
                    f"the query needed more than {self.memory_mb:g} MB of memory and was stopped; "
                    "narrow it (LIMIT, fewer or shorter values) and try again"
                )

    def run(self, text: str, spec: dict, max_rows: int | None, kind: str | None,
            timeout_s: float, fingerprint: tuple, cost: str | None = None,
            directory: str | None = None) -> dict:
        """Run ``text`` on a worker; ``cost`` is the static estimate (:func:`kb.sparql.cost.estimate`).

        The worker reads ``directory`` (default: the pool's store path) and re-opens it when
        ``directory`` or ``fingerprint`` differ from what it has open."""
        w = self._acquire(self.is_heavy(text, cost))
        try:
            w.conn.send((text, spec, max_rows, kind, directory, fingerprint))
            self._wait_answer(w, timeout_s)
            status, payload = w.conn.recv()
        except (QueryTimeout, QueryBusy, QueryTooCostly):
            self._remember_stopped(text)
            raise
        except (EOFError, OSError) as e:
            self._discard(w)
            self.warm()
            raise QueryFailed(f"the query worker died: {e}") from None
        finally:
            with self._cond:
                self._running.pop(w, None)
                self._heavy.discard(w)
                self._cond.notify_all()
        if w.demoted and not w.set_nice(0):  # cannot be raised back: replace it by a fresh worker
            self._discard(w)
            self.warm()
        else:
            with self._cond:
                if self._closed:
                    w.stop()
                else:
                    self._idle.append(w)
                self._cond.notify_all()
        if status == "err":
            raise payload
        return payload

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for w in idle:
            w.stop()
