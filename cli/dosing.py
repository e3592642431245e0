"""`kb dose`, `kb regimen`, `kb dose-modification`: the dose calculator on the command line.

Same fields as the web API; bad input exits with code 2 and one line saying
what is wrong and why (:class:`kb.dosing.engine.DoseInputError`).
"""
from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import click

from cli.context import EXIT_BAD_INPUT, fail

PATIENT = [
    click.option("--label", default=None, help="label id or label@version (default: the only/default label)"),
    click.option("--indication", required=True, help="indication or dose-rule id (see `kb indications`)"),
    click.option("--weight-kg", "weight_kg", default=None, help="required for regimens and per-kg rules"),
    click.option("--height-cm", "height_cm", default=None),
    click.option("--bsa-m2", "bsa_m2", default=None),
    click.option("--bsa-formula", "bsa_formula", default=None, help="mosteller (default) or dubois"),
    click.option("--age-years", "age_years", default=None, help="required for regimens; checked against a rule's population"),
    click.option("--infusion-hours", "infusion_hours", default=None),
    click.option("--cns-history/--no-cns-history", "cns_history", default=None),
]


def _service(ctx):
    from kb.dosing.engine import DosingService

    return DosingService(ctx.obj.ensure_default())


def _rules_cache(kb, label: str | None) -> Path | None:
    """Where the compiled dose rules of this label version are kept between CLI runs.

    Loading the rules takes ~1 s of SPARQL over the store; a warm `kb dose` reads them
    back in ~10 ms. The key is the version's graph, its ingest time and the hash of the file it
    was read from (a re-ingest within the same second of another text under the same name changes
    only the hash) and the dosing code (size and mtime of its modules), so a stale cache is never read."""
    import hashlib
    import importlib.util

    if kb.location.startswith(("http://", "https://")):
        return None
    try:
        ref = kb.resolve(label)
    except Exception:  # noqa: BLE001 - the service reports unknown labels itself
        return None
    rows = kb.store.query("PREFIX smpc: <https://w3id.org/smpc-kb/ontology#> "
                          f"SELECT ?h WHERE {{ GRAPH <{ref.iri}> {{ <{ref.iri}> smpc:sha256 ?h }} }}", trusted=True).rows
    key = [ref.iri, ref.ingested_at or "", *(str(r["h"]) for r in rows)]
    for mod in ("kb.dosing.engine", "kb.dosing.patient", "kb.dosing.answer", "kb.dosing.rules", "kb.dosing.day", "kb.dosing.plan", "kb.dosing.prose",
                "ingest.dosing_records"):
        spec = importlib.util.find_spec(mod)
        if spec and spec.origin:
            st = os.stat(spec.origin)
            key.append(f"{mod}:{st.st_size}:{st.st_mtime_ns}")
    digest = hashlib.sha256("\n".join(key).encode()).hexdigest()[:24]
    return Path(kb.location) / "cache" / f"dose-rules-{digest}.pickle"


def _run(ctx, method: str, params: dict, as_json: bool, render) -> None:
    from kb.dosing.engine import DoseInputError

    params = {k: v for k, v in params.items() if v is not None}
    try:
        service = _service(ctx)
        cache = _rules_cache(service.kb, params.get("label"))
        ref = service.kb.resolve(params.get("label")) if cache is not None else None
        kept = False
        if cache is not None and cache.is_file():
            try:
                service.adopt(ref, pickle.loads(cache.read_bytes()))
                kept = True
            except Exception:  # noqa: BLE001 - unreadable or from other code: rebuild below
                cache = cache if cache.exists() else None
        answer = getattr(service, method)(params)
    except DoseInputError as exc:
        fail(f"{exc.field or 'input'}: {exc.message}", EXIT_BAD_INPUT)
        return
    rules = service.compiled(ref) if cache is not None and not kept else None
    if cache is not None and rules is not None:
        try:  # best effort: a read-only store or a full disk only costs speed
            cache.parent.mkdir(exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps(rules))
            os.replace(tmp, cache)
            old = sorted(cache.parent.glob("dose-rules-*.pickle"), key=lambda p: p.stat().st_mtime)
            for stale in old[:-20]:  # re-ingests and code changes leave old keys behind
                stale.unlink(missing_ok=True)
        except OSError:
            pass
    if as_json:
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
    else:  # every answer names the label version it comes from
        click.echo((f"label: {answer['label_version']['text']}\n" if answer.get("label_version") else "") + render(answer))


def _rule_text(a: dict) -> str:
    from kb.dosing.words import amount_text as amount  # "20 dose steps", "0.25-1 mg/kg": as the dose page writes them
    from kb.dosing.words import rule_amount

    dose = rule_amount(a) or "not stated"  # a fixed combination with every amount ("50 mg/300 mg")
    head = f"{a['title']} [{a['rule']}]: dose {dose}" + (f" ({a['dose_role']})" if a["dose_role"] == "initial" else "")
    if a.get("schedule_text"):  # the schedule in full, as the dose page shows it: route, interval, duration, courses
        head += f", {a['schedule_text']}"
    lines = [head + f"; basis {a['basis']}" + (f"; BSA {a['bsa_m2']} m2" if a["bsa_m2"] else "") + ("; capped" if a["capped"] else "")]
    if a.get("condition"):  # "within one hour prior to a meal", as printed with the schedule
        lines.append(f"condition: {a['condition']}")
    if a.get("weight_band"):
        lines.append(f"weight band: {a['weight_band']['quote']}")
    for p in a.get("phases") or []:  # loading / induction / maintenance, each with this patient's dose
        when = (f" at weeks {', '.join(f'{w:g}' for w in p['at_weeks'])}" if p["at_weeks"] else "") + \
            (f" {p['schedule']}" if p["schedule"] else "") + \
            (f", starting {p['starts_after']['value']:g} {p['starts_after']['unit']} after the previous dose" if p["starts_after"] else "")
        lines.append(f"{p['role']}: {amount(p['dose']) if p['dose'] else 'the same dose'}{when}")
    if a.get("escalate_to"):
        lines.append(f"may be increased to: {amount(a['escalate_to'])}")
    if a.get("increment"):
        lines.append(f"in steps of: {amount(a['increment'])}")
    if a["max_dose"]:
        lines.append(f"maximum per administration: {amount(a['max_dose'])}")
    if a["max_period_dose"]:
        m = a["max_period_dose"]
        lines.append(f"maximum per {m['per']}: {m['value']:g} {m['unit']}")
    if a["routes"]:
        lines.append("route: " + ", ".join(a["routes"]))
    lines += [f"warning: {w}" for w in a["warnings"]]
    lines += _source_lines(a)
    return "\n".join(lines)


def _source_lines(a: dict) -> list[str]:
    """Each source with its whole quote: the words that explain a number are never cut off."""
    return [f"source [{s['field']}] {s['section']}: \"{s['quote']}\"" for s in a["sources"]]


def _dose_text(a: dict) -> str:
    if a.get("kind") == "dose-rule":
        return _rule_text(a)
    dose = f"{a['dose']['value']:g} {a['dose']['unit']}" if a["dose"] else "none (treatment-free)"
    lines = [f"cycle {a['cycle']} day {a['day']}: {a['phase']}; dose {dose}; basis {a['basis']}"
             + (f"; BSA {a['bsa_m2']} m2" if a["bsa_m2"] else "") + ("; capped" if a["capped"] else "")]
    if a["infusion"]:
        i = a["infusion"]
        lines.append(f"infusion {i['hours']:g} h at {i['rate_ml_per_h']} mL/h; reconstituted volume {i['volume_ml']} mL; vials {i['vials']}")
    for m in a["premedication"]:
        lines.append(f"premedication: {m['text']}")
    if a["hospitalization"]["recommended"]:
        lines.append(f"hospitalisation recommended (first {a['hospitalization']['advice']['minimum_days']} days)")
    lines += [f"warning: {w}" for w in a["warnings"]]
    lines += _source_lines(a)
    return "\n".join(lines)


def _plan_text(a: dict) -> str:
    out = [f"{a['title']}: {a['cycles']} cycle(s) of {a['cycle_days']} days"]
    for d in a["days"]:
        dose = f"{d['dose']['value']:g} {d['dose']['unit']}" if d["dose"] else "-"
        bag = f" new bag {d['bag']['hours']:g} h ({d['bag']['volume_ml']} mL)" if d["bag"] else ""
        out.append(f"c{d['cycle']} d{d['day']:>2} {d['phase']:<14} {dose:<10}{bag}"
                   + (" [hospital]" if d["hospital"] else "") + (f" premed: {', '.join(d['premedication'])}" if d["premedication"] else ""))
    return "\n".join(out)


def register(main: click.Group) -> None:
    @main.command()
    @click.option("--cycle", default=None, help="required for regimens (day tables)")
    @click.option("--day", default=None, help="required for regimens (day tables)")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    def dose(ctx, as_json, **params):
        """One day's dose (regimen) or one administration's dose (prose rule) for one patient, with sources."""
        _run(ctx, "dose", params, as_json, _dose_text)

    for o in reversed(PATIENT):
        o(dose)

    @main.command()
    @click.option("--cycles", default=None, help="number of cycles to plan (default: all the label allows)")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    def regimen(ctx, as_json, **params):
        """The day-by-day plan across all cycles."""
        _run(ctx, "regimen", params, as_json, _plan_text)

    for o in reversed(PATIENT):
        o(regimen)

    @main.command("dose-modification")
    @click.option("--label", default=None)
    @click.option("--indication", required=True)
    @click.option("--toxicity", required=True)
    @click.option("--grade", default=None)
    @click.option("--current-dose", "current_dose", default=None)
    @click.option("--weight-kg", "weight_kg", required=True)
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    def dose_modification(ctx, as_json, **params):
        """Action and restart schedule for a toxicity of a grade."""
        _run(ctx, "modification", params, as_json, lambda a: json.dumps(a, indent=2, ensure_ascii=False))

    @main.command()
    @click.option("--label", default=None)
    @click.option("--json", "as_json", is_flag=True, help="JSON (the only output form; accepted for symmetry).")
    @click.pass_context
    def indications(ctx, label, as_json):
        """Indication ids a dose can be asked for."""
        from kb.dosing.engine import DoseInputError

        try:
            rows = _service(ctx).indications(label)
        except DoseInputError as exc:
            fail(exc.message, EXIT_BAD_INPUT)
            return
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
