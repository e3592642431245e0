"""PDF read time beside the PDF library's bare text extraction of the same file, in the same run.

Baseline: pypdfium2 (the library the reader uses) extracting the plain text of every page
(``PdfTextPage.get_text_range``), nothing else. Measured: ``ingest.pdf_reader.read_pdf`` (annexes
found, Annex I read into the document model: runs, rules, lines, tables, sections, every SmPC), and
for information the whole ``read_labels`` (document model -> records, identity, every extractor).

    .venv/bin/python benchmarks/bench_pdf.py [PDF ...] [--repeat N]

Targets (issue 10): the reader costs at most 3x the bare extraction; a ~60-page file reads in < 2 s.
Default files: the 480-page Humira EPAR and the 49- and 80-page Dovato and Suliqua EPARs.
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

from ingest.pdf_reader import read_pdf  # noqa: E402
from ingest.pipeline import read_labels  # noqa: E402

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


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"{'file':<48} {'pages':>5} {'bare text':>10} {'reader':>8} {'ratio':>6} {'+extract':>9}  SmPCs")
    for path in args.files or DEFAULT:
        data = path.read_bytes()
        pages = len(pdfium.PdfDocument(data))
        bare = timed(lambda: bare_text(data), args.repeat)
        reader = timed(lambda: read_pdf(data, str(path)), args.repeat)
        full = timed(lambda: read_labels(path), 1)
        n = len(read_pdf(data, str(path)).documents)
        print(f"{path.name:<48} {pages:>5} {bare:>9.2f}s {reader:>7.2f}s {reader / bare:>5.1f}x {full:>8.2f}s  {n}")


if __name__ == "__main__":
    main()
