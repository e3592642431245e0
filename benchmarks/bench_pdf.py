"""PDF read time beside the PDF library's bare text extraction of the same file, in the same run.

Baseline: pypdfium2 (the library the reader uses) extracting the plain text of every page
(``PdfTextPage.get_text_range``), nothing else. Measured: ``ingest.readers.pdf.reader.read_pdf`` (annexes
found, Annex I read into the document model: runs, rules, lines, tables, sections, every SmPC), and
for information the whole ``read_labels`` (document model -> records, identity, every extractor).

    .venv/bin/python benchmarks/bench_pdf.py [PDF ...] [--repeat N]

Targets (issue 10): the reader costs at most 3x the bare extraction; a ~60-page file reads in < 2 s.
Default files: the 480-page Humira EPAR and the 49- and 80-page Dovato and Suliqua EPARs.

The two are measured in turns (bare, reader, bare, reader, ...) so that each reader run has a bare
run beside it under the same load; the ratio is the median of these pairs' CPU ratios. (Timed in
two blocks, three bare runs then three reader runs, the same reader gave 3.3x, 2.9x and 3.9x
within one minute on this shared 2-core VM: a burst of load during one block moved the ratio.)
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402

from ingest.pipeline import read_labels  # noqa: E402
from ingest.readers.pdf.reader import read_pdf  # noqa: E402

DEFAULT = [ROOT / "labels/ema" / p / f"{p}-epar-product-information_en.pdf" for p in ("humira", "dovato", "suliqua")]


def bare_text(data: bytes) -> int:
    doc = pdfium.PdfDocument(data)
    n = 0
    for i in range(len(doc)):
        page = doc[i]
        tp = page.get_textpage()
        n += len(tp.get_text_range())
        tp.close()
        page.close()
    doc.close()
    return n


def timed(fn, repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU (process) time: on a shared machine the CPU time is the steadier."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def paired(bare, reader, repeat: int) -> tuple[tuple[float, float], tuple[float, float], float]:
    """Bare and reader timed in turns: (median wall, median CPU) of each, and the median of the
    pairs' CPU ratios."""
    b_wall, b_cpu, r_wall, r_cpu = [], [], [], []
    for _ in range(repeat):
        for fn, wall, cpu in ((bare, b_wall, b_cpu), (reader, r_wall, r_cpu)):
            t, c = time.perf_counter(), time.process_time()
            fn()
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
    ratio = statistics.median(r / b for r, b in zip(r_cpu, b_cpu))
    return ((statistics.median(b_wall), statistics.median(b_cpu)),
            (statistics.median(r_wall), statistics.median(r_cpu)), ratio)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"{'file':<42} {'pages':>5} {'bare text wall/cpu':>19} {'reader wall/cpu':>16} {'ratio cpu':>9} "
          f"{'+extract':>9}  SmPCs")
    for path in args.files or DEFAULT:
        data = path.read_bytes()
        pages = len(pdfium.PdfDocument(data))
        bare, reader, ratio = paired(lambda: bare_text(data), lambda: read_pdf(data, str(path)), args.repeat)
        full, _ = timed(lambda: read_labels(path), 1)
        n = len(read_pdf(data, str(path)).documents)
        print(f"{path.name:<42} {pages:>5} {bare[0]:>8.2f}s/{bare[1]:.2f}s {reader[0]:>7.2f}s/{reader[1]:.2f}s "
              f"{ratio:>8.1f}x {full:>8.2f}s  {n}")


if __name__ == "__main__":
    main()
