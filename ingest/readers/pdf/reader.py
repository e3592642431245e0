"""PDF label reader: a product-information PDF -> one :class:`~ingest.document.Document` per SmPC.

1. pdfium's plain page text (cheap) finds the file's annexes (cues in
   ``ontology/data/epar-annexes.json``): only the pages of Annex I (or of the
   whole file when it has no annexes) are read in detail; the other annexes
   are reported as skipped, never mixed into an SmPC.
2. Each page's runs and ruling lines (:mod:`ingest.readers.pdf.glyphs`) become tables
   (:mod:`ingest.readers.pdf.tables`) and lines (:mod:`ingest.readers.pdf.lines`); page
   numbers and running headers and footers go.
3. The stream of lines and tables is cut where "1. NAME OF THE MEDICINAL
   PRODUCT" restarts: each piece is one SmPC, built into sections and blocks
   by :mod:`ingest.readers.pdf.sections`.

Bad input raises one-line errors naming the file: encrypted, corrupt or
truncated; no text layer (scanned; OCR is not supported); only a package
leaflet; no SmPC found.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter

from ingest import document as dm
from ingest.collector import collection_paused
from ingest.errors import NotAnSmPC, UnreadableInput
from ingest.readers.pdf.glyphs import open_pdf, scan
from ingest.readers.pdf.layout import WORD, Item, heading_of
from ingest.readers.pdf.lines import Line, drop_running_text, group_lines, mark_underlines
from ingest.readers.pdf.sections import build
from ingest.readers.pdf.tables import PageTable, continues, fill, find_tables
from ingest.scheme import load_json, scheme


@lru_cache(maxsize=1)
def _cues() -> dict:
    data = load_json("epar-annexes.json")
    data["_heading"] = re.compile(data["annex_heading"], re.I)
    return data


@dataclass
class PdfRead:
    documents: list[dm.Document]
    skipped: list[dm.Skipped] = field(default_factory=list)
    pages: int = 0


def _fold(text: str) -> str:
    return " ".join(text.lower().split())


def annex_of(text: str) -> str | None:
    """The annex (roman number) a page opens, if it opens one."""
    cues = _cues()
    lines = (x for x in text.splitlines() if x.strip())
    for ln in (_fold(x) for _, x in zip(range(cues["heading_lines"]), lines)):  # only the first lines are folded
        m = cues["_heading"].match(ln)
        if m and m.group(1) in cues["annexes"]:
            return m.group(1)
    return None


def annex_starts(texts: list[str]) -> list[tuple[int, str]]:
    """(page index, roman number) of every page that opens an annex."""
    return [(i, roman) for i, t in enumerate(texts) if (roman := annex_of(t)) is not None]


def _is_leaflet(texts: list[str]) -> bool:
    """The file opens with a package leaflet: a leaflet cue comes before any SmPC section 1 heading."""
    head = _fold(" ".join(texts[:3]))
    at = [head.find(c) for c in _cues()["leaflet_cues"] if c in head]
    if not at:
        return False
    smpc = [head.find(_fold(t)) for t in scheme()["1"].titles if _fold(t) in head]
    return not smpc or min(at) < min(smpc)


def smpc_pages(texts: list[str], path: str) -> tuple[list[range], list[dm.Skipped]]:
    """Page ranges to read as SmPCs, and the parts skipped."""
    n = len(texts)
    starts = annex_starts(texts)
    annexes = _cues()["annexes"]
    read: list[range] = []
    skipped: list[dm.Skipped] = []
    if not starts:
        if _is_leaflet(texts):
            raise NotAnSmPC("the PDF holds only a package leaflet, not an SmPC (summary of product characteristics)",
                            path)
        return [range(n)], []
    if starts[0][0] > 0:
        read.append(range(0, starts[0][0]))
    for k, (page, roman) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else n
        if annexes[roman]["role"] == "smpc":
            read.append(range(page, end))
        else:
            skipped.append(dm.Skipped(annexes[roman]["name"], (page + 1, end)))
    if not any(annexes[r]["role"] == "smpc" for _, r in starts) and _is_leaflet(texts[starts[0][0]:]):
        raise NotAnSmPC("the PDF holds no Annex I (SmPC); found only "
                        + ", ".join(s.what for s in skipped), path)
    return read, skipped


def _cut_leaflet(items: list[Item]) -> tuple[list[Item], int | None]:
    """Items up to the first line that opens a package leaflet, and the page it is on."""
    cues = _cues()["leaflet_cues"]
    firsts = {c[:1] for c in cues}
    for i, it in enumerate(items):
        if it.line is None or it.line.text[:1].lower() not in firsts or len(it.line.text) >= 120:
            continue
        folded = _fold(it.line.text)  # once, not once per cue
        if any(folded.startswith(c) for c in cues):
            return items[:i], it.page
    return items, None


_TOP = attrgetter("top")


def _page_items(page, lines: list[Line], tables: list[PageTable]) -> list[Item]:
    items = [Item(page.number, ln.top, line=ln) for ln in lines]
    items += [Item(page.number, t.bbox[1], table=[t]) for t in tables]
    items.sort(key=_TOP)
    return items


def read_pdf(data: bytes, path: str) -> PdfRead:
    doc = open_pdf(data, path)
    try:
        with collection_paused():  # ingest/collector.py
            return _read(doc, path)
    finally:
        doc.close()


def _read(doc, path: str) -> PdfRead:
    n = len(doc)
    if n == 0:
        raise UnreadableInput("the PDF has no pages", path)
    role = ["smpc"]

    def detailed(index: int, text: str) -> bool | None:
        """Read in detail until a non-SmPC annex starts; stop at the labelling and leaflet annex,
        which runs to the end of the file and is never read (its pages are only counted)."""
        roman = annex_of(text)
        if roman is not None:
            role[0] = _cues()["annexes"][roman]["role"]
            if role[0] == _cues()["last_role"]:
                return None
        return role[0] == "smpc"

    texts, scanned = scan(doc, detailed)
    texts += [""] * (n - len(texts))  # pages after the last annex's first page: not needed
    if sum(len(t.strip()) for t in texts) < 20 * min(n, 3):
        raise UnreadableInput("the PDF has no text layer (scanned pages?); OCR is not supported", path)
    ranges, skipped = smpc_pages(texts, path)
    wanted = {i for r in ranges for i in r}
    pages = [p for p in scanned if p.number - 1 in wanted]
    lines_by_page: list[list[Line]] = []
    tables_by_page: list[list[PageTable]] = []
    for p in pages:
        runs = p.runs
        mark_underlines(runs, p.rules)
        tables = find_tables(p)
        for t in tables:
            runs = fill(t, runs)
        tables = [t for t in tables if any(c.lines for c in t.cells)]
        lines = group_lines(runs, p.number)
        lines_by_page.append(lines)
        tables_by_page.append(tables)
    drop_running_text(pages, lines_by_page)
    items: list[Item] = []
    for p, lines, tables in zip(pages, lines_by_page, tables_by_page):
        page_items = _page_items(p, lines, tables)
        if page_items and items and page_items[0].table and items[-1].table \
                and continues(items[-1].table[-1], page_items[0].table[0]):
            items[-1].table.extend(page_items[0].table)
            page_items = page_items[1:]
        items.extend(page_items)
    items, leaflet = _cut_leaflet(items)
    if leaflet is not None:  # a file without annex headings: a package leaflet after the SmPC is not read
        skipped.append(dm.Skipped("package leaflet", (leaflet, pages[-1].number)))
    # the words of every line, lower-cased; each distinct line text once (a file's SmPCs repeat most of
    # their lines: a 480-page EPAR has 7,423 lines, 2,014 texts). The same set: words cannot span the joining space
    vocab = set(WORD.findall(" ".join(dict.fromkeys(ln.text for ls in lines_by_page for ln in ls)).lower()))
    starts = [i for i, it in enumerate(items) if it.line is not None and "1" in it.line.text[:80]
              and (h := heading_of(items, i, (0,))) is not None and h[0] == "1"]
    if not starts:
        found = "; ".join(s.describe() for s in skipped) or f"{n} page(s) of text"
        raise NotAnSmPC(f"no SmPC found (no section '1. Name of the medicinal product'); found {found}", path)
    documents = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(items)
        part = items[start:end]
        sections, text = build(part, path, vocab)
        documents.append(dm.Document(path, "pdf", text, sections, (part[0].page, part[-1].page), list(skipped)))
    return PdfRead(documents, skipped, n)
