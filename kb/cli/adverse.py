"""`kb` commands of this area (placeholder; the area's owner fills it)."""
from __future__ import annotations

import click


def register(main: click.Group) -> None:
    return None
