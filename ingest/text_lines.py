"""Decoding a text label and cleaning its PDF-extraction artefacts, line by line.

The original text is never changed: every cleaned line remembers its number
and character offsets in the original so quotes can be taken from it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import UnreadableInput

BULLET_GLYPHS = "\uf0b7\u2022\u25cf\u25aa\u2023\u2043\uf0a7\uf0d8"
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?\s*$", re.I)
_URL_ONLY = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$", re.I)
_SUB_BULLET = re.compile(r"^\s*o\s+(?=\S)")
_DASH_BULLET = re.compile(r"^\s*[-–]\s+(?=\S)")


@dataclass
class Line:
    number: int  # 1-based
    start: int  # char offset of the first char in the original
    end: int  # char offset after the last char (before the newline)
    raw: str  # as in the file
    text: str  # cleaned (bullet glyphs removed, whitespace folded)
    bullet: bool = False
    artefact: str | None = None  # "page-number" | "url" | None
    leading_space: bool = False

    @property
    def blank(self) -> bool:
        return not self.text and self.artefact is None


def decode(data: bytes, path: str) -> str:
    """Bytes -> text; refuses empty, binary and undecodable input with the line."""
    if not data.strip():
        raise UnreadableInput("file is empty", path)
    if b"\x00" in data[:65536]:
        raise UnreadableInput("file is binary (contains NUL bytes), not a text label", path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            line = data[: exc.start].count(b"\n") + 1
            raise UnreadableInput(f"not valid UTF-8 text (byte {exc.start})", path, line) from exc
    controls = len(_CONTROLS.findall(text, 0, 65536))
    if controls > 0.01 * min(len(text), 65536):
        raise UnreadableInput("file looks binary (control characters), not a text label", path)
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Unicode category Cc (U+0000-U+001F, U+007F-U+009F) but for line feed, carriage return, tab and form feed
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    for i, raw in enumerate(text.split("\n"), start=1):
        end = pos + len(raw)
        lines.append(_clean(i, pos, end, raw))
        pos = end + 1
    _mark_page_numbers(lines)
    return lines


_BULLET_PREFIX = re.compile(r"^\s*(?:o|[-–])\s+")
_BLANKS = re.compile(r"[ \t]+")


def _clean(number: int, start: int, end: int, raw: str) -> Line:
    s = raw.replace("\f", " ").replace("\u00a0", " ")
    leading = bool(s) and s[0] == " " and bool(s.strip())
    bullet = False
    stripped = s.strip()
    if stripped and stripped[0] in BULLET_GLYPHS:
        bullet = True
        stripped = stripped[1:].strip()
    elif _SUB_BULLET.match(s) or _DASH_BULLET.match(s):
        bullet = True
        stripped = _BULLET_PREFIX.sub("", s).strip()
    if not stripped.isascii():  # bullet glyphs are not ASCII: most lines have none to replace
        for g in BULLET_GLYPHS:
            stripped = stripped.replace(g, " ")
    text = _BLANKS.sub(" ", stripped).strip() if ("  " in stripped or "\t" in stripped) else stripped.strip()
    artefact = "url" if _URL_ONLY.match(text) else None
    return Line(number, start, end, raw, text, bullet, artefact, leading)



def _mark_page_numbers(lines: list[Line]) -> None:
    """A lone number with nothing but blank lines around it is a page number."""
    n = len(lines)
    for i, ln in enumerate(lines):
        if not ln.text or not _PAGE_NUMBER.match(ln.text):
            continue
        prev = next((j for j in range(i - 1, -1, -1) if lines[j].text), -1)
        nxt = next((j for j in range(i + 1, n) if lines[j].text), n)
        if i - prev >= 2 and nxt - i >= 2:
            ln.artefact = "page-number"


def is_double_spaced(lines: list[Line]) -> bool:
    """True when the extraction put an empty line after almost every text line.

    The evidence is a sentence wrapped mid-way: a line that does not end a
    sentence followed by one starting in lower case. If most such wraps have a
    blank line between them, single blank lines are layout, not paragraph breaks.
    """
    text_idx = [i for i, ln in enumerate(lines) if ln.text]
    wraps = []
    for a, b in zip(text_idx, text_idx[1:]):
        first, second = lines[a].text, lines[b].text
        if b - a <= 3 and not first.endswith((".", ":", ";", "!", "?")) and second[:1].islower():
            wraps.append(b - a)
    if len(wraps) < 5:
        return False
    return sum(1 for g in wraps if g == 2) > 0.6 * len(wraps)


def typical_width(lines: list[Line]) -> int:
    """The length of a full printed line (90th percentile of text line lengths)."""
    widths = sorted(len(ln.text) for ln in lines if ln.text)
    return widths[int(0.9 * (len(widths) - 1))] if widths else 80


def join_lines(texts: list[str], vocabulary: set[str] | None = None) -> str:
    """Join wrapped lines; re-join words split by a hyphen at a line end.

    ``immune effector cell-`` + ``associated`` keeps the hyphen (a compound);
    ``dis-`` + ``order`` drops it when ``disorder`` occurs elsewhere in the
    document (``vocabulary``), since only then is the split known to be layout.
    """
    out = ""
    for t in texts:
        if not t:
            continue
        if not out:
            out = t
            continue
        split = _split_word_end(out)
        if split is not None and t[:1].islower():
            word = split + _LEADING_LETTERS.match(t).group(0)  # type: ignore[union-attr]
            if vocabulary is not None and word.lower() in vocabulary:
                out = out[:-1] + t
            else:
                out = out + t
        else:
            out = out + " " + t
    return out


_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_LEADING_LETTERS = re.compile(r"[A-Za-z]*")
_WORD3 = re.compile(r"[A-Za-z]{3,}")


def _split_word_end(text: str) -> str | None:
    """The letters before a hyphen that ends ``text`` (two or more), as
    ``re.search(r"([A-Za-z]{2,})-$", text)`` finds them, read from the end instead of searching
    the whole joined paragraph again for every line (a line text holds no newline)."""
    if not text.endswith("-"):
        return None
    end = start = len(text) - 1
    while start > 0 and text[start - 1] in _ASCII_LETTERS:
        start -= 1
    return text[start:end] if end - start >= 2 else None


def vocabulary_of(lines: list[Line]) -> set[str]:
    """The words of three or more letters of ``lines``, lower case (one pass over their texts)."""
    return {w.lower() for w in _WORD3.findall("\n".join(ln.text for ln in lines))}
