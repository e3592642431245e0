"""Competency queries over N stored versions of the *real* bundled label graph.

    .venv/bin/python benchmarks/bench_competency.py --versions 1000 [--rdflib-versions 5]

Each copy is the bundled label's graph (about 19k triples) under another label id and
version, bulk-loaded into an embedded Oxigraph store on disk. Every competency query in
docs/queries/cq*.rq is timed (median and p95 of repeated runs) through the store's query
path, side by side with the same query in rdflib's in-memory engine over fewer copies in
the same run (rdflib is too slow to load 1,000 copies; the figure printed says how many).
Two scopes are timed: the question asked across every stored version (N answers), and
the question asked of one label version (``?g`` replaced by that version's graph IRI),
the usual case for a clinician or the API. (Binding ``?g`` with ``VALUES`` is not pushed
into the graph pattern by Oxigraph 0.5 and costs as much as the whole-store query.) Target (issue #2): a competency query under 100 ms at 1,000
versions.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402
from rdflib import Dataset, URIRef  # noqa: E402

from ingest.pipeline import read_label  # noqa: E402
from kb.rdf.build import build_graph  # noqa: E402
from kb.service import default_label  # noqa: E402
from kb.store import open_store  # noqa: E402

QUERIES = sorted((ROOT / "docs" / "queries").glob("cq*.rq"))


def copies(nt: str, root: str, n: int):
    """N-Quads text of copy i: the root IRI rewritten to a new label id and version."""
    for i in range(n):
        new = root.rsplit("/", 2)[0] + f"/drug-{i // 4}/{i % 4 + 1}.0"
        body = nt.replace(root, new).replace('"blincyto"', f'"drug-{i // 4}"')  # bench data, not pipeline code
        yield new, body


def timeit(fn, repeat):
    fn()  # warm
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1000)
    ts.sort()
    return statistics.median(ts), ts[int(0.95 * (len(ts) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--versions", type=int, default=1000)
    ap.add_argument("--rdflib-versions", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--store", help="keep the store in this directory and reuse it when it is already filled")
    a = ap.parse_args()
    graph = build_graph(read_label(default_label()))
    root = str(graph.identifier)
    nt = graph.serialize(format="nt")
    with tempfile.TemporaryDirectory() as d:
        path = Path(a.store) if a.store else Path(d) / "store"
        t = time.perf_counter()
        raw = ox.Store(str(path))
        reused = sum(1 for _ in raw.named_graphs()) == a.versions
        if not reused:
            raw.clear()
            for iri, body in copies(nt, root, a.versions):
                raw.bulk_load(body.encode(), ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
            raw.flush()
        del raw
        load_s = time.perf_counter() - t
        store = open_store(str(path))
        ds = Dataset()
        for iri, body in copies(nt, root, a.rdflib_versions):
            ds.graph(URIRef(iri)).parse(data=body, format="nt")
        print(f"{a.versions} versions x {len(graph)} triples {'reused' if reused else f'loaded in {load_s:.1f} s'}; "
              f"rdflib baseline over {a.rdflib_versions} versions")
        one = next(iri for iri, _ in copies(nt, root, a.versions // 2 + 1))  # a version in the middle
        print(f"{'query':44} {'scope':8} {'oxigraph p50/p95 ms':>22} {'rows':>6} {'rdflib p50 ms':>14}")
        for q in QUERIES:
            text = q.read_text()
            scoped = re.sub(r"\?g\b", f"<{one}>", text)
            for scope, qt in (("all", text), ("one", scoped)):
                rows = len(store.query(qt).rows)
                p50, p95 = timeit(lambda: store.query(qt), a.repeat)
                r50, _ = timeit(lambda: list(ds.query(qt)), 3)
                print(f"{q.stem:44} {scope:8} {p50:10.1f} / {p95:9.1f} {rows:6d} {r50:14.1f}")
        store.close()


if __name__ == "__main__":
    main()
