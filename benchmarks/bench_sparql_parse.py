"""A NEW query text through `kb serve`'s /sparql beside `oxigraph serve-read-only` on the same store.

    .venv/bin/python benchmarks/bench_sparql_parse.py [--store DIR] [--repeat 60]

Every request carries a text never sent before (a numbered comment is appended), so no cache
of the check or of the parse helps. Same run, same data, one client:

  * ``kb serve --no-ingest`` (query workers, time limit: the production path) /sparql;
  * ``oxigraph serve-read-only --union-default-graph`` (the same default graph) /query, the
    engine with its own HTTP server and no safety check: the floor. It reads a checkpoint of
    the store (hard links to its .sst files, copies of the rest, in the temporary folder), so
    both servers run at once without two processes on one RocksDB directory;
  * rdflib's parse of the same new texts in this process (``kb.sparql.safety.check_query``): what each
    new text cost on top before the parse-once change.

Both servers are up for the whole run and their requests alternate (kb, oxigraph, oxigraph, kb,
...), so a load that changes during the run weighs on both alike; each query is sent a few times
to both before timing (warm caches, started query workers). Besides the wall time (p50/p99) the
table gives the CPU time each server used per request, its query worker processes included
(``/proc/<pid>/task/*/schedstat`` of the server and its child processes, summed over the
series): on a shared machine the CPU column is the steadier figure. Timing starts once ``kb serve``
is idle (RocksDB compacts for a few seconds after it opens a large store read-write).

Target (issue 17): /sparql within 2x of the Oxigraph server for a new text. Without --store a
temporary store with the bundled label is made with ``kb ingest``. ``--store`` is read, never
written (``kb serve`` keeps its reader checkpoints in ``<store>/readers`` and removes them).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

import requests  # noqa: E402

from load import serve_store  # noqa: E402

P = "PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>\nPREFIX dcterms: <http://purl.org/dc/terms/>\n"
QUERIES = {
    "ask": P + "ASK { ?s a smpc:LabelVersion }",
    "labels": P + "SELECT ?g ?v WHERE { GRAPH ?g { ?g a smpc:LabelVersion ; smpc:version ?v } } LIMIT 50",
    "warnings": P + "SELECT ?t WHERE { ?w a smpc:Warning ; dcterms:title ?t } LIMIT 100",
    **{p.stem[:3]: p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs" / "queries").glob("cq*.rq"))},
}
JSON = {"Accept": "application/sparql-results+json"}
WARM = 5  # requests per query and server before timing


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000


def tree_cpu_s(pid: int) -> float:
    """CPU time used so far by a process, its threads and its child processes (Linux /proc, ns precision)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/schedstat") as f:
                    total += int(f.read().split()[0])
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError, IndexError):
            pass
    return total / 1e9


class Server:
    def __init__(self, name: str, url: str, proc: subprocess.Popen):
        self.name, self.url, self.proc = name, url, proc
        self.session = requests.Session()

    def get(self, text: str) -> float:
        t = time.perf_counter()
        r = self.session.get(self.url, params={"query": text}, headers=JSON, timeout=300)
        took = time.perf_counter() - t
        if r.status_code != 200:
            raise RuntimeError(f"{self.name}: {r.status_code} {r.text[:200]}")
        return took

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def wait_idle(pid: int, limit_s: float = 300) -> float:
    """Wait until a server's process tree is idle (under 5 % of a core over a second): RocksDB
    compacts for a few seconds after a read-write open (6 s at 1,000 versions), which would weigh
    on the first queries. Returns the seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit_s:
        before = tree_cpu_s(pid)
        time.sleep(1)
        if tree_cpu_s(pid) - before < 0.05:
            break
    return time.monotonic() - t0


def checkpoint_copy(store: Path, target: Path) -> None:
    """What RocksDB's checkpoint holds: hard links to the immutable .sst files, copies of the rest
    (CURRENT, MANIFEST, OPTIONS, write-ahead log); no lock, info logs or subfolders."""
    target.mkdir(parents=True)
    for p in store.iterdir():
        if not p.is_file() or p.name == "LOCK" or p.name.startswith("LOG"):
            continue
        if p.suffix == ".sst":
            try:
                os.link(p, target / p.name)
                continue
            except OSError:  # another file system
                pass
        shutil.copy2(p, target / p.name)


def oxigraph_server(store: Path) -> Server:
    from conftest_store import OXIGRAPH, free_port, start_server

    port = free_port()
    proc = start_server([OXIGRAPH, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}",
                         "--union-default-graph"], port, "oxigraph serve-read-only", wait_s=300)
    return Server("oxigraph", f"http://127.0.0.1:{port}/query", proc)


def floor_server(store: Path, mode: str) -> Server:
    from conftest_store import free_port, start_server

    port = free_port()
    proc = start_server([sys.executable, str(ROOT / "benchmarks" / "sparql_floor.py"), str(store), str(port), mode],
                        port, f"sparql_floor {mode}", wait_s=60)
    return Server(f"{mode} floor", f"http://127.0.0.1:{port}/sparql", proc)


def series(servers: list[Server], text: str, repeat: int) -> dict[str, tuple[list[float], float]]:
    """``repeat`` new texts to each server, alternating; (wall times, CPU seconds per request) per server."""
    for s in servers:
        for i in range(WARM):
            s.get(text + f"\n# warm {s.name} {i} {time.time_ns()}")
    times: dict[str, list[float]] = {s.name: [] for s in servers}
    cpu0 = {s.name: tree_cpu_s(s.proc.pid) for s in servers}
    for i in range(repeat):
        for s in servers if i % 2 == 0 else servers[::-1]:
            times[s.name].append(s.get(text + f"\n# new text {s.name} {i} {time.time_ns()}"))
    return {s.name: (times[s.name], (tree_cpu_s(s.proc.pid) - cpu0[s.name]) / repeat) for s in servers}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", help="a filled store directory (left unchanged); default: the bundled label")
    ap.add_argument("--repeat", type=int, default=60)
    ap.add_argument("--memory-mb", help="KB_QUERY_MEMORY_MB for kb serve (its query workers' memory limit)")
    ap.add_argument("--only", help="comma-separated query names (default: all)")
    ap.add_argument("--floors", action="store_true",
                    help="also time the same worker hop behind a bare WSGI app and a one-route Flask app "
                         "(benchmarks/sparql_floor.py): what kb's own view and hooks add")
    a = ap.parse_args()
    queries = {k: v for k, v in QUERIES.items() if not a.only or k in a.only.split(",")}
    tmp = Path(tempfile.mkdtemp(prefix="bench-parse-"))
    servers: list[Server] = []
    results: dict[str, dict] = {}
    load_after = None
    try:
        store = Path(a.store) if a.store else tmp / "store"
        if not a.store:
            subprocess.run([sys.executable, "-m", "cli", "--store", str(store), "ingest"], cwd=ROOT, check=True,
                           capture_output=True)
        checkpoint_copy(store, tmp / "oxigraph-store")
        env = {"KB_QUERY_MEMORY_MB": a.memory_mb} if a.memory_mb else None
        proc, base = serve_store(store, tmp, env_extra=env, start_timeout_s=600)
        servers.append(Server("kb", base + "/sparql", proc))
        servers.append(oxigraph_server(tmp / "oxigraph-store"))
        if a.floors:
            servers += [floor_server(tmp / "oxigraph-store", mode) for mode in ("wsgi", "flask")]
        waited = wait_idle(proc.pid)
        print(f"store {store}; kb serve idle after {waited:.0f} s; load average before: {os.getloadavg()}")
        for name, q in queries.items():
            try:
                results[name] = series(servers, q, a.repeat)
            except RuntimeError as e:
                print(f"{name}: {e}")
        load_after = os.getloadavg()
    finally:
        for s in servers:
            s.stop()
    try:
        from kb.sparql.safety import check_query

        print(f"load average after: {load_after}")
        print(f"\n{'query':<10}{'kb /sparql p50/p99 ms':>22}{'oxigraph p50/p99 ms':>22}{'ratio p50':>10}"
              f"{'kb cpu ms':>11}{'ox cpu ms':>11}{'cpu ratio':>10}{'rdflib parse ms':>17}")
        for name, res in results.items():
            q = queries[name]
            parse = []
            for i in range(min(a.repeat, 20)):
                t = time.perf_counter()
                check_query(q + f"\n# rdflib {i} {time.time_ns()}")
                parse.append(time.perf_counter() - t)
            (k, kc), (o, oc) = res["kb"], res["oxigraph"]
            print(f"{name:<10}{pct(k, 50):>10.1f} / {pct(k, 99):<8.1f}{pct(o, 50):>10.1f} / {pct(o, 99):<8.1f}"
                  f"{pct(k, 50) / pct(o, 50):>9.2f}x{kc * 1000:>11.2f}{oc * 1000:>11.2f}{kc / oc:>9.2f}x"
                  f"{pct(parse, 50):>17.1f}")
        if a.floors:
            print("\nthe same worker hop behind less web stack (p50 ms, and its ratio to oxigraph's p50):")
            print(f"{'query':<10}{'kb /sparql':>16}{'flask floor':>16}{'wsgi floor':>16}{'oxigraph':>10}")
            for name, res in results.items():
                o = pct(res["oxigraph"][0], 50)
                cells = "".join(f"{pct(res[k][0], 50):>9.2f} ({pct(res[k][0], 50) / o:.2f}x)"
                                for k in ("kb", "flask floor", "wsgi floor"))
                print(f"{name:<10}{cells}{o:>10.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
