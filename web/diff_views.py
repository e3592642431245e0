"""The label diff for the web: `/api/diff?from=&to=[&force=1]` (the JSON of `kb diff --json`)
and the diff page's data (changes grouped by kind, word highlighting, links to both versions).
Only calls kb services; results are cached per pair of stored versions."""
from __future__ import annotations

import threading

from flask import current_app
from werkzeug.exceptions import BadRequest

from web.app_kb import get_kb

_LOCK = threading.Lock()
CACHE_SIZE = 16


def _flag(raw) -> bool:
    if raw in (None, "", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise BadRequest(f"force must be true or false, got {raw!r}")


def diff_answer(args) -> tuple[dict, object, object]:
    """(the diff as `kb diff --json` prints it, from-ref, to-ref); unknown versions 404, other products 400."""
    from kb.diff.compare import diff_labels

    a, b = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if not a or not b:
        raise BadRequest("from and to are required (label@version, as /api/labels lists them)")
    force = _flag(args.get("force"))
    kb = get_kb()
    ref_a, ref_b = kb.resolve(a), kb.resolve(b)
    key = (ref_a.iri, ref_a.ingested_at, ref_b.iri, ref_b.ingested_at, force)
    cache = current_app.extensions.setdefault("diff_cache", {})
    with _LOCK:
        hit = cache.get(key)
    if hit is None:
        hit = diff_labels(kb, ref_a.name, ref_b.name, force=force).as_dict()
        with _LOCK:
            if len(cache) >= CACHE_SIZE:
                cache.pop(next(iter(cache)))
            cache[key] = hit
    return hit, ref_a, ref_b


KIND_TITLES = {
    "indication": "Indications", "contraindication": "Contraindications", "warning": "Warnings and precautions",
    "adverse_reaction": "Adverse reactions", "dosing": "Dosing", "product": "Product particulars",
    "text": "Other text changes",
}


def grouped(answer: dict) -> list[dict]:
    groups: dict[str, list] = {}
    for c in answer["changes"]:
        groups.setdefault(c["kind"], []).append(c)
    order = list(KIND_TITLES)
    return [{"kind": k, "title": KIND_TITLES.get(k, k), "changes": v}
            for k, v in sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)]


def default_pair(refs) -> tuple[str, str] | None:
    """The two latest versions of the first label that has two (for the page without a choice)."""
    by_label: dict[str, list] = {}
    for r in refs:
        by_label.setdefault(r.label_id, []).append(r)
    for versions in by_label.values():
        if len(versions) >= 2:
            return versions[-2].name, versions[-1].name
    return None
