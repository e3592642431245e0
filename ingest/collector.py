"""Python's cyclic garbage collector paused while a label is read or ingested (one mechanism for
the PDF reader and the knowledge base's ingest; reference counting still frees what is dropped).

A read or an ingest builds a few hundred thousand objects that live until it ends and makes
almost no cyclic garbage, yet their number sets off collections that walk every live object
again: ~140 per ingested label (a tenth of its time), 2 full and 20 middle ones per read of a
480-page EPAR PDF (0.1-0.2 s), finding nothing to free.
"""
from __future__ import annotations

import functools
import gc
import threading
from contextlib import contextmanager

_GC_LOCK = threading.Lock()
_GC_PAUSES = [0, False]  # ingests in progress, whether the collector was enabled before the first


@contextmanager
def collection_paused():
    """The collector paused for a read or an ingest. Nested and concurrent pauses (threads) share
    one; the collector runs again, as configured before the first, once the last one ends."""
    with _GC_LOCK:
        if _GC_PAUSES[0] == 0:
            _GC_PAUSES[1] = gc.isenabled()
            gc.disable()
        _GC_PAUSES[0] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_PAUSES[0] -= 1
            if _GC_PAUSES[0] == 0 and _GC_PAUSES[1]:
                gc.enable()


def with_collection_paused(fn):
    """``fn`` run inside :func:`collection_paused`."""
    @functools.wraps(fn)
    def paused(*args, **kwargs):
        with collection_paused():
            return fn(*args, **kwargs)
    return paused
