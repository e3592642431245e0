"""Bad PDF input: one clear line naming the file, exit 2, store unchanged.
The fixtures are tiny files written by tests/fixtures/pdf/make_fixtures.py (fictional text)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli import main
from ingest.errors import IngestError
from ingest.pipeline import read_labels
from tests.pdf_support import FIXTURES

CASES = [
    ("scanned.pdf", "no text layer", "OCR is not supported"),
    ("encrypted.pdf", "encrypted", "password"),
    ("corrupt.pdf", "corrupt", "cannot be opened"),
    ("truncated.pdf", "truncated", "end-of-file"),
    ("leaflet-only.pdf", "only a package leaflet", "not an SmPC"),
    ("no-smpc.pdf", "no SmPC found", "Name of the medicinal product"),
]


@pytest.mark.parametrize("name,what,detail", CASES)
def test_reader_refuses_with_one_line_naming_the_file(name, what, detail):
    path = FIXTURES / name
    with pytest.raises(IngestError) as exc:
        read_labels(path)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(path)) and what in msg and detail in msg
    assert exc.value.exit_code == 2


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf-bad") / "store"
    r = CliRunner().invoke(main, ["--store", str(path), "ingest", str(FIXTURES / "smpc-mini.pdf")])
    assert r.exit_code == 0, r.output
    return path


def _labels(store) -> list:
    r = CliRunner().invoke(main, ["--store", str(store), "labels", "--json"])
    return json.loads(r.output)


@pytest.mark.parametrize("name,what,detail", CASES)
def test_cli_exit_2_and_store_unchanged(store, name, what, detail):
    before = _labels(store)
    r = CliRunner().invoke(main, ["--store", str(store), "ingest", str(FIXTURES / name)])
    assert r.exit_code == 2
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and name in lines[0] and what in lines[0]
    assert _labels(store) == before


def test_a_small_smpc_pdf_is_read_with_its_identity(store):
    # the fixture's section 1 names "Zentavir 10 mg tablets"; section 10 states 12 May 2023
    (ref,) = _labels(store)
    assert ref["label"] == "zentavir-10mg-tablets" and ref["version"] == "2023-05-12" and ref["reader"] == "pdf"


def test_text_and_fhir_files_give_a_list_of_one():
    from tests.pdf_support import ROOT

    recs = read_labels(ROOT / "labels" / "blincyto" / "smpc-il.txt")
    assert len(recs) == 1 and recs[0].label_id == "blincyto"
