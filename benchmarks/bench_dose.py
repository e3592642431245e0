"""Dose benchmarks, each printed beside a baseline measured in the same run.

1. In-process: one ``compute_dose`` after the rules are compiled (target < 1 ms),
   beside the baseline of a bare dict round trip through ``json.dumps``.
2. HTTP: ``/api/dose`` of the real Flask app (``web.create_app`` over a store holding
   the bundled label) under waitress, the real WSGI server, on this machine (target
   >= 500 requests/s), beside a WSGI app that only returns "{}".
3. The same at ``--versions N`` stored versions of the label (copies of its graph bulk-loaded
   under new version IRIs), with label resolution cached (the default) and, as the "before"
   figure of the same run, with the cache switched off (every request runs the all-versions query).

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
from kb.dosing import DoseInputError, Rules, compute_dose  # noqa: E402
from kb.rdf_build import build_graph  # noqa: E402

LABEL = Path(__file__).resolve().parent.parent / "labels" / "blincyto" / "smpc-il.txt"
QUERY = "indication=pediatric-relapsed-refractory&weight_kg=30&height_cm=130&age_years=9&cycle=1&day=8&infusion_hours=48"


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


def _client(url: str, seconds: float) -> int:
    import requests

    n = 0
    stop = time.perf_counter() + seconds
    with requests.Session() as s:
        while time.perf_counter() < stop:
            r = s.get(url)
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


def add_copies(store_dir: Path, iri: str, version: str, copies: int) -> None:
    """``copies`` more versions of the label: its graph under new version IRIs, bulk-loaded."""
    import pyoxigraph as ox

    from kb.store import LocalStore

    store = ox.Store(str(store_dir))
    nt = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(iri)).decode()
    for i in range(1, copies + 1):
        v = f"{version}-copy{i:04d}"
        other = iri.rsplit("/", 1)[0] + "/" + v
        data = nt.replace(iri, other).replace(f'"{version}"', f'"{v}"')
        store.bulk_load(data.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(other))
    store.flush()
    del store
    LocalStore(str(store_dir), hold=False)._bump()  # a write outside the service: tell the caches


def dose_rate_at(versions: int, seconds: float) -> tuple[float, float]:
    """/api/dose req/s over a store holding ``versions`` versions: (resolution cached, not cached)."""
    import tempfile

    from kb.service import KnowledgeBase
    from web import create_app

    with tempfile.TemporaryDirectory() as d:
        store = Path(d) / "store"
        kb = KnowledgeBase(store)
        ref = kb.ingest(LABEL).ref
        kb.close()
        if versions > 1:
            t = time.perf_counter()
            add_copies(store, ref.iri, ref.version, versions - 1)
            print(f"  {versions - 1} more versions bulk-loaded in {time.perf_counter() - t:.1f} s")
        # the server's store settings, without the search index (its sync would index every copy)
        kb = KnowledgeBase(store, store_options={"hold": False})
        app = create_app({"KB": kb, "LOG_REQUESTS": False, "INGEST_DEFAULT": False})
        spec = f"{ref.label_id}@{ref.version}"  # the same version at every size (its rules are compiled once)
        path = f"/api/dose?label={spec}&{QUERY}"
        with app.test_client() as c:
            assert c.get(path).status_code == 200
        cached = http_rate(app, seconds, path=path)
        kb.store.generation = lambda: None  # the store looks uncacheable: resolution queries every time
        uncached = http_rate(app, seconds, path=path)
        kb.close()
    return cached, uncached


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--http-seconds", type=float, default=5.0)
    ap.add_argument("--no-http", action="store_true")
    ap.add_argument("--versions", type=int, default=0, help="also measure at this many stored versions")
    args = ap.parse_args()
    t = time.perf_counter()
    rules = Rules.from_graph(build_graph(read_label(LABEL)), "blincyto")
    print(f"rules read from the graph and compiled in {time.perf_counter() - t:.2f} s (once per label version)")
    in_process(rules)
    if not args.no_http:
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
            rows = [(n, *dose_rate_at(n, args.http_seconds)) for n in sorted({1, args.versions})]
            print(f"\n{'versions':>8} {'cached req/s':>13} {'uncached req/s (before)':>24}   (target >= 500 cached)")
            for n, cached, uncached in rows:
                print(f"{n:>8} {cached:>13.0f} {uncached:>24.0f}")


if __name__ == "__main__":
    main()
