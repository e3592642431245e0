"""The read-write handle of a store directory shared between processes (:class:`DirectoryHold`,
the base of :class:`kb.store.local.LocalStore`): RocksDB allows one read-write opener per
directory, so a store opens it on demand or holds it, lets go of it for a process that asks
(a ``<store>.lock-wanted`` flag), reads a hand-over checkpoint meanwhile and takes the directory
back afterwards. See the module docstring of :mod:`kb.store.local` and docs/store.md ("Beside a
running server").
"""
from __future__ import annotations

import glob
import logging
import os
import shutil
import threading
import time
from contextlib import contextmanager, suppress

import pyoxigraph as ox

from kb.sparql.execution import open_read_only
from kb.sparql.safety import StoreBusy
from kb.store.interface import StoreUnavailable, is_lock_error
from kb.store.lending import CheckpointLending
from kb.store.reader_snapshots import READERS_DIR, ReaderSnapshots

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


class DirectoryHold(CheckpointLending):
    """The handle of one store directory: when it is open, read-write or read-only, and for whom."""

    path: str
    create: bool

    def _init_hold(self, *, hold: bool, busy_timeout_s: float, linger_s: float, follow_writers: bool,
                   watch_interval_s: float) -> None:
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
        self._snapshots = ReaderSnapshots(self.path)  # what the query workers open (never the live directory)
        self._handover: str | None = None  # the checkpoint read while another process holds the directory
        self._borrowed: tuple[tuple, str] | None = None  # (fingerprint, a checkpoint lent by the holder)
        self._closed = False

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
        try:
            store = open_read_only(self.path)
        except (OSError, RuntimeError) as e:
            raise StoreUnavailable(f"cannot read the store {self.path}: {str(e).splitlines()[0]}") from None
        log.debug("opened %s as a read-only snapshot (another process holds it)", self.path)
        return store

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
        for directory in (self._handover, self._borrow()):
            if directory is None:
                continue
            try:
                return ox.Store.read_only(directory)
            except (OSError, RuntimeError) as e:
                log.warning("cannot open the checkpoint %s (%s)", directory, e)
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

    def _lend(self) -> None:
        """Answer other processes' requests for a checkpoint of this handle (a CLI read beside the
        server): made like the query workers' (flushed handle, hard links), named for the asking
        process, which deletes it when done (or the next sweep, when that process is gone)."""
        for ask in glob.glob(glob.escape(self.path.rstrip(os.sep)) + ".checkpoint-wanted.*"):
            pid = ask.rsplit(".", 1)[1]
            if not pid.isdigit() or self._store is None or self._read_only or self._closed or self._someone_waits():
                continue  # (a writer waits: the directory is about to be let go; the asker opens it read-only)
            target = os.path.join(self.path, READERS_DIR, f"{pid}-lent-{time.time_ns()}")
            try:
                with self._use() as handle, self._rw.read():
                    if self._read_only:
                        continue
                    handle.flush()
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    handle.backup(target)
                answer = self._flag("checkpoint-lent", pid)
                with open(answer + ".tmp", "w", encoding="utf-8") as f:
                    f.write(target)
                os.replace(answer + ".tmp", answer)
            except (OSError, RuntimeError, ValueError) as e:
                log.warning("no checkpoint lent to process %s (%s)", pid, e)
                shutil.rmtree(target, ignore_errors=True)
            with suppress(OSError):
                os.remove(ask)

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

        self._start_lending()

        def watch():
            while not self._closed:
                time.sleep(self.watch_interval_s)
                self._lend()
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

