"""CLI conventions: --version, python -m cli, --json errors on stdout with the exit codes,
validate --json, NO_COLOR, a closed pipe, -v/-q, every environment setting documented."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parent.parent
LABEL = ROOT / "labels" / "blincyto" / "smpc-il.txt"


def run(*args, store=None, env=None, timeout=300, shell=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    if store is not None:
        e["KB_STORE"] = str(store)
    e.update(env or {})
    cmd = shell if shell else [sys.executable, "-m", "cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=e, cwd=ROOT, timeout=timeout, shell=bool(shell),
                          executable="/bin/bash" if shell else None)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("conv") / "store"
    r = CliRunner().invoke(main, ["--store", str(path), "ingest", str(LABEL), "--version", "2024-07"])
    assert r.exit_code == 0, r.output
    return path


def invoke(store, *args, **kw):
    return CliRunner().invoke(main, ["--store", str(store), *args], **kw)


def test_version_and_python_dash_m():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"kb (smpc-kb) {version('smpc-kb')}"
    r = run("--help")
    assert r.returncode == 0 and "ingest" in r.stdout and "Usage: kb" in r.stdout


@pytest.mark.parametrize("args, code, words", [
    (["search", "seizure", "--label", "nosuch", "--json"], 2, "nosuch"),
    (["adverse-reactions", "--label", "nosuch", "--json"], 2, "nosuch"),
    (["dose", "--indication", "adult-relapsed-refractory", "--weight-kg", "-5", "--age-years", "40",
      "--cycle", "1", "--day", "8", "--json"], 2, "weight"),
    (["sparql", "DELETE WHERE { ?s ?p ?o }", "--format", "json"], 2, "read-only"),
    (["validate", "--label", "nosuch", "--json"], 2, "nosuch"),
    (["diff", "blincyto@2024-07", "blincyto@nope", "--json"], 2, "nope"),
    (["labels", "--json", "--no-such-option"], 2, "no-such-option"),
    (["ingest", "/nonexistent/label.txt", "--json"], 2, "label.txt"),
])
def test_errors_under_json_are_json_on_stdout(store, args, code, words):
    r = run(*args, store=store)
    assert r.returncode == code, r.stdout + r.stderr
    answer = json.loads(r.stdout)
    assert answer["ok"] is False and answer["status"] == code and words in answer["error"]


def test_validate_json(store):
    r = invoke(store, "validate", "--label", "blincyto", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)
    assert report["conforms"] is True and report["violations"] == [] and report["label"] == "blincyto@2024-07"


def test_colour_only_on_a_terminal_and_never_with_no_color(store):
    colour = invoke(store, "search", "seizure", color=True)  # as on a terminal
    assert colour.exit_code == 0 and "\x1b[" in colour.output  # matches in bold
    plain = invoke(store, "search", "seizure", color=True, env={"NO_COLOR": "1"})
    assert plain.exit_code == 0 and "\x1b[" not in plain.output
    assert re.sub(r"\x1b\[[0-9;]*m", "", colour.output) == plain.output
    piped = run("search", "seizure", store=store)  # not a terminal
    assert piped.returncode == 0 and "\x1b[" not in piped.stdout


def test_closed_pipe_ends_quietly(store):
    for cmd in ("labels | head -0", "export --format nq | head -c 100 >/dev/null"):
        r = run(shell=f'set -o pipefail; "{sys.executable}" -m cli {cmd}; echo "status ${{PIPESTATUS[0]}}"',
                store=store)
        assert r.stderr == "", r.stderr
        assert r.stdout.strip().endswith("status 0"), r.stdout


def test_log_level_options(tmp_path, store):
    fixture = ROOT / "tests" / "fixtures" / "zentavir-smpc.txt"  # its 4.2 has no dosing rule: one note
    normal = run("ingest", str(fixture), store=tmp_path / "s")
    assert normal.returncode == 0 and "no regimen table or dosing rule" in normal.stderr
    quiet = run("-q", "ingest", str(fixture), store=tmp_path / "s")
    assert quiet.returncode == 0 and quiet.stderr == "" and "ingested zentavir@" in quiet.stdout
    verbose = run("-vv", "labels", store=store)
    assert verbose.returncode == 0 and "DEBUG smpc_kb.store: opened" in verbose.stderr
    assert "DEBUG" not in run("labels", store=store).stderr


def test_every_environment_setting_is_documented():
    """Each KB_* variable the code reads appears, with its default, in `kb --help`, `kb serve --help` or the README."""
    names = set()
    for f in list((ROOT / "cli").glob("*.py")) + [ROOT / "web" / "settings.py"]:
        text = f.read_text(encoding="utf-8")
        names |= set(re.findall(r'envvar="(KB_[A-Z_]+)"', text))
        names |= set(re.findall(r'environ(?:\.get)?\(\s*"(KB_[A-Z_]+|NO_COLOR)"', text))
    from web.settings import SETTINGS

    names |= {s.env for s in SETTINGS}
    assert {"KB_STORE", "KB_PORT", "KB_HOST", "KB_JOBS"} <= names
    docs = run("--help").stdout + run("serve", "--help").stdout + (ROOT / "README.md").read_text(encoding="utf-8")
    for name in sorted(names):
        assert re.search(rf"{name}\b.*(\[|default)", docs), f"{name} is not documented with its default"
