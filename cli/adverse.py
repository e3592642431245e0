"""`kb adverse-reactions`: the section 4.8 entries of a stored label."""
from __future__ import annotations

import json

import click

from cli.context import EXIT_BAD_INPUT, fail
from kb.adverse_query import FREQUENCY_NAMES

FREQUENCIES = list(FREQUENCY_NAMES)


@click.command("adverse-reactions")
@click.option("--label", "label", help="label or label@version (default: the only / default label)")
@click.option("--soc", help="MedDRA system organ class (official name or a printed variant)")
@click.option("--frequency", type=click.Choice(FREQUENCIES, case_sensitive=False), help="frequency category")
@click.option("--json", "as_json", is_flag=True, help="print the JSON list the web API serves")
@click.pass_context
def adverse_reactions_cmd(ctx, label, soc, frequency, as_json):
    """List adverse reactions with organ class, frequency and how it was determined."""
    from cli.core import domain_errors

    @domain_errors
    def run():
        from kb.adverse_query import adverse_reactions

        kb = ctx.obj.ensure_default()
        ref = kb.resolve(label)
        try:
            rows = adverse_reactions(kb.store, ref.iri, soc=soc, frequency=frequency)
        except ValueError as exc:
            fail(str(exc), EXIT_BAD_INPUT)
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            click.echo("no adverse reactions match", err=True)
            return
        for r in rows:
            pct = f" {r['incidence_percent']:g}%" if r["incidence_percent"] is not None else ""
            notes = f" [{','.join(r['footnotes'])}]" if r["footnotes"] else ""
            click.echo(f"{r['soc'] or r['soc_as_printed']}\t{r['term']}{notes}\t{r['frequency']}{pct}\t"
                       f"{r['frequency_basis']}\tlines {r['source']['lines'][0]}-{r['source']['lines'][1]}")

    run()


def register(main: click.Group) -> None:
    main.add_command(adverse_reactions_cmd)
