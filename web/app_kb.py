"""The app's one :class:`kb.service.KnowledgeBase`: opened from the settings when the app is made
(:func:`open_kb`), found by every view through :func:`get_kb`."""
from __future__ import annotations

import logging

from flask import current_app

log = logging.getLogger("smpc_kb.web")


def open_kb(cfg: dict):
    """A KnowledgeBase over the configured store, its search index attached and in step, the
    bundled labels ingested into an empty store when the settings say so."""
    from kb.search.whoosh_index import attach
    from kb.service import KnowledgeBase, default_store

    location = cfg["STORE"] or default_store()
    remote = location.startswith(("http://", "https://"))
    from kb.store.remote import remote_options

    kb = KnowledgeBase(location, index_dir=cfg["INDEX_DIR"],
                       store_options=remote_options(location, update_url=cfg["STORE_UPDATE"],
                                                    store_url=cfg["STORE_GRAPHS"],
                                                    timeout_s=cfg["STORE_TIMEOUT_S"]) if remote else {
                           "hold": cfg["STORE_HOLD"], "workers": cfg["QUERY_WORKERS"],
                           "worker_wait_s": cfg["QUERY_WAIT_S"], "worker_memory_mb": cfg["QUERY_MEMORY_MB"]})
    kb.search_backend = cfg["SEARCH_BACKEND"]
    attach(kb, sync=False)
    if cfg["INGEST_DEFAULT"]:
        result = kb.ensure_default()
        if result is not None:
            log.info("store was empty: ingested %s", result.ref.name)
    if kb.index_dir is not None:
        attach(kb).sync(kb)
    if hasattr(kb.store, "warm_workers"):  # the SPARQL workers start now, not on the first queries
        kb.store.warm_workers(all_workers=True)
    return kb


def get_kb():
    """The KnowledgeBase of the current app."""
    return current_app.extensions["kb"]
