"""Checkpoints lent by the process that holds a store directory to readers in other processes
(:class:`CheckpointLending`, part of :class:`kb.store.holding.DirectoryHold`).

RocksDB leaves a read-only open of a directory undefined while another process writes to it. A
CLI command beside `kb serve` therefore asks the server for a checkpoint
(``<store>.checkpoint-wanted.<pid>``); the server's watcher makes one of its handle (flushed,
hard links, 10-30 ms) in ``<store>/readers/<pid>-lent-<n>`` and names it in
``<store>.checkpoint-lent.<pid>``; the asker reads it and deletes it when done. A server says it
lends with ``<store>.lends.<pid>``. When nobody lends, or no answer comes within a second, the
asker opens the live directory read-only as before (docs/store.md, "Beside a running server").
"""
from __future__ import annotations

import glob
import logging
import os
import shutil
import time

from kb.store.reader_snapshots import process_alive, store_fingerprint

log = logging.getLogger("smpc_kb.store")


class CheckpointLending:
    """The asker's side (:meth:`_borrow`) and the flags; the holder's answer is
    :meth:`kb.store.holding.DirectoryHold._lend`."""

    path: str
    _borrowed: tuple[tuple, str] | None

    def _flag(self, kind: str, pid: int | str) -> str:
        return f"{self.path.rstrip(os.sep)}.{kind}.{pid}"

    def _borrow(self) -> str | None:
        """A checkpoint lent by the process that holds the directory, when it lends (a server
        following writers): asked for with a ``<store>.checkpoint-wanted.<pid>`` file, answered within
        its watch interval. Kept while the directory's fingerprint does not change. None when
        nobody lends or no answer came within a second: then the live directory is opened
        read-only (docs/store.md)."""
        fp = store_fingerprint(self.path)
        if self._borrowed is not None and self._borrowed[0] == fp and os.path.isdir(self._borrowed[1]):
            return self._borrowed[1]
        if not any(_alive_suffix(f) for f in glob.glob(glob.escape(self.path.rstrip(os.sep)) + ".lends.*")):
            return None
        ask, answer = self._flag("checkpoint-wanted", os.getpid()), self._flag("checkpoint-lent", os.getpid())
        try:
            _remove(answer)
            with open(ask, "w"):
                pass
        except OSError:
            return None
        deadline = time.monotonic() + 1.0
        target = None
        while time.monotonic() < deadline:
            try:
                with open(answer, encoding="utf-8") as f:
                    target = f.read().strip()
                break
            except FileNotFoundError:
                time.sleep(0.01)
        _remove(ask)
        _remove(answer)
        if not target or not os.path.isdir(target):
            return None
        old, self._borrowed = self._borrowed, (fp, target)
        if old is not None:  # its handle was released before this open was asked for
            shutil.rmtree(old[1], ignore_errors=True)
        return target

    def _end_lending(self) -> None:
        """At close: stop lending, give back what was borrowed."""
        _remove(self._flag("lends", os.getpid()))
        if self._borrowed is not None:
            shutil.rmtree(self._borrowed[1], ignore_errors=True)
            self._borrowed = None

    def _start_lending(self) -> None:
        """The holder's watcher starts: say so, and clear flags left by processes that are gone."""
        base = glob.escape(self.path.rstrip(os.sep))
        for stale in glob.glob(base + ".lends.*") + glob.glob(base + ".checkpoint-*.*"):
            if not _alive_suffix(stale):
                _remove(stale)
        try:
            with open(self._flag("lends", os.getpid()), "w"):
                pass
        except OSError:
            pass


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _alive_suffix(flag: str) -> bool:
    """Whether the process named at the end of a flag file (``<store>.<kind>.<pid>``) runs."""
    pid = flag.rsplit(".", 1)[1]
    return pid.isdigit() and process_alive(int(pid))
