"""Benchmark: the union Turtle download against the TriG download of the same store (target: within 2x).

Run: ``.venv/bin/python benchmarks/bench_downloads.py [--copies N]``. Ingests the bundled label and
the methotrexate ePI (plus N-1 more copies of the bundled label under other versions), then times
``GET /download/all.trig``, ``/download/all.ttl`` (streamed from the native N-Quads dump) and
``/download/all.jsonld`` (compacted with the published context) through the real app, and, as the
old baseline in the same run, the union Turtle made by a SPARQL CONSTRUCT serialised with rdflib.
Best of 3 runs each.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best(fn, n: int = 3) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(n):
        t0 = time.perf_counter()
        size = len(fn())
        times.append(time.perf_counter() - t0)
    return min(times), size


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=1, help="versions of the bundled label to store")
    args = ap.parse_args()
    from kb.service import KnowledgeBase
    from web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(Path(tmp) / "store")
        try:
            for i in range(args.copies):
                kb.ingest(ROOT / "labels/blincyto/smpc-il.txt", "blincyto", f"v{i + 1}")
            kb.ingest(ROOT / "labels/methotrexate-uk/smpc-epi.json")
            client = create_app({"KB": kb, "TESTING": True, "LOG_REQUESTS": False}).test_client()
            trig, n_trig = best(lambda: client.get("/download/all.trig").data)
            ttl, n_ttl = best(lambda: client.get("/download/all.ttl").data)
            jsonld, n_jsonld = best(lambda: client.get("/download/all.jsonld").data)
            old, n_old = best(lambda: kb.sparql("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }").to_rdf("turtle"))
        finally:
            kb.close()
    print(f"{args.copies + 1} label versions")
    print(f"all.trig   {trig:.3f} s  {n_trig / 1e6:.1f} MB   (baseline)")
    print(f"all.ttl    {ttl:.3f} s  {n_ttl / 1e6:.1f} MB   {ttl / trig:.2f}x TriG (target <= 2x)")
    print(f"all.jsonld {jsonld:.3f} s  {n_jsonld / 1e6:.1f} MB   {jsonld / trig:.2f}x TriG")
    print(f"old union Turtle (CONSTRUCT + rdflib) {old:.3f} s  {n_old / 1e6:.1f} MB   {old / trig:.2f}x TriG")
    return 0


if __name__ == "__main__":
    sys.exit(main())
