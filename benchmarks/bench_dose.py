"""Dose benchmarks, each printed beside a baseline measured in the same run.

1. In-process: one ``compute_dose`` after the rules are compiled (target < 1 ms),
   beside the baseline of a bare dict round trip through ``json.dumps``.
2. HTTP: ``/api/dose`` of the real Flask app (``web.create_app`` over a store holding
   the bundled label) under waitress, the real WSGI server, on this machine (target
   >= 500 requests/s), beside a WSGI app that only returns "{}".

Run: ``.venv/bin/python benchmarks/bench_dose.py [--http-seconds 5]``
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--http-seconds", type=float, default=5.0)
    ap.add_argument("--no-http", action="store_true")
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


if __name__ == "__main__":
    main()
