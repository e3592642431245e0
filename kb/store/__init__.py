"""The quad store: one named graph per label version.

* :mod:`kb.store.local` - the embedded Oxigraph (RocksDB directory) store and ``open_store``;
* :mod:`kb.store.remote` - the same methods against a SPARQL 1.1 Protocol server.

Submodules are imported where used (nothing is loaded eagerly here), so a command
loads only what it needs.
"""

__all__ = ['local', 'remote']
