"""Label-update diff: what changed between two versions of one product's label.

``diff_graphs(g_from, g_to)`` compares two label-version graphs (as stored, or
built in memory) and returns a :class:`LabelDiff`: fact-level changes grouped
by kind (indications, contraindications, warnings, adverse reactions, dosing,
product particulars), matched by meaning, each with both quotes; and a
passage-level text diff per section that ignores layout. Text changes already
explained by a fact change (same section, overlapping lines) are not repeated
in ``changes``; they stay in ``sections`` for the word-level view.

``diff_labels(kb, "label@v1", "label@v2")`` loads both versions from the store.
Formats: :mod:`kb.diff.report`; RDF changeset: :mod:`kb.diff.changeset`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from rdflib import Graph

from ingest.errors import KbError
from kb.diff import core_facts as F
from kb.diff.adverse_dosing_facts import SPECS as EXTRA_SPECS
from kb.diff.match import diff_facts, fields_score, text_score
from kb.diff.model import KINDS, Change, norm_name
from kb.diff.text import SectionDiff, diff_sections, text_changes


class DiffRefused(KbError, ValueError):
    """The two versions are of different products (and the diff was not forced)."""

    status = 400


@dataclass
class LabelDiff:
    before: F.LabelMeta
    after: F.LabelMeta
    changes: list[Change] = field(default_factory=list)
    sections: list[SectionDiff] = field(default_factory=list)
    forced: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    def by_kind(self) -> dict[str, list[Change]]:
        out: dict[str, list[Change]] = {k: [] for k in KINDS}
        for c in self.changes:
            out.setdefault(c.kind, []).append(c)
        return {k: v for k, v in out.items() if v}

    def as_dict(self) -> dict:
        return {
            "from": self.before.name, "to": self.after.name,
            "labels": {"from": self.before.as_dict(), "to": self.after.as_dict()},
            "forced": self.forced,
            "summary": {k: len(v) for k, v in self.by_kind().items()},
            "changes": [c.as_dict() for c in self.changes],
            "sections": [{"key": s.key, "title": s.title, "status": s.status, "before_key": s.before_key,
                          "hunks": [{"words": [list(w) for w in h.words],
                                     "before": [p.source.as_dict("before") | {"text": p.text} for p in h.before],
                                     "after": [p.source.as_dict("after") | {"text": p.text} for p in h.after]}
                                    for h in s.hunks]}
                         for s in self.sections],
        }


# -- fact kinds: (extractor, score, threshold, rename field, second key) ----------
CORE_SPECS = [
    (F.indications, fields_score, 0.55, None, None),
    (F.contraindications, text_score, 0.6, None, None),
    (F.warnings, text_score, 0.8, "title", None),
    (F.product, None, 1.0, None, None),
    (F.storage_statements, text_score, 0.5, None, None),
]


def same_product(a: F.LabelMeta, b: F.LabelMeta) -> bool:
    """Same label id, or the same product name and active substance."""
    if a.label_id and a.label_id == b.label_id:
        return True
    names = norm_name(a.product_name), norm_name(b.product_name)
    subs = norm_name(a.active_substance), norm_name(b.active_substance)
    return bool(names[0]) and names[0] == names[1] and subs[0] == subs[1]


def _overlaps(c: Change, facts: list[Change]) -> bool:
    for f in facts:
        for mine, theirs in ((c.before_source, f.before_source), (c.after_source, f.after_source)):
            if mine is None or theirs is None:
                continue
            if mine.section.split("/")[0] != theirs.section.split("/")[0]:
                continue
            if mine.line_start <= theirs.line_end and theirs.line_start <= mine.line_end:
                return True
    return False


def _drop_explained_text(changes: list[Change]) -> list[Change]:
    """A changed number explains its sentence: drop a fact's ``text`` change when a
    structured change of the same kind was read from overlapping lines."""
    structured = [c for c in changes if c.change == "changed" and c.field not in ("text", None)]
    return [c for c in changes if not (c.change == "changed" and c.field == "text" and
                                       _overlaps(c, [s for s in structured if s.kind == c.kind]))]


def _inside(inner, outer) -> bool:
    return (inner is not None and outer is not None and inner.section == outer.section
            and outer.line_start <= inner.line_start and inner.line_end <= outer.line_end)


def _fold_consequences(changes: list[Change]) -> list[Change]:
    """A fact of another kind read from inside an added or removed fact's text (a
    regimen's link to a new indication) is a consequence: kept under ``related``."""
    whole = [c for c in changes if c.change in ("added", "removed")]
    out = []
    for c in changes:
        rank = KINDS.index(c.kind)
        host = next((w for w in whole if KINDS.index(w.kind) < rank and w.change == c.change and
                     (_inside(c.after_source, w.after_source) or _inside(c.before_source, w.before_source))), None)
        if host is None:
            out.append(c)
        else:
            host.related.append(c)
    return out


def diff_graphs(g_from: Graph, g_to: Graph, *, force: bool = False) -> LabelDiff:
    t0 = time.perf_counter()
    before, after = F.label_meta(g_from), F.label_meta(g_to)
    if not same_product(before, after) and not force:
        raise DiffRefused(
            f"{before.name} ({before.product_name or before.label_id}) and {after.name} "
            f"({after.product_name or after.label_id}) are labels of different products; "
            "a diff compares versions of one product (use --force / force=true to compare anyway)")
    result = LabelDiff(before, after, forced=not same_product(before, after))
    changes: list[Change] = []
    for extract, score, threshold, rename, second in CORE_SPECS + EXTRA_SPECS:
        changes.extend(diff_facts(extract(g_from), extract(g_to), score, threshold, rename, second))
    changes = _fold_consequences(_drop_explained_text(changes))
    t1 = time.perf_counter()
    result.sections = diff_sections(F.sections(g_from), F.sections(g_to))
    texts = [c for c in text_changes(result.sections) if not _overlaps(c, changes)]
    result.changes = sort_changes(changes + texts)
    result.timings = {"facts": t1 - t0, "text": time.perf_counter() - t1}
    return result


def _section_order(key: str) -> tuple:
    head = key.split(" ")[0].split("/")[0]
    try:
        return tuple(int(x) for x in head.split("."))
    except ValueError:
        return (999,)


def sort_changes(changes: list[Change]) -> list[Change]:
    def k(c: Change):
        src = c.after_source or c.before_source
        return (KINDS.index(c.kind) if c.kind in KINDS else 99, _section_order(src.section) if src else (999,),
                src.line_start if src else 0, c.subject, c.field or "", c.change)
    return sorted(changes, key=k)


def diff_labels(kb, spec_from: str, spec_to: str, *, force: bool = False) -> LabelDiff:
    """Diff two stored versions named ``label@version`` (see :meth:`KnowledgeBase.resolve`)."""
    t0 = time.perf_counter()
    ref_a, ref_b = kb.resolve(spec_from), kb.resolve(spec_to)
    from kb.diff.graph import load_version

    ga = load_version(kb.store, ref_a.iri)
    gb = ga if ref_b.iri == ref_a.iri else load_version(kb.store, ref_b.iri)  # a version against itself: read once
    t1 = time.perf_counter()
    result = diff_graphs(ga, gb, force=force)
    result.timings = {"load": t1 - t0, **result.timings}
    return result

