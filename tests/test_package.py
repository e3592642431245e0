"""A real package: the wheel carries every data file the program reads, and an
installed wheel (outside the checkout, fresh HOME) ingests, lists and serves."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def data_files() -> dict[str, Path]:
    """Every file the program reads from the source tree -> where the wheel must hold it."""
    out = {}
    for folder, inside in (("ontology", "ingest/ontology"), ("labels", "ingest/labels"),
                           ("docs/queries", "ingest/queries"), ("web/templates", "web/templates"),
                           ("web/static", "web/static")):
        for p in (ROOT / folder).rglob("*"):
            if p.is_file() and "__pycache__" not in p.parts:
                out[f"{inside}/{p.relative_to(ROOT / folder).as_posix()}"] = p
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src") / "smpc-kb"  # a copy: no build/ left in the checkout
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "tests", "benchmarks"))
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(src)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    (whl,) = out.glob("smpc_kb-*.whl")
    return whl


def test_wheel_holds_every_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = data_files()
    assert "ingest/labels/bundled.json" in expected and "ingest/ontology/shapes/core.ttl" in expected
    missing = sorted(set(expected) - names)
    assert not missing, f"the wheel lacks {missing}"
    with zipfile.ZipFile(wheel) as z:  # byte for byte what the checkout holds
        for name, path in expected.items():
            assert z.read(name) == path.read_bytes(), name


def test_installed_wheel_ingests_lists_and_serves(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    r = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KB_", "PYTHON", "XDG_"))}
    env.update(HOME=str(home), NO_COLOR="1")
    kb = str(venv / "bin" / "kb")
    work = tmp_path / "elsewhere"  # nowhere near the checkout
    work.mkdir()

    def run(*args, timeout=300):
        return subprocess.run([kb, *args], capture_output=True, text=True, cwd=work, env=env, timeout=timeout)

    r = run("ingest")  # the bundled label, from inside the installed package, into the default store
    assert r.returncode == 0, r.stderr
    assert str(venv) in r.stdout and "ingest/labels/" in r.stdout  # read from the wheel, not the checkout
    assert str(ROOT) not in r.stdout + r.stderr
    r = run("labels", "--json")
    assert r.returncode == 0, r.stderr
    assert '"label": "blincyto"' in r.stdout
    r = run("sparql", "@" + str(venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
                                 / "site-packages" / "ingest" / "queries" / "cq6-section-4.4-cross-references.rq"))
    assert r.returncode == 0 and "4.6" in r.stdout and "4.8" in r.stdout, r.stderr
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        server = subprocess.Popen([kb, "serve", "--port", str(port)], cwd=work, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        page = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    page = resp.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.3)
        assert page is not None, log.read_text()
        assert "BLINCYTO" in page  # the template (from the wheel) rendered the stored label
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/style.css", timeout=5) as resp:
            assert resp.status == 200
        req = urllib.request.Request(f"http://127.0.0.1:{port}/sparql?format=html")
        with urllib.request.urlopen(req, timeout=5) as resp:  # the example queries, from the wheel
            assert "Which sections does section 4.4 cross-reference?" in resp.read().decode("utf-8")
    finally:
        server.terminate()
        server.wait(timeout=30)
