"""`kb ingest`, `kb labels`, `kb validate`, `kb export`, `kb sparql`, `kb remove`."""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from cli.context import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_NOT_CONFORMING, fail

EXPORT_FORMATS = {"fhir": "application/fhir+json", "ttl": "text/turtle", "jsonld": "application/ld+json", "nq": "application/n-quads", "nt": "application/n-triples", "trig": "application/trig"}


def domain_errors(fn):
    """Turn domain errors into one-line messages and exit codes (the CLI boundary)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from ingest.errors import KbError

        try:
            return fn(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("kb: interrupted; the store is unchanged", err=True)
            sys.exit(130)
        except (click.ClickException, SystemExit, BrokenPipeError):
            raise  # a closed pipe ends quietly (cli/conventions.py)
        except KbError as exc:
            if exc.status < 500:
                fail(exc.user_message(), EXIT_BAD_INPUT)
            fail(f"internal error: {type(exc).__name__}: {exc}", EXIT_INTERNAL)
        except Exception as exc:  # noqa: BLE001
            fail(f"internal error: {type(exc).__name__}: {exc}", EXIT_INTERNAL)

    return wrapper


def _report_lines(report, limit: int = 50) -> None:
    for v in report.violations[:limit]:
        click.echo("  " + v.describe(), err=True)
    if len(report.violations) > limit:
        click.echo(f"  ... and {len(report.violations) - limit} more", err=True)


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@domain_errors
def labels(ctx, as_json):
    """List the label versions in the store."""
    refs = ctx.obj.kb.labels()
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in refs], indent=2))
        return
    if not refs:
        click.echo("no labels in the store (run `kb ingest`)")
    for r in refs:
        click.echo(f"{r.name}\t{r.title or ''}\t{r.reader or ''}\t{r.ingested_at or ''}")


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--label", "label", help="Stored label (LABEL or LABEL@VERSION) to re-validate.")
@click.option("--label-id", help="With FILE: label identifier.")
@click.option("--version", "version", help="With FILE: version.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@domain_errors
def validate(ctx, file, label, label_id, version, as_json):
    """Validate a stored label version (or FILE, without storing it) against the SHACL shapes.

    Exit 0 when it conforms, 3 when it does not.
    """
    if file is not None:
        if not file.exists():
            fail(f"{file}: no such file", EXIT_BAD_INPUT)
        from kb.service import KnowledgeBase

        result = KnowledgeBase(ctx.obj.store).read(file, label_id, version)
        name, report = f"{file}", result.report
    else:
        ref, report = ctx.obj.kb.validate_stored(label)
        name = ref.name
    if as_json:
        click.echo(json.dumps({"ok": report.conforms, "label": name, "conforms": report.conforms,
                               "violations": [v.__dict__ for v in report.violations], "warnings": report.warnings,
                               "unresolved": report.unresolved,
                               "status": 0 if report.conforms else EXIT_NOT_CONFORMING}, indent=2, ensure_ascii=False))
        sys.exit(0 if report.conforms else EXIT_NOT_CONFORMING)
    click.echo(f"{name}: {'conforms' if report.conforms else 'does not conform'} "
               f"({len(report.violations)} violation(s)); {len(report.unresolved)} unresolved item(s)")
    for w in report.warnings + report.unresolved:
        click.echo(f"  {w}")
    if not report.conforms:
        _report_lines(report)
        sys.exit(EXIT_NOT_CONFORMING)


@click.command()
@click.option("--format", "fmt", type=click.Choice(sorted(EXPORT_FORMATS)), default="ttl", show_default=True)
@click.option("--label", "label", help="One label version (LABEL or LABEL@VERSION); default: the whole store.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout.")
@click.pass_context
@domain_errors
def export(ctx, fmt, label, output):
    """Export the graph (one label version, or every version with its named graph)."""
    if fmt in ("ttl", "nt", "jsonld", "fhir") and not label:
        refs = ctx.obj.kb.labels()
        if len(refs) != 1:
            fail(f"--format {fmt} holds one graph: name a --label, or use --format nq or trig for the whole store",
                 EXIT_BAD_INPUT)
        label = refs[0].name
    data = ctx.obj.kb.export(fmt, label)
    if output:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)


@click.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "tsv", "xml", "ttl", "nt", "jsonld"]),
              default="table", show_default=True)
@click.option("--timeout", type=float, default=None, help="Stop the query after this many seconds.")
@click.pass_context
@domain_errors
def sparql(ctx, query, fmt, timeout):
    """Run a read-only SPARQL QUERY (text, or @file.rq) over every label version."""
    if query.startswith("@"):
        p = Path(query[1:])
        if not p.is_file():
            fail(f"{p}: no such query file", EXIT_BAD_INPUT)
        query = p.read_text(encoding="utf-8")
    from kb.sparql.safety import check_query

    check_query(query)
    result = ctx.obj.kb.sparql(query, timeout_s=timeout)
    out = {
        "table": lambda: result.to_table(),
        "json": lambda: result.to_sparql_json(),
        "csv": lambda: result.to_csv(),
        "tsv": lambda: result.to_tsv(),
        "xml": lambda: result.to_sparql_xml(),
        "ttl": lambda: result.to_rdf("turtle"),
        "nt": lambda: result.to_rdf("n-triples"),
        "jsonld": lambda: result.to_rdf("json-ld"),
    }[fmt]()
    if isinstance(out, bytes):
        sys.stdout.buffer.write(out)
    else:
        click.echo(out.rstrip("\n"))


@click.command()
@click.argument("label")
@click.pass_context
@domain_errors
def remove(ctx, label):
    """Remove one label version (LABEL@VERSION) from the store."""
    if "@" not in label:
        fail("name the version to remove: LABEL@VERSION", EXIT_BAD_INPUT)
    ref = ctx.obj.writer.remove(label)
    click.echo(f"removed {ref.name}")


def register(main: click.Group) -> None:
    for cmd in (labels, validate, export, sparql, remove):
        main.add_command(cmd)
