"""Ingest of one label, phase by phase, each beside a baseline measured in the same run.

    .venv/bin/python benchmarks/bench_ingest.py [LABEL_FILE] [--repeat N] [--baseline-root DIR]

Phases of ``KnowledgeBase.ingest`` of a new version (the store write and the search index are
the path of a version not stored yet): read + extract, records -> graph, rdflib -> pyoxigraph
triples, SHACL (every shape as SPARQL in Oxigraph), store write (bulk load), search index.

Baselines, same run, same graph:
  * SHACL: pySHACL on the core shapes (main's path before issue 17, without its small
    SHACL-SPARQL part), and pySHACL on all shapes (the reference of the tests);
  * store write: one ``INSERT DATA`` update, and the transaction path (rdflib N-Triples,
    parsed by Oxigraph, one ``Store.extend``) that wrote new versions before;
  * ``kb ingest`` end to end (a new process, an empty store): this tree, and with
    ``--baseline-root`` another checkout (e.g. /work/main) run the same way.

Targets (issue 17): ingest under 1 s in-process, ``kb ingest`` under 1.5 s, the index not
slower than the store write.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from ingest.pipeline import read_label  # noqa: E402
from kb.rdf.build import build_graph  # noqa: E402
from kb.rdf.oxigraph_terms import ox_triples  # noqa: E402
from kb.service import KnowledgeBase, default_label  # noqa: E402
from kb.validate.shacl import _split_shapes, shapes_graph, validate_triples, vocabulary_graph  # noqa: E402


def timed(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def cli_ingest(python: str, root: Path, label: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as d:
            env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(root))
            t = time.perf_counter()
            r = subprocess.run([python, "-m", "cli", "--store", str(Path(d) / "store"), "ingest", label],
                               cwd=root, env=env, capture_output=True, text=True)
            times.append(time.perf_counter() - t)
            if r.returncode != 0:
                raise SystemExit(f"kb ingest failed in {root}: {r.stderr.strip()[-300:]}")
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("label", nargs="?", default=str(default_label()))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--baseline-root", help="another checkout whose `kb ingest` is timed the same way")
    ap.add_argument("--no-reference", action="store_true", help="skip pySHACL on all shapes (slow)")
    a = ap.parse_args()
    from pyshacl import validate as pyshacl_validate

    shapes_graph(), vocabulary_graph(), validate_triples(build_graph(read_label(a.label)), [])  # warm, as a server
    t_parse, record = timed(lambda: read_label(a.label), a.repeat)
    t_graph, graph = timed(lambda: build_graph(record), a.repeat)
    t_conv, triples = timed(lambda: ox_triples(graph), a.repeat)
    t_shacl, report = timed(lambda: validate_triples(graph, triples), a.repeat)
    core_shapes = _split_shapes()[0]
    t_pycore, base = timed(lambda: pyshacl_validate(graph, shacl_graph=core_shapes, ont_graph=vocabulary_graph(),
                                                    inference="none", advanced=True, allow_warnings=True), 1)
    t_ref = None
    if not a.no_reference:
        t_ref, _ = timed(lambda: pyshacl_validate(graph, shacl_graph=shapes_graph(), ont_graph=vocabulary_graph(),
                                                  inference="none", advanced=True, allow_warnings=True), 1)
    from kb.search.whoosh_index import attach
    from kb.store.interface import Store

    with tempfile.TemporaryDirectory() as d:
        kb = KnowledgeBase(Path(d) / "store")
        attach(kb, sync=False)
        kb.ingest(a.label, version="warm")
        runs = []
        for i in range(a.repeat):  # new versions: the path of a version not stored yet
            t = time.perf_counter()
            result = kb.ingest(a.label, version=f"bench-{i}")
            runs.append((time.perf_counter() - t, result.timings))
        t_ingest = statistics.median(r[0] for r in runs)
        new_store = statistics.median(r[1]["store"] for r in runs)
        new_index = statistics.median(r[1]["index"] for r in runs)
        base_iri = result.ref.iri
        n = iter(range(1000))
        t_update, _ = timed(lambda: Store.replace_graph(kb.store, f"{base_iri}-update-{next(n)}", result.graph), a.repeat)

        def transaction():
            node = ox.NamedNode(f"{base_iri}-tx-{next(n)}")
            nt = result.graph.serialize(format="nt", encoding="utf-8")
            with kb.store._use(write=True) as s:
                s.extend(ox.Quad(t.subject, t.predicate, t.object, node) for t in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES))

        t_tx, _ = timed(transaction, a.repeat)
        kb.close()
    t_cli = cli_ingest(sys.executable, ROOT, a.label, a.repeat)
    t_cli_base = None
    if a.baseline_root:
        root = Path(a.baseline_root)
        t_cli_base = cli_ingest(str(root / ".venv/bin/python"), root, a.label, a.repeat)

    def row(step, ours, baseline=None, note=""):
        b = f"{baseline:9.3f}s" if baseline is not None else " " * 10
        ratio = f"{baseline / ours:6.1f}x" if baseline and ours else " " * 7
        print(f"{step:34} {ours:9.3f}s {b} {ratio}  {note}")

    print(f"label: {a.label} ({len(graph)} triples, conforms={report.conforms}, pySHACL core conforms={base[0]}); "
          f"median of {a.repeat}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'phase':34} {'smpc-kb':>10} {'baseline':>10} {'ratio':>7}  baseline / target")
    row("read + extract", t_parse)
    row("records -> graph", t_graph)
    row("rdflib -> pyoxigraph triples", t_conv)
    row("SHACL, all shapes as SPARQL", t_shacl, t_pycore, "pySHACL, core shapes (main's path)")
    if t_ref is not None:
        row("SHACL (same)", t_shacl, t_ref, "pySHACL, all shapes (the tests' reference)")
    row("store write, new version", new_store, t_update, "one INSERT DATA update")
    row("store write (same)", new_store, t_tx, "rdflib N-Triples + one Store.extend transaction")
    row("search index update", new_index, None, f"target: not slower than the store write ({new_store:.3f}s)")
    row("kb.ingest in-process, end to end", t_ingest, None, "target < 1 s")
    row("`kb ingest` (new process)", t_cli, t_cli_base, "target < 1.5 s" + (f"; baseline {a.baseline_root}"
                                                                          if a.baseline_root else ""))


if __name__ == "__main__":
    main()
