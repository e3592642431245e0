"""The `kb` command line: one group, a global ``--store``, one module per area.

Each area module (``kb/cli/<area>.py``) has ``register(main)`` adding its
commands. Commands get the knowledge base with ``ctx.obj.kb`` (a
:class:`kb.service.KnowledgeBase`, opened lazily) and report domain errors
through :func:`fail`, which prints one line on stderr and exits with a code
that tells 'bad input' from 'does not conform' from 'internal error'.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

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
    _kb: object | None = field(default=None, repr=False)
    store_options: dict = field(default_factory=dict)  # a remote store's update/GSP URLs and timeout

    @property
    def kb(self):
        if self._kb is None:
            from kb.service import KnowledgeBase

            try:
                self._kb = KnowledgeBase(self.store, store_options=self.store_options)
                self._kb.store  # open now so a locked or unreachable store fails here, clearly
            except Exception as exc:  # noqa: BLE001 - the boundary turns it into one line
                fail(f"cannot open store {self.store}: {exc}", EXIT_INTERNAL)
            from kb.search import attach

            attach(self._kb, sync=False)  # ingest/remove update the search index through the hooks
        return self._kb


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    click.echo(f"kb: error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store", envvar="KB_STORE", default=default_store, show_default="per-user data directory",
    help="Store location: a directory (embedded Oxigraph store) or an http(s) SPARQL endpoint URL. Env: KB_STORE.",
)
@click.option("--store-update", envvar="KB_STORE_UPDATE", default=None, metavar="URL",
              help="A remote store's SPARQL update endpoint, when it is not the --store URL. Env: KB_STORE_UPDATE.")
@click.option("--store-graphs", envvar="KB_STORE_GRAPHS", default=None, metavar="URL",
              help="A remote store's Graph Store Protocol endpoint (optional; faster reads). Env: KB_STORE_GRAPHS.")
@click.option("--store-timeout", envvar="KB_STORE_TIMEOUT", default=None, type=click.FloatRange(min=0.1),
              metavar="SECONDS", help="Give up on a remote store that has not answered within this time (default 60). "
              "Env: KB_STORE_TIMEOUT.")
@click.pass_context
def main(ctx: click.Context, store: str, store_update: str | None, store_graphs: str | None,
         store_timeout: float | None) -> None:
    """smpc-kb: drug labels (SmPC) as a validated, searchable knowledge graph.

    \b
    --store takes a directory, or a SPARQL 1.1 endpoint:
      http://host:7878         Oxigraph's layout (/query, /update, /store)
      http://host:8890/sparql  one URL for queries and updates (Virtuoso, Fuseki, ...);
                               add --store-update / --store-graphs for separate endpoints
    """
    from kb.store_remote import remote_options

    try:
        options = remote_options(store, update_url=store_update, store_url=store_graphs, timeout_s=store_timeout)
    except ValueError as exc:
        fail(str(exc))
    ctx.obj = CliContext(store, store_options=options)
    ctx.call_on_close(lambda: ctx.obj._kb.close() if ctx.obj._kb is not None else None)


def _register_all() -> None:
    from . import adverse, core, diff, dosing, search, serve

    for module in (core, adverse, dosing, search, serve, diff):
        module.register(main)


_register_all()
