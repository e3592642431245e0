"""Bad input gets a clear error naming the file (and line), a non-zero exit, and the store is unchanged."""
from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import BLINCYTO, ZENTAVIR

from ingest.errors import MissingSection, NotAnSmPC, UnreadableInput
from ingest.pipeline import read_label


def kb_cli(store, *args, input=None):
    return subprocess.run([sys.executable, "-m", "cli", "--store", str(store), *args],
                          capture_output=True, text=True, input=input, timeout=300)


@pytest.fixture
def bad(tmp_path):
    def make(name, data):
        p = tmp_path / name
        p.write_bytes(data if isinstance(data, bytes) else data.encode())
        return p
    return make


def test_empty_file(bad):
    with pytest.raises(UnreadableInput, match="empty"):
        read_label(bad("empty.txt", ""))


def test_binary_file(bad):
    with pytest.raises(UnreadableInput, match="binary"):
        read_label(bad("x.pdf", b"%PDF-1.7\x00\x01\x02" * 100))


def test_not_an_smpc(bad):
    with pytest.raises(NotAnSmPC, match="no SmPC section layout"):
        read_label(bad("novel.txt", "It was a dark and stormy night.\n\nThe end.\n"))


def test_missing_required_section_names_the_line(bad):
    text = ZENTAVIR.read_text()
    start, end = text.index("4.3 Contraindications"), text.index("4.4 Special warnings")
    p = bad("no-4.3.txt", text[:start] + text[end:])
    with pytest.raises(MissingSection) as exc:
        read_label(p)
    assert "4.3 'Contraindications' is missing" in str(exc.value)
    assert str(p) in str(exc.value) and exc.value.line is not None


def test_truncated_file(bad):
    data = BLINCYTO.read_bytes()
    p = bad("truncated.txt", data[: len(data) // 20])
    with pytest.raises(MissingSection, match="4.2|4.3"):
        read_label(p)


def test_unreadable_path(tmp_path):
    with pytest.raises(UnreadableInput, match="cannot read"):
        read_label(tmp_path / "nope.txt")


def test_cli_bad_inputs_leave_the_store_unchanged(tmp_path, bad):
    store = tmp_path / "store"
    r = kb_cli(store, "ingest", str(ZENTAVIR))
    assert r.returncode == 0, r.stderr
    before = kb_cli(store, "export", "--format", "nq").stdout
    cases = [
        bad("empty.txt", ""),
        bad("bin.txt", b"\x00\xff" * 50),
        bad("novel.txt", "Once upon a time.\n"),
        bad("no-4.3.txt", ZENTAVIR.read_text().replace("4.3 Contraindications", "Contraindications")),
    ]
    for path in cases:
        r = kb_cli(store, "ingest", str(path))
        assert r.returncode == 2, (path, r.stderr)
        assert str(path) in r.stderr and r.stderr.startswith("kb: error:")
        assert len(r.stderr.strip().splitlines()) == 1
    r = kb_cli(store, "ingest", str(tmp_path / "missing.txt"))
    assert r.returncode == 2 and "no such file" in r.stderr
    r = kb_cli(store, "export", "--format", "xlsx")
    assert r.returncode == 2 and "xlsx" in r.stderr
    assert kb_cli(store, "export", "--format", "nq").stdout == before


def test_non_conforming_label_is_not_stored(kb, monkeypatch):
    """A SHACL violation blocks the write and nothing already stored is lost."""
    from kb.rdf import build as rdf_build
    from kb.rdf.base import SMPC

    assert kb.ingest(ZENTAVIR).stored
    before = set(kb.store.get_graph(kb.resolve("zentavir").iri))
    original = rdf_build.build_graph

    def broken(record):
        g = original(record)
        g.remove((None, SMPC.population, None))  # every indication loses its population
        return g

    monkeypatch.setattr("kb.rdf.build.build_graph", broken)  # kb.service imports it when reading
    result = kb.ingest(ZENTAVIR)
    assert not result.stored and not result.report.conforms
    assert any(v.message == "indication has no population" and v.line for v in result.report.violations)
    assert set(kb.store.get_graph(kb.resolve("zentavir").iri)) == before


def test_reingest_replaces_not_duplicates(kb):
    first = kb.ingest(ZENTAVIR)
    n = len(kb.store.get_graph(first.ref.iri))
    kb.ingest(ZENTAVIR)
    assert len(kb.labels()) == 1
    assert len(kb.store.get_graph(first.ref.iri)) == n
