"""Shared fixtures: the bundled label read once, and stores in temporary directories."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLINCYTO = ROOT / "labels" / "blincyto" / "smpc-il.txt"
METHOTREXATE = ROOT / "labels" / "methotrexate-uk" / "smpc-epi.json"
FIXTURES = ROOT / "tests" / "fixtures"
ZENTAVIR = FIXTURES / "zentavir-smpc.txt"


@pytest.fixture(scope="session")
def blincyto_record():
    from ingest.pipeline import read_label

    return read_label(BLINCYTO)


@pytest.fixture(scope="session")
def blincyto_graph(blincyto_record):
    from kb.rdf.build import build_graph

    return build_graph(blincyto_record)


@pytest.fixture(scope="session")
def zentavir_record():
    from ingest.pipeline import read_label

    return read_label(ZENTAVIR)


@pytest.fixture
def kb(tmp_path):
    """An empty knowledge base in a temporary directory."""
    from kb.service import KnowledgeBase

    k = KnowledgeBase(tmp_path / "store")
    yield k
    k.close()


@pytest.fixture(scope="session")
def kb_session(tmp_path_factory):
    """A knowledge base holding the bundled label and the fictional fixture label (read-only use)."""
    from kb.service import KnowledgeBase

    k = KnowledgeBase(tmp_path_factory.mktemp("kb") / "store")
    for path in (BLINCYTO, ZENTAVIR):
        result = k.ingest(path)
        assert result.stored, result.report.text()
    yield k
    k.close()
