"""Response encoding for the whole app: gzip for large answers, ``Vary`` for caches.

Registered once by :mod:`web.sparql_endpoint` (``after_app_request``), so it
applies to every route: SPARQL results, downloads, pages and the JSON API.

* gzip when the client's ``Accept-Encoding`` allows it (``q`` > 0) and the
  body is at least :data:`MIN_GZIP_BYTES`; a streamed body (a download) is
  compressed as it streams, so memory stays flat.
* the compressed form of a body is kept (bounded, least recently used first out): the same
  answer again (a repeated dose question, a page) is not compressed again;
* ``Vary: Accept`` on every answer (HTML or data is chosen by ``Accept`` on
  the pages, the SPARQL endpoint, the downloads and the error pages), plus
  ``Accept-Encoding`` on any answer whose size qualifies for gzip.
"""
from __future__ import annotations

import gzip
import zlib

from flask import Response, request

from kb import accept
from kb.version_cache import VersionCache

MIN_GZIP_BYTES = 2048
# level 1 for whole answers (nginx's default gzip_comp_level): a 6 KB dose answer compresses in
# ~2/3 of level 6's time, a 35 KB course in ~1/3, for 7-16 % more bytes; streamed downloads keep 6
GZIP_LEVEL = 1
KEEP_GZIP_BYTES = 256 * 1024  # larger bodies are compressed each time (hashing them is not free either)
_compressed = VersionCache(1024, size=lambda pair: len(pair[0]) + len(pair[1]), max_size=16 * 2**20)
ALREADY_COMPRESSED = ("image/", "video/", "audio/", "application/gzip", "application/zip",
                      "application/x-gzip", "font/woff")


def accepts_gzip(header: str | None) -> bool:
    """True when ``Accept-Encoding`` names gzip (or ``*``, gzip itself unnamed) with a non-zero q."""
    return accept.quality(accept.parse(header), ("gzip", "x-gzip")) > 0


def _add_vary(resp: Response, *fields: str) -> None:
    have = [v.strip() for v in resp.headers.get("Vary", "").split(",") if v.strip()]
    for f in fields:
        if f.lower() not in (h.lower() for h in have):
            have.append(f)
    resp.headers["Vary"] = ", ".join(have)


def _gzip_stream(chunks):
    comp = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: the gzip container
    try:
        for chunk in chunks:
            if isinstance(chunk, str):
                chunk = chunk.encode("utf-8")
            out = comp.compress(chunk)
            if out:
                yield out
        yield comp.flush()
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def compressed(body: bytes) -> bytes:
    """``body`` gzipped, kept for the next time the same body is sent."""
    if len(body) > KEEP_GZIP_BYTES:
        return gzip.compress(body, compresslevel=GZIP_LEVEL)
    return _compressed.get((body,), lambda: (body, gzip.compress(body, compresslevel=GZIP_LEVEL)))[1]


def finish(resp: Response) -> Response:
    _add_vary(resp, "Accept")
    if resp.status_code != 200 or "Content-Encoding" in resp.headers or resp.direct_passthrough:
        return resp
    if (resp.mimetype or "").startswith(ALREADY_COMPRESSED):
        return resp
    if resp.is_streamed:
        _add_vary(resp, "Accept-Encoding")
        if accepts_gzip(request.headers.get("Accept-Encoding")):
            resp.response = _gzip_stream(resp.response)
            resp.headers.pop("Content-Length", None)
            resp.headers["Content-Encoding"] = "gzip"
        return resp
    body = resp.get_data()
    if len(body) < MIN_GZIP_BYTES:
        return resp
    _add_vary(resp, "Accept-Encoding")
    if accepts_gzip(request.headers.get("Accept-Encoding")):
        resp.set_data(compressed(body))
        resp.headers["Content-Encoding"] = "gzip"
    return resp
