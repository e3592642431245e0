"""`kb ingest PATH...`: files and folders, in worker processes, a line per label, a summary,
refusals that do not stop the batch, exit codes, --json; bad paths and stores."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
ZENTAVIR = FIX / "zentavir-smpc.txt"
OTHER = FIX / "other-product-v1.txt"
METHOTREXATE_XML = FIX / "methotrexate-epi.xml"
pytestmark = pytest.mark.slow


def kb(*args, store, timeout=300):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_STORE=str(store), NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=timeout)


def stored(store) -> dict[str, dict]:
    return {r["name"]: r for r in json.loads(kb("labels", "--json", store=store).stdout)}


@pytest.fixture
def folder(tmp_path):
    """Two good labels (one in a subfolder), a file that is not an SmPC, and files to skip."""
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    shutil.copy(ZENTAVIR, d / "zentavir.txt")
    shutil.copy(METHOTREXATE_XML, d / "sub" / "mtx.xml")
    (d / "novel.txt").write_text("Once upon a time there was a label that was not one.\n")
    (d / "curation.json").write_text("{}")  # a sidecar, not a label
    (d / "gold-adverse-reactions.tsv").write_text("term\tsoc\n")
    (d / "notes.md").write_text("# notes\n")
    return d


def test_folder_batch_stores_the_good_refuses_the_bad_and_says_so(folder, tmp_path):
    store = tmp_path / "store"
    r = kb("ingest", str(folder), "--jobs", "2", store=store)
    assert r.returncode == 2, r.stderr  # one input was not an SmPC
    out = r.stdout
    # a line per label (not a terminal): stored ones and the refused one with its reason
    assert "ingested zentavir@" in out and "reader: text" in out
    assert "reader: fhir-epi-xml" in out
    assert f"refused {folder / 'novel.txt'}" in out
    for skipped in ("curation.json", "gold-adverse-reactions.tsv", "notes.md"):
        assert skipped not in out
    names = stored(store)
    assert sorted(n.split("@")[0] for n in names) == ["methotrexate", "zentavir"]
    # the summary table names every file with its result
    assert "stored" in out and "refused" in out
    # the search index followed the store: a word of the fixture label's own text is found
    s = kb("search", "contraindications", "--label", next(n for n in names if n.startswith("zentavir")),
           "--json", store=store)
    assert s.returncode == 0 and json.loads(s.stdout)["total"] > 0


def test_json_summary(folder, tmp_path):
    store = tmp_path / "store"
    r = kb("ingest", str(folder), "--jobs", "1", "--json", store=store)
    assert r.returncode == 2
    summary = json.loads(r.stdout)
    assert summary["ok"] is False and summary["status"] == 2
    assert len(summary["stored"]) == 2 and all(s["triples"] > 0 for s in summary["stored"])
    (refused,) = summary["refused"]
    assert refused["path"] == str(folder / "novel.txt") and refused["code"] == 2 and refused["reason"]
    assert set(stored(store)) == {s["name"] for s in summary["stored"]}


def test_bad_paths_one_line_each(tmp_path):
    store = tmp_path / "store"
    r = kb("ingest", str(tmp_path / "nope.txt"), store=store)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0
    assert "nope.txt" in r.stderr and "no such file" in r.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.md").write_text("nothing to read")
    r = kb("ingest", str(empty), store=store)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "no label files" in r.stderr
    r = kb("ingest", str(ZENTAVIR), str(tmp_path / "gone.txt"), store=store)  # a mix: the good one is kept
    assert r.returncode == 2
    assert "gone.txt" in r.stdout and "no such file" in r.stdout
    assert [n.split("@")[0] for n in stored(store)] == ["zentavir"]
    r = kb("ingest", str(empty), str(ZENTAVIR), "--version", "x", store=store)
    assert r.returncode == 2 and "exactly one file" in r.stderr


def test_store_path_that_is_a_file_and_unwritable_home(tmp_path):
    afile = tmp_path / "store-file"
    afile.write_text("not a store")
    r = kb("ingest", str(ZENTAVIR), store=afile)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0
    assert "is a file, not a store directory" in r.stderr
    assert afile.read_text() == "not a store"  # nothing lost
    r = kb("labels", "--json", store=afile)
    assert r.returncode == 2 and json.loads(r.stdout) == {
        "ok": False, "error": f"store path {afile} is a file, not a store directory", "status": 2}
    # an unwritable HOME (here: HOME below a file, which even root cannot create)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KB_", "XDG_"))}
    env["HOME"] = str(afile / "home")
    r = subprocess.run([sys.executable, "-m", "cli", "labels"], capture_output=True, text=True, env=env, cwd=ROOT,
                       timeout=120)
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0
    assert "cannot create the store directory" in r.stderr and "KB_STORE" in r.stderr


def test_non_conforming_label_in_a_batch_exits_3_and_keeps_the_others(tmp_path, monkeypatch):
    """In process (--jobs 1): the second label's graph loses its populations and is refused."""
    from kb.rdf import build as rdf_build
    from kb.rdf.base import SMPC

    original = rdf_build.build_graph

    def broken(record):
        g = original(record)
        if record.source_path.endswith("other-product-v1.txt"):
            g.remove((None, SMPC.population, None))
        return g

    monkeypatch.setattr("kb.rdf.build.build_graph", broken)
    store = tmp_path / "store"
    r = CliRunner().invoke(main, ["--store", str(store), "ingest", str(ZENTAVIR), str(OTHER), "--jobs", "1", "--json"])
    assert r.exit_code == 3, r.output
    summary = json.loads(r.output)
    assert [s["name"].split("@")[0] for s in summary["stored"]] == ["zentavir"]
    (refused,) = summary["refused"]
    assert refused["code"] == 3 and "does not conform" in refused["reason"]
    assert any("indication has no population" in v for v in refused["violations"])


def test_a_file_with_several_labels(tmp_path):
    """A product-information PDF holds one SmPC per presentation group: each is its own label
    version, in a batch beside a text label (the fictional mini EPAR: two SmPCs, then annexes)."""
    store = tmp_path / "store"
    epar = ROOT / "tests" / "fixtures" / "pdf" / "epar-mini.pdf"
    r = CliRunner().invoke(main, ["--store", str(store), "ingest", str(epar), str(ZENTAVIR), "--jobs", "1"])
    assert r.exit_code == 0, r.output
    assert "skipped Annex II" in r.output
    r = CliRunner().invoke(main, ["--store", str(store), "labels", "--json"])
    names = sorted(f"{x['label']}@{x['version']}" for x in json.loads(r.output))
    # the two SmPCs of the PDF (ids from name, strength and form; versions from section 10)
    assert "zentavir-10mg-tablets@2023-05-12" in names and "zentavir-20mg-film-coated-tablets@2020-03-03" in names
    assert len(names) == 3


def test_interrupted_batch_leaves_store_and_index_consistent(tmp_path):
    d = tmp_path / "many"
    d.mkdir()
    for i in range(6):
        shutil.copy(ZENTAVIR if i % 2 else OTHER, d / f"label-{i}.txt")
    store = tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_STORE=str(store), NO_COLOR="1")
    proc = subprocess.Popen([sys.executable, "-m", "cli", "ingest", str(d), "--jobs", "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        first = proc.stdout.readline()  # the first label is stored: now interrupt
        assert first.startswith(("ingested", "refused")), first + proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode in (130, 0), err  # 0: the batch had already finished
    if proc.returncode == 130:
        assert "interrupted" in err
    from kb.search.whoosh_index import index_for
    from kb.service import KnowledgeBase

    k = KnowledgeBase(store)
    try:
        labels = {r.iri for r in k.labels()}
        assert labels  # the label in hand when Ctrl-C came was finished
        assert set(index_for(k).markers()) == labels  # and every stored label is indexed
    finally:
        k.close()


def test_store_on_a_read_only_file_system(tmp_path):
    """Reads work from a read-only open; a write says why in one line and changes nothing.
    Needs to mount a tmpfs (root with CAP_SYS_ADMIN); skipped with that reason otherwise."""
    store = tmp_path / "store"
    r = kb("ingest", str(ZENTAVIR), store=store)
    assert r.returncode == 0, r.stderr
    mnt = tmp_path / "ro"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
    try:
        shutil.copytree(store, mnt / "store")
        assert subprocess.run(["mount", "-o", "remount,ro", str(mnt)], capture_output=True).returncode == 0
        ro = mnt / "store"
        before = kb("export", "--format", "nq", store=ro)
        assert before.returncode == 0 and before.stdout
        assert [n.split("@")[0] for n in stored(ro)] == ["zentavir"]
        r = kb("ingest", str(OTHER), store=ro)
        assert r.returncode == 1 and r.stderr.strip().count("\n") == 0
        assert "Read-only file system" in r.stderr
        assert kb("export", "--format", "nq", store=ro).stdout == before.stdout  # nothing lost or changed
        r = kb("labels", store=mnt / "new" / "store")
        assert r.returncode == 1 and "cannot create the store directory" in r.stderr
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)
