"""`kb search QUERY`: full-text search over the stored label versions."""
from __future__ import annotations

import json
import re

import click

from cli.context import EXIT_BAD_INPUT, fail
from cli.core import domain_errors


def _plain(snippet: str) -> str:
    """Snippet HTML -> terminal text: matches in bold, entities decoded."""
    import html

    parts = re.split(r"(<mark>|</mark>)", snippet)
    out, bold = [], False
    for p in parts:
        if p == "<mark>":
            bold = True
        elif p == "</mark>":
            bold = False
        else:
            out.append(click.style(html.unescape(p), bold=True) if bold else html.unescape(p))
    return "".join(out)


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--label", help="Search one label (LABEL, its latest version) or one version (LABEL@VERSION).")
@click.option("--kind", type=click.Choice(["indication", "contraindication", "warning", "adverse reaction", "dosing", "other"]),
              help="Only passages of this kind.")
@click.option("--section", help="Only passages of this section number (e.g. 4.4).")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--all-versions", is_flag=True, help="Search every stored version, not only each label's latest.")
@click.option("--json", "as_json", is_flag=True, help="Print the API answer as JSON.")
@click.pass_context
@domain_errors
def search(ctx, query, label, kind, section, page, all_versions, as_json):
    """Search the label passages for QUERY (words, "quoted phrases"; synonyms, spelling variants and typos handled)."""
    from kb.search.whoosh_index import SearchError, attach

    kb = ctx.obj.kb
    idx = attach(kb)
    if idx is None:
        fail("search needs a local store directory (the index lives next to it)", EXIT_BAD_INPUT)
    try:
        res = idx.search(" ".join(query), label=label, kind=kind, section=section, page=page,
                         all_versions=all_versions)
    except SearchError as exc:
        fail(exc.message, EXIT_BAD_INPUT)
    if as_json:
        click.echo(json.dumps(res, indent=2, ensure_ascii=False))
        return
    for word, fixed in res["corrections"].items():
        click.echo(f"(searched for {fixed!r} instead of {word!r})")
    click.echo(f"{res['total']} passage(s) for {res['query']!r}; page {res['page']} of {res['pages']}")
    for i, r in enumerate(res["results"], (res["page"] - 1) * res["page_size"] + 1):
        head = f"{r['section']} {r['title']}" + (f" \u203a {r['heading']}" if r.get("heading") else "")
        click.echo(f"\n{i}. [{r['label']}@{r['version']}] {head}  ({r['kind']}, score {r['score']})")
        click.echo(f"   {_plain(r['snippet'])}")
        click.echo(f"   {r['url']}")
    if res["facets"]["kind"]:
        click.echo("\nby kind: " + ", ".join(f"{f['value']} {f['count']}" for f in res["facets"]["kind"]))


def register(main: click.Group) -> None:
    main.add_command(search)
