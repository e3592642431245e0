"""Command-line conventions shared by every `kb` command.

* a closed pipe (``kb labels | head -1``) ends quietly, exit 0;
* colour only on a terminal, never when NO_COLOR is set (https://no-color.org);
* ``-v``/``-q`` set the log level (stderr);
* under ``--json`` / ``--format json`` even usage errors are JSON on stdout.
"""
from __future__ import annotations

import errno
import gc
import json
import logging
import os
import sys

import click

ENV_HELP = """\b
Environment (each also an option; defaults in brackets):
  KB_STORE   store directory or SPARQL endpoint URL [per-user data dir,
             e.g. ~/.local/share/smpc-kb/store]
  KB_HOST    kb serve: address to bind [127.0.0.1]
  KB_PORT    kb serve: port [8000]
  KB_JOBS    kb ingest: worker processes [number of cores]
  NO_COLOR   set to anything: no colour in the output [unset]
  KB_*       web server settings: see `kb serve --help`
"""


def wants_json(ctx: click.Context | None = None) -> bool:
    """Did the running command ask for JSON output (``--json`` or ``--format json``)?"""
    ctx = ctx or click.get_current_context(silent=True)
    while ctx is not None:
        params = ctx.params or {}
        if params.get("as_json") or params.get("fmt") == "json":
            return True
        ctx = ctx.parent
    return False


def setup_logging(ctx: click.Context, verbose: int, quiet: bool) -> int:
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger().setLevel(level)
    if os.environ.get("NO_COLOR"):
        ctx.color = False
    return level


def _argv_wants_json(argv: list[str]) -> bool:
    return "--json" in argv or any(a in ("--format=json",) for a in argv) or any(
        a == "--format" and b == "json" for a, b in zip(argv, argv[1:]))


def _quiet_pipe() -> None:
    """stdout's reader went away: send what is left to /dev/null and stop."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(0)


class KbGroup(click.Group):
    """A click group whose ``main`` applies the conventions above."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        argv = list(sys.argv[1:] if args is None else args)
        code = 0
        try:
            try:
                rv = super().main(argv, prog_name or "kb", complete_var, False, **extra)
                code = rv if isinstance(rv, int) else 0
            except click.ClickException as e:
                code = e.exit_code
                if _argv_wants_json(argv):
                    click.echo(json.dumps({"ok": False, "error": e.format_message(), "status": code}))
                else:
                    e.show()
            except click.exceptions.Abort:
                click.echo("Aborted!", err=True)
                code = 1
            except SystemExit as e:
                if type(sys.stdout).__name__.endswith("PacifyFlushWrapper"):  # click met EPIPE and gave up
                    _quiet_pipe()
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            sys.stdout.flush()
        except BrokenPipeError:
            _quiet_pipe()
        except OSError as e:
            if e.errno != errno.EPIPE:
                raise
            _quiet_pipe()
        if args is None:  # the process ends here (not a test's CliRunner): leave its cyclic garbage to
            gc.freeze()  # the OS instead of walking it at exit (40 ms after an ingest, of a 1.4 s `kb ingest`)
        sys.exit(code)
