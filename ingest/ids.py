"""Stable, readable identifiers for records (slugs, unique within a label)."""
from __future__ import annotations

import hashlib
import re

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(text: str, limit: int = 60) -> str:
    s = _NON_ALNUM.sub("-", text.lower()).strip("-")[:limit].strip("-")
    return s or hashlib.sha1(text.encode()).hexdigest()[:10]


class IdMaker:
    """Hands out slugs, adding -2, -3 ... when a slug repeats."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, text: str, limit: int = 60) -> str:
        base = slugify(text, limit)
        n = self._seen.get(base, 0) + 1
        self._seen[base] = n
        return base if n == 1 else f"{base}-{n}"
