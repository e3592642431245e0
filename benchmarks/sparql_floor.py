"""The floors under `kb serve`'s /sparql: the same query-worker hop behind less and less web stack.

    python benchmarks/sparql_floor.py STORE_DIR PORT {wsgi,flask}

Started by ``bench_sparql_parse.py --floors`` beside ``kb serve`` and ``oxigraph serve-read-only``.
``STORE_DIR`` is a directory nobody writes (a checkpoint copy). Each answers ``GET ?query=`` with
SPARQL JSON, running the text on kb's query workers (:class:`kb.sparql.workers.WorkerPool`, the
process hop that lets a runaway be stopped) and serialising with kb's own serialiser, on waitress
with ``kb serve``'s settings (8 threads, poll):

* ``wsgi``: a bare WSGI function (no Flask, no check, no protocol handling): waitress + the hop;
* ``flask``: one Flask route doing the same: what Flask adds.

No safety check, no dataset parameters, no content negotiation, no CORS: these are not servers
to use, only the measure of what the hop and the frameworks cost on their own.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from waitress import serve  # noqa: E402

from kb.sparql.results import QueryResult  # noqa: E402
from kb.sparql.workers import WorkerPool  # noqa: E402
from kb.store.reader_snapshots import store_fingerprint  # noqa: E402

SPEC = {"default_graph_uris": [], "named_graph_uris": [], "has_dataset_clause": False}
JSON = "application/sparql-results+json"


def main() -> None:
    directory, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    pool = WorkerPool(directory, 2)
    pool.warm(all_workers=True)
    time.sleep(1)
    fingerprint = store_fingerprint(directory)

    def answer(text: str) -> bytes:
        raw = pool.run(text, SPEC, 10000, None, 30.0, fingerprint, None, directory=directory)
        return QueryResult.from_raw(raw).to_sparql_json()

    if mode == "wsgi":
        def app(environ, start_response):
            body = answer(parse_qs(environ.get("QUERY_STRING", ""))["query"][0])
            start_response("200 OK", [("Content-Type", JSON), ("Content-Length", str(len(body)))])
            return [body]
    else:
        from flask import Flask, Response, request

        app = Flask("sparql_floor")

        @app.get("/sparql")
        def sparql():
            return Response(answer(request.args["query"]), content_type=JSON)

    try:
        serve(app, host="127.0.0.1", port=port, threads=8, asyncore_use_poll=True)
    finally:
        pool.close()


if __name__ == "__main__":
    main()
