"""The quad store in a pyoxigraph/RocksDB directory: :class:`LocalStore`, one named graph per
label version (the interface both stores implement is :class:`kb.store.interface.Store`).
``kb.store.open_store(location)`` gives it for a path, or a :class:`kb.store.remote.RemoteStore` (SPARQL 1.1 Protocol + Graph Store Protocol, e.g.
``oxigraph serve``) for an http(s) URL. See docs/store.md for the design and figures.

Dataset rules for queries: the default graph is the union of all named
graphs unless the query has FROM/FROM NAMED or the caller passes
``default_graph_uris``/``named_graph_uris`` (these win over FROM).

Writes: ``replace_graph`` is one SPARQL update ``DROP SILENT GRAPH; CREATE
SILENT GRAPH; INSERT DATA`` which Oxigraph applies in a single transaction,
so a crash, Ctrl-C or a bad triple leaves the previous content intact
(LocalStore writes a new graph with one bulk load instead: SST files ingested
at once, also all or nothing; see ``LocalStore._load_new``).

Concurrency (RocksDB allows one read-write opener per directory):
``LocalStore(path, hold=True)`` keeps the directory open until ``close()``;
``hold=False`` opens it on demand and releases it after ``linger_s`` idle
seconds.  A reader that finds the directory locked by another process opens a
read-only snapshot instead (``Store.read_only``) and does not wait.  A writer
that finds it locked leaves a ``<store>.lock-wanted`` flag and waits; a store
with ``follow_writers=True`` (the default; the long-lived server) watches for
that flag, lets go of its handle between requests, serves reads from read-only
snapshots while the other process writes, and takes the directory back
afterwards, so it shows the other process's writes without a restart.  Waiting
for the lock is bounded by ``busy_timeout_s``, then :class:`StoreBusy` says the
store is in use by another process.  See docs/store.md ("Beside a running
server") for the figures.
"""
from __future__ import annotations

import logging
import os
import threading
import time

import pyoxigraph as ox
from rdflib import Graph

from kb.sparql.execution import dataset_options, run_query
from kb.sparql.workers import WorkerPool
from kb.store.interface import (
    GENERATION_FILE,
    Store,
    StoreUnavailable,
    check_graph_iri,
    dump,
    triples_to_graph,
)
from kb.store.holding import DirectoryHold

log = logging.getLogger("smpc_kb.store")


class LocalStore(DirectoryHold, Store):
    """A persistent pyoxigraph store in a directory."""

    def __init__(self, path: str, *, create: bool = True, hold: bool = True,
                 busy_timeout_s: float = 10.0, workers: int = 2, linger_s: float = 1.0,
                 worker_wait_s: float = 2.0, worker_memory_mb: float | None = 512,
                 follow_writers: bool = True, watch_interval_s: float = 0.1):
        self.location = self.path = os.path.abspath(os.fspath(path))
        self.create = create
        if os.path.exists(self.path) and not os.path.isdir(self.path):
            raise StoreUnavailable(f"store path {self.path} is a file, not a store directory", 400)
        if not create and not os.path.exists(os.path.join(self.path, "CURRENT")):
            raise FileNotFoundError(f"no store at {self.path}")
        self._workers = workers
        self._pool_limits = {"wait_s": worker_wait_s, "memory_mb": worker_memory_mb}  # see kb.sparql.workers
        self._pool: WorkerPool | None = None
        self._init_hold(hold=hold, busy_timeout_s=busy_timeout_s, linger_s=linger_s,
                        follow_writers=follow_writers, watch_interval_s=watch_interval_s)
        if hold:
            self._store, self._read_only = self._open(write=False)
            self._start_watcher()

    # -- reads ------------------------------------------------------------------
    def graphs(self) -> list[str]:
        with self._use() as s:
            return sorted(n.value for n in s.named_graphs() if isinstance(n, ox.NamedNode))

    def has_graph(self, iri: str) -> bool:
        with self._use() as s:
            return s.contains_named_graph(ox.NamedNode(check_graph_iri(iri)))

    def get_graph(self, iri: str) -> Graph:
        node = ox.NamedNode(check_graph_iri(iri))
        with self._use() as s:
            return triples_to_graph(s.quads_for_pattern(None, None, None, node), iri)

    def serialize(self, fmt: str, graph_iri: str | None = None) -> bytes:
        with self._use() as s:
            return dump(s, fmt, graph_iri)

    def _execute(self, parsed, spec, timeout_s, max_rows):
        if timeout_s is None:
            with self._use() as s:
                return run_query(s, parsed.text, dataset_options(**spec), max_rows, parsed.kind)
        with self._use() as s, self._rw.read():
            # we block our own writes while the checkpoint is made; the workers read the checkpoint
            with self._mutex:
                if self._dirty and not self._read_only:
                    s.flush()  # the checkpoint then holds SST files, not a long WAL to replay
                    self._dirty = False
                if self._pool is None:
                    self._pool = WorkerPool(self.path, self._workers, **self._pool_limits)
                pool = self._pool
            directory, fingerprint = self._snapshots.acquire(s)
            if directory == self.path:  # no checkpoint could be made: keep our writes out meanwhile
                return pool.run(parsed.text, spec, max_rows, parsed.kind, timeout_s, fingerprint, parsed.cost)
        try:
            return pool.run(parsed.text, spec, max_rows, parsed.kind, timeout_s, fingerprint,
                            parsed.cost, directory=directory)
        finally:
            self._snapshots.release(directory)

    def warm_workers(self, all_workers: bool = False) -> None:
        """Start a query worker (or all of them) now so the first timed queries do not wait."""
        with self._mutex:
            if self._pool is None:
                self._pool = WorkerPool(self.path, self._workers, **self._pool_limits)
        self._pool.warm(all_workers)

    # -- writes -----------------------------------------------------------------
    def replace_graph(self, iri: str, graph: Graph) -> int:
        """A new version goes in with one bulk load (see :meth:`_load_new`); replacing an existing
        graph keeps the single drop-and-insert update."""
        from kb.rdf.oxigraph_terms import ox_triples

        if not len(graph) or self.has_graph(iri):
            return super().replace_graph(iri, graph)
        return self.replace_graph_triples(iri, ox_triples(graph))

    def replace_graph_triples(self, iri: str, triples: list) -> int:
        node = ox.NamedNode(check_graph_iri(iri))
        if not triples or self.has_graph(iri):  # replace: one drop-and-insert update
            self.replace_graph_nt(iri, (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8"))
            return len(triples)
        quad = ox.Quad
        self._load_new(lambda s: s.bulk_extend(quad(t.subject, t.predicate, t.object, node) for t in triples))
        return len(triples)

    def replace_graph_nt(self, iri: str, ntriples: str) -> None:
        node = ox.NamedNode(check_graph_iri(iri))
        if not ntriples.strip() or self.has_graph(iri):
            return super().replace_graph_nt(iri, ntriples)
        self._load_new(lambda s: s.bulk_load(ntriples.encode("utf-8"), ox.RdfFormat.N_TRIPLES, to_graph=node))

    def _load_new(self, load) -> None:
        """Write a version not stored yet with Oxigraph's bulk loader: the quads are sorted into
        new SST files that RocksDB ingests at the end, all column families at once, so a failure or
        Ctrl-C while the quads are read leaves nothing behind, and nothing passes through the
        write-ahead log (a transaction of a 21,000-triple version took 5x longer and grew the log
        by 14 MB). Only this process writes: RocksDB's lock is held by our read-write handle."""
        with self._use(write=True) as s, self._rw.write():
            try:
                load(s)
            finally:
                self._bump()
        del s

    def _update(self, text: str) -> None:
        with self._use(write=True) as s, self._rw.write():
            try:
                s.update(text)
            finally:  # also after a failed update: a reader re-reads rather than trusting a cache
                self._bump()
            self._dirty = True

    # -- generation marker: lets caches (label resolution) notice writes, also by other processes
    @property
    def _generation_file(self) -> str:
        return os.path.join(self.path, GENERATION_FILE)

    def generation(self) -> str | None:
        """A token that changes after every write to this store, by this process or another one
        (a small file in the store directory, replaced after each update); None when there is no
        marker and none can be written (then callers must not cache). Also None while this store
        reads its hand-over checkpoint: another process may have written (and bumped the token)
        since, so an answer read now must not be kept under the new token."""
        if self._handover is not None:
            return None
        for _ in range(2):
            try:
                with open(self._generation_file, encoding="ascii") as f:
                    return f.read() or None
            except FileNotFoundError:
                if not os.path.isdir(self.path) or not self._bump():
                    return None
            except OSError:
                return None
        return None

    def _bump(self) -> bool:
        tmp = f"{self._generation_file}.{os.getpid()}.{threading.get_ident()}"
        try:
            with open(tmp, "w", encoding="ascii") as f:
                f.write(f"{time.time_ns()}-{os.getpid()}-{os.urandom(6).hex()}")
            os.replace(tmp, self._generation_file)
            return True
        except OSError:  # a full disk: drop the marker so that readers query the store
            for name in (tmp, self._generation_file):
                try:
                    os.remove(name)
                except OSError:
                    pass
            return False

    def close(self) -> None:
        with self._mutex:
            if self._closed:
                return
            self._closed = True
            pool, self._pool = self._pool, None
            if self._timer is not None:
                self._timer.cancel()
            if self._users == 0:
                self._release()
        if pool is not None:
            pool.close()
        self._end_lending()
        self._snapshots.close()
