"""Competency queries over N stored versions of the *real* bundled label graph.

    .venv/bin/python benchmarks/bench_competency.py --versions 1000 [--rdflib-versions 5]

Each copy is the bundled label's graph (about 19k triples) under another label id and
version, bulk-loaded into an embedded Oxigraph store on disk. Every competency query in
docs/queries/cq*.rq is timed (median and p95 of repeated runs) through the store's query
path, side by side with the same query in rdflib's in-memory engine over fewer copies in
the same run (rdflib is too slow to load 1,000 copies; the figure printed says how many).
Each query as written reads each label's latest version (kb/rdf/latest_versions.py; the copies
are 4 versions of N/4 labels). ``--measure-store DIR`` times them on an existing store, beside
their all-versions form, without loading anything. Two scopes are timed: the question asked across every stored version (N answers), and
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
LATEST_LINE = re.compile(r"\s*GRAPH <https://w3id.org/smpc-kb/graph/latest> \{ \[\] smpc:latestVersion \?g \}\n")


def all_versions_form(text: str) -> str:
    """The query as asked before the latest-versions graph: every stored version (a plain group)."""
    return LATEST_LINE.sub("\n", text).replace("LATERAL {", "{", 1)


def measure_store(path: str, repeat: int) -> None:
    """Time each query on an existing store (opened read-only, left unchanged): as written
    (each label's latest version) and in its all-versions form, same run."""
    import os

    raw = ox.Store.read_only(path)
    graphs = sum(1 for _ in raw.named_graphs())

    def run(q):
        return len(list(raw.query(q, use_default_graph_as_union=True)))

    print(f"{path}: {graphs} named graphs; load average {os.getloadavg()[0]:.1f}")
    print(f"{'query':44} {'latest p50/p95 ms':>20} {'rows':>5} {'all versions p50/p95 ms':>25} {'rows':>6}")
    for q in QUERIES:
        text = q.read_text()
        old = all_versions_form(text)
        lp50, lp95 = timeit(lambda: run(text), repeat)
        ap50, ap95 = timeit(lambda: run(old), max(3, repeat // 3))
        print(f"{q.stem:44} {lp50:9.1f} / {lp95:8.1f} {run(text):5d} {ap50:12.1f} / {ap95:10.1f} {run(old):6d}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


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
    ap.add_argument("--measure-store", help="only time the queries on this existing store (read-only)")
    a = ap.parse_args()
    if a.measure_store:
        measure_store(a.measure_store, a.repeat)
        return
    graph = build_graph(read_label(default_label()))
    root = str(graph.identifier)
    nt = graph.serialize(format="nt")
    with tempfile.TemporaryDirectory() as d:
        path = Path(a.store) if a.store else Path(d) / "store"
        t = time.perf_counter()
        raw = ox.Store(str(path))
        reused = sum(1 for _ in raw.named_graphs()) == a.versions + 1  # + the latest-versions graph
        if not reused:
            raw.clear()
            latest: dict[str, str] = {}
            for iri, body in copies(nt, root, a.versions):
                raw.bulk_load(body.encode(), ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
                latest[iri.rsplit("/", 1)[0]] = iri  # copies come oldest first per label
            mark = ox.NamedNode("https://w3id.org/smpc-kb/graph/latest")
            raw.extend(ox.Quad(ox.BlankNode(), ox.NamedNode("https://w3id.org/smpc-kb/ontology#latestVersion"),
                               ox.NamedNode(g), mark) for g in latest.values())
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
