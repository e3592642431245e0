"""Label identity: a label id and a version, read from the label unless given.

* label id: the product name from section 1, up to its strength
  ("ACME 20 mg tablets" -> "acme").
* version: the revision date the label states (section 10 or a "Revised:" /
  "Date of revision" line) as YYYY-MM or YYYY-MM-DD; otherwise a short hash
  of the content, so two different texts never share a version.
"""
from __future__ import annotations

import hashlib
import re

from .ids import slugify
from .records import LabelRecord

_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_DATE_PATTERNS = [
    (re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b"), "dmy"),
    (re.compile(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b"), "iso"),
    (re.compile(r"\b(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})\b"), "d-month-y"),
    (re.compile(r"\b([A-Za-z]+)\s+(\d{4})\b"), "month-y"),
    (re.compile(r"\b(\d{1,2})[/.](\d{4})\b"), "my"),
]


def product_name(record: LabelRecord) -> str | None:
    sec = record.section("1")
    if sec is None:
        return None
    first = next((p.text for p in sec.paragraphs if not p.artefact and p.text), "")
    m = re.match(r"^(.*?)(?=\s+\d)", first)
    name = (m.group(1) if m else first.split(",")[0]).strip(" .")
    return name or None


def _date(text: str) -> str | None:
    for rx, kind in _DATE_PATTERNS:
        for m in rx.finditer(text):
            g = m.groups()
            try:
                if kind == "dmy":
                    d, mo, y = int(g[0]), int(g[1]), int(g[2])
                    if 1 <= mo <= 12 and 1 <= d <= 31:
                        return f"{y:04d}-{mo:02d}-{d:02d}"
                elif kind == "iso":
                    return m.group(0)
                elif kind == "d-month-y" and g[1].lower() in _MONTHS:
                    return f"{int(g[2]):04d}-{_MONTHS[g[1].lower()]:02d}-{int(g[0]):02d}"
                elif kind == "month-y" and g[0].lower() in _MONTHS:
                    return f"{int(g[1]):04d}-{_MONTHS[g[0].lower()]:02d}"
                elif kind == "my" and 1 <= int(g[0]) <= 12:
                    return f"{int(g[1]):04d}-{int(g[0]):02d}"
            except ValueError:
                continue
    return None


def revision_date(record: LabelRecord) -> str | None:
    sec = record.section("10")
    if sec is not None and sec.text:
        d = _date(sec.text)
        if d:
            return d
    m = re.search(r"(?:date of revision[^\n:]*|revised)\s*:?\s*([^\n]{4,40})", record.original, re.I)
    return _date(m.group(1)) if m else None


def identify(record: LabelRecord, label_id: str | None, version: str | None) -> None:
    name = product_name(record)
    record.title = name
    record.label_id = slugify(label_id) if label_id else slugify(name or "label")
    record.version_date = revision_date(record)
    if version:
        record.version = version.strip()
    elif record.version_date:
        record.version = record.version_date
    else:
        record.version = "sha-" + hashlib.sha256(record.original.encode()).hexdigest()[:10]
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", record.version):
        from .errors import IngestError

        raise IngestError(
            f"version {record.version!r} is not usable as an identifier (letters, digits, '.', '_', '-')",
            record.source_path,
        )
