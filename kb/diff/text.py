"""Passage-level text diff per section, with word-level highlighting.

Each section's passages are compared as one stream of words, so a paragraph
that was re-wrapped, split or joined at a page break, re-bulleted or
re-hyphenated shows no change: words are compared by a layout-free key
(:func:`kb.diff.model.word_key`). A difference becomes one hunk holding the
passages it touches on both sides (their quotes and lines) and the word
operations to highlight.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from kb.diff.core_facts import Passage, SectionText
from kb.diff.model import Change, SourceRef, similarity, word_key
from kb.diff.model import layout_free as fold


@dataclass
class Hunk:
    before: list[Passage]
    after: list[Passage]
    words: list[tuple[str, str]]  # ("equal"|"delete"|"insert", text)


@dataclass
class SectionDiff:
    key: str
    title: str
    status: str  # added | removed | changed
    hunks: list[Hunk] = field(default_factory=list)
    before_key: str | None = None


def _tokens(st: SectionText | None) -> list[tuple[str, str, int]]:
    out = []
    if st is None:
        return out
    for i, p in enumerate(st.passages):
        for w in fold(p.text).split(" "):
            if not w:
                continue
            if out and out[-1][1].endswith("-") and out[-1][1][:-1][-1:].isalpha() and w[:1].islower():
                # a word split by a hyphen across a page or passage break
                prev = out.pop()
                w = prev[1] + w
                i_first = prev[2]
                out.append((word_key(w), w, i_first))
                continue
            out.append((word_key(w), w, i))
    return out


def word_ops(a: list[tuple[str, str, int]], b: list[tuple[str, str, int]]) -> list[tuple[str, str]]:
    """Word operations turning ``a`` into ``b``, adjacent runs merged."""
    sm = SequenceMatcher(None, [t[0] for t in a], [t[0] for t in b], autojunk=False)
    ops: list[tuple[str, str]] = []

    def push(op: str, words: list[str]):
        if not words:
            return
        text = " ".join(words)
        if ops and ops[-1][0] == op:
            ops[-1] = (op, ops[-1][1] + " " + text)
        else:
            ops.append((op, text))

    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            push("equal", [t[1] for t in b[j1:j2]])
        else:
            push("delete", [t[1] for t in a[i1:i2]])
            push("insert", [t[1] for t in b[j1:j2]])
    return ops


def _touched(x: list, i1: int, i2: int, y: list, j1: int, j2: int) -> set[int]:
    """Passages of ``x`` an operation touches: its own words, or, for a pure insertion
    into a passage of ``y`` that keeps other words, the aligned passage of ``x``."""
    own = {t[2] for t in x[i1:i2]}
    if own or j1 == j2:
        return own
    if 0 < j1 < len(y) and 0 < i1 and y[j1 - 1][2] == y[j1][2]:
        return {x[i1 - 1][2]}
    if 0 < j2 < len(y) and i1 < len(x) and y[j2][2] == y[j2 - 1][2]:
        return {x[i1][2]}
    return set()


def _hunks(a_st: SectionText | None, b_st: SectionText | None) -> list[Hunk]:
    a, b = _tokens(a_st), _tokens(b_st)
    sm = SequenceMatcher(None, [t[0] for t in a], [t[0] for t in b], autojunk=False)
    groups: list[tuple[set[int], set[int]]] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        pa = _touched(a, i1, i2, b, j1, j2)
        pb = _touched(b, j1, j2, a, i1, i2)
        if groups and (groups[-1][0] & pa or groups[-1][1] & pb):
            groups[-1][0].update(pa)
            groups[-1][1].update(pb)
        else:
            groups.append((set(pa), set(pb)))
    out = []
    for pa, pb in groups:
        ta = [t for t in a if t[2] in pa]
        tb = [t for t in b if t[2] in pb]
        out.append(Hunk([a_st.passages[i] for i in sorted(pa)] if a_st else [],
                        [b_st.passages[i] for i in sorted(pb)] if b_st else [], word_ops(ta, tb)))
    return out


def _pair_sections(a: dict[str, SectionText], b: dict[str, SectionText]) -> list[tuple[SectionText | None, SectionText | None]]:
    """Sections by key; an unmatched sub-heading pairs with a renamed one of the same
    numbered section when their text is nearly the same."""
    pairs = [(a[k], b[k]) for k in a if k in b]
    only_a = [a[k] for k in a if k not in b]
    only_b = [b[k] for k in b if k not in a]
    cands = []
    for x in only_a:
        for y in only_b:
            if x.key.split("/")[0] != y.key.split("/")[0]:
                continue
            s = similarity(" ".join(p.text for p in x.passages), " ".join(p.text for p in y.passages))
            if s >= 0.8:
                cands.append((-s, tuple(sorted((x.key, y.key))), x, y))
    used = set()
    for _, _, x, y in sorted(cands, key=lambda c: (c[0], c[1])):
        if x.key in used or ("b", y.key) in used:
            continue
        used.update({x.key, ("b", y.key)})
        pairs.append((x, y))
    pairs += [(x, None) for x in only_a if x.key not in used]
    pairs += [(None, y) for y in only_b if ("b", y.key) not in used]
    return pairs


def _order(pair) -> tuple:
    st = pair[1] or pair[0]
    return (st.order, st.key)


def diff_sections(a: dict[str, SectionText], b: dict[str, SectionText]) -> list[SectionDiff]:
    out = []
    for x, y in sorted(_pair_sections(a, b), key=_order):
        hunks = _hunks(x, y)
        if not hunks and (x is None or y is None):
            continue  # an empty section appearing or going is layout, not content
        if not hunks:
            continue
        status = "added" if x is None else "removed" if y is None else "changed"
        st = y or x
        out.append(SectionDiff(st.key, st.title, status, hunks, x.key if x is not None and y is not None
                               and x.key != y.key else None))
    return out


def _span(ps: list[Passage]) -> SourceRef | None:
    if not ps:
        return None
    first, last = ps[0].source, ps[-1].source
    return SourceRef(first.section, first.line_start, last.line_end, "\n".join(p.source.quote for p in ps),
                     first.fact)


def text_changes(diffs: list[SectionDiff]) -> list[Change]:
    """One ``text`` change per hunk: both passages' texts, quotes and lines, and the word operations."""
    out = []
    for sd in diffs:
        for h in sd.hunks:
            before = " ".join(fold(p.text) for p in h.before) or None
            after = " ".join(fold(p.text) for p in h.after) or None
            change = "added" if before is None else "removed" if after is None else "changed"
            out.append(Change("text", change, f"{sd.key} {sd.title}".strip(), "passage", before, after,
                              _span(h.before), _span(h.after), None, None, h.words))
    return out
