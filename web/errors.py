"""One error handler: HTML for pages, ``{"ok": false, "error", "status"}`` for /api and /sparql.

Domain errors are :class:`ingest.errors.KbError` and carry their HTTP status (unknown
label 404, bad input 400, refused SPARQL 403, timeout 503, too large 413, dose input 422);
anything else is a 500 with a generic message (details go to the log only).
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from kb.service import KbError

log = logging.getLogger("smpc_kb.web")
JSON_PREFIXES = ("/api", "/sparql", "/openapi.json", "/download")


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES)


def status_and_message(exc: Exception) -> tuple[int, str, dict]:
    if isinstance(exc, HTTPException):
        return exc.code or 500, exc.description or exc.name, {}
    if isinstance(exc, KbError) and 400 <= exc.status < 600:
        return exc.status, exc.user_message(), exc.details()
    return 500, "internal error: the server could not answer this request (see the server log)", {}


def error_response(exc: Exception):
    status, message, extra = status_and_message(exc)
    if status >= 500 and status not in (501, 503):
        log.exception("error answering %s %s", request.method, request.path, exc_info=exc)
    if wants_json():
        resp = jsonify({"ok": False, "error": message, "status": status, **extra})
    else:
        resp = render_template("error.html", status=status, message=message), status
        if getattr(exc, "retry_after", None):
            resp = (*resp, {"Retry-After": str(int(exc.retry_after))})
        return resp
    resp.status_code = status
    if getattr(exc, "retry_after", None):
        resp.headers["Retry-After"] = str(int(exc.retry_after))
    if status == 405 and isinstance(exc, HTTPException):
        allow = exc.get_response().headers.get("Allow")
        if allow:
            resp.headers["Allow"] = allow
    return resp


def register(app: Flask) -> None:
    app.register_error_handler(Exception, error_response)
