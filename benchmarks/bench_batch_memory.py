"""Memory and disk of a batch: N label versions written by one process, beside the previous path.

    .venv/bin/python benchmarks/bench_batch_memory.py [--versions 1000] [LABEL_FILE]

The parent of ``kb ingest`` with many files receives each version as N-Triples text from a
worker and writes it with ``KnowledgeBase.write_version(ntriples=...)``. This benchmark does the
same for N generated revisions of a real label (its N-Triples with the version in every IRI
changed, so every version is distinct data), in a fresh process per write path:

  * bulk: this tree's path (Oxigraph's bulk loader: new SST files, no write-ahead log);
  * transaction (baseline): the path before issue 17, N-Triples parsed by Oxigraph and written
    with one ``Store.extend`` transaction.

Printed per path: seconds per version, versions per minute, the process's resident memory at
the start, after every tenth of the run and at the end, the store on disk and after a full
compaction (``Store.optimize`` of a copy). Targets (issue 17): memory under 1 GB after 1,000
versions, disk within 1.5x of compacted. The search index is not part of this run (the search
helper owns it); benchmarks/growth.py runs the whole ingest.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20 if path.exists() else 0.0


def compacted_mb(store_dir: Path, scratch: Path | None = None, ignore: tuple[str, ...] = ()) -> float:
    """The store copied (without the ``ignore`` entries) and fully compacted, in ``scratch`` (default:
    beside the store); the copy, so the measured store is left as it is."""
    import pyoxigraph as ox

    copy = (scratch or store_dir.parent) / "compacted"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(store_dir, copy, ignore=shutil.ignore_patterns(*ignore) if ignore else None)
    s = ox.Store(str(copy))
    s.optimize()
    s.flush()
    del s
    size = dir_mb(copy)
    shutil.rmtree(copy, ignore_errors=True)
    return size


def child(mode: str, versions: int, label: str) -> dict:
    import pyoxigraph as ox

    from ingest.pipeline import read_label
    from kb.rdf.base import label_iri
    from kb.rdf.build import build_graph
    from kb.service import KnowledgeBase, LabelRef, stamp_ingested
    from kb.store.local import LocalStore, Store

    record = read_label(label)
    graph = build_graph(record)
    stamp_ingested(graph)
    nt = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    marker = f"/{record.label_id}/{record.version}"
    assert marker in nt
    if mode == "transaction":
        def old_write(self, iri, ntriples):  # kb/store/local.py before issue 17
            node = ox.NamedNode(iri)
            if self.has_graph(iri):
                return Store.replace_graph_nt(self, iri, ntriples)
            with self._use(write=True) as s, self._rw.write():
                try:
                    s.extend(ox.Quad(t.subject, t.predicate, t.object, node)
                             for t in ox.parse(ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
                finally:
                    self._bump()
                self._dirty = True

        LocalStore.replace_graph_nt = old_write
    tmp = Path(tempfile.mkdtemp(prefix="batchmem-"))
    try:
        kb = KnowledgeBase(tmp / "store")
        kb.labels()  # open the store
        memory = [("start", rss_mb())]
        times = []
        t_all = time.perf_counter()
        for i in range(versions):
            version = f"{record.version}-b{i:05d}"
            text = nt.replace(marker, f"/{record.label_id}/{version}")
            ref = LabelRef(record.label_id, version, str(label_iri(record.label_id, version)))
            t = time.perf_counter()
            kb.write_version(ref, ntriples=text)
            times.append(time.perf_counter() - t)
            if (i + 1) % max(1, versions // 10) == 0:
                memory.append((str(i + 1), rss_mb()))
        total = time.perf_counter() - t_all
        stored = len(kb.labels())
        kb.close()
        memory.append(("closed", rss_mb()))
        disk = dir_mb(tmp / "store")
        return {"mode": mode, "versions": versions, "stored": stored, "s/version": statistics.median(times),
                "versions/min": 60 * versions / total, "memory": memory, "disk MB": disk,
                "compacted MB": compacted_mb(tmp / "store")}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("label", nargs="?", default=str(ROOT / "labels" / "blincyto" / "smpc-il.txt"))
    ap.add_argument("--versions", type=int, default=1000)
    ap.add_argument("--modes", default="bulk,transaction")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child, a.versions, a.label)))
        return
    results = []
    for mode in a.modes.split(","):
        r = subprocess.run([sys.executable, __file__, a.label, "--versions", str(a.versions), "--child", mode],
                           capture_output=True, text=True, cwd=ROOT)
        if r.returncode != 0:
            raise SystemExit(r.stderr[-2000:])
        results.append(json.loads(r.stdout.strip().splitlines()[-1]))
    print(f"{a.versions} versions of {Path(a.label).name} (generated revisions) written by one process; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for r in results:
        mem = ", ".join(f"{k}: {v:.0f}" for k, v in r["memory"])
        print(f"{r['mode']:12} {r['s/version']:.3f} s/version, {r['versions/min']:.0f} versions/min, "
              f"{r['stored']} stored; disk {r['disk MB']:.0f} MB, compacted {r['compacted MB']:.0f} MB "
              f"({r['disk MB'] / r['compacted MB']:.2f}x); resident MB {mem}")
    if len(results) == 2:
        a_, b_ = results
        print(f"ratio {b_['mode']}/{a_['mode']}: time per version {b_['s/version'] / a_['s/version']:.1f}x, "
              f"final memory {b_['memory'][-2][1] / a_['memory'][-2][1]:.1f}x, disk {b_['disk MB'] / a_['disk MB']:.1f}x")


if __name__ == "__main__":
    main()
