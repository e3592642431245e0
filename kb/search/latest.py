"""The latest-versions search index: each label's latest version only, beside the index of every
version (same generation directory, whoosh index name ``latest``).

The default search scope reads this index, so its cost follows the number of labels, not the
number of stored versions (a version filter applied after matching still walks every version's
postings). After each commit to the full index, :func:`refresh_latest` compares, per label, the
latest version's marker in both indexes and copies that version's stored documents over when
they differ; a process killed between the two commits is repaired by the next ``sync``.
"""
from __future__ import annotations

from kb.rdf.latest_versions import version_order

MARKER = "_label"


def read_markers(searcher) -> dict[str, dict]:
    """graph IRI -> the marker document's stored fields, for every version in an index."""
    return {d["graph"]: d for d in (searcher.stored_fields(n) for n in searcher.document_numbers(kind=MARKER))}


def latest_markers(markers: dict[str, dict], by_label: dict[str, list[dict]] | None = None) -> dict[str, dict]:
    """label id -> the marker of its latest version (the same default as KnowledgeBase.resolve)."""

    if by_label is None:
        by_label = {}
        for m in markers.values():
            by_label.setdefault(m["label"], []).append(m)
    return {lid: max(ms, key=lambda m: version_order(m.get("version_date"), m["version"], m.get("stamp")))
            for lid, ms in by_label.items()}


def refresh_latest(full_ix, latest_ix, add_stored) -> int:
    """Make ``latest_ix`` hold exactly each label's latest version of ``full_ix``; returns the
    number of labels rewritten (one commit for all of them)."""
    with full_ix.searcher() as fs, latest_ix.searcher() as ls:
        want = latest_markers(read_markers(fs))
        have = {m["label"]: m for m in read_markers(ls).values()}
        todo = [lid for lid in sorted(set(want) | set(have))
                if lid not in want or lid not in have
                or (want[lid]["graph"], want[lid].get("stamp")) != (have[lid]["graph"], have[lid].get("stamp"))]
        if not todo:
            return 0
        with latest_ix.writer(timeout=30.0) as w:
            for lid in todo:
                w.delete_by_term("label", lid)
                if lid in want:
                    for fields in fs.documents(graph=want[lid]["graph"]):
                        add_stored(w, dict(fields))
    return len(todo)
