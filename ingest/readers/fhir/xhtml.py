"""FHIR narrative XHTML (``text.div``) -> blocks: paragraphs, list items, tables.

Structure is kept, not flattened: every ``<p>``/``<li>``/heading becomes one
:class:`Block` with its own element path (``div/p[3]``, ``div/ul[1]/li[2]``),
tables become :class:`HtmlTable` (a :class:`~ingest.records.Table` that also
keeps one :class:`~ingest.records.Source` per line of every cell). A one-cell
table is a layout box: its content is read as ordinary paragraphs.

Text rendering: whitespace folded; ``<sup>``/``<sub>`` inline ("mg/m2", the
way a PDF extraction reads) except inside table cells, where a superscript is
written with Unicode superscripts ("Lymphoma¹") so footnote markers stay
distinguishable from the term. Images that stand for a symbol (by alt, title,
file name or context, see ``ontology/data/xhtml-symbols.json``) become that
symbol; other images are dropped from the text and reported as
:class:`ImageNote` (never indexed as text). Active content is never text:
``<script>``, ``<style>`` and the other elements FHIR forbids in narrative
(frames, objects, forms, links) are removed with everything inside them, and
event-handler attributes (``onclick`` ...) are ignored; each is reported as a
:class:`DroppedNote` (:mod:`ingest.readers.fhir.xhtml_active`).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from ingest.readers.fhir.safe_xml import XNode
from ingest.readers.fhir.xhtml_active import DroppedNote, strip_active
from ingest.records import Source, Table
from ingest.scheme import load_json
from ingest.text_lines import BULLET_GLYPHS

MakeSource = Callable[[int, int, str, str], Source]  # (start, end, quote, locator)

_PARAGRAPH_TAGS = {"p", "li", "dt", "dd", "pre", "caption", "h1", "h2", "h3", "h4", "h5", "h6"}
_CONTAINER_TAGS = {"div", "section", "blockquote", "article", "td", "th", "body", "dl", "thead", "tbody", "tfoot"}
_EMPHASIS_TAGS = {"b", "strong", "i", "em", "u"}
_SUPERSCRIPT = str.maketrans("0123456789+-=()abcdefghijklmnoprstuvwxyz*",
                             "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ*")
_DASH_BULLET = re.compile(r"^[-–]\s+(?=\S)")
_SPACES = re.compile(r"[^\S\n]+")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")


@dataclass
class HtmlTable(Table):
    """A table from XHTML. ``rows[i][j]`` is the cell text with one line per
    paragraph of the cell; ``cell_sources[i][j]`` holds one Source per line."""

    cell_sources: list[list[list[Source]]] = field(default_factory=list)
    header_sources: list[Source] = field(default_factory=list)


@dataclass
class ImageNote:
    locator: str
    src: str
    source: Source
    symbol: str | None = None
    rule: str | None = None  # how the symbol was decided: "alt", "title", "file-name", a context rule


@dataclass
class Block:
    kind: str  # paragraph | list-item | heading | table-row | table
    text: str
    source: Source
    emphasis: bool = False  # all of the text is bold / italic / underlined
    runin: str | None = None  # an emphasised lead-in ending in ':' ("Psoriasis")
    table: HtmlTable | None = None


@dataclass
class _Ctx:
    prefix: str
    make_source: MakeSource
    images: list[ImageNote] = field(default_factory=list)


def read_div(div: XNode, prefix: str, make_source: MakeSource,
             dropped: list[DroppedNote] | None = None) -> tuple[list[Block], list[ImageNote]]:
    """Blocks of a narrative ``div`` in document order, and notes on its images.

    ``prefix`` is the FHIR path of the div ("Composition.section[3].text.div");
    ``make_source(start, end, quote, locator)`` turns offsets in the parsed
    XHTML into a Source in the original file. Active content is removed from
    ``div`` first; what was removed is appended to ``dropped``."""
    notes = strip_active(div, prefix)
    if dropped is not None:
        dropped.extend(notes)
    ctx = _Ctx(prefix, make_source)
    out: list[Block] = []
    _blocks(div, prefix, ctx, out, cell=False)
    return out, ctx.images


# ---------------------------------------------------------------- block level


def _blocks(node: XNode, loc: str, ctx: _Ctx, out: list[Block], cell: bool) -> None:
    counts: Counter[str] = Counter()
    lead = [node.text]  # loose text before the pending inline children
    loose: list[XNode] = []  # inline children at block level (mixed content)

    def flush() -> None:
        if loose or lead[0].strip():
            run = XNode("span", node.ns, {}, node.line, node.start, node.end, node.inner_start, node.inner_end,
                        text=lead[0], children=list(loose))
            text = _render(run, ctx, loc, cell)
            if text:
                out.append(Block("paragraph", text, ctx.make_source(node.inner_start, node.inner_end, text, loc)))
        loose.clear()

    for child in node.children:
        counts[child.tag] += 1
        cloc = f"{loc}/{child.tag}[{counts[child.tag]}]"
        block = True
        if child.tag in _PARAGRAPH_TAGS:
            flush()
            _paragraph(child, cloc, ctx, out, cell)
        elif child.tag in ("ul", "ol"):
            flush()
            _list(child, cloc, ctx, out, cell)
        elif child.tag == "table":
            flush()
            _table_block(child, cloc, ctx, out, cell)
        elif child.tag in _CONTAINER_TAGS:
            flush()
            _blocks(child, cloc, ctx, out, cell)
        elif child.tag == "img" and not loose and not lead[0].strip() and not child.tail.strip():
            flush()
            _note_image(child, cloc, ctx, "", "", "")
        else:
            block = False
            loose.append(child)
        if block:
            lead[0] = child.tail
    flush()


def _list(node: XNode, loc: str, ctx: _Ctx, out: list[Block], cell: bool) -> None:
    counts: Counter[str] = Counter()
    for li in node.children:
        counts[li.tag] += 1
        cloc = f"{loc}/{li.tag}[{counts[li.tag]}]"
        if li.tag != "li":
            _blocks(li, cloc, ctx, out, cell)
            continue
        if any(c.tag in ("ul", "ol", "p", "div", "table") for c in li.children):
            sub: list[Block] = []
            _blocks(li, cloc, ctx, sub, cell)  # an item with paragraphs or a nested list
            for i, b in enumerate(sub):
                if b.kind == "paragraph" and (i == 0 or b.source.locator == cloc):
                    b.kind = "list-item"
            out.extend(sub)
            continue
        text = _render(li, ctx, cloc, cell)
        if text:
            out.append(Block("list-item", _strip_bullet(text)[0], ctx.make_source(li.inner_start, li.inner_end, text, cloc)))


def _paragraph(node: XNode, loc: str, ctx: _Ctx, out: list[Block], cell: bool) -> None:
    if any(c.tag in ("table", "ul", "ol", "p", "div") for c in node.children):
        _blocks(node, loc, ctx, out, cell)  # invalid nesting, still read it
        return
    text = _render(node, ctx, loc, cell)
    if not text:
        return
    kind = "heading" if node.tag in ("h1", "h2", "h3", "h4", "h5", "h6") else "paragraph"
    if node.tag == "li":
        kind = "list-item"
    text, bullet = _strip_bullet(text)
    if bullet:
        kind = "list-item"
    block = Block(kind, text, ctx.make_source(node.inner_start, node.inner_end, text, loc))
    if not cell:
        block.emphasis = _emphasis_only(node)
        block.runin = None if block.emphasis else _runin(node)
    out.append(block)


def _strip_bullet(text: str) -> tuple[str, bool]:
    if text[:1] in BULLET_GLYPHS:
        return text[1:].strip(), True
    if _DASH_BULLET.match(text):
        return _DASH_BULLET.sub("", text), True
    return text, False


# ---------------------------------------------------------------- emphasis


def _outside_emphasis(node: XNode) -> str:
    parts = [node.text]
    for c in node.children:
        if c.tag not in _EMPHASIS_TAGS:
            parts.append(_outside_emphasis(c))
        parts.append(c.tail)
    return "".join(parts)


def _emphasis_only(node: XNode) -> bool:
    """The paragraph is a heading by typography: all its words are emphasised."""
    inside = node.itertext().strip()
    return bool(inside) and not _outside_emphasis(node).strip(" \t\n\u00a0:") and not any(
        c.tag == "img" for c in node.iter())


def _runin(node: XNode) -> str | None:
    """An emphasised lead-in: <p><b>Psoriasis:</b> It is recommended ...</p>."""
    if node.text.strip():
        return None
    first = next((c for c in node.children if c.itertext().strip()), None)
    if first is None or first.tag not in _EMPHASIS_TAGS:
        return None
    if any(c is not first and c.itertext().strip() for c in node.children[: node.children.index(first)]):
        return None
    lead = " ".join(first.itertext().split())
    rest = first.tail + "".join(c.itertext() + c.tail for c in node.children[node.children.index(first) + 1 :])
    if lead.endswith(":") and rest.strip():
        return lead.rstrip(": ")
    if rest.lstrip().startswith(":") and rest.strip(" :\n\t"):
        return lead.rstrip(": ")
    return None


# ---------------------------------------------------------------- inline text


def _render(node: XNode, ctx: _Ctx, loc: str, cell: bool) -> str:
    imgs: list[tuple[XNode, str]] = []
    raw = _inline(node, imgs, cell, loc)
    text = _SPACES.sub(" ", raw.replace("\u00a0", " "))
    text = "\n".join(part.strip() for part in text.split("\n")) if cell else " ".join(text.split())

    def resolve(m: re.Match) -> str:
        img, iloc = imgs[int(m.group(1))]
        before = _PLACEHOLDER.sub("", text[: m.start()])
        after = _PLACEHOLDER.sub("", text[m.end() :])
        note = _note_image(img, iloc, ctx, before, after, _PLACEHOLDER.sub("", text))
        return note.symbol or ""

    text = _PLACEHOLDER.sub(resolve, text)
    text = _SPACES.sub(" ", text)
    if cell:
        return "\n".join(x.strip() for x in text.split("\n") if x.strip())
    return text.strip()


def _inline(node: XNode, imgs: list, cell: bool, loc: str) -> str:
    parts = [node.text]
    counts: Counter[str] = Counter()
    for c in node.children:
        counts[c.tag] += 1
        cloc = f"{loc}/{c.tag}[{counts[c.tag]}]"
        if c.tag == "img":
            imgs.append((c, cloc))
            parts.append(f"\x00{len(imgs) - 1}\x00")
        elif c.tag == "br":
            parts.append("\n" if cell else " ")
        elif c.tag in ("sup", "sub"):
            s = _inline(c, imgs, cell, cloc)
            sup = " ".join(s.split()).lower()
            if cell and c.tag == "sup" and sup and all(ch in "0123456789,*abcdefghijklmnoprstuvwxyz +-=()" for ch in sup):
                s = sup.replace(" ", "").translate(_SUPERSCRIPT)
            elif not cell and not "".join(parts).strip():
                s += " "  # a footnote marker opening a paragraph: "1 Can be reversible"
            parts.append(s)
        elif c.tag in _PARAGRAPH_TAGS or c.tag in _CONTAINER_TAGS:
            parts.append("\n" + _inline(c, imgs, cell, cloc) + "\n")
        else:
            parts.append(_inline(c, imgs, cell, cloc))
        parts.append(c.tail)
    return "".join(parts)


# ---------------------------------------------------------------- images


@lru_cache(maxsize=1)
def _symbols() -> tuple[dict[str, str], list[dict]]:
    data = load_json("xhtml-symbols.json")
    names = {n.lower(): sym for sym, ns in data["names"].items() for n in ns}
    return names, data["contexts"]


def _note_image(img: XNode, loc: str, ctx: _Ctx, before: str, after: str, paragraph: str) -> ImageNote:
    names, contexts = _symbols()
    src = img.attrs.get("src", "")
    symbol = rule = None
    for attr in ("alt", "title"):
        val = " ".join(img.attrs.get(attr, "").split()).lower()
        if val in names:
            symbol, rule = names[val], attr
            break
    if symbol is None and src and not src.startswith("data:"):
        stem = re.sub(r"\.[a-z0-9]+$", "", src.rsplit("/", 1)[-1].lower())
        for word in [stem, *re.split(r"[^a-z0-9<>=+-]+", stem)]:
            if word in names:
                symbol, rule = names[word], "file-name"
                break
    if symbol is None:
        for c in contexts:
            if (re.search(c["paragraph"], paragraph, re.I) and re.search(c["before"], before, re.I)
                    and re.search(c["after"], after, re.I)):
                symbol, rule = c["symbol"], c["name"]
                break
    shown = src if not src.startswith("data:") else f"embedded {src[5:].split(';')[0].split(',')[0] or 'data'}"
    note = ImageNote(loc, shown, ctx.make_source(img.start, img.end, symbol or "", loc), symbol, rule)
    ctx.images.append(note)
    return note


# ---------------------------------------------------------------- tables


def _rows(table: XNode, loc: str) -> list[tuple[XNode, str, bool]]:
    """(tr, locator, in_thead) in order, looking inside thead/tbody/tfoot."""
    out = []
    counts: Counter[str] = Counter()
    for c in table.children:
        counts[c.tag] += 1
        cloc = f"{loc}/{c.tag}[{counts[c.tag]}]"
        if c.tag == "tr":
            out.append((c, cloc, False))
        elif c.tag in ("thead", "tbody", "tfoot"):
            n = 0
            for tr in c.findall("tr"):
                n += 1
                out.append((tr, f"{cloc}/tr[{n}]", c.tag == "thead"))
    return out


def _span(node: XNode, attr: str) -> int:
    try:
        return max(1, min(50, int(node.attrs.get(attr, "") or 1)))
    except ValueError:
        return 1


def _table_block(node: XNode, loc: str, ctx: _Ctx, out: list[Block], cell: bool) -> None:
    rows = _rows(node, loc)
    grid: list[list[tuple[str, list[Source]] | None]] = []
    header_rows = 0
    for r, (tr, rloc, in_head) in enumerate(rows):
        while len(grid) <= r:
            grid.append([])
        counts: Counter[str] = Counter()
        col = 0
        cells = [c for c in tr.children if c.tag in ("td", "th")]
        if in_head or (cells and all(c.tag == "th" for c in cells) and r == header_rows):
            header_rows = r + 1
        for c in tr.children:
            if c.tag not in ("td", "th"):
                continue
            counts[c.tag] += 1
            cloc = f"{rloc}/{c.tag}[{counts[c.tag]}]"
            sub: list[Block] = []
            _blocks(c, cloc, ctx, sub, cell=True)
            lines = [(ln, b.source) for b in sub for ln in b.text.split("\n") if ln.strip()]
            value = ("\n".join(t for t, _ in lines), [s for _, s in lines])
            while col < len(grid[r]) and grid[r][col] is not None:
                col += 1
            for dr in range(_span(c, "rowspan")):
                while len(grid) <= r + dr:
                    grid.append([])
                row = grid[r + dr]
                for dc in range(_span(c, "colspan")):
                    while len(row) <= col + dc:
                        row.append(None)
                    row[col + dc] = value
            col += _span(c, "colspan")
    width = max((len(r) for r in grid), default=0)
    if width <= 1:  # a layout box (one column): read its content as paragraphs
        for tr, rloc, _ in rows:
            _blocks(tr, rloc, ctx, out, cell)
        return
    texts = [[(c or ("", []))[0] for c in row] + [""] * (width - len(row)) for row in grid]
    srcs = [[(c or ("", []))[1] for c in row] + [[]] * (width - len(row)) for row in grid]
    if header_rows == 0 and len(grid) >= 2:
        header_rows = 1
    header = [" ".join(t.split()) for t in texts[0]] if header_rows else []
    caption_node = node.find("caption")
    caption = " ".join(caption_node.itertext().split()) if caption_node is not None else None
    quote = "\n".join(" | ".join(t.replace("\n", "; ") for t in row) for row in texts)
    table = HtmlTable(caption, header, texts[header_rows:],
                      ctx.make_source(node.inner_start, node.inner_end, quote, loc),
                      cell_sources=srcs[header_rows:],
                      header_sources=[s[0] if s else ctx.make_source(node.inner_start, node.inner_start, "", loc)
                                      for s in srcs[0]] if header_rows else [])
    out.append(Block("table", caption or "", table.source, table=table))
    for (tr, rloc, _), row in zip(rows, texts):
        text = " | ".join(t.replace("\n", "; ") for t in row)
        if text.strip(" |;"):
            out.append(Block("table-row", text, ctx.make_source(tr.inner_start, tr.inner_end, text, rloc)))
