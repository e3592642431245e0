"""Formats of a :class:`kb.diff.compare.LabelDiff`: JSON, a terminal report, HTML.

* :func:`to_json` — the API shape ``{"from", "to", "changes": [...], "sections": [...]}``.
* :func:`terminal_lines` — (text, style) pairs; the CLI colours them with click
  when writing to a terminal (this module does not import click).
* :func:`html_fragment` / :func:`html_page` — the changes grouped by kind with
  both quotes, and the word-highlighted section text diff; every label text is
  escaped. The web layer embeds the fragment or serves the page.
"""
from __future__ import annotations

import json
from html import escape

from kb.diff.model import Change

KIND_TITLES = {
    "indication": "Indications", "contraindication": "Contraindications", "warning": "Warnings and precautions",
    "adverse_reaction": "Adverse reactions", "dosing": "Dosing", "product": "Product particulars",
    "text": "Other text changes",
}
STYLE = {"added": "green", "removed": "red", "changed": "yellow", "renamed": "cyan", "moved": "magenta"}
SIGN = {"added": "+", "removed": "-", "changed": "~", "renamed": ">", "moved": ">"}


def to_json(diff, indent: int | None = 2) -> str:
    return json.dumps(diff.as_dict(), indent=indent, ensure_ascii=False)


def _short(text: str | None, n: int = 160) -> str:
    t = (text or "").replace("\n", " ")
    return t if len(t) <= n else t[: n - 1] + "…"


def _where(c: Change) -> str:
    parts = []
    for side, s in (("before", c.before_source), ("after", c.after_source)):
        if s is not None:
            parts.append(f"{side}: {s.section} lines {s.line_start}-{s.line_end}")
    return "; ".join(parts)


def terminal_lines(diff, *, quotes: bool = False) -> list[tuple[str, str | None]]:
    """The readable report as (line, colour) pairs (colour None = plain)."""
    out: list[tuple[str, str | None]] = [
        (f"diff {diff.before.name} -> {diff.after.name}", "bold"),
    ]
    if diff.forced:
        out.append(("  (forced: these are labels of different products)", "red"))
    groups = diff.by_kind()
    if not groups:
        out.append(("no changes", None))
        return out
    out.append(("  " + ", ".join(f"{len(v)} {k.replace('_', ' ')}" for k, v in groups.items()), None))
    for kind, changes in groups.items():
        out.append(("", None))
        out.append((f"{KIND_TITLES.get(kind, kind)} ({len(changes)})", "bold"))
        for c in changes:
            head = f"  {SIGN[c.change]} {c.change:<8} {c.subject}"
            if c.field:
                head += f" — {c.field}"
            out.append((head, STYLE[c.change]))
            if c.kind == "text" and c.words:
                out.append(("      " + _words_plain(c.words), None))
            elif c.change in ("changed", "renamed", "moved"):
                out.append((f"      {_short(c.before)}  =>  {_short(c.after)}", None))
            else:
                out.append((f"      {_short(c.before if c.change == 'removed' else c.after)}", None))
            out.append((f"      [{_where(c)}]", "dim"))
            if quotes:
                for side, s in (("before", c.before_source), ("after", c.after_source)):
                    if s is not None:
                        out.append((f"      {side} quote: \"{_short(' '.join(s.quote.split()), 300)}\"", "dim"))
            for r in c.related:
                out.append((f"      related: {r.kind} {r.change} {r.subject}", "dim"))
    return out


def _words_plain(words: list[tuple[str, str]], context: int = 8) -> str:
    """Word ops as text: [-deleted-] {+inserted+}, long equal runs shortened."""
    parts = []
    for i, (op, text) in enumerate(words):
        if op == "equal":
            w = text.split(" ")
            if len(w) > 2 * context:
                keep_head = i > 0
                keep_tail = i < len(words) - 1
                text = " ".join((w[:context] if keep_head else []) + ["…"] + (w[-context:] if keep_tail else []))
            parts.append(text)
        elif op == "delete":
            parts.append(f"[-{text}-]")
        else:
            parts.append(f"{{+{text}+}}")
    return " ".join(parts)


def terminal_text(diff, **kw) -> str:
    return "\n".join(line for line, _ in terminal_lines(diff, **kw))


# -- HTML -----------------------------------------------------------------
def _words_html(words: list[tuple[str, str]]) -> str:
    tag = {"delete": "del", "insert": "ins"}
    return " ".join(f"<{tag[op]}>{escape(t)}</{tag[op]}>" if op in tag else escape(t) for op, t in words)


def _quote_html(side: str, s) -> str:
    if s is None:
        return ""
    return (f'<div class="quote {side}"><span class="where">{side}: section {escape(s.section)}, lines '
            f'{s.line_start}-{s.line_end}</span><blockquote>{escape(" ".join(s.quote.split()))}</blockquote></div>')


def html_fragment(diff) -> str:
    """The diff as an HTML fragment (a <section class="label-diff">), text escaped."""
    h = [f'<section class="label-diff"><h2>Changes from {escape(diff.before.name)} to {escape(diff.after.name)}</h2>']
    if diff.forced:
        h.append('<p class="forced">Forced comparison of labels of different products.</p>')
    groups = diff.by_kind()
    if not groups:
        h.append('<p class="no-changes">No changes.</p>')
    for kind, changes in groups.items():
        h.append(f'<h3 id="kind-{kind}">{escape(KIND_TITLES.get(kind, kind))} ({len(changes)})</h3><ul class="changes">')
        for c in changes:
            field = f' <span class="field">{escape(c.field)}</span>' if c.field else ""
            h.append(f'<li class="change {c.change}"><span class="badge {c.change}">{c.change}</span> '
                     f'<span class="subject">{escape(c.subject)}</span>{field}')
            if c.words:
                h.append(f'<p class="words">{_words_html(c.words)}</p>')
            elif c.change in ("changed", "renamed", "moved"):
                h.append(f'<p class="values"><del>{escape(c.before or "")}</del> &rarr; <ins>{escape(c.after or "")}</ins></p>')
            h.append(_quote_html("before", c.before_source) + _quote_html("after", c.after_source))
            for r in c.related:
                h.append(f'<p class="related">related: {escape(r.kind)} {escape(r.change)} {escape(r.subject)}</p>')
            h.append("</li>")
        h.append("</ul>")
    if diff.sections:
        h.append('<h3 id="text">Text by section</h3>')
        for sd in diff.sections:
            h.append(f'<details class="section-diff {sd.status}"><summary>{escape(sd.key)} {escape(sd.title)} '
                     f'({sd.status})</summary>')
            for hk in sd.hunks:
                lines = [f"{p.source.line_start}-{p.source.line_end}" for p in hk.before + hk.after]
                h.append(f'<p class="words" title="lines {escape(", ".join(lines))}">{_words_html(hk.words)}</p>')
            h.append("</details>")
    h.append("</section>")
    return "\n".join(h)


CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
ins{background:#d7f5dd;text-decoration:none}del{background:#fbd9d9}
.badge{font-size:.75rem;padding:0 .4rem;border-radius:.3rem;background:#eee;text-transform:uppercase}
.badge.added{background:#d7f5dd}.badge.removed{background:#fbd9d9}.badge.changed{background:#fff1c2}
.badge.renamed,.badge.moved{background:#e3e0fb}.field{color:#555;font-style:italic}
.quote{font-size:.85rem;color:#444}.quote blockquote{margin:.2rem 0 .4rem 1rem;border-left:3px solid #ccc;padding-left:.5rem}
li.change{margin-bottom:.8rem}.where{color:#777}
"""


def html_page(diff) -> str:
    title = f"Label diff {escape(diff.before.name)} → {escape(diff.after.name)}"
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{CSS}</style></head><body>{html_fragment(diff)}</body></html>")
