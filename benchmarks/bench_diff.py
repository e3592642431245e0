"""Benchmark: diff of two versions of the bundled label, end to end, with the ingest time beside it.

Run: ``.venv/bin/python benchmarks/bench_diff.py`` (target: diff under 1 s).
Ingest = read + build + SHACL + store of each version (``KnowledgeBase.ingest``);
diff = resolve both names, load both graphs from the store, compare, and format as JSON.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from kb.diff.compare import diff_labels
    from kb.diff.report import to_json
    from kb.service import KnowledgeBase

    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(Path(tmp) / "store")
        try:
            ingest = []
            for path, version in ((ROOT / "labels/blincyto/smpc-il.txt", "v1"),
                                  (ROOT / "tests/fixtures/blincyto-v2.txt", "v2")):
                t0 = time.perf_counter()
                result = kb.ingest(path, "blincyto", version)
                ingest.append(time.perf_counter() - t0)
                assert result.stored, "ingest failed"
            runs = []
            for _ in range(3):
                t0 = time.perf_counter()
                d = diff_labels(kb, "blincyto@v1", "blincyto@v2")
                to_json(d)
                runs.append(time.perf_counter() - t0)
            best = min(runs)
            print(f"ingest v1 {ingest[0]:.2f} s, v2 {ingest[1]:.2f} s | diff end to end {best:.3f} s "
                  f"(load {d.timings['load']:.3f}, facts {d.timings['facts']:.3f}, text {d.timings['text']:.3f}); "
                  f"{len(d.changes)} changes; target < 1 s: {'ok' if best < 1 else 'MISSED'}")
            return 0 if best < 1 else 1
        finally:
            kb.close()


if __name__ == "__main__":
    sys.exit(main())
