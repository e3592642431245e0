"""`kb ingest PATH...`: one label, many files, or folders, in parallel, with a summary.

Files and folders (folders are walked; files of a readable format are taken,
sidecar files such as ``curation.json``, ``bundled.json`` and ``gold-*`` are
skipped) are read, built and SHACL-validated in worker processes (``--jobs``);
the parent alone writes to the store, one label version per transaction, and
updates the search index after each, so an interrupted batch leaves every
label either fully stored and indexed or not stored at all.  A refused label
does not stop the batch; the exit status is 2 if any input was unreadable or
not an SmPC, else 3 if any label did not conform, else 0.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import click

from cli.context import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_NOT_CONFORMING, fail
from cli.core import domain_errors

READABLE = {".txt", ".json", ".xml", ".pdf"}  # text SmPC, FHIR ePI JSON/XML, product-information PDF
SIDECARS = ("curation.json", "bundled.json", "gold-")


def _readable_suffixes() -> set[str]:
    return READABLE


def collect(paths: list[Path]) -> tuple[list[Path], list[dict]]:
    """Files to read, and refusals for paths that do not exist or folders without labels."""
    files: list[Path] = []
    refused: list[dict] = []
    suffixes = _readable_suffixes()
    for p in paths:
        if p.is_dir():
            found = sorted(
                f for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in suffixes and not f.name.startswith(SIDECARS)
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            if not found:
                refused.append(_refusal(p, f"no label files in this folder (looked for {', '.join(sorted(suffixes))})",
                                        EXIT_BAD_INPUT))
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            refused.append(_refusal(p, "no such file or folder", EXIT_BAD_INPUT))
    unique, seen = [], set()
    for f in files:  # a file named twice (or inside a named folder too) is read once
        if f.resolve() not in seen:
            seen.add(f.resolve())
            unique.append(f)
    return unique, refused


def _refusal(path, reason: str, code: int, violations: list[str] | None = None) -> dict:
    return {"path": str(path), "status": "refused", "reason": reason, "code": code, "violations": violations or []}


def read_file(path: str, label_id: str | None, version: str | None,
              max_input_mb: float | None = None, in_process: bool = False) -> list[dict]:
    """Worker: read, build and validate every label in ``path`` through the service's one
    check path (:func:`kb.service.check_file`); conforming ones carry their store update as
    N-Triples text (picklable, cheap to send), or, ``in_process`` (one job: no worker), the
    result itself (graph, validated triples, record), so the parent neither re-parses the text nor
    reads the version back from the store for the search index. What the file held besides
    SmPCs (annexes) is named on its first item."""
    from ingest.errors import IngestError
    from kb.service import DEFAULT_MAX_INPUT_MB, check_file, stamp_ingested

    try:
        results, skipped = check_file(Path(path), label_id, version,
                                      DEFAULT_MAX_INPUT_MB if max_input_mb is None else max_input_mb)
    except IngestError as exc:
        return [_refusal(path, str(exc).removeprefix(f"{path}: "), EXIT_BAD_INPUT)]
    except Exception as exc:  # noqa: BLE001 - one label's crash must not stop the batch
        return [_refusal(path, f"internal error: {type(exc).__name__}: {exc}", EXIT_INTERNAL)]
    out = []
    for result in results:
        ref, report = result.ref, result.report
        base = {"path": str(path), "label": ref.label_id, "version": ref.version, "name": ref.name,
                "reader": result.record.reader, "triples": len(result.graph), "facts": fact_count(result.record),
                "unresolved": report.warnings + report.unresolved}
        if not report.conforms:
            out.append({**base, **_refusal(path, f"does not conform to the SHACL shapes ({len(report.violations)} "
                                                 "violation(s)); not stored", EXIT_NOT_CONFORMING,
                                           [v.describe() for v in report.violations])})
            continue
        stamp = stamp_ingested(result.graph)
        item = {**base, "status": "stored", "iri": ref.iri, "triples": len(result.graph)}
        if in_process:
            item["result"] = _with_stamp(result, stamp)
        else:
            item["ntriples"] = _ntriples(result, stamp)
        out.append(item)
    if out and skipped:
        out[0]["skipped"] = list(skipped)
    return out


def _ntriples(result, stamp) -> str:
    """The version as N-Triples, written by Oxigraph from the triples the validation used
    (rdflib's serializer took 0.5 s for a 21,000-triple label)."""
    if result.triples is None:
        return result.graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    import pyoxigraph as ox

    from kb.rdf.oxigraph_terms import ox_triples

    return (ox.serialize(result.triples + ox_triples([stamp]), format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


def _with_stamp(result, stamp):
    """The result with the stamp among its validated triples (what is written)."""
    if result.triples is not None:
        from kb.rdf.oxigraph_terms import ox_triples

        result.triples = result.triples + ox_triples([stamp])
    return result


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it finishes the current label


class Batch:
    """Runs the reads (in a pool when jobs > 1) and stores each result in this process."""

    def __init__(self, ctx, files: list[Path], label_id, version, jobs: int, report,
                 max_input_mb: float | None = None):
        self.ctx, self.files, self.label_id, self.version = ctx, files, label_id, version
        self.max_input_mb = max_input_mb
        self.jobs = max(1, min(jobs, len(files) or 1))
        self.report = report  # called with each finished item
        self.items: list[dict] = []
        self.interrupted = False

    def _store(self, item: dict) -> dict:
        if item["status"] != "stored":
            return item
        from kb.service import LabelRef

        t0 = time.perf_counter()
        ref = LabelRef(item["label"], item["version"], item["iri"])
        writer = self.ctx.obj.writer
        result = item.pop("result", None)
        if result is not None:  # read in this process: the graph and triples as the validation left them
            item["unresolved"] += writer.write_version(ref, graph=result.graph, record=result.record,
                                                       triples=result.triples)
        else:  # from a worker: the graph for the search index from the same text, not read back from the store
            from kb.rdf.oxigraph_terms import graph_from_ntriples

            ntriples = item.pop("ntriples")
            item["unresolved"] += writer.write_version(ref, ntriples=ntriples, graph=graph_from_ntriples(ntriples, ref.iri))
        item["store_s"] = round(time.perf_counter() - t0, 3)
        return item

    def _finish(self, results: list[dict]) -> None:
        for item in results:
            try:
                item = self._store(item)
            except Exception as exc:  # noqa: BLE001 - e.g. the store is busy: this label is not stored
                item.pop("ntriples", None)
                item.pop("result", None)
                item.update(status="refused", reason=f"not stored: {exc}", code=EXIT_INTERNAL)
            self.items.append(item)
            self.report(item)

    def run(self) -> list[dict]:
        stop = {"now": False}

        def on_sigint(_sig, _frame):
            stop["now"] = True  # finish (store + index) the label in hand, then stop

        previous = signal.signal(signal.SIGINT, on_sigint) if _main_thread() else None
        try:
            if self.jobs == 1:
                from kb.service import collection_paused

                self.ctx.obj.kb  # open the store (and fail clearly) before the work starts
                for f in self.files:
                    if stop["now"]:
                        break
                    with collection_paused():  # one pause per file: read, check, store and index
                        self._finish(read_file(str(f), self.label_id, self.version, self.max_input_mb, in_process=True))
            else:
                self._run_pool(stop)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        self.interrupted = stop["now"]
        return self.items

    def _run_pool(self, stop: dict) -> None:
        import multiprocessing  # here: one file (the usual `kb ingest`) starts no pool
        from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context(method),
                                 initializer=_worker_init) as pool:
            pending: set[Future] = {pool.submit(read_file, str(f), self.label_id, self.version, self.max_input_mb) for f in self.files}
            try:  # the workers are forked by now: open the store (RocksDB threads) only after that
                self.ctx.obj.kb
            except SystemExit:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            while pending and not stop["now"]:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for fut in done:
                    try:
                        results = fut.result()
                    except Exception as exc:  # noqa: BLE001 - a worker died (e.g. out of memory)
                        results = [_refusal("?", f"internal error: worker failed: {exc}", EXIT_INTERNAL)]
                    self._finish(results)
            for fut in pending:
                fut.cancel()


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _line(item: dict, store: str) -> str:
    """One line per label (an EMA PDF gives one per SmPC), then one per part of the file skipped."""
    if item["status"] == "stored":
        line = (f"ingested {item['name']} from {item['path']} (reader: {item['reader']}; {item.get('facts', 0)} facts; "
                f"{item['triples']} triples; {len(item['unresolved'])} unresolved; 0 violations) into {store}")
    else:
        line = f"refused {item['path']}" + (f" ({item['name']})" if item.get("name") else "") + f": {item['reason']}"
    return "\n".join([line] + [f"skipped {part}" for part in item.get("skipped", [])])


def fact_count(record) -> int:
    adverse = getattr(record.adverse_reactions, "entries", None) or []
    rules = getattr(record.dosing, "dose_rules", None) or []
    return (len(record.indications) + len(record.contraindications) + len(record.warnings)
            + len(record.statements) + len(adverse) + len(rules))


def exit_code(items: list[dict]) -> int:
    codes = {i["code"] for i in items if i["status"] == "refused"}
    if EXIT_INTERNAL in codes:
        return EXIT_INTERNAL
    return EXIT_BAD_INPUT if EXIT_BAD_INPUT in codes else EXIT_NOT_CONFORMING if codes else 0


def summary_table(items: list[dict], console) -> None:
    from rich.table import Table

    t = Table(title="kb ingest", show_lines=False)
    for col in ("result", "label version", "file", "detail"):
        t.add_column(col, overflow="fold")
    for i in items:
        if i["status"] == "stored":
            detail = f"{i['triples']} triples" + (f"; {len(i['unresolved'])} unresolved" if i["unresolved"] else "")
            t.add_row("[green]stored[/green]", i["name"], i["path"], detail)
        else:
            t.add_row("[red]refused[/red]", i.get("name") or "-", i["path"], i["reason"])
    console.print(t)
    unresolved = [(i["name"], u) for i in items if i["status"] == "stored" for u in i["unresolved"]]
    if unresolved:
        console.print(f"unresolved items ({len(unresolved)}):", highlight=False)
        for name, u in unresolved:
            console.print(f"  {name}: {u}", markup=False, highlight=False, soft_wrap=True)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--label-id", help="Label identifier (one file only; default: from the product name in section 1).")
@click.option("--version", "version", help="Version (one file only; default: the label's revision date, else a content hash).")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), envvar="KB_JOBS", default=None,
              help="Worker processes that read and validate (default: the number of cores). Env: KB_JOBS.")
@click.option("--json", "as_json", is_flag=True, help="Print the result (one label) or the batch summary as JSON.")
@click.option("--max-input-mb", envvar="KB_MAX_INPUT_MB", type=float, default=None,
              help="Largest input file in MB (default 20); larger files and non-regular files are refused "
                   "before reading. Env: KB_MAX_INPUT_MB.")
@click.pass_context
@domain_errors
def ingest(ctx, paths, label_id, version, jobs, as_json, max_input_mb):
    """Read label files (SmPC text or FHIR ePI; folders are walked), validate each against the
    SHACL shapes and store the ones that conform. Default: the bundled label.

    Each label version is stored in one transaction (re-ingesting a version replaces it);
    a refused label does not stop the others. Exit 0 when all were stored, 2 if any input
    was unreadable or not an SmPC, 3 if any label did not conform.
    """
    from kb.service import default_label

    paths = list(paths) or [default_label()]
    files, refused = collect(paths)
    single = len(paths) == 1 and not paths[0].is_dir()
    if (label_id or version) and not (single and len(files) == 1):
        fail("--label-id and --version name one label: give exactly one file", EXIT_BAD_INPUT)
    if single and refused:
        fail(f"{paths[0]}: {refused[0]['reason']}", EXIT_BAD_INPUT)
    if not files:
        fail("; ".join(f"{r['path']}: {r['reason']}" for r in refused), EXIT_BAD_INPUT)
    store = ctx.obj.store
    tty = sys.stderr.isatty() and not as_json
    no_color = bool(os.environ.get("NO_COLOR")) or ctx.color is False
    progress = None
    if tty and not single:  # rich only for a batch (one file prints one line: no import of rich)
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.description}"), console=Console(stderr=True, no_color=no_color),
                            transient=True)
        task = progress.add_task("", total=len(files))

    done_paths: set[str] = set()

    def report(item: dict) -> None:
        first = item["path"] not in done_paths  # advance once per file, whatever number of labels it held
        done_paths.add(item["path"])
        if progress is not None:
            progress.update(task, advance=1 if first else 0, description=item.get("name") or "")
            progress.console.print(_line(item, store), markup=False, highlight=False)
        elif not as_json and not single:
            click.echo(_line(item, store))

    batch = Batch(ctx, files, label_id, version, jobs or os.cpu_count() or 1, report, max_input_mb)
    if progress is not None:
        with progress:
            items = batch.run()
    else:
        items = batch.run()
    items = refused + items
    code = exit_code(items)
    if batch.interrupted:
        click.echo("kb: interrupted; every label stored so far is complete and indexed, the rest is not stored",
                   err=True)
        code = 130
    if single and len(items) == 1:
        _single(ctx, items[0], as_json, store)
        sys.exit(code)
    if single and not as_json:  # one file, several SmPCs: a line each (a batch printed them as it went)
        for item in items:
            click.echo(_line(item, store))
    if as_json:
        click.echo(json.dumps({
            "ok": code == 0, "status": code, "store": store, "interrupted": batch.interrupted,
            "stored": [{k: i[k] for k in ("name", "path", "reader", "triples", "unresolved")}
                       for i in items if i["status"] == "stored"],
            "refused": [{k: i.get(k) for k in ("path", "name", "reason", "code", "violations")}
                        for i in items if i["status"] == "refused"],
        }, indent=2, ensure_ascii=False))
    else:
        from rich.console import Console

        summary_table(items, Console(file=sys.stdout, no_color=no_color, width=None if sys.stdout.isatty() else 120))
    sys.exit(code)


def _single(ctx, item: dict, as_json: bool, store: str) -> None:
    """One file, one label: the classic one-line answer (and one-line error)."""
    if as_json:
        click.echo(json.dumps({
            "ok": item["status"] == "stored", "label": item.get("label"), "version": item.get("version"),
            "name": item.get("name"), "reader": item.get("reader"), "triples": item.get("triples"),
            "conforms": item.get("code") != EXIT_NOT_CONFORMING, "violations": item.get("violations", []),
            "warnings": item.get("unresolved", []), "error": item.get("reason") if item["status"] != "stored" else None,
            "status": 0 if item["status"] == "stored" else item["code"],
        }, indent=2, ensure_ascii=False))
        return
    if item["status"] == "stored":
        if ctx.obj.log_level < 40:  # -q: errors only
            for w in item["unresolved"]:
                click.echo(f"  {w}", err=True)
        click.echo(_line(item, store))
        return
    for v in item.get("violations", [])[:50]:
        click.echo("  " + v, err=True)
    reason = item["reason"].replace("; not stored", "; store unchanged")
    click.echo(f"kb: error: {item['path']}: {reason}", err=True)


def register(main: click.Group) -> None:
    main.add_command(ingest)
