"""`kb search` and `kb serve` as a user runs them: ingest with the CLI, search, then serve over HTTP."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

try:  # tests/ as a package or as a plain directory
    from .web_fixtures import *  # noqa: F401,F403
except ImportError:
    from web_fixtures import *  # noqa: F401,F403

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory):
    from cli import main

    store = tmp_path_factory.mktemp("cli") / "store"
    r = CliRunner().invoke(main, ["--store", str(store), "ingest"])
    assert r.exit_code == 0, r.output
    return store


def test_kb_search_uses_the_index_the_ingest_hook_built(cli_store):
    from cli import main

    assert list((cli_store / "search-index").rglob("CURRENT"))  # built by the hook during `kb ingest`
    r = CliRunner().invoke(main, ["--store", str(cli_store), "search", "siezure", "--json"])
    assert r.exit_code == 0, r.output
    a = json.loads(r.output)
    assert a["corrections"] == {"siezure": "seizure"} and a["total"] > 0
    assert {"label", "version", "section", "title", "kind", "snippet", "score", "url"} <= set(a["results"][0])
    r = CliRunner().invoke(main, ["--store", str(cli_store), "search", "live", "vaccines", "--kind", "warning"])
    assert r.exit_code == 0 and "4.4 Special warnings" in r.output and "/sections/4.4#p-" in r.output
    r = CliRunner().invoke(main, ["--store", str(cli_store), "search", "seizure", "--label", "nope"])
    assert r.exit_code == 2 and "unknown label" in r.output
    r = CliRunner().invoke(main, ["--store", str(cli_store), "search", "seizure", "--page", "99"])
    assert r.exit_code == 2 and "past the last page" in r.output


def test_kb_serve_runs_waitress_on_loopback_and_logs_requests(cli_store):
    port = free_port()
    code = "import sys; from cli import main; sys.argv[0] = 'kb'; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, "--store", str(cli_store), "serve", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = requests.get(f"http://127.0.0.1:{port}/api/search", params={"q": "overdose"}, timeout=5)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["results"][0]["section"] == "4.9"
        assert requests.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5).json()["openapi"]
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "waitress" in out.lower() and "127.0.0.1" in out
    assert '"GET /api/search?q=overdose" 200' in out
