"""The quad store: one named graph per label version, behind one interface.

:class:`Store` (in :mod:`kb.store.interface`, with what both share) is the interface both stores
implement (query, graphs, write, dump); :func:`open_store` picks one for a location:

* :mod:`kb.store.local` - :class:`LocalStore`, the embedded Oxigraph (RocksDB directory);
* :mod:`kb.store.remote` - :class:`RemoteStore`, any SPARQL 1.1 Protocol server.

Design and figures: docs/store.md.
"""
from __future__ import annotations

import os

from kb.store.interface import Store, StoreUnavailable
from kb.store.local import LocalStore
from kb.store.remote import RemoteStore

__all__ = ["open_store", "Store", "LocalStore", "RemoteStore", "StoreUnavailable"]


def open_store(location: str, *, create: bool = True, **options) -> Store:
    """A LocalStore for a directory, a RemoteStore for an http(s):// URL."""
    loc = os.fspath(location)
    if loc.startswith(("http://", "https://")):
        return RemoteStore(loc, **options)
    return LocalStore(loc, create=create, **options)
