"""`kb dose` start-up, beside baselines measured in the same run.

    .venv/bin/python scripts/bench_cli_startup.py [STORE]

Prints median wall and CPU seconds (5 runs) of: the bare interpreter, `kb --help`,
`kb dose` with a cold rules cache (first run after an ingest) and warm (the usual case).
"""
from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOSE = ["dose", "--indication", "adult-relapsed-refractory", "--weight-kg", "70", "--age-years", "40",
        "--cycle", "1", "--day", "8", "--json"]


def timed(cmd: list[str], env: dict, before=None) -> tuple[float, float]:
    if before:
        before()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main() -> None:
    store = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="bench-")) / "store"
    env = {**os.environ, "KB_STORE": str(store)}
    kb = [sys.executable, "-m", "cli"]
    if not (store / "CURRENT").exists():
        subprocess.run([*kb, "ingest"], env=env, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    cases = {
        "python -c pass (baseline)": ([sys.executable, "-c", "pass"], None),
        "kb --help": ([*kb, "--help"], None),
        "kb dose, cold rules cache": ([*kb, *DOSE], lambda: shutil.rmtree(store / "cache", ignore_errors=True)),
        "kb dose, warm": ([*kb, *DOSE], None),
    }
    for name, (cmd, before) in cases.items():
        runs = [timed(cmd, env, before) for _ in range(5)]
        print(f"{name:<28} wall {statistics.median(r[0] for r in runs):.2f} s   "
              f"cpu {statistics.median(r[1] for r in runs):.2f} s")


if __name__ == "__main__":
    main()
