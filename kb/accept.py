"""HTTP preference headers (``Accept``, ``Accept-Encoding``) read once, the same way everywhere.

``parse`` gives every entry with its ``q`` in preference order (higher ``q`` first, then the
order written). Entries with ``q=0`` are kept: they are an explicit refusal ("not this one"),
which a wildcard elsewhere in the header must not override (RFC 9110 section 12.4.2).
Used by :func:`kb.sparql.safety.negotiate` and by the web layer's gzip decision.
"""
from __future__ import annotations


def parse(header: str | None) -> list[tuple[str, float]]:
    """``[(lower-cased name, q), ...]`` best first; a malformed ``q`` counts as 0, q is clamped to [0, 1]."""
    out = []
    for i, part in enumerate((header or "").split(",")):
        bits = [b.strip() for b in part.split(";")]
        if not bits[0]:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.lower().startswith("q="):
                try:
                    q = min(max(float(b[2:]), 0.0), 1.0)
                except ValueError:
                    q = 0.0
                if q != q:  # NaN
                    q = 0.0
        out.append((bits[0].lower(), q, -i))
    out.sort(key=lambda t: (t[1], t[2]), reverse=True)
    return [(m, q) for m, q, _ in out]


def refused(entries: list[tuple[str, float]]) -> set[str]:
    """The names the client refused outright (``q=0``)."""
    return {m for m, q in entries if q == 0}


def quality(entries: list[tuple[str, float]], names: tuple[str, ...], wildcard: str = "*") -> float:
    """The ``q`` the client gives any of ``names``; the wildcard's only when none of them is named; 0 if neither."""
    named = [q for m, q in entries if m in names]
    if named:
        return max(named)
    wild = [q for m, q in entries if m == wildcard]
    return max(wild) if wild else 0.0
