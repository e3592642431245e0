"""`kb ingest`, `kb labels`, `kb validate`, `kb export`, `kb sparql`, `kb remove`."""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from . import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_NOT_CONFORMING, fail

EXPORT_FORMATS = {"fhir": "application/fhir+json", "ttl": "text/turtle", "jsonld": "application/ld+json", "nq": "application/n-quads", "nt": "application/n-triples", "trig": "application/trig"}


def domain_errors(fn):
    """Turn domain errors into one-line messages and exit codes (the CLI boundary)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from ingest.errors import IngestError
        from kb.service import LabelNotFound

        try:
            return fn(*args, **kwargs)
        except IngestError as exc:
            fail(str(exc), EXIT_BAD_INPUT)
        except LabelNotFound as exc:
            fail(str(exc.args[0] if exc.args else exc), EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            click.echo("kb: interrupted; the store is unchanged", err=True)
            sys.exit(130)
        except (click.ClickException, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001
            status = getattr(exc, "status", None)
            if isinstance(status, int) and 400 <= status < 500:
                fail(str(exc), EXIT_BAD_INPUT)
            fail(f"internal error: {type(exc).__name__}: {exc}", EXIT_INTERNAL)

    return wrapper


def _report_lines(report, limit: int = 50) -> None:
    for v in report.violations[:limit]:
        click.echo("  " + v.describe(), err=True)
    if len(report.violations) > limit:
        click.echo(f"  ... and {len(report.violations) - limit} more", err=True)


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--label-id", help="Label identifier (default: from the product name in section 1).")
@click.option("--version", "version", help="Version (default: the label's revision date, else a content hash).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--max-input-mb", envvar="KB_MAX_INPUT_MB", type=float, default=None,
              help="Largest input file in MB (default 20); larger files and non-regular files are refused "
                   "before reading. Env: KB_MAX_INPUT_MB.")
@click.pass_context
@domain_errors
def ingest(ctx, file, label_id, version, as_json, max_input_mb):
    """Read FILE (an SmPC as text or FHIR ePI; default: the bundled label), validate it and store it.

    A label that does not conform to the SHACL shapes is not stored (exit 3);
    re-ingesting a version replaces it.
    """
    from kb.service import default_label

    path = file or default_label()
    if not Path(path).exists():
        fail(f"{path}: no such file", EXIT_BAD_INPUT)
    if max_input_mb is not None:
        ctx.obj.kb.max_input_mb = max_input_mb
    results, skipped = ctx.obj.kb.ingest_all(path, label_id, version)
    if as_json:
        out = [{
            "ok": result.stored, "label": result.ref.label_id, "version": result.ref.version, "name": result.ref.name,
            "reader": result.record.reader, "triples": len(result.graph), "conforms": result.report.conforms,
            "violations": [v.__dict__ for v in result.report.violations], "warnings": result.report.warnings,
            "unresolved": result.report.unresolved, "timings": result.timings,
        } for result in results]
        click.echo(json.dumps(out[0] if len(out) == 1 and not skipped else {"labels": out, "skipped": skipped},
                              indent=2))
    refused = [r for r in results if not r.stored]
    if not as_json:
        for result in results:
            ref, report = result.ref, result.report
            if not result.stored:
                _report_lines(report)
                continue
            for w in report.warnings + report.unresolved:
                click.echo(f"  {w}", err=True)
            if len(results) == 1 and not skipped:
                click.echo(f"ingested {ref.name} from {path} (reader: {result.record.reader}; "
                           f"{len(result.graph)} triples; 0 violations) into {ctx.obj.store}")
            else:
                click.echo(f"ingested {ref.name} ({result.record.title or ''}; {fact_count(result.record)} facts; "
                           f"{len(report.unresolved)} unresolved; reader: {result.record.reader})")
        for part in skipped:
            click.echo(f"skipped {part}")
    if refused:
        names = ", ".join(r.ref.name for r in refused)
        n = sum(len(r.report.violations) for r in refused)
        if len(results) == 1:
            fail(f"{path}: does not conform to the SHACL shapes ({n} violation(s)); store unchanged",
                 EXIT_NOT_CONFORMING)
        fail(f"{path}: {names} do(es) not conform to the SHACL shapes ({n} violation(s)); those were not stored",
             EXIT_NOT_CONFORMING)


def fact_count(record) -> int:
    adverse = getattr(record.adverse_reactions, "entries", None) or []
    rules = getattr(record.dosing, "dose_rules", None) or []
    return (len(record.indications) + len(record.contraindications) + len(record.warnings)
            + len(record.statements) + len(adverse) + len(rules))


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
@click.pass_context
@domain_errors
def validate(ctx, file, label, label_id, version):
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
    from kb.sparql import check_query

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
    ref = ctx.obj.kb.remove(label)
    click.echo(f"removed {ref.name}")


def register(main: click.Group) -> None:
    for cmd in (ingest, labels, validate, export, sparql, remove):
        main.add_command(cmd)
