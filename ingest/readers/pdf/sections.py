"""The items of one SmPC (lines and tables in reading order) -> a :class:`~ingest.document.Document`."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest import document as dm
from ingest.readers.pdf.layout import DocBuilder, Item, heading_of, is_subheading, join_lines, lead_in
from ingest.readers.pdf.lines import BULLET, ENUM, Line, continues_range, starts_item
from ingest.readers.pdf.tables import PageTable

_SUPERS = "⁰¹²³⁴⁵⁶⁷⁸⁹ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"
_PLAIN = str.maketrans(_SUPERS, "0123456789abcdefghijklmnoprstuvwxyz")
_FOOTNOTE_CELL = re.compile(f"^(?:[{_SUPERS}]+|[*†‡§]+)\\s*\\S")
_FOOTNOTE_PART = re.compile(f"([{_SUPERS}]+|[*†‡§]+)\\s*(.+?)(?=\\s[{_SUPERS}]+\\s*[A-Z]|\\n[{_SUPERS}*†‡§]|$)", re.S)
# a footnote whose marker is a plain symbol: "* Documented ...", or glued to the note's first word
# ("*Additional adverse reactions ...", "**2 hour PPG ...")
_SYMBOL_NOTE = re.compile(r"^(\*{1,3}|[†‡§])(?:[\s.)]|(?=[A-Z0-9]))")
_SUPERSCRIPT = str.maketrans("0123456789+-=()abcdefghijklmnoprstuvwxyz*",
                             "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ*")


def _bbox(lines: list[Line]) -> tuple[float, float, float, float]:
    return (round(min(ln.x0 for ln in lines), 1), round(min(ln.top for ln in lines), 1),
            round(max(ln.x1 for ln in lines), 1), round(max(ln.bottom for ln in lines), 1))


class SectionBuilder:
    def __init__(self, path: str, vocab: set[str]):
        self.out = DocBuilder(path, vocab)
        self.sections: list[dm.DocSection] = []
        self.current: dm.DocSection | None = None
        self.group: list[Line] = []
        self.last_table: dm.Table | None = None
        self.right = 0.0  # where full lines end (the text block's right edge)
        self.body_size = 0.0  # the body text's font size

    # -- paragraphs ------------------------------------------------------
    def flush(self) -> None:
        lines, self.group = self.group, []
        if not lines or self.current is None:
            return
        text, spans, markers = join_lines(lines, self.out.vocab)
        if not text:
            return
        pages = tuple(sorted({ln.page for ln in lines}))
        first = lines[0]
        lead_sup = first.spans and first.spans[0].sup and first.spans[0].text.strip()
        symbol = _SYMBOL_NOTE.match(text)
        if lead_sup or symbol:
            marker = first.spans[0].text.strip() if lead_sup else symbol.group(1)  # type: ignore[union-attr]
            body = text[len(marker):].strip()
            note = dm.Footnote(body, self.out.emit(text, first.page, _bbox(lines), pages), marker)
            self.current.blocks.append(note)
            if self.last_table is not None:
                self.last_table.footnotes.append(note)
            return
        self.last_table = None
        if is_subheading(lines, text, self.body_size):
            self.current.blocks.append(dm.Heading(text.rstrip(" :"), self.out.emit(text, first.page, _bbox(lines), pages)))
            return
        prov = self.out.emit(text, first.page, _bbox(lines), pages)
        item = starts_item(first)
        bullet = BULLET.match(text) if item else None
        enum = ENUM.match(text) if bullet is None and item else None
        if bullet or enum:
            m = bullet or enum
            self.current.blocks.append(dm.ListItem(text[m.end():].strip(), prov, spans, None, markers,
                                                   m.group(1), 0))
            return
        self.current.blocks.append(dm.Paragraph(text, prov, spans, lead_in(spans), markers))

    def add_line(self, ln: Line) -> None:
        if self.group:
            prev = self.group[-1]
            if ln.page != prev.page:
                brk = prev.text.endswith((".", ":", ";")) or not ln.text[:1].islower()
            else:
                brk = ln.top - prev.bottom > 0.5 * ln.size or self._forced_break(prev, ln)
            big = 1.15 * self.body_size if self.body_size else float("inf")
            styled_prev = prev.bold or prev.italic or prev.underlined or prev.size >= big
            styled_now = ln.bold or ln.italic or ln.underlined or ln.size >= big
            if brk or (starts_item(ln) and not continues_range(prev, ln)) or (styled_prev and not styled_now
                                          and is_subheading(self.group, prev.text, self.body_size)) \
                    or (ln.spans and ln.spans[0].sup) or self._next_note(ln):
                self.flush()
        self.group.append(ln)

    def _next_note(self, ln: Line) -> bool:
        """A footnote printed under the one before opens with its own marker ("* ..." then "** ..."),
        the marker printed as plain text: a new footnote, not a line of the one above."""
        first = self.group[0]
        note = (first.spans and first.spans[0].sup) or _SYMBOL_NOTE.match(first.text)
        return bool(note) and _SYMBOL_NOTE.match(ln.text) is not None

    def _forced_break(self, prev: Line, ln: Line) -> bool:
        """The previous line ended although the next line's first word would have fitted: the
        writer broke the line (a list typed as lines), so the next line starts a new passage."""
        if prev.x1 >= self.right or abs(ln.x0 - prev.x0) > 2 or not ln.text[:1].isupper():
            return False
        first = ln.text.split()[0]
        return self.right - prev.x1 > 0.55 * ln.size * (len(first) + 1)

    # -- sections and tables ---------------------------------------------
    def open_section(self, number: str, title: str, lines: list[Line]) -> None:
        self.flush()
        self.last_table = None
        first = lines[0]
        prov = self.out.emit(f"{number}. {title}" if "." not in number else f"{number} {title}", first.page,
                             _bbox(lines))
        parent = number.rsplit(".", 1)[0] if "." in number else None
        self.current = dm.DocSection(number, title, number.count(".") + 1, parent, prov)
        self.sections.append(self.current)

    def add_table(self, parts: list[PageTable]) -> None:
        self.flush()
        if self.current is None:
            return
        table = convert_table(parts, self.out)
        if table is None:
            return
        blocks = self.current.blocks
        if blocks and isinstance(blocks[-1], dm.Paragraph) and blocks[-1].text.lower().startswith("table"):
            table.caption = blocks[-1].text
        blocks.append(table)
        self.last_table = table


def _cell_text(cell, vocab: set[str]) -> tuple[str, str, list[str], bool]:
    plain, marked, markers = [], [], []
    bold = bool(cell.lines) and all(ln.bold for ln in cell.lines if ln.text)
    for para in cell.paragraphs:
        _, spans, found = join_lines(para, vocab)
        markers.extend(found)
        plain.append(" ".join("".join(_space_of(s.text) if s.superscript and s.text.strip() in found else s.text
                                      for s in spans).split()))
        marked.append(" ".join("".join(s.text.strip().translate(_SUPERSCRIPT) if s.superscript else s.text
                                       for s in spans).split()))
    return "\n".join(plain), "\n".join(marked), markers, bold


def _space_of(text: str) -> str:
    """A footnote marker dropped from a cell's text leaves the line break it carried
    ("hepatitis B¹⁾" / "autoimmune hepatitis" must not become "Bautoimmune")."""
    return text[len(text.rstrip()):]


def convert_table(parts: list[PageTable], out: DocBuilder) -> dm.Table | None:
    rows: list[list[dm.Cell]] = []
    lines_of: dict[int, list[Line]] = {}  # a cell's printed lines, to read a page break's layout
    right = _column_edges(parts)
    header_n = 0
    header_text: list[str] | None = None
    for k, part in enumerate(parts):
        grid: list[list[dm.Cell | None]] = [[None] * part.n_cols for _ in range(part.n_rows)]
        for cell in part.cells:
            text, marked, markers, bold = _cell_text(cell, out.vocab)
            bbox = tuple(round(v, 1) for v in cell.bbox)
            c = dm.Cell(text, dm.Provenance(part.page, bbox), marked, cell.row_span, cell.col_span, markers, bold)
            lines_of[id(c)] = [ln for para in cell.paragraphs for ln in para]
            for r in range(cell.row, cell.row + cell.row_span):
                for col in range(cell.col, cell.col + cell.col_span):
                    grid[r][col] = c
        part_rows = [[c or dm.Cell("", dm.Provenance(part.page)) for c in row] for row in grid]
        part_rows = [r for r in part_rows if any(c.text for c in r)]
        if k == 0:
            while header_n < len(part_rows) and all(c.bold for c in part_rows[header_n] if c.text) \
                    and not (header_n and len({id(c) for c in part_rows[header_n] if c.text}) == 1):
                header_n += 1  # a full-width row below the header is a body sub-heading, not header
            if header_n == len(part_rows):
                header_n = 0
            if header_n == 0 and len(part_rows) >= 2:
                header_n = 1
            header_text = [" ".join(c.text.split()) for r in part_rows[:header_n] for c in r]
        elif header_n and [" ".join(c.text.split()) for r in part_rows[:header_n] for c in r] == header_text:
            part_rows = part_rows[header_n:]  # the header repeated on the next page
        if k > 0 and rows and part_rows and _split_row(rows[-1], part_rows[0]):
            swap: dict[int, dm.Cell] = {}
            rows[-1] = _join_rows(rows[-1], part_rows.pop(0), swap, _Break(lines_of, right))  # a row broken by the page break
            part_rows = [[swap.get(id(c), c) for c in r] for r in part_rows]  # its cells spanning further down
        rows.extend(part_rows)
    notes = []
    while rows and len({id(c) for c in rows[-1]}) == 1 and _FOOTNOTE_CELL.match(rows[-1][0].marked):
        notes[:0] = _cell_footnotes(rows.pop()[0])  # footnotes printed inside the table's frame
    if not rows:
        return None
    quote = "\n".join(" | ".join(c.text.replace("\n", "; ") for c in r) for r in rows)
    pages = tuple(p.page for p in parts)
    first = parts[0]
    prov = out.emit(quote, first.page, tuple(round(v, 1) for v in first.bbox), pages)
    _cell_offsets(rows, out, prov)
    return dm.Table(quote, prov, None, rows[:header_n], rows[header_n:], notes)


def _cell_footnotes(cell: dm.Cell) -> list[dm.Footnote]:
    out = []
    for m in _FOOTNOTE_PART.finditer(cell.marked):
        marker = m.group(1).translate(_PLAIN)
        out.append(dm.Footnote(" ".join(m.group(2).split()), cell.prov, marker))
    return out


def _split_row(above: list[dm.Cell], row: list[dm.Cell]) -> bool:
    """The first row after a page break continues the last row before it: most of its cells are
    empty, and each non-empty one continues a non-empty cell above."""
    empty = sum(1 for c in row if not c.text)
    return empty > len(row) - empty and all(a.text for a, c in zip(above, row) if c.text)


def _column_edges(parts: list[PageTable]) -> list[float]:
    """Where the longest lines of each column end, over every page of the table: a line ending
    well before that edge was ended by the writer, not by the column's width."""
    edges = [0.0] * max((p.n_cols for p in parts), default=0)
    for p in parts:
        for cell in p.cells:
            k = min(cell.col + cell.col_span - 1, len(edges) - 1)
            edges[k] = max([edges[k]] + [ln.x1 for ln in cell.lines if ln.text])
    return edges


@dataclass
class _Break:
    """The layout of a cell split by a page break: does its part on the next page start a new entry?"""
    lines_of: dict[int, list[Line]]
    right: list[float]

    def new_entry(self, above: dm.Cell, col: int, below: dm.Cell) -> bool:
        if above.text.rstrip().endswith((",", ";", ".", ":")):
            return True
        before, after = self.lines_of.get(id(above)), self.lines_of.get(id(below))
        if not before or not after or col >= len(self.right):
            return False
        last, first = before[-1], after[0]
        if last.text.endswith(("-", "/", "(")) or last.text.count("(") > last.text.count(")"):
            return False
        word = first.text.split()[0]
        edge = self.right[min(col + above.col_span - 1, len(self.right) - 1)]
        return edge - last.x1 > 0.55 * first.size * (len(word) + 1)  # its first word would have fitted


def _join_rows(above: list[dm.Cell], row: list[dm.Cell], swap: dict[int, dm.Cell], brk: _Break) -> list[dm.Cell]:
    """The first row of a page joined to the last row of the page before. A continued cell's
    text goes on as the same entry, or as a new line where the layout shows the line above was
    complete (it ends with a list mark, or ends short of the column's edge although the next
    line's first word would have fitted there)."""
    out: list[dm.Cell] = []
    done: dict[int, dm.Cell] = {}
    for col, (a, c) in enumerate(zip(above, row)):
        if not c.text:
            out.append(a)
            continue
        if id(a) not in done:
            sep = "\n" if brk.new_entry(a, col, c) else " "
            pages = tuple(sorted(set(a.prov.pages or (a.prov.page,)) | {c.prov.page}))
            from dataclasses import replace

            done[id(a)] = dm.Cell(a.text + sep + c.text, replace(a.prov, pages=pages), a.marked + sep + c.marked,
                                  a.row_span, a.col_span, a.markers + c.markers, a.bold)
        swap[id(c)] = done[id(a)]
        out.append(done[id(a)])
    return out


def _cell_offsets(rows: list[list[dm.Cell]], out: DocBuilder, table_prov: dm.Provenance) -> None:
    """Point every cell's provenance at its text inside the rendered table."""
    pos, line = table_prov.char_start, table_prov.line_start
    from dataclasses import replace

    for r in rows:
        seen: set[int] = set()
        for j, c in enumerate(r):
            text = c.text.replace("\n", "; ")
            if id(c) not in seen:
                c.prov = replace(c.prov, line_start=line, line_end=line, char_start=pos, char_end=pos + len(text))
                seen.add(id(c))
            pos += len(text) + (3 if j + 1 < len(r) else 0)
        pos += 1
        line += 1


def build(items: list[Item], path: str, vocab: set[str]) -> tuple[list[dm.DocSection], str]:
    """Sections of one SmPC and its rendered text."""
    b = SectionBuilder(path, vocab)
    ends = sorted(it.line.x1 for it in items if it.line is not None)
    b.right = ends[int(0.9 * (len(ends) - 1))] if ends else 0.0
    sizes = sorted(it.line.size for it in items if it.line is not None)
    b.body_size = sizes[len(sizes) // 2] if sizes else 0.0
    last: tuple[int, ...] = (0,)
    i = 0
    while i < len(items):
        it = items[i]
        if it.table is not None:
            b.add_table(it.table)
            i += 1
            continue
        head = heading_of(items, i, last)
        if head is not None:
            number, title, used = head
            b.open_section(number, title, [x.line for x in items[i:i + used]])
            last = tuple(int(x) for x in number.split("."))
            i += used
            continue
        if b.current is not None:
            b.add_line(it.line)
        i += 1
    b.flush()
    return b.sections, b.out.text
