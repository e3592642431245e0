"""A store with several labels and versions for the web tests of issue 16.

blincyto@2025-03 (the v2 fixture: 6 instead of 5 mcg/m2/day in cycle 1 days 1-7)
is stored FIRST and blincyto@2024-07 (the bundled text) after it, so "the last
ingested" and "the latest version date" differ; methotrexate (FHIR ePI, prose
dose rules) and quorvalin (another product) complete it. The graphs are stored
as `kb ingest` stores them but without re-running SHACL (tested elsewhere), each
with an ingest time, then the search index is synced. Built once per session.
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
V1 = ROOT / "labels" / "blincyto" / "smpc-il.txt"
V2 = FIX / "blincyto-v2.txt"
MTX = ROOT / "labels" / "methotrexate-uk" / "smpc-epi.json"
OTHER = FIX / "other-product-v1.txt"
# stored in this order; the ingest times increase along it
STORED = ((V2, "blincyto", "2025-03"), (V1, "blincyto", "2024-07"), (MTX, None, None), (OTHER, None, None))
_SHARED: dict = {}
_LOCK = threading.Lock()


def multi_kb():
    with _LOCK:
        if "kb" in _SHARED:
            return _SHARED["kb"]
        from rdflib import Literal
        from rdflib.namespace import XSD

        from ingest.pipeline import read_label
        from kb.rdf.base import SMPC
        from kb.rdf.build import build_graph
        from kb.search.whoosh_index import attach
        from kb.service import KnowledgeBase

        tmp = Path(tempfile.mkdtemp(prefix="smpc-web16-"))
        kb = KnowledgeBase(tmp / "store")
        for i, (path, label, version) in enumerate(STORED):
            g = build_graph(read_label(path, label, version))
            g.add((g.identifier, SMPC.ingestedAt, Literal(f"2026-01-01T00:00:0{i}Z", datatype=XSD.dateTime)))
            kb.store.replace_graph(str(g.identifier), g)
        attach(kb, sync=False).sync(kb)
        _SHARED.update(kb=kb, tmp=tmp)

        def _cleanup():
            kb.close()
            shutil.rmtree(tmp, ignore_errors=True)

        atexit.register(_cleanup)
        return kb


def multi_app():
    kb = multi_kb()
    with _LOCK:
        if "app" not in _SHARED:
            from web import create_app

            _SHARED["app"] = create_app({"KB": kb, "LOG_REQUESTS": False, "TESTING": True, "QUERY_TIMEOUT_S": 10.0})
        return _SHARED["app"]


def multi_server() -> str:
    app = multi_app()
    with _LOCK:
        if "server" not in _SHARED:
            from web_fixtures import start_server

            _SHARED["server"] = start_server(app)
        return _SHARED["server"]
