"""`kb diff A B`: what changed between two stored label versions."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.core import domain_errors


@click.command()
@click.argument("from_spec", metavar="FROM")
@click.argument("to_spec", metavar="TO")
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON (the /api/diff shape).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html", "ttl"]), default=None,
              help="Output format: readable text (default), json, a full html page, or the RDF changeset (ttl).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout.")
@click.option("--quotes", is_flag=True, help="Text format: print both quotes of every change.")
@click.option("--force", is_flag=True, help="Compare labels of different products anyway.")
@click.option("--save/--no-save", default=True, show_default=True,
              help="Store the RDF changeset as a named graph ({TO}/changeset/{FROM label}/{FROM version}).")
@click.pass_context
@domain_errors
def diff(ctx, from_spec, to_spec, as_json, fmt, output, quotes, force, save):
    """Show the changes from label version FROM to TO (each LABEL@VERSION, as `kb labels` lists them).

    Changes are grouped by kind (indications, contraindications, warnings,
    adverse reactions, dosing, product particulars, other text) and matched by
    meaning; layout-only differences (re-wrapped lines, page numbers, bullets,
    hyphenation) are not changes. Labels of different products are refused
    unless --force.
    """
    from kb.diff.changeset import changeset_graph, store_changeset
    from kb.diff.compare import diff_labels
    from kb.diff.report import html_page, terminal_lines, to_json

    fmt = fmt or ("json" if as_json else "text")
    kb = ctx.obj.kb
    result = diff_labels(kb, from_spec, to_spec, force=force)
    saved = None
    if save:
        saved = store_changeset(kb.store, result)
    if fmt == "json":
        text = to_json(result)
    elif fmt == "html":
        text = html_page(result)
    elif fmt == "ttl":
        text = changeset_graph(result).serialize(format="turtle")
    else:
        text = None
    if output is not None:
        if text is None:
            from kb.diff.report import terminal_text

            text = terminal_text(result, quotes=quotes)
        output.write_text(text + ("\n" if not text.endswith("\n") else ""), encoding="utf-8")
    elif text is not None:
        click.echo(text.rstrip("\n"))
    else:
        for line, style in terminal_lines(result, quotes=quotes):
            if style == "bold":
                line = click.style(line, bold=True)
            elif style == "dim":
                line = click.style(line, dim=True)
            elif style:
                line = click.style(line, fg=style)
            click.echo(line)
    if saved and fmt == "text" and output is None:
        click.echo(click.style(f"changeset stored as graph <{saved[0]}> ({saved[1]} triples)", dim=True), err=True)
    sys.stdout.flush()


def register(main: click.Group) -> None:
    main.add_command(diff)
