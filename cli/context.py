"""What every command shares: the exit codes, :func:`fail` (one line, or the JSON error shape,
and the exit code), and the lazily opened knowledge base of a command (:class:`CliContext`)."""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field

import click

from cli.conventions import wants_json

EXIT_OK = 0
EXIT_INTERNAL = 1  # a crash or an unavailable store
EXIT_BAD_INPUT = 2  # unreadable file, not an SmPC, unknown label, bad option (click uses 2 too)
EXIT_NOT_CONFORMING = 3  # the label was read but its graph violates the SHACL shapes


def default_store() -> str:
    from kb.service import default_store as per_user_store

    return per_user_store()


@dataclass
class CliContext:
    store: str
    log_level: int = 30  # logging.WARNING; -v/-q change it
    _kb: object | None = field(default=None, repr=False)

    @property
    def kb(self):
        if self._kb is None:
            from kb.service import KnowledgeBase

            remote = self.store.startswith(("http://", "https://"))
            try:  # a CLI command reads one snapshot when a server holds the store (docs/store.md)
                self._kb = KnowledgeBase(self.store, store_options={} if remote else {"follow_writers": False})
                # the search backend, as for `kb serve` (web/settings.py SEARCH_BACKEND declares it)
                self._kb.search_backend = os.environ.get("KB_SEARCH_BACKEND") or None
                self._kb.store  # open now so an unusable or unreachable store fails here, clearly
            except Exception as exc:  # noqa: BLE001 - the boundary turns it into one line
                from ingest.errors import KbError
                from kb.store.interface import StoreUnavailable

                status = exc.status if isinstance(exc, KbError) else 500
                message = str(exc) if isinstance(exc, StoreUnavailable) else f"cannot open store {self.store}: {exc}"
                fail(message, EXIT_BAD_INPUT if status < 500 else EXIT_INTERNAL)
        return self._kb

    @property
    def writer(self):
        """The knowledge base for a command that stores or removes label versions: its search
        index follows through the hooks (loaded only then: whoosh adds ~0.3 s to a start)."""
        kb = self.kb
        from kb.search.whoosh_index import attach

        attach(kb, sync=False)
        return kb

    def ensure_default(self):
        """The knowledge base, with the bundled labels ingested if the store holds none."""
        if not self.kb.labels():
            self.writer.ensure_default()
        return self.kb


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    if wants_json():
        click.echo(json.dumps({"ok": False, "error": message, "status": code}, ensure_ascii=False))
    else:
        click.echo(f"kb: error: {message}", err=True)
    sys.exit(code)
