"""Fixtures for the search, web, SPARQL-endpoint, W3C and browser tests.

One store with the bundled label is built once per test session (ingest takes
seconds) and shared read-only; a real waitress server on a free loopback port
serves the same app for tests that need real HTTP (SPARQLWrapper, curl,
Chromium). Import the fixtures into a test module with
``from web_fixtures import *``.
"""
from __future__ import annotations

import atexit
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLINCYTO = ROOT / "labels" / "blincyto" / "smpc-il.txt"
_SHARED: dict = {}
_LOCK = threading.Lock()


def shared_kb():
    """A KnowledgeBase holding the bundled label, its search index attached (built once)."""
    with _LOCK:
        if "kb" not in _SHARED:
            from kb.search.whoosh_index import attach
            from kb.service import KnowledgeBase

            tmp = Path(tempfile.mkdtemp(prefix="smpc-web-"))
            kb = KnowledgeBase(tmp / "store")
            attach(kb, sync=False)
            result = kb.ingest(BLINCYTO)
            assert result.stored, result.report.text()
            _SHARED.update(kb=kb, tmp=tmp, ref=result.ref)

            def _cleanup():
                kb.close()
                shutil.rmtree(tmp, ignore_errors=True)

            atexit.register(_cleanup)
        return _SHARED["kb"]


def shared_app(**overrides):
    from web import create_app

    key = ("app", tuple(sorted(overrides.items())))
    with _LOCK:
        if key not in _SHARED:
            pass
    kb = shared_kb()
    with _LOCK:
        if key not in _SHARED:
            cfg = {"KB": kb, "LOG_REQUESTS": False, "QUERY_TIMEOUT_S": 10.0, "TESTING": True, **overrides}
            _SHARED[key] = create_app(cfg)
        return _SHARED[key]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(app) -> str:
    from waitress.server import create_server

    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=6, ident="smpc-kb-test", asyncore_use_poll=True)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.05)
    atexit.register(server.close)
    return f"http://127.0.0.1:{port}"


def shared_server(**overrides) -> str:
    key = ("server", tuple(sorted(overrides.items())))
    app = shared_app(**overrides)
    with _LOCK:
        if key not in _SHARED:
            _SHARED[key] = start_server(app)
        return _SHARED[key]


@pytest.fixture(scope="session")
def web_kb():
    return shared_kb()


@pytest.fixture(scope="session")
def label_ref(web_kb):
    return _SHARED["ref"]


@pytest.fixture(scope="session")
def app():
    return shared_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def base_url():
    """Base URL of a real waitress server (2 s SPARQL time limit, 5,000-row result limit)."""
    return shared_server(QUERY_TIMEOUT_S=2.0, MAX_ROWS=5000)


__all__ = ["web_kb", "label_ref", "app", "client", "base_url", "shared_kb", "shared_app", "shared_server",
           "free_port", "start_server", "BLINCYTO", "ROOT"]
