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

from flask_cors import CORS

from web import api, downloads, errors, fhir_api, linked_data, openapi, pages, sparql_endpoint
from web import settings as settings_mod
from web.app_kb import get_kb, open_kb

__all__ = ["create_app", "get_kb"]

log = logging.getLogger("smpc_kb.web")  # the request log


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    cfg = settings_mod.load(app.instance_path, instance_file=(test_config or {}).get("INSTANCE_FILE"))
    cfg.update({k: v for k, v in (test_config or {}).items() if k != "INSTANCE_FILE"})
    app.config.update(cfg)
    app.config["JSON_SORT_KEYS"] = False
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    kb = cfg.get("KB") or open_kb(cfg)
    app.extensions["kb"] = kb

    origins = cfg["CORS_ORIGINS"]
    CORS(app, resources={r"/sparql*": {"origins": origins}, r"/api/*": {"origins": origins},
                         r"/openapi.json": {"origins": origins}, r"/download/*": {"origins": origins},
                         r"/id/*": {"origins": origins}, r"/ontology*": {"origins": origins},
                         r"/void": {"origins": origins}, r"/.well-known/void": {"origins": origins}},
         expose_headers=["Content-Type", "Content-Disposition"],
         methods=["GET", "HEAD", "POST", "OPTIONS"])  # all this read-only app answers

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
