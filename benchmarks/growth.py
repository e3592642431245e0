"""Growth: the store filled to 1, 100, 1,000 label versions, one table of what changes.

    .venv/bin/python benchmarks/growth.py [--sizes 1,100,1000] [--labels all|text] [--seconds 5]
        [--keep DIR] [--no-compacted]

The versions mix the real labels' SmPCs (labels/bundled.json and every SmPC of the
product-information PDFs under labels/ema/) with generated revisions of them (see
benchmarks/growth_fill.py): the first size is the first bundled label through ``kb ingest``;
the next one ingests every other real file with ``kb ingest --jobs 2`` (cli/batch.py) and
fills up with revisions, written many at once by Oxigraph's bulk loader and one search-index
commit per 50 (no reading or validation of copies: that is what makes 1,000 cheap).

At each size, with this process's hold on the store released:
  * ingest: seconds per real version (batch wall time / versions) and per revision;
  * the store on disk, and the same store after a full compaction (``Store.optimize`` of a
    copy; ``--no-compacted`` skips it), the search index on disk;
  * a ``kb serve`` started on the store: its memory (with query workers) after the
    measurements, ``/api/search`` p50/p99 (default scope, and ``all_versions=1``), ``/api/dose``
    requests per second (one client), and each competency query (docs/queries/cq*.rq) through
    ``/sparql`` (median of 5 after one warm-up; a new text each time is not needed: the check
    is cached per text, the evaluation is not);
  * the load average (1 minute) before and after the server measurements.

``--keep DIR`` fills (or only measures, when already that full) a kept store; the
latest-versions graph is rewritten before each measurement (a store filled before it existed).
The first size is the baseline of the same run: each figure is printed beside the ratio to it.
"""
from __future__ import annotations

import argparse
import os
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

from bench_batch_memory import compacted_mb, dir_mb  # noqa: E402
from growth_fill import Templates, add_revisions, ingest_files, mark_latest  # noqa: E402
from load import serve_store, tree_rss_mb  # noqa: E402

QUERIES = sorted((ROOT / "docs" / "queries").glob("cq*.rq"))
SEARCHES = ["seizure", "liver", "pregnancy", "infusion", "hypersensitivity", "renal", "neutropenia", "dose"]


def real_files(which: str) -> list[Path]:
    from kb.service import bundled_labels

    files = list(bundled_labels())
    if which == "all":
        files += sorted((ROOT / "labels" / "ema").glob("*/*.pdf"))
    return files


def stored_versions(store_dir: Path) -> list:
    from kb.service import KnowledgeBase

    if not store_dir.exists():
        return []
    kb = KnowledgeBase(store_dir)
    try:
        return kb.labels()
    finally:
        kb.close()


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def server_figures(base: str, seconds: float) -> dict:
    s = requests.Session()
    out: dict = {}
    for scope, extra in (("search", {}), ("search all", {"all_versions": "1"})):
        times: list[float] = []
        t0 = time.perf_counter()
        for i in range(200):
            t = time.perf_counter()
            r = s.get(base + "/api/search", params={"q": SEARCHES[i % len(SEARCHES)], **extra}, timeout=60)
            times.append(time.perf_counter() - t)
            r.raise_for_status()
            if i >= 40 and time.perf_counter() - t0 > seconds:
                break
        out[f"{scope} p50 ms"], out[f"{scope} p99 ms"] = pct(times, 50) * 1000, pct(times, 99) * 1000
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
        for _ in range(6):
            t = time.perf_counter()
            r = s.get(base + "/sparql", params={"query": text}, headers={"Accept": "application/sparql-results+json"},
                      timeout=120)
            ts.append(time.perf_counter() - t)
        out[f"{q.stem[:3]} ms"] = statistics.median(ts[1:]) * 1000 if r.ok else float("nan")  # first: warm-up
    return out


def fill(store_dir: Path, size: int, files: list[Path], state: dict) -> dict:
    """Bring the store to ``size`` versions: the real files first (batch path), then revisions."""
    from kb.service import KnowledgeBase

    row: dict = {}
    have = len(stored_versions(store_dir))
    if have >= size:
        return row
    todo = files[:1] if have == 0 and size == 1 else [f for f in files if f not in state["ingested"]]
    if todo and have < size:
        wall = ingest_files(store_dir, todo, jobs=2)
        state["ingested"].update(todo)
        added = len(stored_versions(store_dir)) - have
        row["real versions"] = added
        row["real ingest s/version"] = wall / max(added, 1)
        have += added
    if have < size:
        kb = KnowledgeBase(store_dir)
        try:
            templates = Templates(kb)
        finally:
            kb.close()
        n = size - have
        wall = add_revisions(store_dir, templates, state["next"], n)
        state["next"] += n
        row["revisions"] = n
        row["revision s/version"] = wall / n
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1,100,1000")
    ap.add_argument("--labels", choices=["all", "text"], default="all",
                    help="all: the bundled labels and the EMA PDFs; text: the bundled labels only")
    ap.add_argument("--seconds", type=float, default=5.0, help="time per server measurement")
    ap.add_argument("--keep", help="fill this store directory (kept; a store already that full is only measured)")
    ap.add_argument("--no-compacted", action="store_true", help="skip the compacted-size copy (slow on a big store)")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]

    files = real_files(a.labels)
    tmp = Path(tempfile.mkdtemp(prefix="growth-"))
    store_dir = Path(a.keep) if a.keep else tmp / "store"
    rows: list[dict] = []
    state: dict = {"ingested": set(), "next": 0}
    have = stored_versions(store_dir)
    if have:  # a kept store: continue the revision numbering, do not ingest its real files again
        state["ingested"].update(files)
        state["next"] = sum(1 for r in have if "-g" in r.version)
    try:
        for size in sizes:
            row = {"versions": size, **fill(store_dir, size, files, state)}
            row["labels"] = mark_latest(store_dir)  # a kept store filled before the graph existed
            row["versions"] = len(stored_versions(store_dir))
            row["store MB"] = dir_mb(store_dir) - dir_mb(store_dir / "search-index")
            if not a.no_compacted:
                row["compacted MB"] = compacted_mb(store_dir, tmp, ignore=("search-index",))
            row["index MB"] = dir_mb(store_dir / "search-index")
            row["load avg"] = os.getloadavg()[0]
            proc, base = serve_store(store_dir, tmp, start_timeout_s=600)
            try:
                row.update(server_figures(base, a.seconds))
                row["server MB"] = tree_rss_mb(proc.pid)
            finally:
                proc.terminate()
                proc.wait(30)
            row["load avg after"] = os.getloadavg()[0]
            rows.append(row)
            print_table(rows, flush=True)
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if len(rows) > 1:  # disk grows with the data: per version from the last two sizes
        a_, b_ = rows[-2], rows[-1]
        span = b_["versions"] - a_["versions"]
        for k in ("store MB", "compacted MB", "index MB"):
            if k not in a_ or k not in b_:
                continue
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
