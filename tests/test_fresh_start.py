"""The README's main command on a fresh machine: a new user's HOME, no data directories,
no .venv. It installs, creates the default store with its parents, ingests the bundled
labels and answers on the page it names; the second start does not reinstall."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def readme_command() -> str:
    """The main command as the README's "Two commands" section writes it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return block.splitlines()[0].split("#", 1)[0].strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, server: subprocess.Popen, log: Path, wait_s: float) -> str:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server ended (exit {server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return resp.read().decode("utf-8")
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"no answer on {url} within {wait_s:g} s:\n{log.read_text()[-3000:]}")


def start(cmd: str, project: Path, env: dict, log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen(["bash", "-c", cmd], cwd=project, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: serve.sh and kb serve
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)


@pytest.fixture
def fresh_checkout(tmp_path) -> Path:
    """The project as a new user clones it: no .venv, no build output (the suite's own .venv is untouched)."""
    project = tmp_path / "smpc-kb"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"))
    return project


def test_main_command_on_a_fresh_machine(fresh_checkout, tmp_path):
    cmd = readme_command()
    assert cmd == "bash scripts/serve.sh"
    home = tmp_path / "home"  # a new user: nothing under ~/.local yet
    home.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KB_", "XDG_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(HOME=str(home), KB_PORT=str(port))
    url = f"http://127.0.0.1:{port}/"

    log = tmp_path / "first.log"
    server = start(cmd, fresh_checkout, env, log)
    try:
        page = fetch(url, server, log, 240)
    finally:
        stop(server)
    first = log.read_text()
    assert "installing smpc-kb" in first
    assert "BLINCYTO" in page  # the bundled default label, ingested into the empty store
    store = home / ".local" / "share" / "smpc-kb" / "store"
    assert (store / "CURRENT").is_file()  # created with its parents
    assert f"open {url}" in first  # the page it names is the page that answered

    log2 = tmp_path / "second.log"
    t0 = time.monotonic()
    server = start(cmd, fresh_checkout, env, log2)
    try:
        page = fetch(url, server, log2, 120)
        second_s = time.monotonic() - t0
    finally:
        stop(server)
    second = log2.read_text()
    assert "installing smpc-kb" not in second and "creating .venv" not in second
    assert "BLINCYTO" in page
    assert "store was empty" not in second  # nothing ingested again
    print(f"second start answered after {second_s:.1f} s")


def test_pyproject_change_reinstalls(fresh_checkout, tmp_path):
    """The stamp logic alone (no server): a changed pyproject.toml means a new install."""
    lib = fresh_checkout / "scripts" / "install-lib.sh"
    venv_bin = fresh_checkout / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    for name in ("python", "kb"):  # a stand-in venv: records pip calls instead of installing
        (venv_bin / name).write_text(
            "#!/bin/sh\n"
            'if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo pip >> "$(dirname "$0")/pip-calls"; exit 0; fi\n'
            'exec python3 "$@"\n')
        (venv_bin / name).chmod(0o755)
    script = f'set -e; PY=python3; . "{lib}"; ensure_installed .'
    def run():
        r = subprocess.run(["bash", "-c", script], cwd=fresh_checkout, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        calls = venv_bin / "pip-calls"
        return len(calls.read_text().split()) if calls.exists() else 0

    assert run() == 1  # no stamp: install
    assert run() == 1  # same project: no second install
    with open(fresh_checkout / "pyproject.toml", "a") as f:
        f.write("\n# changed\n")
    assert run() == 2  # the project changed: install again
