"""A store behind any SPARQL 1.1 Protocol endpoint (``oxigraph serve``, Virtuoso, ...).

Endpoints (see :func:`endpoints`):

* ``http://host:port`` (no path): Oxigraph's layout, ``/query``, ``/update``
  and the Graph Store Protocol at ``/store``;
* ``http://host:port/sparql`` (a path): that one URL answers queries and
  updates (Virtuoso, Fuseki's ``/ds``, GraphDB, ...); ``update_url`` and
  ``store_url`` (GSP, optional) name separate endpoints when the server has them.

Differences between servers this module papers over (docs/store.md lists them):

* The union default graph: Oxigraph's ``union-default-graph`` parameter when
  the Oxigraph layout is used; elsewhere the dataset is made explicit (every
  graph of ours as ``default-graph-uri`` and ``named-graph-uri``), so a
  server's own system graphs (Virtuoso's ``virtrdf:`` ...; ``server_graphs``
  prefixes) never leak into answers, counts or ``graphs()``.
* Without a GSP endpoint, graph contents are read with SPARQL CONSTRUCT.
* ``replace_graph`` POSTs the same single update as LocalStore (DROP; CREATE;
  INSERT DATA). Oxigraph runs it in one transaction; Virtuoso compiles the
  whole request first, so a syntax error changes nothing.
* ``timeout_s`` (or ``http_timeout_s`` for everything else) is a deadline for
  the whole answer, checked between reads of whatever bytes arrived, so a
  server that is down, silent or trickling fails with a clear error within it.
  A server-side cancellation comes back either as HTTP 200 with a truncated
  body (Oxigraph) or as HTTP 200 with partial results and an ``X-SQL-State``
  header (Virtuoso's "anytime" answers): both are QueryTimeout, never a result.
"""
from __future__ import annotations

import http.client
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
from rdflib import Graph

from kb.sparql.execution import encode_term
from kb.sparql.safety import QueryFailed, QuerySyntaxError, QueryTimeout, ResultTooLarge
from kb.store.interface import Store, check_graph_iri, dump, triples_to_graph


class RemoteError(QueryFailed):
    """The server answered with an error status."""


class RemoteTimeout(QueryTimeout):
    """The server did not answer (completely) within the configured time."""


# graphs a server keeps for itself (Virtuoso: its RDF views, LDP vocabulary, URIQA): never ours
SERVER_GRAPHS = ("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#",
                 "http://localuriqaserver/")
EMPTY_GRAPH = "urn:x-smpc-kb:no-graph"
UPDATE_CHUNK = 2000  # triples per INSERT DATA when a server has no GSP endpoint (Virtuoso's parser: < ~5000)  # the default graph when the store holds no graph of ours


def endpoints(url: str, update_url: str | None = None, store_url: str | None = None) -> dict:
    """``{query, update, store, oxigraph}`` for a ``--store`` URL (see the module docstring)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) endpoint URL: {url!r}")
    if parts.path in ("", "/") and not parts.query:
        base = url.rstrip("/")
        return {"query": f"{base}/query", "update": update_url or f"{base}/update",
                "store": store_url or f"{base}/store", "oxigraph": True}
    return {"query": url, "update": update_url or url, "store": store_url, "oxigraph": False}


_DEFAULTS: dict = {}  # set by configure(): the CLI's --store-update/--store-graphs/--store-timeout


def configure(**options) -> None:
    """Process-wide defaults for RemoteStores opened without them (``update_url``, ``store_url``,
    ``http_timeout_s``). Raises ValueError for a URL that is not http(s)."""
    for name, value in options.items():
        if name not in ("update_url", "store_url", "http_timeout_s"):
            raise ValueError(f"unknown remote store option {name!r}")
        if name != "http_timeout_s":
            _check_url(value)
    _DEFAULTS.update(options)


def _check_url(url: str) -> None:
    if not url.startswith(("http://", "https://")) or not urllib.parse.urlsplit(url).netloc:
        raise ValueError(f"endpoint is not an http(s) URL: {url!r}")


def remote_options(location: str, *, update_url: str | None = None, store_url: str | None = None,
                   timeout_s: float | None = None) -> dict:
    """``open_store`` options for a remote ``location`` (the web settings STORE_UPDATE, STORE_GRAPHS,
    STORE_TIMEOUT_S). Raises ValueError for options given with a directory, or that are not http(s) URLs."""
    given = {k: v for k, v in (("update_url", update_url), ("store_url", store_url)) if v}
    if not location.startswith(("http://", "https://")):
        if given:
            raise ValueError("a separate update or Graph Store endpoint is for a remote (http) store")
        return {}
    for url in given.values():
        _check_url(url)
    endpoints(location)  # a clear error for a malformed store URL
    return {**given, **({"http_timeout_s": float(timeout_s)} if timeout_s is not None else {})}


class RemoteStore(Store):
    def __init__(self, base_url: str, *, query_url: str | None = None, update_url: str | None = None,
                 store_url: str | None = None, http_timeout_s: float | None = None,
                 server_graphs: tuple[str, ...] = SERVER_GRAPHS):
        update_url = update_url or _DEFAULTS.get("update_url")
        store_url = store_url or _DEFAULTS.get("store_url")
        http_timeout_s = http_timeout_s or _DEFAULTS.get("http_timeout_s") or 60.0
        ep = endpoints(base_url, update_url, store_url)
        self.location = base_url.rstrip("/") if ep["oxigraph"] else base_url
        self.query_url = query_url or ep["query"]
        self.update_url = ep["update"]
        self.store_url = ep["store"]
        self.union_parameter = ep["oxigraph"]  # Oxigraph's union-default-graph request parameter
        self.http_timeout_s = http_timeout_s
        self.server_graphs = tuple(server_graphs)

    # -- HTTP -------------------------------------------------------------------
    def _request(self, method: str, url: str, *, data: bytes | None = None,
                 headers: dict | None = None, timeout: float | None = None) -> tuple[int, bytes, str, dict]:
        """(status, body, content type, headers); every failure is a one-line QueryFailed/QueryTimeout."""
        limit = timeout or self.http_timeout_s
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        deadline = time.monotonic() + limit
        try:
            with urllib.request.urlopen(req, timeout=limit) as resp:
                chunks = []
                while True:  # whatever arrives: a trickling server cannot stretch the deadline
                    chunk = resp.read1(1 << 16)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise TimeoutError("deadline passed while reading the answer")
                return resp.status, b"".join(chunks), resp.headers.get("Content-Type", ""), dict(resp.headers)
        except urllib.error.HTTPError as e:
            try:
                body = e.read().decode("utf-8", "replace")
            except (OSError, ValueError):
                body = ""
            e.close()
            if method == "GET" and e.code == 404:
                return 404, b"", "", {}
            if e.code == 400 and url == self.query_url and data is not None and b"query=" in data[:6]:
                raise QuerySyntaxError(f"the server refused the query: {_one_line(body)}") from None
            if e.code >= 500 and any(m in body.lower() for m in ("s1tat", "s1t00", "timeout", "timed out")):
                raise RemoteTimeout(f"the server stopped the request at its own time limit: {_one_line(body)}") from None
            raise RemoteError(f"{method} {url} -> HTTP {e.code}: {_one_line(body)}") from None
        except (socket.timeout, TimeoutError):
            raise RemoteTimeout(f"{url} did not answer within {limit:g} s") from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, (socket.timeout, TimeoutError)):
                raise RemoteTimeout(f"{url} did not answer within {limit:g} s") from None
            raise QueryFailed(f"cannot reach {url}: {e.reason}") from None
        except (http.client.HTTPException, ConnectionError, OSError) as e:
            raise QueryFailed(f"{url} broke off the answer: {type(e).__name__}: {e}") from None

    def _update(self, text: str) -> None:
        self._request("POST", self.update_url, data=text.encode("utf-8"),
                      headers={"Content-Type": "application/sparql-update"})

    def replace_graph(self, iri: str, graph: Graph) -> int:
        """Oxigraph: one SPARQL update (one transaction). Other servers with a GSP endpoint: one
        GSP ``PUT`` (replace; Virtuoso's SPARQL compiler runs out of memory on a large INSERT DATA).
        Without one: DROP+CREATE+first chunk in one update, then INSERT DATA in chunks (not atomic)."""
        if self.union_parameter:
            return super().replace_graph(iri, graph)
        g = check_graph_iri(iri)
        if len(graph) == 0:
            self.remove_graph(g)
            return 0
        body = graph.serialize(format="nt", encoding="utf-8")
        if self.store_url is not None:
            q = urllib.parse.urlencode({"graph": g})
            sep = "&" if "?" in self.store_url else "?"
            self._request("PUT", f"{self.store_url}{sep}{q}", data=body,
                          headers={"Content-Type": "application/n-triples"})
            return len(graph)
        lines = body.decode("utf-8").splitlines()
        for i in range(0, len(lines), UPDATE_CHUNK):
            part = "\n".join(lines[i:i + UPDATE_CHUNK])
            head = f"DROP SILENT GRAPH <{g}> ;\nCREATE SILENT GRAPH <{g}> ;\n" if i == 0 else ""
            self._update(f"{head}INSERT DATA {{ GRAPH <{g}> {{\n{part}\n}} }}")
        return len(graph)

    # -- reads --------------------------------------------------------------------
    def graphs(self) -> list[str]:
        # Virtuoso lists no graph for an empty pattern, and takes seconds over DISTINCT (0.01 s for GROUP BY)
        text = ("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }" if self.union_parameter
                else "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        raw = self._execute_text(text, {"has_dataset_clause": True}, None, None, "select")
        return sorted(r[0][1] for r in raw["rows"]
                      if r[0] and r[0][0] == "u" and not r[0][1].startswith(self.server_graphs))

    def has_graph(self, iri: str) -> bool:
        return check_graph_iri(iri) in self.graphs()

    def _fetch(self, graph_iri: str | None) -> ox.Store:
        mem = ox.Store()
        if graph_iri is None and not self.union_parameter:  # no whole-dataset GSP read: graph by graph
            for g in self.graphs():
                mem.bulk_extend(self._fetch(g).quads_for_pattern(None, None, None, None))
            return mem
        if self.store_url is None:
            text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{check_graph_iri(graph_iri)}> {{ ?s ?p ?o }} }}"
            raw = self._execute_text(text, {"has_dataset_clause": True}, None, None, "construct")
            g = ox.NamedNode(graph_iri)
            mem.bulk_extend(ox.Quad(_ox_term(s), _ox_term(p), _ox_term(o), g) for s, p, o in raw["triples"])
            return mem
        if graph_iri is None:
            url, accept, fmt = self.store_url, "application/n-quads", ox.RdfFormat.N_QUADS
        else:
            q = urllib.parse.urlencode({"graph": check_graph_iri(graph_iri)})
            sep = "&" if "?" in self.store_url else "?"
            url, accept, fmt = f"{self.store_url}{sep}{q}", "application/n-triples", ox.RdfFormat.N_TRIPLES
        status, body, ctype, _ = self._request("GET", url, headers={"Accept": accept})
        if status != 404 and body:
            try:
                if graph_iri is None:
                    mem.load(body, format=fmt)
                else:
                    mem.load(body, format=fmt, to_graph=ox.NamedNode(graph_iri))
            except (SyntaxError, ValueError) as e:
                raise QueryFailed(f"{url} answered {ctype or 'no content type'} that is not "
                                  f"{accept}: {_one_line(str(e))}") from None
        return mem

    def get_graph(self, iri: str) -> Graph:
        mem = self._fetch(iri)
        return triples_to_graph(mem.quads_for_pattern(None, None, None, ox.NamedNode(iri)), iri)

    def serialize(self, fmt: str, graph_iri: str | None = None) -> bytes:
        dump(ox.Store(), fmt, graph_iri)  # validate the format/graph combination before fetching
        return dump(self._fetch(graph_iri), fmt, graph_iri)

    def _execute(self, parsed, spec, timeout_s, max_rows):
        return self._execute_text(parsed.text, spec, timeout_s, max_rows, parsed.kind)

    def _dataset_params(self, spec: dict) -> list[tuple[str, str]]:
        dg, ng = spec.get("default_graph_uris") or [], spec.get("named_graph_uris") or []
        if dg or ng:  # kb.sparql.execution.dataset_options' rule: named graphs only -> an empty default graph
            # (said with a graph nobody holds: a server given no default-graph-uri may use its own default)
            return [("default-graph-uri", u) for u in (dg or [EMPTY_GRAPH])] + [("named-graph-uri", u) for u in ng]
        if spec.get("has_dataset_clause"):
            return []
        if self.union_parameter:
            return [("union-default-graph", "")]
        ours = self.graphs() or [EMPTY_GRAPH]
        return [("default-graph-uri", u) for u in ours] + [("named-graph-uri", u) for u in ours]

    def _execute_text(self, text: str, spec: dict, timeout_s, max_rows, kind) -> dict:
        if (spec.get("default_graph_uris") or spec.get("named_graph_uris")) and spec.get("has_dataset_clause") \
                and not self.union_parameter:  # Virtuoso merges FROM with the protocol's dataset
            text = without_dataset_clauses(text)
        if spec.get("base_iri"):  # check_graph_iri made it safe between <...>; the query's own BASE wins
            text = f"BASE <{spec['base_iri']}>\n{text}"
        params: list[tuple[str, str]] = [("query", text), *self._dataset_params(spec)]
        if timeout_s is not None and not self.union_parameter:
            # Virtuoso's (and Fuseki's) "timeout" parameter lets the server stop too (ms for Virtuoso; a
            # server reading seconds just gets a longer limit): otherwise a runaway query it cannot see
            # abandoned keeps it busy
            params.append(("timeout", str(max(1, int(timeout_s * 1000)))))
        graph_result = kind in ("construct", "describe")
        accept = "application/n-triples" if graph_result else "application/sparql-results+json"
        _, body, ctype, headers = self._request(
            "POST", self.query_url, data=urllib.parse.urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
            timeout=timeout_s,
        )
        state = headers.get("X-SQL-State") or headers.get("x-sql-state")
        if state:  # Virtuoso's "anytime" answer: partial results at its own time limit
            raise RemoteTimeout(f"the server stopped the query and sent partial results "
                                f"({state}: {_one_line(headers.get('X-SQL-Message', ''))})")
        media = ctype.split(";")[0].strip().lower()
        if media in ("text/html", "application/xhtml+xml"):
            raise QueryFailed(f"{self.query_url} answered a web page ({media}), not SPARQL results: "
                              "is it a SPARQL endpoint URL?")
        try:
            if graph_result:
                triples = [(encode_term(t.subject), encode_term(t.predicate), encode_term(t.object))
                           for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
                if max_rows is not None and len(triples) > max_rows:
                    raise ResultTooLarge(f"the result has more than {max_rows} triples; add a LIMIT or narrow the query")
                return {"kind": kind, "triples": triples}
            doc = json.loads(body)
        except (ValueError, SyntaxError) as e:
            if body.lstrip()[:1] in (b"{", b"<", b"_") and len(body) > 0:  # a cancelled query: HTTP 200, a cut body
                raise RemoteTimeout(f"the server stopped the query (truncated answer: {_one_line(str(e))})") from None
            raise QueryFailed(f"{self.query_url} answered {media or 'no content type'} that is not "
                              f"{accept}: {_one_line(body[:120].decode('utf-8', 'replace'))}") from None
        try:
            if "boolean" in doc:
                return {"kind": "ask", "boolean": bool(doc["boolean"])}
            variables = doc["head"]["vars"]
            bindings = doc["results"]["bindings"]
            if max_rows is not None and len(bindings) > max_rows:
                raise ResultTooLarge(f"the result has more than {max_rows} rows; add a LIMIT or narrow the query")
            rows = [[_json_to_raw(b.get(v)) for v in variables] for b in bindings]
        except (KeyError, TypeError, AttributeError) as e:
            raise QueryFailed(f"{self.query_url} answered JSON that is not SPARQL results (missing {e})") from None
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


_TOKENS = re.compile(
    r'''(?P<skip>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''''
    r'''|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>|\#[^\n]*|[?$]\w+)'''
    r"|(?P<open>\{)|(?P<close>\})"
    r"|(?P<from>\bFROM\s+(?:NAMED\s+)?(?:<[^<>\"{}|^`\\\x00-\x20]*>|[\w.-]*:[\w.:%-]*))",
    re.IGNORECASE)


def without_dataset_clauses(text: str) -> str:
    """``text`` without its FROM / FROM NAMED clauses (strings, IRIs, comments and nested
    groups are skipped; dataset clauses only occur outside braces). The protocol's dataset
    must win over them (SPARQL 1.1 Protocol 2.1.4); some servers merge the two instead."""
    out, last, depth = [], 0, 0
    for m in _TOKENS.finditer(text):
        if m.group("open"):
            depth += 1
        elif m.group("close"):
            depth = max(0, depth - 1)
        elif m.group("from") and depth == 0:
            out.append(text[last:m.start()])
            last = m.end()
    out.append(text[last:])
    stripped = "".join(out)
    from kb.sparql.safety import check_query

    if check_query(stripped).has_dataset_clause:  # never send a query whose dataset we did not control
        raise QueryFailed("could not separate the query's FROM clauses from its body; "
                          "give the dataset either in the query or as parameters")
    return stripped


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _ox_term(t):
    if t[0] == "u":
        return ox.NamedNode(t[1])
    if t[0] == "b":
        return ox.BlankNode(t[1])
    _, value, dt, lang = t
    if lang:
        return ox.Literal(value, language=lang)
    return ox.Literal(value, datatype=ox.NamedNode(dt)) if dt else ox.Literal(value)
