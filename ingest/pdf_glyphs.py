"""The glyph layer of the PDF reader: text runs, ruling lines and page text from pypdfium2.

A *run* is one PDF text object: a stretch of text drawn in one font at one
size (what a word processor writes for a piece of a line). Runs are read
through pdfium's page-object API, which is several times faster than asking
for every character's box and still gives what the layout needs: the run's
bounding box, its font (name, bold, italic) and its size. Rotated text (a
figure's axis label) is left out.

*Rules* are thin path objects (table borders, underlines). Coordinates are
turned top-down (y grows down the page) so that sorting reads in order.

Glyphs of symbol fonts that pdfium reports as private-use code points
(U+F0xx: Symbol's bullet, >=, mu ...) are mapped to Unicode through
``ontology/data/pdf-glyphs.json``.
"""
from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass
from functools import lru_cache

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from .errors import UnreadableInput
from .scheme import load_json


_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


@dataclass(slots=True)
class Run:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    bold: bool
    italic: bool
    font: str
    underline: bool = False

    @property
    def mid_y(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(slots=True)
class Rule:
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def horizontal(self) -> bool:
        return (self.x1 - self.x0) >= (self.bottom - self.top)


@dataclass
class PageGlyphs:
    number: int  # 1-based
    width: float
    height: float
    runs: list[Run]
    rules: list[Rule]


@lru_cache(maxsize=1)
def _glyph_tables() -> dict[str, dict[int, str]]:
    data = load_json("pdf-glyphs.json")
    return {font.lower(): {int(k, 16): v for k, v in table.items()} for font, table in data["fonts"].items()}


def map_glyphs(text: str, font: str) -> str:
    """Private-use code points of a symbol font -> Unicode (by the font's family)."""
    if not _PRIVATE_USE.search(text):
        return text
    family = font.split("+")[-1].split(",")[0].split("-")[0].lower()
    table = _glyph_tables().get(family) or _glyph_tables().get("symbol", {})
    return "".join(table.get(ord(ch) - 0xF000, ch) if "\uf000" <= ch <= "\uf0ff" else ch for ch in text)


def open_pdf(data: bytes, path: str) -> pdfium.PdfDocument:
    """Open a PDF or raise a one-line :class:`UnreadableInput` (encrypted, corrupt, truncated)."""
    if b"%%EOF" not in data[-2048:]:
        raise UnreadableInput("the PDF is truncated (no end-of-file marker); cannot read it", path)
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg:
            raise UnreadableInput("the PDF is encrypted (password protected); decrypt it first", path) from exc
        raise UnreadableInput(f"the PDF is corrupt and cannot be opened ({exc})", path) from exc


class _Reader:
    """Reusable ctypes buffers for reading page objects."""

    def __init__(self) -> None:
        self.l, self.b, self.r, self.t = (ctypes.c_float() for _ in range(4))
        self.matrix = raw.FS_MATRIX()
        self.fontbuf = ctypes.create_string_buffer(256)
        self.fonts: dict[int, tuple[str, bool, bool]] = {}
        self.fs = ctypes.c_float()
        self.buf = ctypes.create_string_buffer(8192)
        self.bufptr = ctypes.cast(self.buf, ctypes.POINTER(raw.FPDF_WCHAR))

    def font(self, obj) -> tuple[str, bool, bool]:
        font = raw.FPDFTextObj_GetFont(obj)
        key = ctypes.cast(font, ctypes.c_void_p).value or 0
        hit = self.fonts.get(key)
        if hit is None:
            n = raw.FPDFFont_GetBaseFontName(font, self.fontbuf, 256)
            name = self.fontbuf.raw[: max(n - 1, 0)].decode("latin-1")
            low = name.lower()
            weight = raw.FPDFFont_GetWeight(font)
            bold = "bold" in low or "black" in low or "heavy" in low or weight >= 600
            italic = "italic" in low or "oblique" in low
            hit = self.fonts[key] = (name, bold, italic)
        return hit

    def _stroked(self, obj) -> bool:
        fill, stroke = ctypes.c_int(), ctypes.c_int()
        return bool(raw.FPDFPath_GetDrawMode(obj, fill, stroke)) and bool(stroke.value)

    def page(self, page, tp, index: int) -> PageGlyphs:
        width, height = page.get_size()
        runs: list[Run] = []
        rules: list[Rule] = []
        self._objects(page, tp, height, runs, rules, [raw.FPDFPage_GetObject(page, k)
                                                     for k in range(raw.FPDFPage_CountObjects(page))])
        return PageGlyphs(index + 1, width, height, runs, rules)

    def _text(self, obj, tp) -> str:
        n = raw.FPDFTextObj_GetText(obj, tp, self.bufptr, len(self.buf))  # one call when the buffer is big enough
        if n > len(self.buf):
            self.buf = ctypes.create_string_buffer(2 * n)
            self.bufptr = ctypes.cast(self.buf, ctypes.POINTER(raw.FPDF_WCHAR))
            n = raw.FPDFTextObj_GetText(obj, tp, self.bufptr, len(self.buf))
        if n <= 2:
            return ""
        return ctypes.string_at(self.buf, n - 2).decode("utf-16-le", "replace")

    def _objects(self, page, tp, height, runs, rules, objects) -> None:
        left, b, r, t, m, fs = self.l, self.b, self.r, self.t, self.matrix, self.fs
        get_type, get_bounds, text_kind = raw.FPDFPageObj_GetType, raw.FPDFPageObj_GetBounds, raw.FPDF_PAGEOBJ_TEXT
        get_matrix, get_size, path_kind = raw.FPDFPageObj_GetMatrix, raw.FPDFTextObj_GetFontSize, raw.FPDF_PAGEOBJ_PATH
        text_of, font_of, append = self._text, self.font, runs.append
        for obj in objects:
            kind = get_type(obj)
            if kind == text_kind:
                get_bounds(obj, left, b, r, t)
                if r.value - left.value < 0.05:  # an empty run (word processors write many): no text to ask for
                    continue
                text = text_of(obj, tp)
                if not text.strip():
                    continue
                get_matrix(obj, m)
                if abs(m.b) > 0.1 * abs(m.a) or abs(m.c) > 0.1 * abs(m.d):
                    continue  # rotated text: a figure's axis label, never body text
                get_size(obj, fs)
                size = fs.value * abs(m.d) or (t.value - b.value)
                name, bold, italic = font_of(obj)
                append(Run(map_glyphs(text, name), left.value, height - t.value, r.value, height - b.value,
                                round(size, 2), bold, italic, name))
            elif kind == path_kind:
                get_bounds(obj, left, b, r, t)
                w, h = r.value - left.value, t.value - b.value
                if (w <= 2.5 < h or h <= 2.5 < w) and max(w, h) > 3:
                    rules.append(Rule(left.value, height - t.value, r.value, height - b.value))
                elif w > 3 and h > 3 and raw.FPDFPath_CountSegments(obj) <= 5 and self._stroked(obj):
                    # a stroked rectangle: its four edges are rules (cell borders); a filled one is shading
                    x0, x1, y0, y1 = left.value, r.value, height - t.value, height - b.value
                    rules.extend([Rule(x0, y0, x1, y0), Rule(x0, y1, x1, y1), Rule(x0, y0, x0, y1), Rule(x1, y0, x1, y1)])
            elif kind == raw.FPDF_PAGEOBJ_FORM:
                count = raw.FPDFFormObj_CountObjects(obj)
                self._objects(page, tp, height, runs, rules, [raw.FPDFFormObj_GetObject(obj, k) for k in range(count)])


def scan(doc: pdfium.PdfDocument, want) -> tuple[list[str], list[PageGlyphs]]:
    """The pages' plain text, and the runs and rules of the pages ``want(index, text)`` asks for
    (one page load and one text page per page). ``want`` returns True (read in detail), False
    (text only) or None (stop: the rest of the file is not needed; its pages are left out of the texts)."""
    reader = _Reader()
    texts: list[str] = []
    glyphs: list[PageGlyphs] = []
    for i in range(len(doc)):
        page = doc[i]
        tp = page.get_textpage()
        try:
            text = tp.get_text_range()
            texts.append(text)
            wanted = want(i, text)
            if wanted is None:
                break
            if wanted:
                glyphs.append(reader.page(page, tp, i))
        finally:
            tp.close()
            page.close()
    return texts, glyphs
