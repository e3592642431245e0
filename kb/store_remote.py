"""A store behind a SPARQL 1.1 Protocol endpoint (e.g. ``oxigraph serve``).

URL layout (Oxigraph's): ``{base}/query``, ``{base}/update`` and the Graph
Store Protocol at ``{base}/store?graph=``.  ``open_store("http://host:port")``
uses those; pass ``query_url``/``update_url``/``store_url`` for other servers.

* ``replace_graph`` POSTs the same single update as LocalStore
  (DROP; CREATE; INSERT DATA); Oxigraph runs one update request in one
  transaction, so it is atomic on the server too.
* The union default graph is asked for with Oxigraph's
  ``union-default-graph`` request parameter (plain SPARQL servers ignore it).
* ``timeout_s`` is enforced on the client as a deadline for the whole answer
  (Oxigraph streams rows, so a socket timeout alone would never fire).
  The server keeps computing unless it was started with ``--timeout-s``; a
  server-side cancellation comes back as HTTP 200 with a truncated body,
  which fails to parse and is reported as QueryTimeout too.
"""
from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
from rdflib import Graph

from kb.sparql import QueryFailed, QuerySyntaxError, QueryTimeout, ResultTooLarge
from kb.sparql_exec import encode_term
from kb.store import Store, check_graph_iri, dump, triples_to_graph


class RemoteError(QueryFailed):
    """The server answered with an error status."""


class RemoteStore(Store):
    def __init__(self, base_url: str, *, query_url: str | None = None, update_url: str | None = None,
                 store_url: str | None = None, http_timeout_s: float = 60.0):
        base = base_url.rstrip("/")
        self.location = base
        self.query_url = query_url or f"{base}/query"
        self.update_url = update_url or f"{base}/update"
        self.store_url = store_url or f"{base}/store"
        self.http_timeout_s = http_timeout_s

    # -- HTTP -------------------------------------------------------------------
    def _request(self, method: str, url: str, *, data: bytes | None = None,
                 headers: dict | None = None, timeout: float | None = None) -> tuple[int, bytes, str]:
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.http_timeout_s) as resp:
                chunks = []
                while True:  # the server streams rows: a socket timeout alone never fires
                    chunk = resp.read(1 << 16)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    if deadline is not None and time.monotonic() > deadline:
                        raise TimeoutError("deadline passed while reading the answer")
                return resp.status, b"".join(chunks), resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            body = e.read().decode("utf-8", "replace")
            e.close()
            if method == "GET" and e.code == 404:
                return 404, b"", ""
            if e.code == 400 and "query" in url:
                raise QuerySyntaxError(f"the server refused the query: {body.strip()}") from None
            raise RemoteError(f"{method} {url} -> HTTP {e.code}: {body.strip()[:500]}") from None

    def _update(self, text: str) -> None:
        self._request("POST", self.update_url, data=text.encode("utf-8"),
                      headers={"Content-Type": "application/sparql-update"})

    def _graph_query(self, text: str, spec: dict | None = None) -> dict:
        return self._execute_text(text, spec or {"has_dataset_clause": False}, None, None, "select")

    # -- reads --------------------------------------------------------------------
    def graphs(self) -> list[str]:
        raw = self._graph_query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return sorted(r[0][1] for r in raw["rows"] if r[0] and r[0][0] == "u")

    def has_graph(self, iri: str) -> bool:
        return check_graph_iri(iri) in self.graphs()

    def _fetch(self, graph_iri: str | None) -> ox.Store:
        if graph_iri is None:
            url, accept, fmt = self.store_url, "application/n-quads", ox.RdfFormat.N_QUADS
        else:
            q = urllib.parse.urlencode({"graph": check_graph_iri(graph_iri)})
            url, accept, fmt = f"{self.store_url}?{q}", "application/n-triples", ox.RdfFormat.N_TRIPLES
        status, body, _ = self._request("GET", url, headers={"Accept": accept})
        mem = ox.Store()
        if status != 404 and body:
            if graph_iri is None:
                mem.load(body, format=fmt)
            else:
                mem.load(body, format=fmt, to_graph=ox.NamedNode(graph_iri))
        return mem

    def get_graph(self, iri: str) -> Graph:
        mem = self._fetch(iri)
        return triples_to_graph(mem.quads_for_pattern(None, None, None, ox.NamedNode(iri)), iri)

    def serialize(self, fmt: str, graph_iri: str | None = None) -> bytes:
        dump(ox.Store(), fmt, graph_iri)  # validate the format/graph combination before fetching
        return dump(self._fetch(graph_iri), fmt, graph_iri)

    def _execute(self, parsed, spec, timeout_s, max_rows):
        return self._execute_text(parsed.text, spec, timeout_s, max_rows, parsed.kind)

    def _execute_text(self, text: str, spec: dict, timeout_s, max_rows, kind) -> dict:
        if spec.get("base_iri"):  # check_graph_iri made it safe between <...>; the query's own BASE wins
            text = f"BASE <{spec['base_iri']}>\n{text}"
        params: list[tuple[str, str]] = [("query", text)]
        dg, ng = spec.get("default_graph_uris") or [], spec.get("named_graph_uris") or []
        if dg or ng:
            params += [("default-graph-uri", u) for u in (dg or ng)]
            params += [("named-graph-uri", u) for u in ng]
        elif not spec.get("has_dataset_clause"):
            params.append(("union-default-graph", ""))
        graph_result = kind in ("construct", "describe")
        accept = "application/n-triples" if graph_result else "application/sparql-results+json"
        try:
            _, body, _ = self._request(
                "POST", self.query_url, data=urllib.parse.urlencode(params).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
                timeout=timeout_s,
            )
        except (socket.timeout, TimeoutError) as e:
            raise QueryTimeout(f"the query did not finish within {timeout_s:g} s ({e})") from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, (socket.timeout, TimeoutError)):
                raise QueryTimeout(f"the query did not finish within {timeout_s:g} s") from None
            raise QueryFailed(f"cannot reach {self.query_url}: {e.reason}") from None
        try:
            if graph_result:
                triples = [(encode_term(t.subject), encode_term(t.predicate), encode_term(t.object))
                           for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
                if max_rows is not None and len(triples) > max_rows:
                    raise ResultTooLarge(f"the result has more than {max_rows} triples; add a LIMIT or narrow the query")
                return {"kind": kind, "triples": triples}
            doc = json.loads(body)
        except (ValueError, SyntaxError) as e:  # a cancelled query: HTTP 200 and a cut body
            raise QueryTimeout(f"the server stopped the query (truncated answer: {e})") from None
        if "boolean" in doc:
            return {"kind": "ask", "boolean": bool(doc["boolean"])}
        variables = doc["head"]["vars"]
        bindings = doc["results"]["bindings"]
        if max_rows is not None and len(bindings) > max_rows:
            raise ResultTooLarge(f"the result has more than {max_rows} rows; add a LIMIT or narrow the query")
        rows = [[_json_to_raw(b.get(v)) for v in variables] for b in bindings]
        return {"kind": "select", "variables": variables, "rows": rows}

    # -- writes -------------------------------------------------------------------


def _json_to_raw(b: dict | None):
    if b is None:
        return None
    t = b["type"]
    if t == "uri":
        return ("u", b["value"])
    if t == "bnode":
        return ("b", b["value"])
    lang = b.get("xml:lang")
    return ("l", b["value"], None if lang else b.get("datatype"), lang)
