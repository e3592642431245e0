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

import glob
import logging
import os
import threading
import time
from contextlib import contextmanager

import pyoxigraph as ox
from rdflib import Graph

from kb.sparql.execution import dataset_options, run_query
from kb.sparql.safety import StoreBusy
from kb.sparql.workers import WorkerPool
from kb.store.interface import (
    GENERATION_FILE,
    Store,
    StoreUnavailable,
    check_graph_iri,
    dump,
    is_lock_error,
    triples_to_graph,
)
from kb.store.reader_snapshots import ReaderSnapshots

log = logging.getLogger("smpc_kb.store")


class _ReadWriteLock:
    """Many timed queries, or one writer, inside this process."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextmanager
    def read(self):
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self):
        with self._cond:
            while self._writer or self._readers:
                self._cond.wait()
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class LocalStore(Store):
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
        self.hold = hold
        self.busy_timeout_s = busy_timeout_s
        self.linger_s = linger_s  # hold=False: keep the handle this long after the last use
        self.follow_writers = follow_writers
        self.watch_interval_s = watch_interval_s
        self._timer: threading.Timer | None = None
        self._watcher: threading.Thread | None = None
        self._mutex = threading.RLock()
        self._rw = _ReadWriteLock()
        self._store: ox.Store | None = None
        self._read_only = False  # the open handle is a read-only snapshot (another process holds the lock)
        self._users = 0
        self._dirty = False
        self._workers = workers
        self._pool_limits = {"wait_s": worker_wait_s, "memory_mb": worker_memory_mb}  # see kb.sparql.workers
        self._pool: WorkerPool | None = None
        self._snapshots = ReaderSnapshots(self.path)  # what the query workers open (never the live directory)
        self._handover: str | None = None  # the checkpoint read while another process holds the directory
        self._closed = False
        if hold:
            self._store, self._read_only = self._open(write=False)
            self._start_watcher()

    # -- handle management ------------------------------------------------------
    @property
    def _wait_flag(self) -> str:
        """A file next to the directory: "another process is waiting for the lock"."""
        return self.path.rstrip(os.sep) + ".lock-wanted"

    def _someone_waits(self) -> bool:
        try:
            return time.time() - os.path.getmtime(self._wait_flag) < self.busy_timeout_s + 5
        except OSError:
            return False

    def _make_dir(self) -> None:
        """Create the store directory with its parents (Oxigraph creates only the last level)."""
        if os.path.isdir(self.path):
            return
        if os.path.exists(self.path):
            raise StoreUnavailable(f"store path {self.path} is a file, not a store directory", 400)
        if not self.create:
            raise FileNotFoundError(f"no store at {self.path}")
        try:
            os.makedirs(self.path, exist_ok=True)
        except OSError as e:
            raise StoreUnavailable(
                f"cannot create the store directory {self.path}: {e.strerror or e}; "
                "choose a writable place with --store or KB_STORE") from None

    def _open_read_only(self) -> ox.Store:
        last: Exception | None = None
        for attempt in range(20):
            try:
                store = ox.Store.read_only(self.path)
                log.debug("opened %s as a read-only snapshot (another process holds it)", self.path)
                return store
            except (OSError, RuntimeError) as e:  # a WAL/SST file rotated under the writer: again
                last = e
                time.sleep(min(0.01 * (attempt + 1), 0.1))
        raise StoreUnavailable(f"cannot read the store {self.path}: {str(last).splitlines()[0]}")

    def _open(self, write: bool) -> tuple[ox.Store, bool]:
        """A handle and whether it is a read-only snapshot (only when ``write`` is false)."""
        self._make_dir()
        deadline = time.monotonic() + self.busy_timeout_s
        delay = 0.02
        if write and not self.hold:  # a shared (server) store lets a waiting writer go first
            while self._someone_waits() and time.monotonic() < deadline:
                time.sleep(0.05)
        if (not write and self.follow_writers and self._someone_waits()
                and os.path.exists(os.path.join(self.path, "CURRENT"))):
            return self._read_only_handle(), True  # leave the directory to the waiting writer
        flagged = False
        try:
            while True:
                try:
                    store = ox.Store(self.path)
                    break
                except OSError as e:
                    if not is_lock_error(e):
                        if not write and os.path.exists(os.path.join(self.path, "CURRENT")):
                            return self._open_read_only(), True  # e.g. a read-only file system
                        raise StoreUnavailable(
                            f"cannot open the store {self.path} for writing: "
                            f"{os.strerror(e.errno) if e.errno else str(e).splitlines()[0]}") from None
                    if not write:
                        return self._read_only_handle(), True
                    if not flagged:
                        try:
                            with open(self._wait_flag, "w"):
                                flagged = True
                        except OSError:
                            pass
                    if time.monotonic() >= deadline:
                        raise StoreBusy(
                            f"store {self.path} is in use by another process and was not released "
                            f"within {self.busy_timeout_s:g} s; try again when it has finished"
                        ) from None
                    time.sleep(delay)
                    delay = min(delay * 1.5, 0.2)
        finally:
            if flagged:
                try:
                    os.remove(self._wait_flag)
                except OSError:
                    pass
        for old in sorted(glob.glob(os.path.join(self.path, "LOG.old.*")))[:-3]:
            try:  # RocksDB keeps an info log per open; keep only the last few
                os.remove(old)
            except OSError:
                pass
        log.debug("opened %s read-write", self.path)
        if self._handover is not None:  # the directory is ours again: its stand-in can go
            old, self._handover = self._handover, None
            self._snapshots.release(old)
        return store, False

    def _read_only_handle(self) -> ox.Store:
        """What to read while another process holds the directory (or is about to): the checkpoint
        this store left when it let go of the directory (:meth:`_let_go`), a directory nobody writes
        to. A store that never held the directory (a CLI command beside a server) opens the live
        directory read-only, at once (docs/store.md)."""
        if self._handover is not None:
            try:
                return ox.Store.read_only(self._handover)
            except (OSError, RuntimeError) as e:
                log.warning("cannot open the hand-over checkpoint %s (%s); reading the live directory",
                            self._handover, e)
        return self._open_read_only()

    def _let_go(self) -> None:
        """Release the directory to another process that asked for it (a writer). A read-write handle
        first leaves a checkpoint of the committed state (flushed, so it needs no write-ahead log to
        replay), which this store reads until it can take the directory back: opening a RocksDB
        directory read-only while another process writes to it is undefined behaviour (a
        compaction can delete an SST file the reader still counts on)."""
        handle = self._store
        if handle is not None and not self._read_only and self.follow_writers and not self._closed:
            try:
                handle.flush()
                directory, _ = self._snapshots.acquire(handle)
            except (OSError, RuntimeError) as e:
                log.warning("no hand-over checkpoint of %s (%s)", self.path, e)
            else:
                if directory != self.path:  # the live directory: no checkpoint could be made
                    old, self._handover = self._handover, directory
                    if old is not None:
                        self._snapshots.release(old)
        self._release()

    def _release(self) -> None:
        store, self._store = self._store, None
        read_only, self._read_only = self._read_only, False
        if store is not None:
            if not read_only:
                store.flush()
            del store  # drops the RocksDB handle and its lock

    def _start_watcher(self) -> None:
        """hold=True, follow_writers: give the lock to a process that asks for it, between uses."""
        if not (self.hold and self.follow_writers) or self._watcher is not None:
            return

        def watch():
            while not self._closed:
                time.sleep(self.watch_interval_s)
                if self._store is None or not self._someone_waits():
                    continue
                with self._mutex:
                    if self._users == 0 and self._store is not None and not self._read_only and not self._closed:
                        self._let_go()

        self._watcher = threading.Thread(target=watch, name=f"store-watch {self.path}", daemon=True)
        self._watcher.start()

    @contextmanager
    def _use(self, write: bool = False):
        with self._mutex:
            if self._closed:
                raise ValueError("the store is closed")
            # a writer waits while requests still use the directory: new readers get their own
            # snapshot, so the users drain and the handle can be handed over
            side = (not write and self.follow_writers and self._store is not None and not self._read_only
                    and self._users > 0 and self._someone_waits())
            handle = self._store
        if side:
            with self._rw.read():  # a checkpoint of our handle, made while no write of ours runs
                directory, _ = self._snapshots.acquire(handle)
            del handle
            try:
                snapshot = ox.Store.read_only(directory) if directory != self.path else self._open_read_only()
                try:
                    yield snapshot
                finally:
                    del snapshot
            finally:
                if directory != self.path:
                    self._snapshots.release(directory)
            return
        del handle
        with self._mutex:
            if self._closed:
                raise ValueError("the store is closed")
            if self._store is not None and self._read_only and (write or self.follow_writers):
                if self._users == 0:  # a snapshot: write, or look again for a newer state
                    self._release()
                elif write:
                    raise StoreBusy(f"store {self.path} is being read from a snapshot; try again")
            if self._store is None:
                self._store, self._read_only = self._open(write=write)
            self._users += 1
            store = self._store
        try:
            yield store
        finally:
            del store
            with self._mutex:
                self._users -= 1
                if self._users == 0:
                    if self._read_only and self.follow_writers:
                        self._release()  # the next use tries to take the directory back
                    elif not self.hold:
                        if self._someone_waits():
                            self._let_go()
                        else:
                            self._schedule_release()
                    elif self.follow_writers and self._someone_waits():
                        self._let_go()

    def _schedule_release(self) -> None:
        if self.linger_s <= 0:
            self._release()
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(self.linger_s, self._release_if_idle)
        self._timer.daemon = True
        self._timer.start()

    def _release_if_idle(self) -> None:
        with self._mutex:
            if self._users == 0 and not self.hold:
                self._release()

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
        self._snapshots.close()
