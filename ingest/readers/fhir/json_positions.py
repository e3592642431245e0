"""JSON with positions: where each string value sits in the original text.

``json.loads`` forgets positions; provenance needs them (a quote's character
span in the bundle). :func:`load` validates with ``json.loads`` (its error
messages carry line and column), then walks the text once more and records the
span of every string value by its path, e.g.
``("entry", 0, "resource", "section", 3, "text", "div")``.
:func:`string_map` maps a character of the decoded string back to the raw text.
"""
from __future__ import annotations

import json
import re
from json.decoder import scanstring

from ingest.errors import UnreadableInput

_WS = re.compile(r"[ \t\n\r]*")
_LITERAL = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")

Path = tuple


def load(text: str, path: str) -> tuple[object, dict[Path, tuple[int, int]]]:
    """(value, spans): spans maps a path to (start, end) of its raw token
    (for strings: from the opening to after the closing quote; for objects and
    arrays: the brackets)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableInput(f"malformed JSON: {exc.msg} (column {exc.colno})", path, exc.lineno) from exc
    except RecursionError as exc:
        raise UnreadableInput("malformed JSON: nested too deeply", path) from exc
    spans: dict[Path, tuple[int, int]] = {}
    _walk(text, _WS.match(text, 0).end(), (), spans)
    return value, spans


def _walk(s: str, i: int, path: Path, spans: dict) -> int:
    c = s[i]
    if c == '"':
        _, j = scanstring(s, i + 1)
        spans[path] = (i, j)
        return j
    if c == "{":
        start = i
        i = _WS.match(s, i + 1).end()
        if s[i] == "}":
            spans[path] = (start, i + 1)
            return i + 1
        while True:
            key, i = scanstring(s, i + 1)
            i = _WS.match(s, i).end() + 1  # the colon
            i = _WS.match(s, i).end()
            i = _WS.match(s, _walk(s, i, path + (key,), spans)).end()
            if s[i] == "}":
                spans[path] = (start, i + 1)
                return i + 1
            i = _WS.match(s, i + 1).end()  # after the comma
    if c == "[":
        start = i
        i = _WS.match(s, i + 1).end()
        k = 0
        if s[i] == "]":
            spans[path] = (start, i + 1)
            return i + 1
        while True:
            i = _WS.match(s, _walk(s, i, path + (k,), spans)).end()
            k += 1
            if s[i] == "]":
                spans[path] = (start, i + 1)
                return i + 1
            i = _WS.match(s, i + 1).end()
    m = _LITERAL.match(s, i)
    return m.end()


def string_map(s: str, quote_at: int) -> list[int]:
    """For the JSON string token whose opening quote is at ``quote_at``:
    element k is the raw offset of decoded character k; the last element is
    the offset of the closing quote."""
    out: list[int] = []
    i = quote_at + 1
    while s[i] != '"':
        out.append(i)
        if s[i] != "\\":
            i += 1
        elif s[i + 1] != "u":
            i += 2
        else:
            code = int(s[i + 2 : i + 6], 16)
            if 0xD800 <= code < 0xDC00 and s[i + 6 : i + 8] == "\\u" and 0xDC00 <= int(s[i + 8 : i + 12], 16) < 0xE000:
                i += 12
            else:
                i += 6
    out.append(i)
    return out
