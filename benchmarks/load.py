"""Bounded mixed load on a real `kb serve` (loopback only): search, dose, a competency query
through /sparql, the label page and the adverse-reactions page, at 20 and at 50 connections,
with 8 concurrent runaway queries in the middle of each phase.

    .venv/bin/python benchmarks/load.py [--seconds 20] [--long]   (--long: 60 s per phase)
    .venv/bin/python benchmarks/load.py --url http://127.0.0.1:8000   (an already running server)

Prints, per phase and route: requests, req/s, p50/p99 in ms, errors by status, p99 of the
pages and JSON API while the runaways ran, and the server's memory (the `kb serve` process
and its query workers) at the start and end. The baseline is the same routes at 1 connection
without runaways, measured in the same run. Targets (issue 12): zero 5xx, zero failed valid
page/API requests, p99 < 500 ms for pages and the JSON API at 20 connections while runaways run,
memory growth under 20 %. The load generator shares the machine's cores with the server.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
PAGES_AND_API = ("search", "dose", "label page", "adverse page")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (query workers), from /proc."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            pass
    return total


def start_server(tmp: Path, env_extra: dict) -> tuple[subprocess.Popen, str]:
    store = tmp / "store"
    subprocess.run([sys.executable, "-m", "cli", "--store", str(store), "ingest"], check=True, capture_output=True,
                   cwd=ROOT, timeout=300)
    return serve_store(store, tmp, env_extra)


def serve_store(store: Path, tmp: Path, env_extra: dict | None = None, start_timeout_s: float = 120
                ) -> tuple[subprocess.Popen, str]:
    """`kb serve --no-ingest` on ``store`` (request log off), once it answers; its log in ``tmp``."""
    port = free_port()
    env = {**os.environ, "KB_LOG_REQUESTS": "0", **(env_extra or {})}
    proc = subprocess.Popen([sys.executable, "-m", "cli", "--store", str(store), "serve", "--port", str(port),
                             "--no-ingest"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(tmp / "serve.log", "w"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + start_timeout_s
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/api/labels", timeout=2)
            return proc, base
        except requests.RequestException:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("kb serve did not start; see " + str(tmp / "serve.log"))


def routes(base: str) -> dict[str, tuple[str, dict]]:
    label = requests.get(base + "/api/labels", timeout=30).json()["labels"][0]
    spec = label["name"]
    dosing = requests.get(f"{base}/api/labels/{spec}/indications", timeout=30).json()["dosing"] or []
    cq = (ROOT / "docs" / "queries" / "cq5-prepared-infusion-bag-storage.rq").read_text(encoding="utf-8")
    out = {
        "search": ("/api/search", {"q": "seizure"}),
        "label page": (f"/labels/{spec}", {}),
        "adverse page": (f"/labels/{spec}/adverse-reactions", {}),
        "sparql cq5": ("/sparql", {"query": cq}),
    }
    if dosing:
        out["dose"] = ("/api/dose", {"label": spec, "indication": dosing[0]["id"], "weight_kg": "70",
                                     "age_years": "40", "cycle": "1", "day": "1"})
    return out


class Phase:
    def __init__(self, base: str, table: dict, connections: int, seconds: float, runaways: int):
        self.base, self.table, self.n, self.seconds, self.runaways = base, table, connections, seconds, runaways
        self.samples: dict[str, list[tuple[float, float, int]]] = defaultdict(list)  # (start, seconds, status)
        self.window = (0.0, 0.0)
        self.runaway_results: list[tuple[int, float]] = []

    def _client(self, i: int, stop: float) -> None:
        names = sorted(self.table)
        k = i
        with requests.Session() as s:
            while time.monotonic() < stop:
                name = names[k % len(names)]
                k += 1
                path, params = self.table[name]
                t0 = time.monotonic()
                try:
                    status = s.get(self.base + path, params=params, timeout=60).status_code
                except requests.RequestException:
                    status = 0
                self.samples[name].append((t0, time.monotonic() - t0, status))

    def _runaway(self) -> None:
        t0 = time.monotonic()
        try:
            status = requests.get(self.base + "/sparql", params={"query": RUNAWAY}, timeout=120).status_code
        except requests.RequestException:
            status = 0
        self.runaway_results.append((status, time.monotonic() - t0))

    def run(self) -> None:
        start = time.monotonic()
        stop = start + self.seconds
        threads = [threading.Thread(target=self._client, args=(i, stop)) for i in range(self.n)]
        for t in threads:
            t.start()
        if self.runaways:
            time.sleep(self.seconds / 3)
            w0 = time.monotonic()
            rs = [threading.Thread(target=self._runaway) for _ in range(self.runaways)]
            for t in rs:
                t.start()
            for t in rs:
                t.join(180)
            self.window = (w0, time.monotonic())
        for t in threads:
            t.join(180)
        self.elapsed = time.monotonic() - start


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000


def report(title: str, ph: Phase, baseline: Phase | None) -> dict:
    print(f"\n== {title}: {ph.n} connection(s), {ph.seconds:g} s" + (f", {ph.runaways} runaways" if ph.runaways else ""))
    print(f"{'route':<14}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'base p50/p99':>15}"
          f"{'p99 during runaways':>21}  errors by status")
    out = {}
    w0, w1 = ph.window
    for name in sorted(ph.samples):
        s = ph.samples[name]
        lat = [d for _, d, st in s if st == 200]
        during = [d for t0, d, st in s if w0 <= t0 <= w1 and st == 200]
        errs = Counter(st for _, _, st in s if st != 200)
        base = ""
        if baseline is not None and baseline.samples.get(name):
            bl = [d for _, d, st in baseline.samples[name] if st == 200]
            base = f"{pct(bl, 50):.0f}/{pct(bl, 99):.0f}"
        print(f"{name:<14}{len(s):>9}{len(s) / ph.elapsed:>8.1f}{pct(lat, 50):>9.0f}{pct(lat, 99):>9.0f}{base:>15}"
              f"{(f'{pct(during, 99):.0f}' if during else '-'):>21}  {dict(errs) or '-'}")
        out[name] = {"errors": errs, "p99_during": pct(during, 99) if during else None, "p99": pct(lat, 99)}
    if ph.runaway_results:
        st = Counter(s for s, _ in ph.runaway_results)
        longest = max(d for _, d in ph.runaway_results)
        print(f"runaways: {dict(st)}; longest answer {longest:.1f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each loaded phase (default 20)")
    ap.add_argument("--long", action="store_true", help="60 s per phase, as in issue 12")
    ap.add_argument("--url", help="load this running server instead of starting one (memory is then not shown)")
    ap.add_argument("--timeout", type=float, default=10.0, help="KB_QUERY_TIMEOUT_S of the started server")
    args = ap.parse_args()
    seconds = 60.0 if args.long else args.seconds
    tmp = Path(tempfile.mkdtemp(prefix="smpc-load-"))
    proc = None
    try:
        if args.url:
            base = args.url.rstrip("/")
        else:
            proc, base = start_server(tmp, {"KB_QUERY_TIMEOUT_S": str(args.timeout)})
        table = routes(base)
        for path, params in table.values():  # warm every route once
            requests.get(base + path, params=params, timeout=60)
        mem0 = tree_rss_mb(proc.pid) if proc else None
        base_phase = Phase(base, table, 1, max(5.0, seconds / 4), 0)
        base_phase.run()
        report("baseline", base_phase, None)
        memory = [("after warm-up", mem0)]
        if proc:
            memory.append(("after baseline", tree_rss_mb(proc.pid)))
        verdicts = []
        for n in (20, 50):
            ph = Phase(base, table, n, seconds, 8)
            ph.run()
            res = report(f"load {n}", ph, base_phase)
            five = sum(c for r in res.values() for st, c in r["errors"].items() if st >= 500 or st == 0)
            failed_pages = sum(sum(r["errors"].values()) for k, r in res.items() if k in PAGES_AND_API)
            p99 = max((r["p99_during"] or 0) for k, r in res.items() if k in PAGES_AND_API)
            verdicts.append((n, five, failed_pages, p99))
            if proc:
                memory.append((f"after load {n}", tree_rss_mb(proc.pid)))
        mem1 = tree_rss_mb(proc.pid) if proc else None
        print()
        for n, five, failed, p99 in verdicts:
            print(f"{n} connections: 5xx/failed responses {five} (503s of /sparql while runaways hold the workers "
                  f"included); failed page/API requests {failed}; p99 of pages/API while runaways ran {p99:.0f} ms "
                  f"(target < 500 ms at 20)")
        if mem0:
            print("server memory (kb serve + query workers): "
                  + ", ".join(f"{when} {mb:.0f} MB" for when, mb in memory))
            print(f"server memory: start {mem0:.0f} MB, end {mem1:.0f} MB "
                  f"({(mem1 / mem0 - 1) * 100:+.0f} %; target under +20 %)")
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
