"""A NEW query text through `kb serve`'s /sparql beside `oxigraph serve-read-only` on the same store.

    .venv/bin/python benchmarks/bench_sparql_parse.py [--store DIR] [--repeat 40]

Every request carries a text never sent before (a numbered comment is appended), so no cache
of the check or of the parse helps. Same run, same store, one client, sequentially:

  * ``kb serve --no-ingest`` (query workers, time limit: the production path) /sparql;
  * ``oxigraph serve-read-only --union-default-graph`` (the same default graph) /query, the
    engine with its own HTTP server and no safety check: the floor;
  * rdflib's parse of the same new texts in this process (``kb.sparql.safety.check_query``): what each
    new text cost on top before the parse-once change.

Target (issue 17): /sparql within 2x of the Oxigraph server for a new text. Without --store a
temporary store with the bundled label is made with ``kb ingest``.
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


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000


def timed(url: str, param: str, text: str, repeat: int, tag: str) -> list[float]:
    s = requests.Session()
    s.get(url, params={param: text + f"\n# warm {tag}"}, headers=JSON, timeout=300)
    out = []
    for i in range(repeat):
        t = time.perf_counter()
        r = s.get(url, params={param: text + f"\n# new text {tag} {i} {time.time_ns()}"}, headers=JSON, timeout=300)
        out.append(time.perf_counter() - t)
        if r.status_code != 200:
            print(f"{tag} {url}: {r.status_code} {r.text[:200]}")
            return [float("nan")]
    return out


def oxigraph_server(store: Path):
    from conftest_store import OXIGRAPH, free_port, start_server

    port = free_port()
    proc = start_server([OXIGRAPH, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}",
                         "--union-default-graph"], port, "oxigraph serve-read-only", wait_s=300)
    return proc, f"http://127.0.0.1:{port}/query"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", help="a filled store directory (left unchanged); default: the bundled label")
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--memory-mb", help="KB_QUERY_MEMORY_MB for kb serve (its query workers' memory limit)")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-parse-"))
    try:
        store = Path(a.store) if a.store else tmp / "store"
        if not a.store:
            subprocess.run([sys.executable, "-m", "cli", "--store", str(store), "ingest"], cwd=ROOT, check=True,
                           capture_output=True)
        print(f"store {store}; load average before: {os.getloadavg()}")
        kb_times, ox_times = {}, {}
        env = {"KB_QUERY_MEMORY_MB": a.memory_mb} if a.memory_mb else None
        proc, base = serve_store(store, tmp, env_extra=env, start_timeout_s=600)
        try:
            for name, q in QUERIES.items():
                kb_times[name] = timed(base + "/sparql", "query", q, a.repeat, "kb")
        finally:
            proc.terminate()
            proc.wait(30)
        proc, url = oxigraph_server(store)
        try:
            for name, q in QUERIES.items():
                ox_times[name] = timed(url, "query", q, a.repeat, "ox")
        finally:
            proc.terminate()
            proc.wait(30)
        from kb.sparql.safety import check_query

        print(f"load average after: {os.getloadavg()}")
        print(f"\n{'query':<10}{'kb /sparql p50/p99 ms':>24}{'oxigraph p50/p99 ms':>24}{'ratio p50':>11}"
              f"{'rdflib parse p50 ms':>21}")
        for name, q in QUERIES.items():
            parse = []
            for i in range(min(a.repeat, 20)):
                t = time.perf_counter()
                check_query(q + f"\n# rdflib {i} {time.time_ns()}")
                parse.append(time.perf_counter() - t)
            k, o = kb_times[name], ox_times[name]
            print(f"{name:<10}{pct(k, 50):>12.1f} / {pct(k, 99):<9.1f}{pct(o, 50):>12.1f} / {pct(o, 99):<9.1f}"
                  f"{pct(k, 50) / pct(o, 50):>9.2f}x{pct(parse, 50):>19.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
