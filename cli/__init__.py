"""The `kb` command line: one group, a global ``--store``, one module per area.

Each area module (``cli/<area>.py``) has ``register(main)`` adding its
commands. Commands get the knowledge base with ``ctx.obj.kb`` (a
:class:`kb.service.KnowledgeBase`, opened lazily) and report domain errors
through :func:`fail`, which prints one line on stderr and exits with a code
that tells 'bad input' from 'does not conform' from 'internal error'.  Under
``--json`` (or ``--format json``) the error is ``{"ok": false, "error", "status"}``
on stdout instead, with the same exit code.

Conventions (cli/conventions.py): ``--version``, ``-v``/``-q`` log level,
colour only on a terminal and never with NO_COLOR, a closed pipe ends quietly.
"""
from __future__ import annotations

import click

from cli import adverse, batch, core, diff, dosing, search, serve
from cli.context import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_NOT_CONFORMING,
    EXIT_OK,
    CliContext,
    default_store,
    fail,
)
from cli.conventions import ENV_HELP, KbGroup, setup_logging

__all__ = ["main", "fail", "default_store", "EXIT_OK", "EXIT_INTERNAL", "EXIT_BAD_INPUT", "EXIT_NOT_CONFORMING",
           "CliContext"]


@click.group(cls=KbGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=ENV_HELP)
@click.version_option(None, "--version", package_name="smpc-kb", prog_name="kb",
                      message="%(prog)s (smpc-kb) %(version)s")
@click.option(
    "--store", envvar="KB_STORE", default=default_store, show_default="per-user data directory",
    help="Store location: a directory (embedded Oxigraph store) or an http(s) SPARQL endpoint URL. Env: KB_STORE.",
)
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.pass_context
def main(ctx: click.Context, store: str, verbose: int, quiet: bool) -> None:
    """smpc-kb: drug labels (SmPC) as a validated, searchable knowledge graph."""
    ctx.obj = CliContext(store, setup_logging(ctx, verbose, quiet))
    ctx.call_on_close(lambda: ctx.obj._kb.close() if ctx.obj._kb is not None else None)


for _module in (core, batch, adverse, dosing, search, serve, diff):
    _module.register(main)


# -- a remote store's other endpoints (issue 15 item 4) ---------------------------------------
# Added to the group here, not in its signature: they configure kb.store.remote's defaults for
# every RemoteStore this process opens (they do nothing for a directory store).

def _remote_store_option(ctx: click.Context, param: click.Parameter, value):
    if value is None:
        return None
    from kb.store.remote import configure

    try:
        configure(**{param.name: value})
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    return value


for _option in (
    click.Option(["--store-update", "update_url"], envvar="KB_STORE_UPDATE", metavar="URL", expose_value=False,
                 callback=_remote_store_option,
                 help="A remote store's SPARQL update endpoint, when it is not the --store URL. "
                      "Env: KB_STORE_UPDATE (default: derived from --store)."),
    click.Option(["--store-graphs", "store_url"], envvar="KB_STORE_GRAPHS", metavar="URL", expose_value=False,
                 callback=_remote_store_option,
                 help="A remote store's Graph Store Protocol endpoint (optional; faster reads). "
                      "Env: KB_STORE_GRAPHS (default: none, or Oxigraph's /store)."),
    click.Option(["--store-timeout", "http_timeout_s"], envvar="KB_STORE_TIMEOUT", metavar="SECONDS",
                 type=click.FloatRange(min=0.1), expose_value=False, callback=_remote_store_option,
                 help="Give up on a remote store that has not answered within this time. "
                      "Env: KB_STORE_TIMEOUT (default 60). --store http://host:port is Oxigraph's layout (/query, /update, "
                      "/store); --store http://host/sparql is one URL for queries and updates."),
):
    main.params.insert(1, _option)
