"""Figures for docs/store.md ("Beside a running server"): the CLI on a store a `kb serve` holds.

    .venv/bin/python scripts/measure_beside_server.py

Prints, each beside its baseline measured in the same run: a CLI read with and
without the server, the time a CLI ingest waits for the server to hand over the
directory, server latency while the CLI writes, and how soon the server shows it.
"""
from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABEL = ROOT / "labels" / "blincyto" / "smpc-il.txt"


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="beside-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env["KB_STORE"] = str(tmp / "store")

    def kb(*args):
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, env=env, cwd=ROOT)
        assert r.returncode == 0, r.stderr
        return time.perf_counter() - t0, r.stdout

    kb("ingest", str(LABEL), "--version", "v1")
    alone = [kb("labels")[0] for _ in range(3)]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port), "--no-ingest"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def get(path):
        t0 = time.perf_counter()
        with urllib.request.urlopen(base + path, timeout=30) as r:
            body = r.read()
        return time.perf_counter() - t0, body

    try:
        for _ in range(300):
            try:
                get("/api/labels")
                break
            except OSError:
                time.sleep(0.2)
        idle = [get("/api/labels")[0] for _ in range(20)]
        beside = [kb("labels")[0] for _ in range(3)]
        during: list[float] = []
        stop = threading.Event()

        def ask():
            while not stop.is_set():
                during.append(get("/api/labels")[0])

        t = threading.Thread(target=ask)
        t.start()
        _, out = kb("ingest", str(LABEL), "--version", "v2", "--json")
        done = time.perf_counter()
        stop.set()
        t.join()
        seen = None
        while seen is None:
            if b'"v2"' in get("/api/labels")[1]:
                seen = time.perf_counter() - done
        store_s = json.loads(out)["timings"]["store"]
    finally:
        server.terminate()
        server.wait()
    ms = lambda xs: f"{statistics.median(xs) * 1000:.0f} ms"  # noqa: E731
    print(f"kb labels, store not served (baseline):     {ms(alone)}")
    print(f"kb labels beside kb serve (snapshot):       {ms(beside)}")
    print(f"GET /api/labels, idle server (baseline):    {ms(idle)}")
    print(f"GET /api/labels while the CLI ingests:      median {ms(during)}, max {max(during) * 1000:.0f} ms, n={len(during)}")
    print(f"kb ingest store step incl. lock hand-over:  {store_s * 1000:.0f} ms")
    print(f"server shows the new version after exit:    {seen * 1000:.0f} ms")


if __name__ == "__main__":
    main()
