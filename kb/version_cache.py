"""What one stored label version gives, computed once per version.

A label version's named graph does not change once written: a re-ingest of the same version
stamps a new ingest time, and every write of this or another process replaces the store's
generation token. Keyed by (generation token, graph IRI, ingest time, name), an answer read
from a version is therefore computed once and served until either changes, so pages and API
calls that read the same version do not query the store again. Bounded (least recently used
first out: by count, and by total size when a ``size`` function is given), and safe to share
between request threads. Callers get the cached value itself and copy what they change.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable

DEFAULT_ENTRIES = 256


class VersionCache:
    def __init__(self, entries: int = DEFAULT_ENTRIES, *, size: Callable[[Any], int] | None = None,
                 max_size: int = 0):
        self.entries = entries
        self.size, self.max_size = size, max_size  # e.g. len and a byte budget for cached bytes
        self._data: OrderedDict[tuple, Any] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """The value for ``key``, computed by ``compute()`` when absent (outside the lock, so a slow
        computation does not hold other threads up; two threads may then compute the same value
        once each, which is harmless)."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
        value = compute()
        weight = self.size(value) if self.size is not None else 0
        if self.size is not None and weight > self.max_size:
            return value  # larger than the whole budget: not kept
        with self._lock:
            if key in self._data:
                self._total -= self._weight(self._data[key])
            self._data[key] = value
            self._data.move_to_end(key)
            self._total += weight
            while len(self._data) > self.entries or (self.size is not None and self._total > self.max_size):
                self._total -= self._weight(self._data.popitem(last=False)[1])
        return value

    def _weight(self, value: Any) -> int:
        return self.size(value) if self.size is not None else 0

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._total = 0
