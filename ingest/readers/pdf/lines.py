"""Runs -> lines: runs on one baseline joined into a line of spans.

* Runs that overlap vertically form one line, each run taken as the band of
  its baseline (the font's body above and below it), not as its ink: a dash or
  a comma has a sliver of ink at some height of the line, and ordering or
  grouping by ink put it on a line of its own, after the line it belongs to.
  Inside a line runs are ordered left to right and joined with a space only
  where the gap between them is wider than a space (word processors cut words
  into several runs).
* A run set in a clearly smaller size and raised above the line is a
  superscript (a footnote marker, an exponent): it becomes its own span,
  never glued into the word before it.
* A thin rule right under a line marks it underlined (a sub-heading style).
* Running headers, footers and page numbers are found by position (the top or
  bottom band of the page) and repetition (the same text, digits aside, on
  several pages) and dropped.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from operator import attrgetter
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, TypeVar

from ingest.readers.pdf.glyphs import PageGlyphs, Rule, Run

_MARGIN = 0.085  # top/bottom band of the page where running headers and footers sit
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$", re.I)


_T = TypeVar("_T")


class _once(Generic[_T]):
    """``functools.cached_property`` without its per-instance lock (Python 3.11 takes an RLock on
    every first access: 38,000 line attributes cost 0.08 s of a 480-page read). Lines are built
    and read by one thread."""

    def __init__(self, fn: Callable[[Any], _T]):
        self.fn, self.name = fn, fn.__name__

    def __get__(self, obj: Any, cls: Any = None) -> _T:
        if obj is None:
            return self  # type: ignore[return-value]
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


@dataclass(slots=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False
    sup: bool = False
    underline: bool = False


@dataclass
class Line:
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    spans: list[Span] = field(default_factory=list)

    @_once
    def underlined(self) -> bool:
        words = [s for s in self.spans if s.text.strip() and not s.sup]
        return bool(words) and all(s.underline for s in words)

    @_once
    def text(self) -> str:  # lines are complete once built; their derived values are cached
        return "".join(s.text for s in self.spans).strip()

    @_once
    def bold(self) -> bool:
        words = [s for s in self.spans if s.text.strip() and not s.sup]
        return bool(words) and all(s.bold for s in words)

    @_once
    def italic(self) -> bool:
        words = [s for s in self.spans if s.text.strip() and not s.sup]
        return bool(words) and all(s.italic for s in words)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (round(self.x0, 1), round(self.top, 1), round(self.x1, 1), round(self.bottom, 1))


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


_READING_ORDER = attrgetter("band_top", "x0")
_LEFT = attrgetter("x0")


def group_lines(runs: list[Run], page: int) -> list[Line]:
    """Lines of a set of runs (a page, or one table cell), top to bottom."""
    groups: list[list[Run]] = []
    bounds: list[list[float]] = []
    for run in sorted(runs, key=_READING_ORDER):
        top, bottom = run.band_top, run.band_bottom  # the band of its baseline, not its ink
        h = bottom - top
        if h < 1.0:  # max(h, 1.0); min/max/_overlap spelled out below: this runs for every run of the file
            h = 1.0
        placed = False
        for k in range(len(groups) - 1, -1, -1):  # the lines so far, last first
            b = bounds[k]
            b0, b1 = b
            # _overlap(top, bottom, b0, b1) >= 0.45 * min(h, b1 - b0)
            if (b1 if b1 < bottom else bottom) - (b0 if b0 > top else top) >= 0.45 * (b1 - b0 if b1 - b0 < h else h):
                groups[k].append(run)
                if top < b0:
                    b[0] = top
                if bottom > b1:
                    b[1] = bottom
                placed = True
                break
            if b1 < top - 2 * h:  # lines further up cannot reach the run
                break
        if not placed:
            groups.append([run])
            bounds.append([top, bottom])
    if len(groups) > 1:
        _join_raised(groups, bounds)
    return [_line(g, page) for g in groups if g]


def _join_raised(groups: list[list[Run]], bounds: list[list[float]]) -> None:
    """A group of runs in clearly smaller type whose band reaches well into a line of larger type
    beside it is that line's superscript (or subscript), set so high that it overlaps the line less
    than a run of the line would: it joins that line (its span is then marked raised by _line)
    instead of standing as a line of its own, printed before the line it belongs to."""
    sizes = [max([r.size for r in g]) for g in groups]
    if min(sizes) >= 0.85 * max(sizes):  # one size of type (most pages and cells): nothing to join
        return
    n = len(groups)
    for k in range(n):
        g = groups[k]
        if not g:
            continue
        b0, b1 = bounds[k]
        x0 = x1 = -1.0  # its extent, worked out when a neighbour is in larger type
        for j in range(max(0, k - 3), min(n, k + 4)):  # lines are made in reading order: a neighbour is near
            other = groups[j]
            if j == k or not other or sizes[k] >= 0.85 * sizes[j]:
                continue
            if x1 < 0:
                x0, x1 = min([r.x0 for r in g]), max([r.x1 for r in g])
            c0, c1 = bounds[j]
            if _overlap(b0, b1, c0, c1) < 0.25 * (b1 - b0):
                continue
            size = sizes[j]
            if min(r.x0 for r in other) - size <= x0 and x1 <= max(r.x1 for r in other) + size:
                other.extend(g)
                groups[k] = []
                bounds[j] = [min(b0, c0), max(b1, c1)]
                break


def _decimal_kern(before: str, after: str, gap: float, size: float) -> bool:
    """"0." and "1" drawn as two runs a little apart: one number ("0.1"), not two words;
    a real word space is wider (about a quarter of the font size)."""
    return gap < 0.24 * size and after[:1].isdigit() and len(before) >= 2 and before[-1] == "." \
        and before[-2].isdigit()


def _line(runs: list[Run], page: int) -> Line:
    if len(runs) == 1:
        return _single(runs[0], page)
    runs.sort(key=_LEFT)
    sizes: dict[float, int] = {}
    for r in runs:
        sizes[r.size] = sizes.get(r.size, 0) + len(r.text)
    size = max(sizes, key=sizes.__getitem__)
    small = 0.85 * size
    body = [r for r in runs if r.size >= small] or runs
    mid = sum(r.top + r.bottom for r in body) / (2 * len(body))
    raised, space = mid - 0.12 * size, 0.18 * size
    x0 = top = 1e9
    x1 = bottom = -1e9
    spans: list[Span] = []
    prev: Run | None = None
    last: Span | None = None
    for r in runs:
        if r.x0 < x0:
            x0 = r.x0
        if r.top < top:
            top = r.top
        if r.x1 > x1:
            x1 = r.x1
        if r.bottom > bottom:
            bottom = r.bottom
        sup = r.size < small and (r.top + r.bottom) / 2 < raised
        text = r.text
        if last is not None:
            gap = r.x0 - prev.x1
            if gap > space and not sup and last.text[-1:] not in (" ", "\u00a0") \
                    and not text.startswith(" ") and not _decimal_kern(last.text, text, gap, size):
                last.text += " "
            if last.bold == r.bold and last.italic == r.italic and last.sup == sup and last.underline == r.underline:
                last.text += text
                prev = r
                continue
        last = Span(text, r.bold, r.italic, sup, r.underline)
        spans.append(last)
        prev = r
    return _finish(spans, page, x0, top, x1, bottom, size)


def _single(r: Run, page: int) -> Line:
    """_line of a single run (6,120 of the 13,840 lines of a 480-page EPAR: a table cell's, a heading's): the same
    values without the size tally, the body list and the span merging."""
    size = r.size
    small = 0.85 * size
    mid = (r.top + r.bottom) / 2  # the body's middle: the run's own (it is its body whatever its size)
    sup = r.size < small and (r.top + r.bottom) / 2 < mid - 0.12 * size
    return _finish([Span(r.text, r.bold, r.italic, sup, r.underline)], page, r.x0 if r.x0 < 1e9 else 1e9,
                   r.top if r.top < 1e9 else 1e9, r.x1 if r.x1 > -1e9 else -1e9,
                   r.bottom if r.bottom > -1e9 else -1e9, size)


def _finish(spans: list[Span], page: int, x0: float, top: float, x1: float, bottom: float, size: float) -> Line:
    """The line of its spans: their characters tidied, and the line's text and style worked out
    here in one pass over the spans (every line is asked for its text and most for their style):
    the same values Line's own properties give."""
    words = False
    bold = italic = underlined = True
    for sp in spans:
        t = sp.text
        if "\u00a0" in t or "\r" in t or "\n" in t or "\x02" in t:
            t = sp.text = t.replace("\u00a0", " ").replace("\r", "").replace("\n", " ").replace("\x02", "-")
        if not sp.sup and t.strip():
            words = True
            if not sp.bold:
                bold = False
            if not sp.italic:
                italic = False
            if not sp.underline:
                underlined = False
    line = Line(page, x0, top, x1, bottom, size, spans)
    line.__dict__.update(text="".join([sp.text for sp in spans]).strip(), bold=words and bold,
                         italic=words and italic, underlined=words and underlined)
    return line


def mark_underlines(runs: list[Run], rules: list[Rule]) -> None:
    """A thin rule right under a run underlines it (a sub-heading or an underlined lead-in)."""
    flat = sorted((r for r in rules if r.horizontal and r.bottom - r.top <= 2.5), key=lambda r: r.top)
    if not flat:
        return
    tops = [r.top for r in flat]
    for run in runs:
        i = bisect.bisect_left(tops, run.bottom - 2.5)
        while i < len(flat) and flat[i].top <= run.bottom + 3.5:
            r = flat[i]
            if _overlap(r.x0, r.x1, run.x0, run.x1) >= 0.6 * (run.x1 - run.x0):
                run.underline = True
                break
            i += 1


def _margin_key(line: Line) -> str:
    return _DIGITS.sub("#", " ".join(line.text.lower().split()))


def drop_running_text(pages: list[PageGlyphs], lines_by_page: list[list[Line]]) -> int:
    """Remove page numbers, running headers and footers in place; returns how many lines went."""
    counts: Counter[str] = Counter()
    for page, lines in zip(pages, lines_by_page):
        keys = {_margin_key(ln) for ln in lines if _in_margin(ln, page)}
        counts.update(keys)
    repeat = max(3, len(pages) // 5)
    removed = 0
    for page, lines in zip(pages, lines_by_page):
        keep = []
        for ln in lines:
            if _in_margin(ln, page) and (_PAGE_NUMBER.match(ln.text) or counts[_margin_key(ln)] >= repeat):
                removed += 1
                continue
            keep.append(ln)
        lines[:] = keep
    return removed


def _in_margin(line: Line, page: PageGlyphs) -> bool:
    return line.top < _MARGIN * page.height or line.bottom > (1 - _MARGIN) * page.height


# list items: a bullet glyph or an enumeration opens one (the rule of body text and table cells alike)
BULLET = re.compile(r"^([•▪●■❑❖➢◦○\-‒–—o·∙⁃])\s*(?=\S)")
ENUM = re.compile(r"^(\(?[a-z]\)|\(?[ivx]{1,4}\)|\d{1,2}[.)])\s+(?=\S)")


_RANGE_DASH = re.compile(r"^[-‒–—]\s*\d")


def continues_range(prev: Line, ln: Line) -> bool:
    """A dash opening a line between two numbers is a range broken at the line end
    ("0.1" / "– 0.4 mg/kg"), not a list bullet."""
    return prev.text[-1:].isdigit() and _RANGE_DASH.match(ln.text) is not None


def starts_item(ln: Line) -> bool:
    first = ln.spans[0].text.lstrip() if ln.spans else ""
    return bool(BULLET.match(first) and (len(first) <= 2 or first[1:2].isspace())) or bool(
        ENUM.match(ln.text) and len(ln.text) > 4)
