"""Label identity: a label id and a version, read from the label unless given.

* label id: the product name from section 1, up to its strength
  ("ACME 20 mg tablets" -> "acme").
* version: the revision date the label states (section 10 or a "Revised:" /
  "Date of revision" line) as YYYY-MM or YYYY-MM-DD; otherwise a short hash
  of the content, so two different texts never share a version.
"""
from __future__ import annotations

import re

from ingest.ids import slugify
from ingest.records import LabelRecord
from ingest.records_document import document

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
    """The date section 10 states, else one a "Revised:" / "Date of revision" line states (read from
    the document model's blocks)."""
    doc = document(record)
    text = doc.section_text("10")
    if text:
        d = _date(text)
        if d:
            return d
    body = "\n".join(b.text for _, b in doc.blocks() if b.text)
    m = re.search(r"(?:date of revision[^\n:]*|revised)\s*:?\s*([^\n]{4,40})", body, re.I)
    return _date(m.group(1)) if m else None


def identify(record: LabelRecord, label_id: str | None, version: str | None) -> None:
    name = product_name(record)
    record.title = name
    record.label_id = slugify(label_id) if label_id else slugify(name or "label")
    record.version_date = revision_date(record)
    if version:
        record.version, record.version_basis = version.strip(), "given"
    elif record.version_date:
        record.version, record.version_basis = record.version_date, "revision"
    else:
        record.version, record.version_basis = "sha-" + document(record).content_hash()[:10], "content-hash"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", record.version):
        from ingest.errors import IngestError

        raise IngestError(
            f"version {record.version!r} is not usable as an identifier (letters, digits, '.', '_', '-')",
            record.source_path,
        )


# -- identity of the SmPCs read from a PDF (several per file) ---------------

_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b", re.I)
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})\.?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"\b([A-Za-z]{3,9})\s+(\d{1,2}),\s+(\d{4})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTH_YEAR = re.compile(r"\b([A-Za-z]{3,9})\s+(\d{4})\b")
_STRENGTH = re.compile(r"(\d+(?:[.,]\d+)?)\s*((?:mg|g|µg|mcg|micrograms?|units?|iu|ml|%)(?:\s*/\s*(?:ml|g|dose|h))?)(?=\W|$)",
                       re.I)
_STOP = {"for", "in", "of", "and", "the", "a", "an", "with", "to"}
ID_LIMIT = 40


def read_dates(text: str) -> list[tuple[str, int]]:
    """Dates written as dates (day month year, d/m/y, ISO, month year) and their positions."""
    from ingest.scheme import load_json

    months = {m: i for i, m in enumerate(load_json("label-dates.json")["months"], 1)}
    months.update({m[:3]: i for m, i in list(months.items())})
    text = _ORDINAL.sub(r"\1", text)
    out: list[tuple[str, int]] = []
    taken: list[tuple[int, int]] = []

    def add(y: int, mo: int, d: int | None, m: re.Match) -> None:
        if any(a <= m.start() < b for a, b in taken) or not (1 <= mo <= 12 and 1900 <= y <= 2200):
            return
        if d is not None and not 1 <= d <= 31:
            return
        taken.append((m.start(), m.end()))
        out.append((f"{y:04d}-{mo:02d}" + (f"-{d:02d}" if d else ""), m.start()))

    for m in _DAY_MONTH_YEAR.finditer(text):
        if m.group(2).lower() in months:
            add(int(m.group(3)), months[m.group(2).lower()], int(m.group(1)), m)
    for m in _MONTH_DAY_YEAR.finditer(text):
        if m.group(1).lower() in months:
            add(int(m.group(3)), months[m.group(1).lower()], int(m.group(2)), m)
    for m in _NUMERIC.finditer(text):
        add(int(m.group(3)), int(m.group(2)), int(m.group(1)), m)
    for m in _ISO.finditer(text):
        add(int(m.group(1)), int(m.group(2)), int(m.group(3)), m)
    for m in _MONTH_YEAR.finditer(text):
        if m.group(1).lower() in months:
            add(int(m.group(2)), months[m.group(1).lower()], None, m)
    return sorted(out, key=lambda x: x[1])


def section_version(record: LabelRecord) -> tuple[str | None, str | None]:
    """(date, kind): the revision date of section 10, else the latest date of section 9 with its kind."""
    from ingest.scheme import load_json

    data = load_json("label-dates.json")
    doc = document(record)
    text = doc.section_text(data["revision_section"])
    if text is not None:
        found = read_dates(text)
        if found:
            return max(d for d, _ in found), "revision"
    text = doc.section_text(data["authorisation_section"])
    if text is None:
        return None, None
    best: tuple[str, str] | None = None
    for sentence in re.split(r"\n+|(?<=[.;])\s+", text):
        for d, _ in read_dates(sentence):
            low = sentence.lower()
            kind = next((k["kind"] for k in data["kinds"] if any(c in low for c in k["cues"])), "authorisation")
            if best is None or d > best[0]:
                best = (d, kind)
    return best if best else (None, None)


def name_line(record: LabelRecord) -> str:
    """The first presentation named in section 1 (a section may list several on consecutive lines)."""
    sec = record.section("1")
    first = next((p.text for p in sec.paragraphs if p.text), "") if sec else ""
    words = first.split()
    if words:  # "X 40 mg ... syringe X 40 mg ... pen": the name restarts the next presentation
        m = re.search(r"\s(?=" + re.escape(words[0]) + r"\s)", first[len(words[0]):])
        if m:
            first = first[: len(words[0]) + m.start()]
    return first.strip(" .")


def short_id(line: str, limit: int = ID_LIMIT) -> str:
    """name + strength + form, at most ``limit`` characters: "<name>-20mg-film-coated-tablets"."""
    m = _STRENGTH.search(line)
    if not m:
        return slugify(line, limit)
    name = slugify(line[: m.start()], limit)
    rest = line[m.start():]
    strengths = []
    pos = 0
    for s in _STRENGTH.finditer(rest):
        if rest[pos:s.start()].strip(" /+,") and strengths:
            break
        strengths.append(slugify(s.group(1) + s.group(2)))
        pos = s.end()
    form = [w for w in slugify(rest[pos:], 200).split("-") if w and w not in _STOP]
    head = "-".join([name, *strengths])
    tail: list[str] = []
    for w in reversed(form):  # the last words (the container, the form) tell presentations apart
        if len(head) + len(w) + 1 + sum(len(x) + 1 for x in tail) > limit:
            break
        tail.insert(0, w)
    return "-".join([head, *tail])[:limit].strip("-")


def identify_pdf(records: list[LabelRecord], label_id: str | None, version: str | None) -> None:
    """Ids and versions of the SmPCs of one PDF (ids distinct within the file)."""
    first = [short_id(name_line(r)) for r in records]
    ids = list(first)
    for i, rid in enumerate(first):
        same = [j for j, x in enumerate(first) if x == rid]
        if len(same) > 1:  # tell them apart by a quantity of section 2 the others do not state
            ids[i] = _distinguish(records, i, same, rid, name_line(records[i]))
    seen: dict[str, int] = {}
    for r, rid in zip(records, ids):
        seen[rid] = seen.get(rid, 0) + 1
        rid = rid if seen[rid] == 1 else f"{rid}-{seen[rid]}"
        r.title = name_line(r) or None
        r.label_id = slugify(label_id) + ("" if len(records) == 1 else f"-{rid}") if label_id else rid
        date, kind = section_version(r)
        r.version_date = date
        if version:
            r.version, r.version_basis = version.strip(), "given"
        elif date:
            r.version, r.version_basis = date, kind
        else:
            r.version = "sha-" + document(r).content_hash()[:10]
            r.version_basis = "content-hash"


def _distinguish(records: list[LabelRecord], i: int, same: list[int], rid: str, line: str) -> str:
    def quantities(r: LabelRecord) -> list[str]:
        sec = r.section("2")
        return [slugify(m.group(1) + m.group(2)) for m in _STRENGTH.finditer(sec.text if sec else "")]

    others = {q for j in same if j != i for q in quantities(records[j])}
    extra = next((q for q in quantities(records[i]) if q not in others), None)
    if extra is None:
        return rid
    return short_id(line, ID_LIMIT - len(extra) - 1) + "-" + extra
