"""Ingest + validate of a label: parse, graph, SHACL, store, printed beside a baseline.

Baseline, in the same run: pySHACL evaluating the SHACL-SPARQL constraints itself
(rdflib's engine, one query parse per focus node) instead of smpc-kb's
Oxigraph-evaluated constraints (kb/shacl_sparql.py).

    .venv/bin/python benchmarks/bench_ingest.py [LABEL_FILE] [--repeat N]

Targets (issue #2): parse + graph < 1 s, with SHACL < 2 s.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyshacl import validate as pyshacl_validate  # noqa: E402

from ingest.pipeline import read_label  # noqa: E402
from kb.rdf_build import build_graph  # noqa: E402
from kb.service import KnowledgeBase, default_label  # noqa: E402
from kb.validate import shapes_graph, validate_graph, vocabulary_graph  # noqa: E402


def timed(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("label", nargs="?", default=str(default_label()))
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    shapes_graph(), vocabulary_graph()  # load once, as a long-running process would
    t_parse, record = timed(lambda: read_label(a.label), a.repeat)
    t_graph, graph = timed(lambda: build_graph(record), a.repeat)
    t_shacl, report = timed(lambda: validate_graph(graph), a.repeat)
    t_base, base = timed(lambda: pyshacl_validate(graph, shacl_graph=shapes_graph(), ont_graph=vocabulary_graph(),
                                                  inference="none", advanced=True, allow_warnings=True), 1)
    from kb.search import attach
    from kb.store import Store

    with tempfile.TemporaryDirectory() as d:
        kb = KnowledgeBase(Path(d) / "store")
        attach(kb, sync=False)
        t_ingest, result = timed(lambda: kb.ingest(a.label), a.repeat)
        phases = [result.timings]
        for i in range(a.repeat):  # new versions: the store write of a version not stored yet
            phases.append(kb.ingest(a.label, version=f"bench-{i}").timings)
        new_store = statistics.median(p["store"] for p in phases[1:])
        new_index = statistics.median(p["index"] for p in phases[1:])
        base_store, _ = timed(lambda: Store.replace_graph(kb.store, result.ref.iri + "-update", result.graph), a.repeat)
        kb.close()
    print(f"label: {a.label} ({len(graph)} triples, conforms={report.conforms}, baseline conforms={base[0]})")
    print(f"{'step':32} {'smpc-kb':>10} {'baseline':>10}  target")
    print(f"{'read + extract':32} {t_parse:9.3f}s {'':>10}")
    print(f"{'records -> graph':32} {t_graph:9.3f}s {'':>10}")
    print(f"{'parse + graph':32} {t_parse + t_graph:9.3f}s {'':>10}  < 1 s")
    print(f"{'SHACL validation':32} {t_shacl:9.3f}s {t_base:9.3f}s  (baseline: pySHACL runs SHACL-SPARQL in rdflib)")
    print(f"{'parse + graph + SHACL':32} {t_parse + t_graph + t_shacl:9.3f}s {t_parse + t_graph + t_base:9.3f}s  < 2 s")
    print(f"{'store write, new version':32} {new_store:9.3f}s {base_store:9.3f}s  (baseline: one INSERT DATA update, the "
          "previous path)")
    print(f"{'search index update':32} {new_index:9.3f}s {'':>10}  (not slower than the store write)")
    print(f"{'kb.ingest end to end':32} {t_ingest:9.3f}s {'':>10}  < 1 s; stored={result.stored}")


if __name__ == "__main__":
    main()
