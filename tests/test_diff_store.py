"""Label diff through the store and the CLI: two stored versions, `kb diff`, the
stored RDF changeset and the example SPARQL queries over it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
V1 = ROOT / "labels" / "blincyto" / "smpc-il.txt"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    from ingest.pipeline import read_label
    from kb.rdf.build import build_graph
    from kb.service import KnowledgeBase

    path = tmp_path_factory.mktemp("diff") / "store"
    kb = KnowledgeBase(path)
    try:  # stored as `kb ingest` stores them, without re-running SHACL here (tested elsewhere)
        for file, label, version in ((V1, "blincyto", "2024-07"), (FIX / "blincyto-v2.txt", "blincyto", "2025-03"),
                                     (FIX / "other-product-v1.txt", None, None)):
            g = build_graph(read_label(file, label, version))
            kb.store.replace_graph(str(g.identifier), g)
    finally:
        kb.close()
    return str(path)


def _run(store_dir, *args):
    return CliRunner().invoke(main, ["--store", store_dir, *args])


def test_cli_json_has_the_api_shape(store_dir):
    r = _run(store_dir, "diff", "blincyto@2024-07", "blincyto@2025-03", "--json", "--no-save")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["from"] == "blincyto@2024-07" and data["to"] == "blincyto@2025-03"
    kinds = {(c["kind"], c["change"]) for c in data["changes"]}
    assert ("warning", "removed") in kinds and ("adverse_reaction", "moved") in kinds
    assert ("dosing", "changed") in kinds and ("product", "changed") in kinds and ("indication", "added") in kinds
    assert len(data["changes"]) == 8
    moved = next(c for c in data["changes"] if c["change"] == "moved")
    assert (moved["before"], moved["after"]) == ("common", "uncommon")
    assert [s["side"] for s in moved["sources"]] == ["before", "after"]


def test_cli_text_report_and_html(store_dir, tmp_path):
    r = _run(store_dir, "diff", "blincyto@2024-07", "blincyto@2025-03", "--no-save")
    assert r.exit_code == 0, r.output
    assert "Warnings and precautions (1)" in r.output and "removed" in r.output
    assert "\x1b[" not in r.output  # no colour when not on a terminal
    out = tmp_path / "diff.html"
    r = _run(store_dir, "diff", "blincyto@2024-07", "blincyto@2025-03", "--format", "html", "-o", str(out), "--no-save")
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<del>96 h</del>" in html and "<ins>72 h</ins>" in html


def test_cli_refuses_different_products(store_dir):
    r = _run(store_dir, "diff", "quorvalin@2024-03", "blincyto@2025-03", "--no-save")
    assert r.exit_code == 2
    assert "different products" in r.output and "--force" in r.output
    r = _run(store_dir, "diff", "quorvalin@2024-03", "blincyto@2025-03", "--no-save", "--force", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["forced"] is True
    r = _run(store_dir, "diff", "blincyto@2024-07", "blincyto@nope", "--no-save")
    assert r.exit_code == 2 and "no version" in r.output


def test_changeset_is_stored_and_answers_the_example_queries(store_dir):
    r = _run(store_dir, "diff", "blincyto@2024-07", "blincyto@2025-03")
    assert r.exit_code == 0, r.output
    from kb.service import KnowledgeBase

    kb = KnowledgeBase(store_dir)
    try:
        # the changeset graph is not mistaken for a label version
        assert sorted(ref.name for ref in kb.labels()) == ["blincyto@2024-07", "blincyto@2025-03", "quorvalin@2024-03"]
        q = (ROOT / "docs" / "queries" / "diff-warnings-added-since.rq").read_text(encoding="utf-8")
        assert kb.sparql(q).rows == []  # the update removed a warning; none was added
        rows = kb.sparql(q.replace('"warning" ;\n        smpc:changeType "added"',
                                   '"warning" ;\n        smpc:changeType "removed"')).rows
        assert [str(r["warning"]) for r in rows] == ["Lineage switch from ALL to acute myeloid leukemia (AML)"]
        later = q.replace("2024-01-01", "2025-04-01")
        assert kb.sparql(later.replace('"added"', '"removed"')).rows == []
        q = (ROOT / "docs" / "queries" / "diff-adverse-frequency-moves.rq").read_text(encoding="utf-8")
        rows = kb.sparql(q).rows
        assert [(str(r["reaction"]), str(r["before"]), str(r["after"])) for r in rows] == [
            ("Flushing (Vascular disorders)", "common", "uncommon")]
        assert str(rows[0]["factAfter"]).startswith(str(kb.resolve("blincyto@2025-03").iri) + "/")
    finally:
        kb.close()
