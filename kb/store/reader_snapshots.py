"""Checkpoints of the store directory for the query workers to open read-only.

Opening a RocksDB directory read-only while another handle writes to it is undefined behaviour
(RocksDB's own documentation; Oxigraph inherits it): the read-only handle reads the MANIFEST once
and opens SST files lazily, so a background compaction in the writer can delete a file the reader
still counts on ("IO error: No such file or directory ... 000029.sst", seen in CI right after an
ingest). So a worker never opens the live directory while this process holds it: it opens a
*checkpoint* (``pyoxigraph.Store.backup``: RocksDB's checkpoint, hard links to the immutable SST
files plus a copy of the MANIFEST and the write-ahead log, 10-30 ms), which nobody writes to.

One checkpoint serves every query until the store changes (its fingerprint: the MANIFEST, WAL and
CURRENT names, sizes and times; the directory is listed only when its mtime moved, see
:class:`Fingerprinter`). A replaced checkpoint is deleted once no running query uses it;
a worker holding one open re-opens the new one before its next query. Checkpoints live in
``<store>/readers/<pid>-<n>`` (the same file system, so links, not copies); those left by a
process that is gone are deleted by the next one. When no checkpoint can be made (a read-only file
system, a full disk) the workers open the live directory, and this process keeps its own writes
out until the query ends.
"""
from __future__ import annotations

import itertools
import logging
import os
import shutil
import threading
import time

log = logging.getLogger("smpc_kb.store")

READERS_DIR = "readers"


def store_fingerprint(path: str) -> tuple:
    """Changes whenever RocksDB commits anything to ``path`` (WAL append, flush, compaction).

    SST files are left out: one is visible to readers only once the MANIFEST names it (a flush,
    a compaction or a bulk load appends to the MANIFEST), while a file being written by a
    background compaction grows on every look, which made each query re-open the store
    (25 ms at 1,000 versions) right after a big batch."""
    items = []
    try:
        with os.scandir(path) as it:
            for e in it:
                n = e.name
                if n == "CURRENT" or n.startswith("MANIFEST-") or n.endswith(".log"):
                    st = e.stat()
                    items.append((n, st.st_size, st.st_mtime_ns))
    except FileNotFoundError:
        pass
    return tuple(sorted(items))


SETTLED_NS = 50_000_000  # a directory unchanged this long before a listing: its next change moves its mtime


class Fingerprinter:
    """:func:`store_fingerprint` of one directory without listing it on every query.

    Which files the fingerprint names changes only when an entry of the directory is created,
    removed or renamed, and each of those moves the directory's mtime. So while the directory's
    inode and mtime are those seen at the last listing, the same names are looked at again with
    one ``stat`` each (their sizes and times, as the listing reads them); otherwise, or when one
    of them is gone, the directory is listed. A file system stamps times at a coarse tick, so two
    changes within one tick can leave the same mtime: a listing counts as settled only when it
    started ``SETTLED_NS`` after the directory's mtime (a later change then stamps a later time);
    until then every call lists the directory, as before."""

    def __init__(self, path: str):
        self.path = path
        self._settled: tuple[tuple[int, int], tuple[str, ...]] | None = None  # ((inode, mtime), names)

    def __call__(self) -> tuple:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return ()
        key = (st.st_ino, st.st_mtime_ns)
        settled = self._settled
        if settled is not None and settled[0] == key:
            items = []
            try:
                for n in settled[1]:
                    f = os.stat(os.path.join(self.path, n))
                    items.append((n, f.st_size, f.st_mtime_ns))
                return tuple(items)
            except FileNotFoundError:
                pass
        started = time.time_ns()
        fp = store_fingerprint(self.path)
        self._settled = (key, tuple(n for n, _, _ in fp)) if started - st.st_mtime_ns > SETTLED_NS else None
        return fp


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs (another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: alive
        return True
    return True


class ReaderSnapshots:
    """The current checkpoint of one store directory, with a count of the queries using each."""

    def __init__(self, store_path: str):
        self.store_path = store_path
        self.root = os.path.join(store_path, READERS_DIR)
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._fingerprint = Fingerprinter(store_path)
        self._current: tuple[tuple, str] | None = None  # (fingerprint, directory)
        self._users: dict[str, int] = {}
        self._warned = False
        self._swept = False

    def acquire(self, handle) -> tuple[str, tuple]:
        """The directory a worker should open for a query now, and its fingerprint.

        ``handle`` is this process's open pyoxigraph store (read-write or read-only). The caller
        must block its own writes while it calls this and until :meth:`release`."""
        fp = self._fingerprint()
        with self._lock:
            if self._current is None or self._current[0] != fp:
                self._replace(handle, fp)
            if self._current is None:
                return self.store_path, fp
            directory = self._current[1]
            self._users[directory] = self._users.get(directory, 0) + 1
            return directory, ()

    def release(self, directory: str) -> None:
        with self._lock:
            if directory not in self._users:
                return
            self._users[directory] -= 1
            self._drop_unused()

    def close(self) -> None:
        """Delete every checkpoint of this process (the workers are stopped first)."""
        with self._lock:
            dirs = list(self._users)
            self._users.clear()
            self._current = None
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)

    def _replace(self, handle, fp: tuple) -> None:
        if not self._swept:
            self._sweep()
        target = os.path.join(self.root, f"{os.getpid()}-{next(self._counter)}")
        try:
            os.makedirs(self.root, exist_ok=True)
            handle.backup(target)
        except OSError as e:  # tried again at the next query
            if not self._warned:
                log.warning("no reader checkpoint for %s (%s); query workers open the live directory",
                            self.store_path, e)
                self._warned = True
            shutil.rmtree(target, ignore_errors=True)
            self._current = None
            self._drop_unused()
            return
        self._current = (fp, target)
        self._users.setdefault(target, 0)
        self._drop_unused()

    def _drop_unused(self) -> None:
        current = self._current[1] if self._current else None
        for d, n in list(self._users.items()):
            if n <= 0 and d != current:
                del self._users[d]
                shutil.rmtree(d, ignore_errors=True)

    def _sweep(self) -> None:
        """Delete checkpoints left by processes that are gone (a crash, a kill)."""
        self._swept = True
        try:
            names = os.listdir(self.root)
        except OSError:
            return
        for name in names:
            pid = name.split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
                shutil.rmtree(os.path.join(self.root, name), ignore_errors=True)
