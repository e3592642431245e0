"""Flask web layer over :mod:`kb`: pages, a JSON API, a SPARQL 1.1 endpoint.

``create_app(test_config=None)`` is the one app factory. Settings come from
:mod:`web.settings` (defaults -> instance file -> ``KB_*`` environment ->
``test_config``); the app holds one :class:`kb.service.KnowledgeBase` whose
search index follows the store through the ingest/remove hooks.
"""
from __future__ import annotations

import logging
import time

from flask import Flask, g, request

from . import settings as settings_mod

__all__ = ["create_app", "get_kb"]

log = logging.getLogger("smpc_kb.web")


def _open_kb(cfg: dict):
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


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    cfg = settings_mod.load(app.instance_path, instance_file=(test_config or {}).get("INSTANCE_FILE"))
    cfg.update({k: v for k, v in (test_config or {}).items() if k != "INSTANCE_FILE"})
    app.config.update(cfg)
    app.config["JSON_SORT_KEYS"] = False
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    kb = cfg.get("KB") or _open_kb(cfg)
    app.extensions["kb"] = kb

    from flask_cors import CORS

    origins = cfg["CORS_ORIGINS"]
    CORS(app, resources={r"/sparql*": {"origins": origins}, r"/api/*": {"origins": origins},
                         r"/openapi.json": {"origins": origins}, r"/download/*": {"origins": origins},
                         r"/id/*": {"origins": origins}, r"/ontology*": {"origins": origins},
                         r"/void": {"origins": origins}, r"/.well-known/void": {"origins": origins}},
         expose_headers=["Content-Type", "Content-Disposition"])

    from . import api, downloads, errors, fhir_api, linked_data, openapi, pages, sparql_endpoint

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(sparql_endpoint.bp)
    app.register_blueprint(downloads.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(fhir_api.bp)
    app.register_blueprint(linked_data.bp)
    errors.register(app)

    if cfg["LOG_REQUESTS"]:
        @app.before_request
        def _start():
            g._t0 = time.perf_counter()

        @app.after_request
        def _log(resp):
            ms = (time.perf_counter() - g.get("_t0", time.perf_counter())) * 1000
            log.info('%s "%s %s" %s %s %.1fms', request.remote_addr, request.method, request.full_path.rstrip("?"),
                     resp.status_code, resp.calculate_content_length() or "-", ms)
            return resp

    app.teardown_appcontext(lambda exc: None)
    return app


def get_kb():
    from flask import current_app

    return current_app.extensions["kb"]


