"""Growth: the store filled to 1, 100, 1,000 label versions, one table of what changes.

    .venv/bin/python benchmarks/growth.py [--sizes 1,100,1000] [--labels all|text] [--seconds 5]

The versions mix the real labels' SmPCs (labels/bundled.json and every SmPC of the
product-information PDFs under labels/ema/), each read once; version k of a label is a
generated revision (the same record under a new version id) that goes through the whole
ingest path after reading: graph, SHACL, store write, search index, in one process, as
``kb ingest`` of many files does (cli/batch.py writes through the same
``KnowledgeBase.write_version``).

At each size, with this process's hold on the store released:
  * ingest: median seconds per version over the versions added since the last size, and
    versions per minute; this process's resident memory (the batch's memory);
  * the store on disk, and the same store after a full compaction (``Store.optimize``),
    the search index on disk;
  * a ``kb serve`` started on the store: its memory (with query workers) after the
    measurements, ``/api/search`` p50/p99 (default scope), ``/api/dose`` requests per second
    (one client), and each competency query (docs/queries/cq*.rq) through ``/sparql``.

The first size is the baseline of the same run: each figure is printed beside the ratio to it.
"""
from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import requests  # noqa: E402
from bench_batch_memory import compacted_mb, dir_mb, rss_mb  # noqa: E402
from load import serve_store, tree_rss_mb  # noqa: E402

QUERIES = sorted((ROOT / "docs" / "queries").glob("cq*.rq"))
SEARCHES = ["seizure", "liver", "pregnancy", "infusion", "hypersensitivity", "renal", "neutropenia", "dose"]


def real_records(which: str) -> list:
    from ingest.pipeline import read_labels_with_skipped
    from kb.service import bundled_labels

    files = bundled_labels()
    if which == "all":
        files += sorted((ROOT / "labels" / "ema").glob("*/*.pdf"))
    out = []
    for f in files:
        t = time.perf_counter()
        records = read_labels_with_skipped(f).records
        print(f"read {f.relative_to(ROOT)}: {len(records)} SmPC(s) in {time.perf_counter() - t:.1f} s", flush=True)
        out += records
    return out


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def server_figures(base: str, seconds: float) -> dict:
    s = requests.Session()
    out: dict = {}
    times = []
    for i in range(max(40, int(seconds * 10))):
        t = time.perf_counter()
        r = s.get(base + "/api/search", params={"q": SEARCHES[i % len(SEARCHES)]}, timeout=60)
        times.append(time.perf_counter() - t)
        r.raise_for_status()
        if time.perf_counter() - t > seconds:
            break
    out["search p50 ms"], out["search p99 ms"] = pct(times, 50) * 1000, pct(times, 99) * 1000
    labels = s.get(base + "/api/labels", timeout=60).json()["labels"]
    dose = None
    for label in labels:  # a label with a dosing regimen (the bundled one has)
        dosing = s.get(f"{base}/api/labels/{label['name']}/indications", timeout=60).json().get("dosing") or []
        if dosing:
            dose = {"label": label["name"], "indication": dosing[0]["id"], "weight_kg": "70", "age_years": "40",
                    "cycle": "1", "day": "1"}
            break
    if dose:
        s.get(base + "/api/dose", params=dose, timeout=60)
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            s.get(base + "/api/dose", params=dose, timeout=60)
            n += 1
        out["dose req/s"] = n / (time.perf_counter() - t0)
    for q in QUERIES:
        text = q.read_text(encoding="utf-8")
        ts = []
        for _ in range(3):
            t = time.perf_counter()
            r = s.get(base + "/sparql", params={"query": text}, headers={"Accept": "application/sparql-results+json"},
                      timeout=120)
            ts.append(time.perf_counter() - t)
        out[f"{q.stem[:3]} ms"] = statistics.median(ts) * 1000 if r.ok else float("nan")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1,100,1000")
    ap.add_argument("--labels", choices=["all", "text"], default="all",
                    help="all: the bundled labels and the EMA PDFs; text: the bundled labels only")
    ap.add_argument("--seconds", type=float, default=5.0, help="time per server measurement")
    ap.add_argument("--keep", help="fill this store directory (kept) instead of a temporary one")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    from kb.search.whoosh_index import attach
    from kb.service import KnowledgeBase, check_record

    records = real_records(a.labels)
    tmp = Path(tempfile.mkdtemp(prefix="growth-"))
    store_dir = Path(a.keep) if a.keep else tmp / "store"
    rows: list[dict] = []
    done = 0
    try:
        for size in sizes:
            kb = KnowledgeBase(store_dir)
            attach(kb, sync=False)
            per_version, phases = [], []
            t_fill = time.perf_counter()
            while done < size:
                rec = records[done % len(records)]
                rev = dataclasses.replace(rec, version=f"{rec.version}-g{done:05d}")
                t = time.perf_counter()
                result = kb._store_result(check_record(rev, t))
                if not result.stored:
                    raise SystemExit(f"{rev.label_id}@{rev.version} did not conform: {result.report.text()[:500]}")
                per_version.append(time.perf_counter() - t)
                phases.append(result.timings)
                done += 1
                if done % 25 == 0:
                    print(f"  {done} versions, {statistics.median(per_version[-25:]):.2f} s/version, "
                          f"rss {rss_mb():.0f} MB", flush=True)
            fill_s = time.perf_counter() - t_fill
            kb.close()
            row = {"versions": size, "ingest s/version": statistics.median(per_version),
                   "versions/min": 60 * len(per_version) / fill_s}
            for k in ("graph", "shacl", "store", "index"):
                row[f"{k} s"] = statistics.median(p.get(k, 0.0) for p in phases)
            row["batch rss MB"] = rss_mb()
            row["store MB"] = dir_mb(store_dir) - dir_mb(store_dir / "search-index")
            row["compacted MB"] = compacted_mb(store_dir, tmp, ignore=("search-index",))
            row["index MB"] = dir_mb(store_dir / "search-index")
            proc, base = serve_store(store_dir, tmp, start_timeout_s=300)
            try:
                row.update(server_figures(base, a.seconds))
                row["server MB"] = tree_rss_mb(proc.pid)
            finally:
                proc.terminate()
                proc.wait(30)
            rows.append(row)
            print_table(rows, flush=True)
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if len(rows) > 1:  # disk grows with the data: per version from the last two sizes
        a_, b_ = rows[-2], rows[-1]
        span = b_["versions"] - a_["versions"]
        for k in ("store MB", "index MB"):
            per = (b_[k] - a_[k]) / span
            print(f"{k[:-3]}: {per:.2f} MB per version between {a_['versions']} and {b_['versions']}; "
                  f"at 10,000 versions about {b_[k] + per * (10_000 - b_['versions']):,.0f} MB")
        print("times and memory are not extrapolated linearly: see the ratios in the table")


def print_table(rows: list[dict], flush: bool = False) -> None:
    keys = list(rows[-1])
    base = rows[0]
    print("\n" + " | ".join(f"{k:>14}" for k in keys))
    for r in rows:
        cells = []
        for k in keys:
            v = r.get(k)
            text = f"{v:.3g}" if isinstance(v, float) else str(v)
            if r is not base and isinstance(v, float) and base.get(k):
                text += f" ({v / base[k]:.1f}x)"
            cells.append(f"{text:>14}")
        print(" | ".join(cells), flush=flush)


if __name__ == "__main__":
    main()
