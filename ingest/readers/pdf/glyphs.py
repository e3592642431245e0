"""The glyph layer of the PDF reader: text runs, ruling lines and page text from pypdfium2.

A *run* is one PDF text object: a stretch of text drawn in one font at one
size (what a word processor writes for a piece of a line). Runs are read
through pdfium's page-object API, which is several times faster than asking
for every character's box and still gives what the layout needs: the run's
bounding box, its font (name, bold, italic) and its size. Rotated text (a
figure's axis label) is left out.

*Rules* are thin path objects (table borders, underlines). Coordinates are
turned top-down (y grows down the page) so that sorting reads in order.

A run is underlined or not as a whole (:func:`ingest.readers.pdf.lines.mark_underlines`),
but a writer may set an underlined lead-in and the plain text after it in one
run ("Title: the text that follows ..."): a run whose start is
underlined by a rule that ends inside it is cut where the rule ends (the
character there found through the page's text), so that the lead-in alone is
underlined, whatever way the writer cut the line into runs.

Glyphs of symbol fonts that pdfium reports as private-use code points
(U+F0xx: Symbol's bullet, >=, mu ...) are mapped to Unicode through
``ontology/data/pdf-glyphs.json``.
"""
from __future__ import annotations

import bisect
import codecs
import ctypes
import re
from dataclasses import dataclass
from functools import lru_cache

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from ingest.errors import UnreadableInput
from ingest.scheme import load_json

_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_ASCENT, _DESCENT = 0.75, 0.2  # a font's body above and below the baseline, in font sizes (Times, Arial, Verdana)


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
    # the run's place in its line: its ink box widened to the font's body around its baseline. The ink
    # box of a thin glyph (a dash, a comma) is a sliver at some height of the line; lines are found by
    # these bands, which glyphs of one baseline share whatever their shape
    band_top: float
    band_bottom: float
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


def _address(handle) -> int:
    return ctypes.cast(handle, ctypes.c_void_p).value or 0


def _fast(name: str, restype, *argtypes):
    """pdfium function ``name`` called with plain addresses (ints) instead of typed pointer objects:
    the page-object loop makes tens of thousands of calls, and building a pointer object for every
    argument and result costs more than the call itself."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(_address(getattr(raw, name)))


_utf16 = codecs.utf_16_le_decode
_VP = ctypes.c_void_p  # out-parameters too are passed as addresses of the reader's reusable buffers
_count_objects = _fast("FPDFPage_CountObjects", ctypes.c_int, _VP)
_get_object = _fast("FPDFPage_GetObject", _VP, _VP, ctypes.c_int)
_get_type = _fast("FPDFPageObj_GetType", ctypes.c_int, _VP)
_get_bounds = _fast("FPDFPageObj_GetBounds", ctypes.c_int, _VP, _VP, _VP, _VP, _VP)
_get_text = _fast("FPDFTextObj_GetText", ctypes.c_ulong, _VP, _VP, _VP, ctypes.c_ulong)
_get_matrix = _fast("FPDFPageObj_GetMatrix", ctypes.c_int, _VP, _VP)
_get_font_size = _fast("FPDFTextObj_GetFontSize", ctypes.c_int, _VP, _VP)
_get_font = _fast("FPDFTextObj_GetFont", _VP, _VP)
_form_count = _fast("FPDFFormObj_CountObjects", ctypes.c_int, _VP)
_form_object = _fast("FPDFFormObj_GetObject", _VP, _VP, ctypes.c_ulong)
_count_segments = _fast("FPDFPath_CountSegments", ctypes.c_int, _VP)
_char_at = _fast("FPDFText_GetCharIndexAtPos", ctypes.c_int, _VP, ctypes.c_double, ctypes.c_double, ctypes.c_double,
                 ctypes.c_double)
_char_box = _fast("FPDFText_GetCharBox", ctypes.c_int, _VP, ctypes.c_int, _VP, _VP, _VP, _VP)
_text_range = _fast("FPDFText_GetText", ctypes.c_int, _VP, ctypes.c_int, ctypes.c_int, _VP)
_draw_mode = _fast("FPDFPath_GetDrawMode", ctypes.c_int, _VP, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))


class _Reader:
    """Reusable ctypes buffers for reading page objects."""

    def __init__(self) -> None:
        self.l, self.b, self.r, self.t = (ctypes.c_float() for _ in range(4))
        self.matrix = raw.FS_MATRIX()
        self.fontbuf = ctypes.create_string_buffer(256)
        self.fonts: dict[int, tuple[str, bool, bool]] = {}
        self.fs = ctypes.c_float()
        self.cl, self.cr, self.cb, self.ct = (ctypes.c_double() for _ in range(4))  # a character's box
        self._buffer(8192)

    def _buffer(self, size: int) -> None:
        self.buf = ctypes.create_string_buffer(size)
        self.bufaddr = ctypes.addressof(self.buf)
        self.view = memoryview(self.buf).cast("B")  # read the text in place: no bytes copy

    def font(self, obj: int) -> tuple[str, bool, bool]:
        key = _get_font(obj) or 0
        hit = self.fonts.get(key)
        if hit is None:
            font = ctypes.cast(key, raw.FPDF_FONT)
            n = raw.FPDFFont_GetBaseFontName(font, self.fontbuf, 256)
            name = self.fontbuf.raw[: max(n - 1, 0)].decode("latin-1")
            low = name.lower()
            weight = raw.FPDFFont_GetWeight(font)
            bold = "bold" in low or "black" in low or "heavy" in low or weight >= 600
            italic = "italic" in low or "oblique" in low
            hit = self.fonts[key] = (name, bold, italic)
        return hit

    def _stroked(self, obj: int) -> bool:
        fill, stroke = ctypes.c_int(), ctypes.c_int()
        return bool(_draw_mode(obj, fill, stroke)) and bool(stroke.value)

    def page(self, page, tp, index: int) -> PageGlyphs:
        width, height = page.get_size()
        runs: list[Run] = []
        rules: list[Rule] = []
        handle = _address(page.raw)
        self._objects(_address(tp.raw), height, runs, rules,
                      [_get_object(handle, k) for k in range(_count_objects(handle))])
        if rules:
            runs = self._split_underlined(runs, rules, _address(tp.raw), height)
        return PageGlyphs(index + 1, width, height, runs, rules)

    def _split_underlined(self, runs: list[Run], rules: list[Rule], tp: int, height: float) -> list[Run]:
        """Runs whose start is underlined by a rule ending inside them, cut where the rule ends."""
        flat = sorted((r for r in rules if r.horizontal and r.bottom - r.top <= 2.5), key=lambda r: r.top)
        if not flat:
            return runs
        tops = [r.top for r in flat]
        n, bisect_left = len(flat), bisect.bisect_left
        cuts: dict[int, tuple[Run, Run]] = {}
        for k, run in enumerate(runs):
            bottom = run.bottom
            i = bisect_left(tops, bottom - 2.5)  # the window of lines.mark_underlines
            while i < n and tops[i] <= bottom + 3.5:
                rule = flat[i]
                if rule.x0 <= run.x0 + 0.3 * run.size and run.x0 + 1.0 < rule.x1 < run.x1 - 1.0:
                    cut = self._cut(run, rule.x1, tp, height)
                    if cut:
                        cuts[k] = cut
                    break
                i += 1
        if not cuts:  # most pages: the runs as they are
            return runs
        return [part for k, run in enumerate(runs) for part in cuts.get(k, (run,))]

    def _cut(self, run: Run, x: float, tp: int, height: float) -> tuple[Run, Run] | None:
        """``run`` cut at page position ``x``: the characters whose middle lies left of it, and the rest;
        None when the page's text does not show the run's characters there."""
        y = height - (run.top + run.bottom) / 2
        first = _char_at(tp, run.x0 + 0.3, y, 1.0, 2.0)
        last = _char_at(tp, x - 0.3, y, 1.5, 2.0)
        if first < 0 or last < first or last - first > 2 * len(run.text):
            return None
        at_l, at_r, at_b, at_t = (ctypes.addressof(v) for v in (self.cl, self.cr, self.cb, self.ct))
        if _char_box(tp, last, at_l, at_r, at_b, at_t) and (self.cl.value + self.cr.value) / 2 > x:
            last -= 1  # the character under the rule's end is mostly past it
        n = last - first + 1
        if n <= 0:
            return None
        buf = ctypes.create_string_buffer(2 * n + 2)
        got = _text_range(tp, first, n, ctypes.addressof(buf))
        head = buf.raw[: 2 * max(got - 1, 0)].decode("utf-16-le", "replace")
        if not head.strip() or not run.text.startswith(head) or len(head) >= len(run.text.rstrip()):
            return None
        tail = run.text[len(head):]
        while tail[:1].isalnum() and head[-1:].isalnum():  # never half a word: the cut moves to the word's end
            head, tail = head + tail[0], tail[1:]
        if not tail.strip() or not _char_box(tp, first + len(head) - 1, at_l, at_r, at_b, at_t):
            return None
        mid = self.cr.value
        return (Run(head, run.x0, run.top, mid, run.bottom, run.size, run.bold, run.italic, run.font, run.band_top,
                    run.band_bottom),
                Run(tail, mid, run.top, run.x1, run.bottom, run.size, run.bold, run.italic, run.font, run.band_top,
                    run.band_bottom))

    def _text(self, obj: int, tp: int) -> str:
        n = _get_text(obj, tp, self.bufaddr, len(self.buf))  # one call when the buffer is big enough
        if n > len(self.buf):
            self._buffer(2 * n)
            n = _get_text(obj, tp, self.bufaddr, len(self.buf))
        if n <= 2:
            return ""
        # the codec function itself: bytes.decode("utf-16-le") goes through the codec registry's
        # Python wrapper for every one of the tens of thousands of runs
        return _utf16(self.view[: n - 2], "replace", True)[0]  # final, as bytes.decode

    def _objects(self, tp: int, height: float, runs: list[Run], rules: list[Rule], objects: list[int]) -> None:
        # one pass per page object (48,000 in a 480-page EPAR's Annex I): the buffers' values are read once
        # into locals, and the font cache is looked up here (self.font only for a new font)
        left, b, r, t, m, fs, fonts = self.l, self.b, self.r, self.t, self.matrix, self.fs, self.fonts
        at_l, at_b, at_r, at_t, at_m, at_fs = (ctypes.addressof(x) for x in (left, b, r, t, m, fs))
        text_kind, path_kind, form_kind = raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM
        text_of, append = self._text, runs.append
        bufaddr, bufsize, view = self.bufaddr, len(self.buf), self.view
        for obj in objects:
            kind = _get_type(obj)
            if kind == text_kind:
                _get_bounds(obj, at_l, at_b, at_r, at_t)
                x0, x1 = left.value, r.value
                if x1 - x0 < 0.05:  # an empty run (word processors write many): no text to ask for
                    continue
                _get_matrix(obj, at_m)  # before the text, which costs a walk over the page's characters
                d = m.d
                if abs(m.b) > 0.1 * abs(m.a) or abs(m.c) > 0.1 * abs(d):
                    continue  # rotated text: a figure's axis label, never body text
                n = _get_text(obj, tp, bufaddr, bufsize)  # self._text, inlined for the common case
                if n > bufsize:  # a run longer than the buffer: _text grows it
                    text = text_of(obj, tp)
                    bufaddr, bufsize, view = self.bufaddr, len(self.buf), self.view
                else:
                    text = _utf16(view[: n - 2], "replace", True)[0] if n > 2 else ""
                if not text.strip():
                    continue
                _get_font_size(obj, at_fs)
                y0, y1 = b.value, t.value
                size = fs.value * abs(d) or (y1 - y0)
                name, bold, italic = fonts.get(_get_font(obj) or 0) or self.font(obj)
                if not text.isascii():  # symbol-font glyphs are never ASCII
                    text = map_glyphs(text, name)
                top, bottom = height - y1, height - y0
                base = height - m.f  # the baseline: the text matrix's origin
                band_top, band_bottom = top, bottom
                if -size <= base - bottom <= size:  # else not the page's coordinates (text inside a form object)
                    if base - _ASCENT * size < top:  # min/max spelled out: this runs for every run of the file
                        band_top = base - _ASCENT * size
                    if base + _DESCENT * size > bottom:
                        band_bottom = base + _DESCENT * size
                append(Run(text, x0, top, x1, bottom, round(size, 2), bold, italic, name, band_top, band_bottom))
            elif kind == path_kind:
                _get_bounds(obj, at_l, at_b, at_r, at_t)
                x0, y0, x1, y1 = left.value, b.value, r.value, t.value
                w, h = x1 - x0, y1 - y0
                if (w <= 2.5 < h or h <= 2.5 < w) and max(w, h) > 3:
                    rules.append(Rule(x0, height - y1, x1, height - y0))
                elif w > 3 and h > 3 and _count_segments(obj) <= 5 and self._stroked(obj):
                    # a stroked rectangle: its four edges are rules (cell borders); a filled one is shading
                    top, bottom = height - y1, height - y0
                    rules.extend([Rule(x0, top, x1, top), Rule(x0, bottom, x1, bottom), Rule(x0, top, x0, bottom),
                                  Rule(x1, top, x1, bottom)])
            elif kind == form_kind:
                self._objects(tp, height, runs, rules, [_form_object(obj, k) for k in range(_form_count(obj))])


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
