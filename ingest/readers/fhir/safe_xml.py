"""A small, safe XML tree with positions: element spans as character offsets.

``xml.etree.ElementTree`` does not report where an element sits in the file,
and provenance needs that, so this builds its own tree with the same parser
underneath (``xml.parsers.expat``). Safety first: any ``<!DOCTYPE`` or
``<!ENTITY`` is refused before parsing (entity-expansion attacks hang parsers),
and the parser refuses them again if they slip past the byte check. Named HTML
entities that XML does not define (``&nbsp;``) are read as their characters.
"""
from __future__ import annotations

import bisect
import html.entities
import re
import xml.parsers.expat as expat
from dataclasses import dataclass, field

from ingest.errors import UnreadableInput

_UNSAFE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)


@dataclass
class XNode:
    """An element: local name, namespace, attributes, children and text.

    ``start``/``end`` span the whole element, ``inner_start``/``inner_end``
    its content, as character offsets into the text that was parsed.
    ``text`` is the character data before the first child, ``tail`` the data
    after this element and before its next sibling (as in ElementTree).
    """

    tag: str
    ns: str
    attrs: dict[str, str]
    line: int
    start: int
    end: int = 0
    inner_start: int = 0
    inner_end: int = 0
    text: str = ""
    tail: str = ""
    children: list["XNode"] = field(default_factory=list)

    def find(self, tag: str) -> "XNode | None":
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list["XNode"]:
        return [c for c in self.children if c.tag == tag]

    def iter(self):
        yield self
        for c in self.children:
            yield from c.iter()

    def itertext(self) -> str:
        return self.text + "".join(c.itertext() + c.tail for c in self.children)


def refuse_unsafe(data: bytes, path: str, what: str = "XML") -> None:
    m = _UNSAFE.search(data)
    if m:
        line = data[: m.start()].count(b"\n") + 1
        raise UnreadableInput(
            f"{what} contains a <!{m.group(1).decode().upper()} declaration; refused "
            "(DTDs and entity declarations are not accepted: entity-expansion risk)",
            path,
            line,
        )


class _CharIndex:
    """Byte offset -> character offset for UTF-8 data."""

    def __init__(self, data: bytes):
        self.ascii = data.isascii()
        if not self.ascii:
            text = data.decode("utf-8", errors="replace")
            self.byte_starts = []
            pos = 0
            for ch in text:
                self.byte_starts.append(pos)
                pos += len(ch.encode("utf-8", errors="replace"))
            self.byte_starts.append(pos)

    def __call__(self, b: int) -> int:
        if self.ascii:
            return b
        return bisect.bisect_left(self.byte_starts, b)


def _tag_end(data: bytes, i: int) -> int:
    """Offset just after the '>' closing the tag that starts at ``i`` (quotes respected)."""
    quote = 0
    n = len(data)
    while i < n:
        c = data[i]
        if quote:
            if c == quote:
                quote = 0
        elif c in (0x22, 0x27):
            quote = c
        elif c == 0x3E:
            return i + 1
        i += 1
    return n


def parse(data: bytes, path: str, what: str = "XML", line_offset: int = 0) -> XNode:
    """Parse ``data`` (UTF-8 XML) into an :class:`XNode` tree; clear errors for bad input.

    ``line_offset`` is added to line numbers in error messages (for XML that is
    embedded in another file, e.g. the XHTML of a JSON bundle)."""
    refuse_unsafe(data, path, what)
    chars = _CharIndex(data)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.UseForeignDTD(True)  # undefined entities are skipped, not fatal ...
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)  # ... and nothing is fetched
    stack: list[XNode] = []
    root: list[XNode] = []

    def add_text(s: str) -> None:
        if not stack:
            return
        top = stack[-1]
        if top.children:
            top.children[-1].tail += s
        else:
            top.text += s

    def start(name: str, attrs: dict[str, str]) -> None:
        ns, _, local = name.rpartition(" ")
        b = parser.CurrentByteIndex
        inner = _tag_end(data, b)
        node = XNode(local, ns, {k.rpartition(" ")[2]: v for k, v in attrs.items()},
                     parser.CurrentLineNumber, chars(b), inner_start=chars(inner))
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(name: str) -> None:
        node = stack.pop()
        b = parser.CurrentByteIndex
        if data[b : b + 2] == b"</":
            node.inner_end = chars(b)
            node.end = chars(_tag_end(data, b))
        else:  # an empty element <x/>: expat reports its start or its end
            stop = _tag_end(data, b) if chars(b) == node.start else b
            node.end = chars(stop)
            node.inner_start = node.inner_end = node.end

    def skipped(name: str, is_param: bool) -> None:
        ch = html.entities.html5.get(name + ";") or html.entities.html5.get(name)
        if ch is None:
            raise UnreadableInput(f"{what}: undefined entity &{name};", path, parser.CurrentLineNumber + line_offset)
        add_text(ch)

    def refuse(*_a) -> None:
        raise UnreadableInput(f"{what}: DTD or entity declaration refused", path, parser.CurrentLineNumber + line_offset)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = add_text
    parser.SkippedEntityHandler = skipped
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise UnreadableInput(
            f"malformed {what}: {expat.ErrorString(exc.code)} (column {exc.offset + 1})",
            path,
            (exc.lineno or 0) + line_offset,
        ) from exc
    if not root:
        raise UnreadableInput(f"{what}: no element found", path)
    return root[0]
