"""Matching facts of two versions by meaning, and the changes of a matched pair.

Two facts are the same thing when their generic keys are equal (a warning's
normalised title, an excipient's component and name, an adverse reaction's
organ class and term), or, failing that, when they are similar enough by
content (text similarity, population fields). Matching is symmetric: swapping
the versions swaps added/removed and before/after and nothing else.
"""
from __future__ import annotations

from typing import Callable

from kb.diff.model import Change, Fact, similarity, text_key

Score = Callable[[Fact, Fact], float]

TEXT_FIELDS = ("text",)


def text_score(a: Fact, b: Fact) -> float:
    return similarity(a.text, b.text)


def fields_score(a: Fact, b: Fact) -> float:
    """Share of structured fields (not text) with equal values, blended with text similarity."""
    names = [n for n in set(a.fields) | set(b.fields) if n not in TEXT_FIELDS]
    same = sum(1 for n in names if a.fields.get(n) == b.fields.get(n))
    share = same / len(names) if names else 0.0
    return 0.5 * share + 0.5 * similarity(a.text, b.text)


def _content(f: Fact) -> tuple:
    return (f.kind, f.group, text_key(f.text), tuple(sorted((k, text_key(v) if v else "") for k, v in f.fields.items())))


def _pair_key(a: Fact, b: Fact) -> tuple:
    return tuple(sorted((a.iri, b.iri)))


def match(before: list[Fact], after: list[Fact], score: Score | None, threshold: float,
          second_key: Callable[[Fact], str] | None = None):
    """-> (pairs, removed, added). Key equality first, then an optional second key, then best score."""
    pairs: list[tuple[Fact, Fact]] = []
    left, right = list(before), list(after)
    # identical content in the same group is the same thing, whatever its key
    by_content: dict[tuple, list[Fact]] = {}
    for f in right:
        by_content.setdefault(_content(f), []).append(f)
    for f in list(left):
        same = by_content.get(_content(f))
        if same:
            g = same.pop(0)
            pairs.append((f, g))
            left.remove(f)
            right.remove(g)
    for keyfn in [lambda f: f.key] + ([second_key] if second_key else []):
        idx_a: dict[tuple, list[Fact]] = {}
        idx_b: dict[tuple, list[Fact]] = {}
        for f in left:
            k = keyfn(f)
            if k:
                idx_a.setdefault((f.group, k), []).append(f)
        for f in right:
            k = keyfn(f)
            if k:
                idx_b.setdefault((f.group, k), []).append(f)
        for k, fa in idx_a.items():
            fb = idx_b.get(k, [])
            if len(fa) == 1 and len(fb) == 1:
                pairs.append((fa[0], fb[0]))
                left.remove(fa[0])
                right.remove(fb[0])
    if score is not None and left and right:
        cands = []
        for a in left:
            for b in right:
                if a.group != b.group:
                    continue
                s = score(a, b)
                if s >= threshold:
                    cands.append((-round(s, 9), _pair_key(a, b), a, b))
        cands.sort(key=lambda c: (c[0], c[1]))
        used_a, used_b = set(), set()
        for _, _, a, b in cands:
            if id(a) in used_a or id(b) in used_b:
                continue
            used_a.add(id(a))
            used_b.add(id(b))
            pairs.append((a, b))
        left = [f for f in left if id(f) not in used_a]
        right = [f for f in right if id(f) not in used_b]
    return pairs, left, right


def _same(name: str, x: str | None, y: str | None) -> bool:
    if x is None or y is None:
        return x is None and y is None
    return text_key(x) == text_key(y) if name in TEXT_FIELDS or len(x) > 40 else x == y


def subject_of(a: Fact, b: Fact) -> str:
    """One name for a matched pair, the same whichever version comes first."""
    return a.subject if a.subject == b.subject else min(a.subject, b.subject)


def compare(a: Fact, b: Fact, rename_field: str | None = None) -> list[Change]:
    """Changes between two matched facts, one per differing field.

    The free text is reported only when no structured field changed (a changed
    dose already explains its sentence). A differing ``rename_field`` (a
    warning's title) is a rename; a difference only in ``move_field`` is a move.
    """
    subject = subject_of(a, b)
    names = sorted(set(a.fields) | set(b.fields), key=lambda n: (list(a.fields) + list(b.fields)).index(n))
    diffs = [n for n in names if not _same(n, a.fields.get(n), b.fields.get(n))
             and b.fields.get(n) not in a.possible.get(n, ()) and a.fields.get(n) not in b.possible.get(n, ())]
    structured = [n for n in diffs if n not in TEXT_FIELDS and n != rename_field]
    out = []
    for n in diffs:
        if n in TEXT_FIELDS and structured:
            continue
        if n == rename_field:
            kind = "renamed"
        elif a.move_field and n == a.move_field and structured == [n]:
            kind = "moved"
        else:
            kind = "changed"
        out.append(Change(a.kind, kind, subject, n, a.fields.get(n), b.fields.get(n),
                          a.source_for(n), b.source_for(n), a.iri, b.iri))
    return out


def added(f: Fact) -> Change:
    return Change(f.kind, "added", f.subject, None, None, f.fields.get("text") or f.text or None,
                  None, f.source, None, f.iri)


def removed(f: Fact) -> Change:
    return Change(f.kind, "removed", f.subject, None, f.fields.get("text") or f.text or None, None,
                  f.source, None, f.iri, None)


def diff_facts(before: list[Fact], after: list[Fact], score: Score | None, threshold: float,
               rename_field: str | None = None, second_key=None) -> list[Change]:
    pairs, gone, new = match(before, after, score, threshold, second_key)
    changes: list[Change] = []
    for a, b in pairs:
        changes.extend(compare(a, b, rename_field))
    changes.extend(removed(f) for f in gone)
    changes.extend(added(f) for f in new)
    return changes
