"""Tables rebuilt from ruling lines and word positions (the pdfplumber "lines" strategy).

* Ruling lines that touch form one table region; their x positions are the
  column boundaries, their y positions the row boundaries of a grid.
* A missing rule between two grid cells merges them: that is how spans are
  known (an organ-class row spanning every column, a cell spanning rows).
* Runs are put into the cell under their centre; inside a cell they form
  lines, and lines form the cell's paragraphs (a wrapped line joins the one
  before, a gap or a bullet starts a new paragraph).
* A table that ends a page and one that starts the next page with the same
  columns are one table; a header row repeated at the top of the second part
  is dropped.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ingest.readers.pdf.glyphs import PageGlyphs, Rule, Run
from ingest.readers.pdf.lines import Line, continues_range, group_lines, starts_item

_TOL = 3.0


@dataclass
class GridCell:
    row: int
    col: int
    row_span: int
    col_span: int
    bbox: tuple[float, float, float, float]
    lines: list[Line] = field(default_factory=list)
    paragraphs: list[list[Line]] = field(default_factory=list)


@dataclass
class PageTable:
    page: int
    bbox: tuple[float, float, float, float]
    xs: list[float]
    ys: list[float]
    cells: list[GridCell]
    hs: list[Rule] = field(default_factory=list)
    vs: list[Rule] = field(default_factory=list)
    open_columns: bool = False

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1


def _cluster(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= _TOL:
            continue
        out.append(v)
    return out


def _components(rules: list[Rule]) -> list[list[Rule]]:
    """Groups of rules that touch (within a tolerance)."""
    parent = list(range(len(rules)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(rules)), key=lambda i: rules[i].top)
    for a_pos, i in enumerate(order):
        a = rules[i]
        for j in order[a_pos + 1:]:
            b = rules[j]
            if b.top > a.bottom + _TOL:
                break
            if b.x0 <= a.x1 + _TOL and a.x0 <= b.x1 + _TOL:
                parent[find(i)] = find(j)
    groups: dict[int, list[Rule]] = {}
    for i in range(len(rules)):
        groups.setdefault(find(i), []).append(rules[i])
    return list(groups.values())


def _near(rules: list[Rule], at: float, vertical: bool) -> list[tuple[float, float]]:
    """Extents of the rules lying on the line x = at (vertical) or y = at (horizontal)."""
    if vertical:
        return [(r.top, r.bottom) for r in rules if abs((r.x0 + r.x1) / 2 - at) <= _TOL]
    return [(r.x0, r.x1) for r in rules if abs((r.top + r.bottom) / 2 - at) <= _TOL]


def _covered(extents: list[tuple[float, float]], a: float, b: float) -> bool:
    got = 0.0
    for lo, hi in extents:
        if hi > a and lo < b:
            got += (hi if hi < b else b) - (lo if lo > a else a)
    return got >= 0.6 * (b - a)


def _rows_divided(vs: list[Rule], x: float, ys: list[float]) -> int:
    ext = _near(vs, x, True)
    return sum(_covered(ext, a, b) for a, b in zip(ys, ys[1:]))


def find_tables(page: PageGlyphs) -> list[PageTable]:
    tables = []
    loose: list[Rule] = []
    for comp in _components(page.rules):
        hs = [r for r in comp if r.horizontal]
        vs = [r for r in comp if not r.horizontal]
        if len(hs) < 2 or len(vs) < 2:
            loose.extend(hs)
            continue
        xs = _cluster([(r.x0 + r.x1) / 2 for r in vs])
        ys = _cluster([(r.top + r.bottom) / 2 for r in hs])
        if len(ys) >= 4:  # a boundary drawn in one row only (a spanning header's divisions) is no column
            xs = [x for i, x in enumerate(xs) if i in (0, len(xs) - 1) or _rows_divided(vs, x, ys) > 1]
        if len(xs) < 3 or len(ys) < 2:  # one column: a framed box, read as text
            continue
        tables.append(_grid(page.number, xs, ys, hs, vs))
    tables.extend(_open_tables(page, loose))
    return sorted(tables, key=lambda t: t.bbox[1])


def _open_tables(page: PageGlyphs, hs: list[Rule]) -> list[PageTable]:
    """Tables drawn with horizontal rules only, one rule segment per column (no vertical rules):
    the segments' ends are the column boundaries; the last row runs to the end of the text under
    the last rule."""
    rows: list[list[Rule]] = []
    for r in sorted(hs, key=lambda r: ((r.top + r.bottom) / 2, r.x0)):
        y = (r.top + r.bottom) / 2
        if rows and abs((rows[-1][0].top + rows[-1][0].bottom) / 2 - y) <= _TOL:
            rows[-1].append(r)
        else:
            rows.append([r])
    groups: list[list[list[Rule]]] = []
    for row in rows:
        ext = (min(r.x0 for r in row), max(r.x1 for r in row))
        if len(row) < 2:
            groups.append([])
            continue
        if groups and groups[-1]:
            last = groups[-1][-1]
            lext = (min(r.x0 for r in last), max(r.x1 for r in last))
            gap = row[0].top - last[0].bottom
            if abs(ext[0] - lext[0]) <= _TOL and abs(ext[1] - lext[1]) <= _TOL and gap < 90:
                groups[-1].append(row)
                continue
        groups.append([row])
    out = []
    for g in groups:
        if len(g) < 2:
            continue
        xs = _cluster([x for row in g for r in row for x in (r.x0, r.x1)])
        ys = [(row[0].top + row[0].bottom) / 2 for row in g]
        if len(xs) < 3:
            continue
        below = [r for r in page.runs if xs[0] <= (r.x0 + r.x1) / 2 <= xs[-1] and ys[-1] < r.top]
        tail = [r for r in below if r.top < ys[-1] + 1.2 * r.size]
        while tail:  # the last row: its lines, line by line, as long as they follow without a gap
            last_top = max(r.top for r in tail)
            more = [r for r in below if last_top + 0.5 * r.size < r.top <= last_top + 1.4 * r.size]
            if not more:
                break
            tail.extend(more)
        if tail:
            ys.append(max(r.bottom for r in tail) + 1)
        flat = [r for row in g for r in row]
        out.append(_grid(page.number, xs, ys, flat, [], open_columns=True))
    return out


def _grid(page: int, xs: list[float], ys: list[float], hs: list[Rule], vs: list[Rule],
          open_columns: bool = False) -> PageTable:
    nr, nc = len(ys) - 1, len(xs) - 1
    owner = [[(r, c) for c in range(nc)] for r in range(nr)]
    vmap = {x: _near(vs, x, True) for x in xs}
    hmap = {y: _near(hs, y, False) for y in ys}
    for r in range(nr):
        for c in range(nc):
            o = owner[r][c]
            if open_columns:
                continue
            if c + 1 < nc and not _covered(vmap[xs[c + 1]], ys[r], ys[r + 1]) and owner[r][c + 1] == (r, c + 1):
                if o[0] == r:  # merge right only within the owner's first row (keep cells rectangular)
                    owner[r][c + 1] = o
            if r + 1 < nr and not _covered(hmap[ys[r + 1]], xs[c], xs[c + 1]) and owner[r + 1][c] == (r + 1, c):
                owner[r + 1][c] = o
    spans: dict[tuple[int, int], list[int]] = {}
    for r in range(nr):
        for c in range(nc):
            o = owner[r][c]
            s = spans.setdefault(o, [r, c, r, c])
            s[2], s[3] = max(s[2], r), max(s[3], c)
    cells = [GridCell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]))
             for (r0, c0, r1, c1) in spans.values()]
    cells.sort(key=lambda k: (k.row, k.col))
    return PageTable(page, (xs[0], ys[0], xs[-1], ys[-1]), xs, ys, cells, hs, vs, open_columns)


def fill(table: PageTable, runs: list[Run]) -> list[Run]:
    """Put runs into the table's cells; returns the runs outside the table."""
    x0, y0, x1, y1 = table.bbox
    left, right, top, bottom = x0 - 1, x1 + 1, y0 - 1, y1 + 1
    outside: list[Run] = []
    inside: list[Run] = []
    centres: list[tuple[float, float]] = []
    for r in runs:  # every run of the page, for every table on it: the centre worked out in place
        cx, cy = (r.x0 + r.x1) / 2, (r.top + r.bottom) / 2  # r.mid_y
        if left <= cx <= right and top <= cy <= bottom:
            inside.append(r)
            centres.append((cx, cy))
        else:
            outside.append(r)
    per_cell: dict[int, list[Run]] = {}
    slot = {(row, col): i for i, cell in enumerate(table.cells)
            for row in range(cell.row, cell.row + cell.row_span) for col in range(cell.col, cell.col + cell.col_span)}
    xs, ys, last_col, last_row = table.xs, table.ys, table.n_cols - 1, table.n_rows - 1
    for r, (cx, cy) in zip(inside, centres):
        col = min(max(bisect.bisect_right(xs, cx) - 1, 0), last_col)
        row = min(max(bisect.bisect_right(ys, cy) - 1, 0), last_row)
        if (row, col) in slot:
            per_cell.setdefault(slot[(row, col)], []).append(r)
    for i, cell in enumerate(table.cells):
        cell.lines = group_lines(per_cell.get(i, []), table.page)
        cell.paragraphs = cell_paragraphs(cell.lines)
    cuts = _unruled_rows(table)
    if cuts:  # rows the writer did not rule apart: split them and fill again
        hs = table.hs + [Rule(table.xs[0], y, table.xs[-1], y) for y in cuts]
        new = _grid(table.page, table.xs, sorted(table.ys + cuts), hs, table.vs, table.open_columns)
        table.ys, table.cells, table.hs = new.ys, new.cells, new.hs
        fill(table, inside)
    return outside


def _unruled_rows(table: PageTable) -> list[float]:
    """Cut lines inside grid rows whose every non-empty single-row cell holds the same number (> 1)
    of one-line entries at the same heights: a run of rows printed without rules between them."""
    cuts: list[float] = []
    for r in range(table.n_rows):
        cells = [c for c in table.cells if c.row == r and c.row_span == 1 and c.lines]
        if len(cells) < 2 or any(c.row == r and c.row_span > 1 for c in table.cells):
            continue
        n = len(cells[0].lines)
        if n < 2 or any(len(c.lines) != n for c in cells):
            continue
        tops = [[ln.top for ln in c.lines] for c in cells]
        if all(abs(t[k] - tops[0][k]) <= 2.5 for t in tops for k in range(n)):
            lines = cells[0].lines
            cuts.extend((lines[k].bottom + lines[k + 1].top) / 2 for k in range(n - 1))
    return cuts


def cell_paragraphs(lines: list[Line]) -> list[list[Line]]:
    paras: list[list[Line]] = []
    for ln in lines:
        if not ln.text:
            continue
        if paras:
            prev = paras[-1][-1]
            gap = ln.top - prev.bottom
            if gap <= 0.55 * ln.size and (not starts_item(ln) or continues_range(prev, ln)) \
                    and not _new_entry(paras[-1], ln):
                paras[-1].append(ln)
                continue
        paras.append([ln])
    return paras


def _new_entry(para: list[Line], ln: Line) -> bool:
    """In a cell, a line starting with a capital after a complete line starts a new entry
    ("Nausea" / "Diarrhoea"), unless a bracket is still open or the line before ends in a joiner."""
    prev = para[-1].text
    if not ln.text[:1].isupper() or prev.endswith((",", ";", "(", "-", "/", " and", " or", " of", " with")):
        return False
    text = " ".join(x.text for x in para)
    return text.count("(") <= text.count(")")


def continues(prev: PageTable, nxt: PageTable) -> bool:
    """Does ``nxt`` (first table of its page) continue ``prev`` (last table of the page before)?"""
    if nxt.page != prev.page + 1 or prev.n_cols != nxt.n_cols:
        return False
    return all(abs(a - b) <= 2 * _TOL for a, b in zip(prev.xs, nxt.xs))
