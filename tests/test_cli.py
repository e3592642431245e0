"""The `kb` CLI on the bundled label: ingest with no file, labels, validate, export, sparql."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from pyoxigraph import RdfFormat
from pyoxigraph import parse as ox_parse

from cli import main


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "store"
    r = CliRunner().invoke(main, ["--store", str(path), "ingest"])
    assert r.exit_code == 0, r.output
    assert "ingested blincyto@" in r.output and "reader: text" in r.output
    return path


def kb(store, *args, env=None):
    return CliRunner().invoke(main, ["--store", str(store), *args], env=env)


def test_labels_lists_the_bundled_version(store):
    r = kb(store, "labels", "--json")
    (ref,) = json.loads(r.output)
    assert ref["label"] == "blincyto" and ref["reader"] == "text" and ref["title"] == "BLINCYTO"


def test_store_from_environment(store):
    r = CliRunner().invoke(main, ["labels"], env={"KB_STORE": str(store)})
    assert r.exit_code == 0 and r.output.startswith("blincyto@")


def test_validate_stored_label(store):
    r = kb(store, "validate", "--label", "blincyto")
    assert r.exit_code == 0 and "conforms (0 violation(s))" in r.output


def test_validate_unknown_label_is_bad_input(store):
    r = kb(store, "validate", "--label", "nosuchdrug")
    assert r.exit_code == 2 and "unknown label 'nosuchdrug'" in r.output


@pytest.mark.parametrize("fmt,parse", [("ttl", RdfFormat.TURTLE), ("jsonld", RdfFormat.JSON_LD), ("nq", RdfFormat.N_QUADS)])
def test_export_formats_parse_back(store, fmt, parse):
    r = kb(store, "export", "--format", fmt)
    assert r.exit_code == 0, r.output
    quads = list(ox_parse(r.stdout_bytes, parse))
    assert len(quads) > 10000
    if fmt == "nq":
        assert {str(q.graph_name.value) for q in quads} == {"https://w3id.org/smpc-kb/id/blincyto/" + json.loads(
            kb(store, "labels", "--json").output)[0]["version"], "https://w3id.org/smpc-kb/graph/ontology"}


def test_sparql_formats(store):
    q = ("PREFIX smpc: <https://w3id.org/smpc-kb/ontology#> "
         "SELECT ?t WHERE { ?w a smpc:Warning ; <http://purl.org/dc/terms/title> ?t } ORDER BY ?t")
    table = kb(store, "sparql", q)
    assert table.exit_code == 0 and "Tumor lysis syndrome" in table.output
    js = json.loads(kb(store, "sparql", q, "--format", "json").output)
    titles = [b["t"]["value"] for b in js["results"]["bindings"]]
    assert "Pancreatitis" in titles and len(titles) >= 15
    csv = kb(store, "sparql", q, "--format", "csv").output
    assert csv.splitlines()[0].strip() == "t"


def test_sparql_from_file_and_refusals(store, tmp_path):
    f = tmp_path / "q.rq"
    f.write_text("ASK { ?s ?p ?o }")
    assert kb(store, "sparql", f"@{f}", "--format", "json").output.strip().endswith("}")
    r = kb(store, "sparql", "DROP ALL")
    assert r.exit_code == 2
    r = kb(store, "sparql", "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }")
    assert r.exit_code == 2 and "SERVICE" in r.output
    r = kb(store, "sparql", "SELECT * WHERE { ?s ?p }")
    assert r.exit_code == 2
