"""Dose benchmarks, each printed beside a baseline measured in the same run.

1. In-process: one ``compute_dose`` after the rules are compiled (target < 1 ms),
   beside the baseline of a bare dict round trip through ``json.dumps``.
2. HTTP: ``/api/dose`` of the real Flask app (``web.create_app`` over a store holding
   the bundled label) under waitress, the real WSGI server, on this machine (target
   >= 500 requests/s), beside a WSGI app that only returns "{}".
3. ``--versions N``: a real ``kb serve`` process (waitress, its default 8 threads, request logging
   off) over a store holding 1 and N versions of the label (copies of its graph bulk-loaded under
   new version IRIs, N-Quads in chunks; the search index filled alike so the server's start-up sync
   has nothing to add; ``--thin``: copies of the version's own description only), beside an empty WSGI app served by waitress with the same settings in
   another process; also with another height on every request (distinct inputs: no kept answer
   is served, each is computed, encoded and compressed); and, as the "before" figure, the in-process app with the resolution cache
   switched off (every request runs the all-versions query).

Clients are 4 processes with keep-alive sessions, on the same machine (they share its cores
with the server: compare the figures with the empty app's, not with another machine's). Beside
each req/s, the server process's CPU milliseconds per request (``/proc/<pid>/stat``), which
depends less on what else runs on the machine: 1000 / (its CPU ms per request) is the most one
server process (one interpreter lock) can answer on a core of its own.

Run: ``.venv/bin/python benchmarks/bench_dose.py [--http-seconds 5] [--versions 1000]``
"""
from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.pipeline import read_label  # noqa: E402
from kb.dosing.engine import DoseInputError, Rules, compute_dose  # noqa: E402
from kb.rdf.build import build_graph  # noqa: E402

LABEL = Path(__file__).resolve().parent.parent / "labels" / "blincyto" / "smpc-il.txt"
QUERY = "indication=pediatric-relapsed-refractory&weight_kg=30&height_cm=130&age_years=9&cycle=1&day=8&infusion_hours=48"
# the same question with another height on every request (100.00-149.99 cm, every one a valid BSA):
# no two requests of a run ask the same thing, so no kept answer is served
DISTINCT = QUERY.replace("height_cm=130", "height_cm={height}")


def per_call(fn, n: int) -> float:
    for _ in range(200):
        fn()
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def in_process(rules: Rules) -> None:
    params = dict(parse_qsl(QUERY))
    dose_s = per_call(lambda: compute_dose(rules, params), 5000)
    base_s = per_call(lambda: json.dumps(dict(params)), 5000)
    print(f"in-process compute_dose: {dose_s * 1e3:.3f} ms/call (target < 1 ms)   baseline json.dumps(params): {base_s * 1e3:.4f} ms/call")


def make_app(rules: Rules | None):
    def app(environ, start_response):
        if rules is None:
            body = b"{}"
            status = "200 OK"
        else:
            try:
                body = json.dumps(compute_dose(rules, dict(parse_qsl(environ.get("QUERY_STRING", ""))))).encode()
                status = "200 OK"
            except DoseInputError as exc:
                body, status = json.dumps(exc.as_dict()).encode(), "422 Unprocessable Entity"
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _client(url: str, seconds: float, which: int = 0) -> int:
    """Requests of one keep-alive client in ``seconds``; a ``url`` holding ``{height}`` asks with
    another height each time (``which``: this client's share of the 5,000 heights)."""
    import requests

    n = 0
    stop = time.perf_counter() + seconds
    vary = "{height}" in url
    with requests.Session() as s:
        while time.perf_counter() < stop:
            r = s.get(url.format(height=f"{100 + ((which * 1250 + n) % 5000) / 100:.2f}") if vary else url)
            assert r.status_code == 200, r.text
            n += 1
    return n


def http_rate(app, seconds: float, clients: int = 4, path: str = f"/api/dose?{QUERY}") -> float:
    import logging

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    from waitress.server import create_server

    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=4, asyncore_use_poll=True)
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    url = f"http://127.0.0.1:{port}{path}"
    t0 = time.perf_counter()
    # clients run in other processes, so they do not share the server's interpreter lock
    with ProcessPoolExecutor(clients) as ex:
        counts = list(ex.map(_client, [url] * clients, [seconds] * clients))
    elapsed = time.perf_counter() - t0
    server.close()
    return sum(counts) / elapsed


def add_copies(store_dir: Path, iri: str, version: str, copies: int, chunk: int = 25, thin: bool = False) -> None:
    """``copies`` more versions of the label: its graph under new version IRIs, bulk-loaded as
    N-Quads, ``chunk`` versions per load; ``thin``: only the version's own description (the
    triples about the version IRI: what the label catalogue reads), not its sections and facts."""
    import pyoxigraph as ox

    from kb.store.local import LocalStore

    store = ox.Store(str(store_dir))
    nt = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(iri)).decode()
    lines = nt.splitlines()
    if thin:
        lines = [ln for ln in lines if ln.startswith(f"<{iri}> ")]
        chunk = max(chunk, 500)
    batch: list[str] = []
    for i in range(1, copies + 1):
        v = f"{version}-copy{i:04d}"
        other = iri.rsplit("/", 1)[0] + "/" + v
        tail = f" <{other}> .\n"
        batch.append("".join(ln[:-2].replace(iri, other).replace(f'"{version}"', f'"{v}"')
                             .replace("_:", f"_:c{i}x") + tail for ln in lines))  # blank nodes: one set per copy
        if len(batch) == chunk or i == copies:
            store.bulk_load("".join(batch).encode(), format=ox.RdfFormat.N_QUADS)
            batch = []
    store.flush()
    del store
    LocalStore(str(store_dir), hold=False)._bump()  # a write outside the service: tell the caches


def index_copies(kb, backend: str) -> None:
    """The search index of ``backend`` holding every stored version (copies share one passage list)."""
    from kb.search.base import stamp
    from kb.search.documents import documents
    from kb.search.whoosh_index import index_for

    refs = kb.labels()
    idx = index_for(kb, backend)
    have = idx.markers()
    first = refs[0]
    docs = documents(kb.store.get_graph(first.iri))
    todo = ((({"graph": r.iri, "label": r.label_id, "version": r.version, "stamp": stamp(r.ingested_at),
               "version_date": r.version_date or ""},
              [{**d, "id": d["id"].replace(first.iri, r.iri), "graph": r.iri, "version": r.version} for d in docs]))
            for r in refs if r.iri not in have)
    idx.add_versions(todo)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``; NaN elsewhere)."""
    import os

    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    except (OSError, ValueError, IndexError):
        return float("nan")


def measured(pid: int, url: str, seconds: float) -> tuple[float, float]:
    """(req/s, the server's CPU milliseconds per request): the second figure depends little on
    what else runs on the machine, the first a lot."""
    cpu0 = cpu_seconds(pid)
    t0 = time.perf_counter()
    rate = client_rate(url, seconds)
    n = rate * (time.perf_counter() - t0)
    return rate, (cpu_seconds(pid) - cpu0) * 1000 / n


def serve_rate(store: Path, spec: str, seconds: float, backend: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """/api/dose (req/s, server CPU ms/request) of a real ``kb serve`` over ``store``: the same
    question each time, and another question each time (no kept answer served)."""
    import os
    import subprocess

    import requests

    port = free_port()
    env = {**os.environ, "KB_LOG_REQUESTS": "0", "KB_SEARCH_BACKEND": backend}
    kb_cmd = str(Path(sys.executable).with_name("kb"))
    proc = subprocess.Popen([kb_cmd, "-q", "--store", str(store), "serve", "--no-ingest", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}/api/dose?label={spec}&{QUERY}"
        stop = time.monotonic() + 600
        while True:
            try:
                if requests.get(url, timeout=60).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > stop:
                raise RuntimeError(f"kb serve did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.5)
        return (measured(proc.pid, url, seconds),
                measured(proc.pid, f"http://127.0.0.1:{port}/api/dose?label={spec}&{DISTINCT}", seconds))
    finally:
        proc.terminate()
        proc.wait(30)


EMPTY_APP = """
from waitress import serve
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]
serve(app, host="127.0.0.1", port=%d, threads=8, ident="empty", asyncore_use_poll=True)
"""


def empty_serve_rate(seconds: float) -> tuple[float, float]:
    """(req/s, server CPU ms/request) of an empty WSGI app under waitress with kb serve's
    settings, in its own process."""
    import subprocess

    import requests

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", EMPTY_APP % port], stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/api/dose?{QUERY}"
        while True:
            try:
                requests.get(url, timeout=10)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        return measured(proc.pid, url, seconds)
    finally:
        proc.terminate()
        proc.wait(30)


def client_rate(url: str, seconds: float, clients: int = 4) -> float:
    t0 = time.perf_counter()
    with ProcessPoolExecutor(clients) as ex:
        counts = list(ex.map(_client, [url] * clients, [seconds] * clients, range(clients)))
    return sum(counts) / (time.perf_counter() - t0)


def dose_rate_at(versions: int, seconds: float, data: Path | None, backend: str,
                 thin: bool = False) -> tuple:
    """/api/dose over a store holding ``versions`` versions: (kb serve, kb serve with distinct
    inputs, empty app), each (req/s, server CPU ms/request), and the req/s of the in-process app
    with the resolution cache off."""
    import tempfile

    from kb.service import KnowledgeBase
    from web import create_app

    with tempfile.TemporaryDirectory() as d:
        store = (data or Path(d)) / f"dose-v{versions}{'-thin' if thin and versions > 1 else ''}" / "store"
        kb = KnowledgeBase(store)
        if not kb.labels():
            kb.ingest(LABEL)
        ref = kb.labels()[0]
        if len(kb.labels()) < versions:
            kb.close()
            t = time.perf_counter()
            add_copies(store, ref.iri, ref.version, versions - 1, thin=thin)
            print(f"  {versions - 1} more versions bulk-loaded in {time.perf_counter() - t:.1f} s", flush=True)
            kb = KnowledgeBase(store)
        t = time.perf_counter()
        index_copies(kb, backend)
        print(f"  {backend} search index of {versions} versions ready in {time.perf_counter() - t:.1f} s", flush=True)
        kb.close()
        spec = f"{ref.label_id}@{ref.version}"  # the same version at every size (its rules are compiled once)
        served, distinct = serve_rate(store, spec, seconds, backend)
        empty = empty_serve_rate(seconds)
        # before: the server's store settings, the resolution cache switched off
        kb = KnowledgeBase(store, store_options={"hold": False})
        app = create_app({"KB": kb, "LOG_REQUESTS": False, "INGEST_DEFAULT": False})
        path = f"/api/dose?label={spec}&{QUERY}"
        with app.test_client() as c:
            assert c.get(path).status_code == 200
        kb.store.generation = lambda: None  # the store looks uncacheable: resolution queries every time
        uncached = http_rate(app, seconds, path=path)
        kb.close()
    return served, distinct, empty, uncached


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--http-seconds", type=float, default=5.0)
    ap.add_argument("--no-http", action="store_true")
    ap.add_argument("--versions", type=int, default=0, help="also measure at this many stored versions")
    ap.add_argument("--data", type=Path, default=None, help="keep (and reuse) the filled stores here")
    ap.add_argument("--backend", default="tantivy", help="search backend of the served store (its index is filled)")
    ap.add_argument("--thin", action="store_true", help="the extra versions hold only their own description "
                    "(a full copy takes ~8 s each on a loaded 2-core machine); the dose path never reads them")
    args = ap.parse_args()
    if not args.versions:
        t = time.perf_counter()
        rules = Rules.from_graph(build_graph(read_label(LABEL)), "blincyto")
        print(f"rules read from the graph and compiled in {time.perf_counter() - t:.2f} s (once per label version)")
        in_process(rules)
    if not args.no_http and not args.versions:
        import tempfile

        from web import create_app

        with tempfile.TemporaryDirectory() as d:
            app = create_app({"STORE": str(Path(d) / "store"), "LOG_REQUESTS": False, "INGEST_DEFAULT": False})
            kb = app.extensions["kb"]
            kb.ingest(LABEL)
            label = kb.resolve(None).label_id
            with app.test_client() as c:  # warm: rules compiled once per label version
                assert c.get(f"/api/dose?label={label}&{QUERY}").status_code == 200
            dose_rps = http_rate(app, args.http_seconds, path=f"/api/dose?label={label}&{QUERY}")
            kb.close()
        base_rps = http_rate(make_app(None), args.http_seconds)
        print(f"HTTP /api/dose under waitress: {dose_rps:.0f} req/s (target >= 500)   baseline empty WSGI app: {base_rps:.0f} req/s")
    if args.versions:
        rows = []
        for n in sorted({1, args.versions}):
            rows.append((n, *dose_rate_at(n, args.http_seconds, args.data, args.backend, args.thin)))
            print(f"  {n} versions measured", flush=True)
        print(f"\n{'versions':>8} {'kb serve':>16} {'distinct inputs':>16} {'empty app':>16} {'ratios':>11} "
              f"{'before (no cache)':>18}   (target >= 500 req/s for kb serve)")
        print(f"{'':>8} {'req/s  CPU ms/req':>16}  {'req/s  CPU ms/req':>16}  {'req/s  CPU ms/req':>16} {'':>11} {'req/s':>18}")
        for n, (served, served_ms), (distinct, distinct_ms), (empty, empty_ms), uncached in rows:
            print(f"{n:>8} {served:>7.0f} {served_ms:>8.2f}  {distinct:>7.0f} {distinct_ms:>8.2f}  {empty:>7.0f} {empty_ms:>8.2f} "
                  f"{served / empty:>5.2f} {distinct / empty:>5.2f} {uncached:>18.0f}")
        print("kb serve: the same question on every request (its answer kept after the first); distinct inputs: "
              "another height on every request (computed each time); ratios: req/s of each / empty app's; "
              "CPU ms/req: the server process's CPU time per request (4 clients share the machine's cores)")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in __import__('os').getloadavg())}")


if __name__ == "__main__":
    main()
