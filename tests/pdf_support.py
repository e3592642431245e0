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


def pdf_records(product: str) -> dict:
    """The file's SmPC records by label id, from the same read."""
    return {r.label_id: r for r in pdf_labels(product).records}


def dose_rules(product: str, label_id: str | None = None):
    """The prose dose rules of one SmPC of the file (the first when ``label_id`` is not given)."""
    recs = pdf_records(product)
    return (recs[label_id] if label_id else next(iter(recs.values()))).dosing.dose_rules


def rules_quoting(rules, words: str):
    """The rules whose text holds ``words`` (white space folded)."""
    return [r for r in rules if words in " ".join(r.text.split())]


def rule_dose(label_id: str, rules, params: dict) -> dict:
    """The dose answer of ``rules`` alone for one patient (``kb.dosing.answer.compute_dose``)."""
    from ingest.dosing_records import DosingRecord
    from kb.dosing.answer import compute_dose
    from kb.dosing.patient import Rules

    return compute_dose(Rules.compile(label_id, DosingRecord(dose_rules=list(rules))), params)


def table_with(doc, number: str, caption_start: str):
    sec = doc.section(number)
    return next(t for t in sec.tables() if (t.caption or "").startswith(caption_start))


def row_texts(table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]
