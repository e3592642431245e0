"""Shared by the PDF tests: each bundled EMA PDF is read once per test session (cached here,
so every test module that imports it gets the same read)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMA = ROOT / "labels" / "ema"
PRODUCTS = ["karvea", "dovato", "skilarence", "humira", "humalog", "suliqua"]
FIXTURES = ROOT / "tests" / "fixtures" / "pdf"


def pdf_path(product: str) -> Path:
    return EMA / product / f"{product}-epar-product-information_en.pdf"


@lru_cache(maxsize=None)
def pdf_read(product: str):
    """The document model of every SmPC in the file (:class:`ingest.readers.pdf.reader.PdfRead`)."""
    from ingest.readers.pdf.reader import read_pdf

    path = pdf_path(product)
    return read_pdf(path.read_bytes(), str(path))


@lru_cache(maxsize=None)
def pdf_labels(product: str):
    """The label records of the file's SmPCs, from the same read."""
    from ingest.pipeline import labels_from_pdf

    return labels_from_pdf(pdf_read(product))


def table_with(doc, number: str, caption_start: str):
    sec = doc.section(number)
    return next(t for t in sec.tables() if (t.caption or "").startswith(caption_start))


def row_texts(table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]
