"""Search results as JSON-ready dicts: safe highlighted snippets, scores, links.

A snippet is the passage text HTML-escaped, with only ``<mark>`` elements added
around the words that matched (after the same analysis as the index: stems,
spelling variants, hyphen compounds).
"""
from __future__ import annotations

import html
from urllib.parse import quote

from ingest.errors import KbError

SNIPPET_CHARS = 320
# a table entry ranks below a warning or paragraph that answers the same words
PASSAGE_WEIGHT = {"table-row": 0.5}


class RankedPage(list):
    """One page of hits (``total``: every hit of the query, ranked)."""

    total = 0


def ranked_page(results, page: int, pagesize: int) -> RankedPage:
    """All scored hits re-ranked by passage kind, then the page asked for; ``total`` agrees with them."""
    scored = [(float(h.score) * PASSAGE_WEIGHT.get(h.get("passage_kind") or "", 1.0), -i, h)
              for i, h in enumerate(results)]
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    out = RankedPage(_Scored(h, sc) for sc, _, h in scored[(page - 1) * pagesize: page * pagesize])
    out.total = len(scored)
    return out


class _Scored:
    """A whoosh hit with its ranked score."""

    def __init__(self, hit, score: float):
        self.hit, self.score = hit, score

    def fields(self) -> dict:
        return self.hit.fields()


class SearchError(KbError, ValueError):
    """A search request we cannot answer as asked; ``status`` is the HTTP status (4xx)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def damerau(a: str, b: str) -> int:
    """Optimal string alignment distance (edits, with adjacent transpositions counting one)."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


_TOKENS: dict[tuple[int, str], list[tuple[str, int, int]]] = {}
_TOKENS_MAX = 20_000  # passages whose analysis is kept (the same passages answer many searches)


def _tokens(text: str, analyzer) -> list[tuple[str, int, int]]:
    key = (id(analyzer), text)
    got = _TOKENS.get(key)
    if got is None:
        got = [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True, positions=True)]
        if len(_TOKENS) >= _TOKENS_MAX:
            _TOKENS.pop(next(iter(_TOKENS)))  # the oldest entry
        _TOKENS[key] = got
    return got


def match_ranges(text: str, terms: set[str], analyzer) -> list[tuple[int, int]]:
    """Character ranges of the words of ``text`` whose analysed form is in ``terms`` (merged)."""
    spans = sorted((s, e) for t, s, e in _tokens(text, analyzer) if t in terms)
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def _window(text: str, ranges: list[tuple[int, int]], size: int) -> tuple[int, int]:
    if len(text) <= size:
        return 0, len(text)
    best, best_start = -1, 0
    for s, _ in ranges or [(0, 0)]:
        start = max(0, min(s - size // 4, len(text) - size))
        n = sum(1 for a, b in ranges if a >= start and b <= start + size)
        if n > best:
            best, best_start = n, start
    start, end = best_start, min(len(text), best_start + size)
    if start > 0:
        sp = text.find(" ", start)
        start = sp + 1 if 0 <= sp < start + 30 else start
    if end < len(text):
        sp = text.rfind(" ", end - 30, end)
        end = sp if sp > start else end
    return start, end


def highlight(text: str, terms: set[str], analyzer, size: int = SNIPPET_CHARS) -> str:
    """Escaped ``text`` (a window of it when long) with matches in ``<mark>``."""
    ranges = match_ranges(text, terms, analyzer)
    start, end = _window(text, ranges, size)
    out = ["\u2026 " if start > 0 else ""]
    pos = start
    for s, e in ranges:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    if end < len(text):
        out.append(" \u2026")
    return "".join(out)


def hit_path(label: str, version: str, section: str, anchor: str | None = None) -> str:
    """Web path of a passage: its section page, opened at the passage's anchor."""
    path = f"/labels/{quote(label, safe='')}@{quote(version, safe='')}/sections/{quote(section, safe='')}"
    return path + (f"#{anchor}" if anchor else "")


def build_response(text, hits, page, pages, facets, corrections, terms, analyzer, hit_path, pagesize) -> dict:
    results = []
    for hit in hits:
        f = hit.fields()
        results.append({
            "label": f["label"], "version": f["version"], "label_title": f.get("label_title"),
            "section": f["section"], "section_key": f.get("section_key"),
            "title": f.get("section_title") or f.get("title"),
            "heading": f.get("title") if f.get("title") != f.get("section_title") else None,
            "kind": f["kind"], "fact": f.get("fact") or None, "fact_label": f.get("fact_label") or None,
            "passage_kind": f.get("passage_kind"),
            "snippet": highlight(f.get("body", ""), terms, analyzer),
            "title_html": highlight(f.get("title", ""), terms, analyzer, size=10_000),
            "score": round(float(hit.score), 4),
            "url": hit_path(f["label"], f["version"], f["section"], f.get("anchor")),
            "anchor": f.get("anchor"), "line": f.get("line"), "graph": f.get("graph"),
        })
    return {
        "query": text, "total": hits.total, "page": page, "pages": pages,
        "page_size": pagesize, "results": results, "facets": facets,
        "corrections": corrections,
    }
