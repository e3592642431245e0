"""`kb serve`: the web app (pages, JSON API, SPARQL endpoint) on a production WSGI server (waitress)."""
from __future__ import annotations

import logging
import signal

import click

from cli.context import EXIT_BAD_INPUT, fail


def _settings_help() -> str:
    from web.settings import SETTINGS

    return "\b\nWeb settings (environment variable, default):\n" + "\n".join(
        f"  {s.env} [{s.default!r}]" for s in SETTINGS)


class _ServeCommand(click.Command):
    def format_epilog(self, ctx, formatter):  # imported only for --help: `web` pulls in Flask
        self.epilog = _settings_help()
        super().format_epilog(ctx, formatter)


@click.command(cls=_ServeCommand)
@click.option("--host", default="127.0.0.1", show_default=True, envvar="KB_HOST",
              help="Address to bind. The default serves this machine only; use 0.0.0.0 to serve the network. Env: KB_HOST.")
@click.option("--port", default=8000, show_default=True, type=int, envvar="KB_PORT", help="Env: KB_PORT.")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads of the WSGI server.")
@click.option("--no-ingest", is_flag=True, help="Do not ingest the bundled label into an empty store.")
@click.pass_context
def serve(ctx, host, port, threads, no_ingest):
    """Serve the knowledge base over HTTP (waitress); logs one line per request.

    Settings also come from KB_* environment variables (see docs/web.md),
    e.g. KB_QUERY_TIMEOUT_S, KB_MAX_ROWS, KB_CORS_ORIGINS.
    """
    from waitress import serve as waitress_serve

    from web import create_app

    level = min(ctx.obj.log_level, logging.INFO) if ctx.obj.log_level < logging.ERROR else logging.ERROR  # -q: errors only
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    logging.getLogger("waitress").setLevel(level)
    try:
        app = create_app({"STORE": ctx.obj.store, "INGEST_DEFAULT": not no_ingest})
    except Exception as exc:  # noqa: BLE001 - one line, not a traceback
        from ingest.errors import KbError

        fail(f"cannot start: {exc}", EXIT_BAD_INPUT if isinstance(exc, KbError) and exc.status < 500 else 1)
    labels = app.extensions["kb"].labels()
    click.echo(f"smpc-kb: {len(labels)} label version(s) in {ctx.obj.store}")
    click.echo(f"open http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/  "
               f"(search, labels, adverse reactions, dosing; SPARQL endpoint at /sparql; API at /openapi.json)")
    signal.signal(signal.SIGTERM, _stop)  # stopped like Ctrl-C: the store is closed, its checkpoints deleted
    try:
        # poll(), not select(): select() fails once a large search index pushes file descriptors past 1024
        waitress_serve(app, host=host, port=port, threads=threads, ident="smpc-kb", asyncore_use_poll=True)
    finally:
        app.extensions["kb"].close()


def _stop(signum, frame) -> None:
    raise SystemExit(0)  # waitress ends its loop on SystemExit as on KeyboardInterrupt


def register(main: click.Group) -> None:
    main.add_command(serve)
