"""Ingest input limits, a full disk, and the search index reconciled with the store (issue 12 item 5)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parent.parent
ZENTAVIR = ROOT / "tests" / "fixtures" / "zentavir-smpc.txt"
BLINCYTO = ROOT / "labels" / "blincyto" / "smpc-il.txt"


def kb(store, *args):
    return CliRunner().invoke(main, ["--store", str(store), *args])


def _one_line_error(r, *words):
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("kb: error:"), r.output
    for w in words:
        assert w in lines[0], lines[0]


def test_non_regular_inputs_are_refused_before_reading(tmp_path):
    store = tmp_path / "store"
    (tmp_path / "zero.txt").symlink_to("/dev/zero")  # reading it would never end
    _one_line_error(kb(store, "ingest", str(tmp_path / "zero.txt")), "not a regular file")
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # opening it for reading would block for ever
    _one_line_error(kb(store, "ingest", str(fifo)), "not a regular file")
    assert "no labels" in kb(store, "labels").output


def test_inputs_over_the_limit_are_refused_before_reading(tmp_path):
    store = tmp_path / "store"
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:  # sparse: 21 MB that take no disk and would take minutes to parse
        f.truncate(21 * 2**20)
    _one_line_error(kb(store, "ingest", str(big)), "over the input limit of 20 MB")
    # the limit is a setting: the bundled label (~0.1 MB) is refused under a 0.01 MB limit ...
    r = CliRunner().invoke(main, ["--store", str(store), "ingest", str(BLINCYTO)], env={"KB_MAX_INPUT_MB": "0.01"})
    _one_line_error(r, "over the input limit of 0.01 MB")
    # ... and read under the default
    r = kb(store, "ingest", str(ZENTAVIR))
    assert r.exit_code == 0, r.output


def test_index_behind_or_ahead_of_the_store_is_reconciled_when_opened(tmp_path):
    """A kill between the store write and the index commit: the next search repairs the index."""
    from kb.service import KnowledgeBase

    store = tmp_path / "store"
    assert kb(store, "ingest", str(ZENTAVIR), "--version", "v1").exit_code == 0
    k = KnowledgeBase(store)  # no search hooks: the store gets v2, the index never hears of it
    assert k.ingest(ZENTAVIR, version="v2").stored
    k.close()
    r = kb(store, "search", "liver", "--label", "zentavir@v2")
    assert r.exit_code == 0 and "zentavir@v2" in r.output, r.output
    k = KnowledgeBase(store)  # and the other way: v1 leaves the store behind the index's back
    k.store.remove_graph(k.resolve("zentavir@v1").iri)
    k.close()
    r = kb(store, "search", "liver", "--label", "zentavir@v1")
    assert r.exit_code == 2 and "no version 'v1'" in r.output, r.output


def _can_mount() -> str | None:
    if os.geteuid() != 0:
        return "needs root to mount a small tmpfs"
    if not shutil.which("mount"):
        return "no mount command"
    return None


@pytest.mark.skipif(_can_mount() is not None, reason=_can_mount() or "")
def test_full_disk_one_line_non_zero_store_intact(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        store = mnt / "store"
        cli = [sys.executable, "-m", "cli", "--store", str(store)]
        run = lambda *a: subprocess.run([*cli, *a], capture_output=True, text=True, timeout=120, cwd=str(ROOT))  # noqa: E731
        first = run("ingest", str(ZENTAVIR), "--version", "small")
        assert first.returncode == 0, first.stderr
        full = run("ingest", str(BLINCYTO))  # ~3 times larger: does not fit in what is left
        assert full.returncode != 0
        errors = [ln for ln in full.stderr.splitlines() if ln.startswith("kb:") or "Traceback" in ln]
        assert len(errors) == 1 and "no space left on device" in errors[0].lower(), full.stderr
        assert "Traceback" not in full.stderr
        labels = run("labels")
        assert labels.returncode == 0 and labels.stdout.split()[0] == "zentavir@small", labels.stdout
        assert len(labels.stdout.strip().splitlines()) == 1
        found = run("search", "liver", "--label", "zentavir@small")
        assert found.returncode == 0 and "zentavir@small" in found.stdout
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
