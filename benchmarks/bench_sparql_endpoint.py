"""SPARQL endpoint overhead: the same queries on the store directly and through /sparql (HTTP),
in the same run, with 1 and with N label versions (default 1,000).

    .venv/bin/python benchmarks/bench_sparql_endpoint.py [--versions 1000] [--repeat 100]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

P = "PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>\nPREFIX dcterms: <http://purl.org/dc/terms/>\n"
QUERIES = {
    "ask": "ASK { }",
    "labels": P + "SELECT ?g ?v WHERE { GRAPH ?g { ?g a smpc:LabelVersion ; smpc:version ?v } } LIMIT 50",
    "warnings(one graph)": P + "SELECT ?t WHERE { GRAPH <%(g)s> { ?w a smpc:Warning ; dcterms:title ?t } }",
    "count passages": P + "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?p a smpc:Passage } }",
}


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000


def run(versions: int, repeat: int, timeout_s: float | None) -> list[tuple]:
    import requests
    from bench_search import build
    from web_fixtures import start_server

    from web import create_app

    tmp = Path(tempfile.mkdtemp(prefix="bench-sparql-"))
    try:
        kb = build(tmp, versions)
        g = kb.labels()[0].iri
        app = create_app({"KB": kb, "LOG_REQUESTS": False, "QUERY_TIMEOUT_S": timeout_s or 60.0, "MAX_ROWS": 100000})
        base = start_server(app)
        rows = []
        for name, q in QUERIES.items():
            q = q % {"g": g}
            kb.sparql(q, timeout_s=timeout_s)
            requests.get(base + "/sparql", params={"query": q}, timeout=120)
            direct, http = [], []
            for _ in range(repeat):
                t0 = time.perf_counter()
                kb.sparql(q, timeout_s=timeout_s).to_sparql_json()
                direct.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                r = requests.get(base + "/sparql", params={"query": q},
                                 headers={"Accept": "application/sparql-results+json"}, timeout=120)
                http.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text
            rows.append((versions, name, pct(direct, 50), pct(direct, 99), pct(http, 50), pct(http, 99)))
        kb.close()
        return rows
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--versions", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=100)
    ap.add_argument("--timeout", type=float, default=10.0,
                    help="time limit passed to both paths (the endpoint always has one; 0 = none for the direct path)")
    args = ap.parse_args()
    t = args.timeout or None
    rows = run(1, args.repeat, t) + (run(args.versions, args.repeat, t) if args.versions > 1 else [])
    print(f"\n{'versions':>8}  {'query':<22}{'store p50/p99 ms':>20}{'/sparql p50/p99 ms':>22}{'overhead p50 ms':>17}")
    for v, name, d50, d99, h50, h99 in rows:
        print(f"{v:>8}  {name:<22}{d50:>9.1f} / {d99:<8.1f}{h50:>10.1f} / {h99:<9.1f}{h50 - d50:>12.1f}")


if __name__ == "__main__":
    main()
