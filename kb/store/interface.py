"""The interface of both stores (:class:`Store`) and what they share: the graph-IRI check, the
replace updates, dumps, triples as rdflib graphs, and :class:`StoreUnavailable`.

:class:`kb.store.local.LocalStore` (a pyoxigraph/RocksDB directory) and
:class:`kb.store.remote.RemoteStore` (a SPARQL 1.1 Protocol server) implement it;
``kb.store.open_store(location)`` picks one. Dataset rules for queries: the default graph is the
union of all named graphs unless the query has FROM/FROM NAMED or the caller passes
``default_graph_uris``/``named_graph_uris`` (these win over FROM).
"""
from __future__ import annotations

import re
from typing import Iterable

import pyoxigraph as ox
from rdflib import Graph, URIRef

from ingest.errors import KbError
from kb.rdf.base import LATEST_GRAPH, PREFIXES, bind_prefixes
from kb.sparql.execution import encode_term
from kb.sparql.results import decode_term
from kb.sparql.safety import ParsedQuery, QueryResult, QuerySyntaxError, check_query
from kb.sparql.vet import explain_syntax_error, vet_query

DUMP_FORMATS = {  # our name -> (pyoxigraph format, holds a whole dataset)
    "ttl": (ox.RdfFormat.TURTLE, False),
    "turtle": (ox.RdfFormat.TURTLE, False),
    "nt": (ox.RdfFormat.N_TRIPLES, False),
    "jsonld": (ox.RdfFormat.JSON_LD, True),
    "json-ld": (ox.RdfFormat.JSON_LD, True),
    "nq": (ox.RdfFormat.N_QUADS, True),
    "trig": (ox.RdfFormat.TRIG, True),
}
GENERATION_FILE = "kb-generation"  # in a store directory; RocksDB ignores files it does not name
_BAD_IRI_CHARS = set('<>"{}|^`\\ \t\r\n')


def check_graph_iri(iri: str) -> str:
    """An absolute IRI safe to put between ``<...>`` in SPARQL text."""
    s = str(iri)
    if not s or any(c in _BAD_IRI_CHARS for c in s) or ":" not in s:
        raise ValueError(f"not a usable graph IRI: {iri!r}")
    ox.NamedNode(s)  # raises ValueError if not an IRI
    return s


def replace_update(iri: str, graph: Graph) -> tuple[str, int]:
    """The single SPARQL update that atomically replaces named graph ``iri`` by ``graph``."""
    return replace_update_nt(iri, graph.serialize(format="nt", encoding="utf-8").decode("utf-8")), len(graph)


def replace_update_nt(iri: str, body: str) -> str:
    """The same update from the graph's N-Triples text (e.g. built in another process)."""
    g = check_graph_iri(iri)
    return (
        f"DROP SILENT GRAPH <{g}> ;\nCREATE SILENT GRAPH <{g}> ;\n"
        f"INSERT DATA {{ GRAPH <{g}> {{\n{body}\n}} }}"
    )


def triples_to_graph(triples: Iterable, identifier: str | None = None) -> Graph:
    """pyoxigraph triples/quads -> an rdflib Graph with the project prefixes bound."""
    g = bind_prefixes(Graph(identifier=URIRef(identifier)) if identifier else Graph())
    add = g.add
    for t in triples:
        add((decode_term(encode_term(t.subject)), decode_term(encode_term(t.predicate)),
             decode_term(encode_term(t.object))))
    return g


def dump(store: ox.Store, fmt: str, graph_iri: str | None) -> bytes:
    """Serialise one graph (any format) or the whole dataset (nq, trig, jsonld)."""
    if fmt not in DUMP_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of: ttl, nt, jsonld, nq, trig")
    rdf_format, dataset_ok = DUMP_FORMATS[fmt]
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    if graph_iri is not None:
        node = ox.NamedNode(check_graph_iri(graph_iri))
        if rdf_format.supports_datasets:  # keep the graph name: copy the graph's quads
            sub = ox.Store()
            sub.extend(store.quads_for_pattern(None, None, None, node))
            return sub.dump(format=rdf_format, prefixes=prefixes if fmt == "trig" else None)
        return store.dump(format=rdf_format, from_graph=node, prefixes=prefixes)
    if not dataset_ok:
        raise ValueError(f"{fmt} holds a single graph: pass a graph IRI, or use nq/trig/jsonld for the whole store")
    latest = ox.NamedNode(LATEST_GRAPH)
    if next(iter(store.quads_for_pattern(None, None, None, latest)), None) is None:
        return store.dump(format=rdf_format, prefixes=prefixes if fmt == "trig" else None)
    # the latest-versions graph is derived from the versions (kb/rdf/latest_versions.py): not exported
    return ox.serialize((q for q in store if q.graph_name != latest), format=rdf_format,
                        prefixes=prefixes if fmt == "trig" else None) or b""


_QUERY_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.I)
_FROM = re.compile(r"\bFROM\b", re.I)
_COMMENT = re.compile(r"#[^\n]*")


def _trusted_query(text: str) -> ParsedQuery:
    """The query form of one of the program's own queries, without parsing it."""
    plain = _COMMENT.sub("", re.sub(r"<[^>\s]*>", "<>", text))  # IRIs may hold '#'
    m = _QUERY_FORM.search(plain)
    if m is None:
        return check_query(text)
    return ParsedQuery(text, m.group(1).lower(), bool(_FROM.search(plain)))


class StoreUnavailable(KbError, OSError):
    """The store directory cannot be opened or created; the message is one line for the user."""

    def __init__(self, message: str, status: int = 500):
        super().__init__(message)
        self.status = status  # 400: the location itself is wrong (a file); 500: the machine refuses

    def __str__(self) -> str:
        return str(self.args[0])


def is_lock_error(exc: OSError) -> bool:
    return "lock" in str(exc).lower()


class Store:
    """Common interface of LocalStore and RemoteStore."""

    location: str

    # -- to implement -------------------------------------------------------
    def graphs(self) -> list[str]:
        raise NotImplementedError

    def has_graph(self, iri: str) -> bool:
        raise NotImplementedError

    def _update(self, text: str) -> None:
        """Run one SPARQL update as one transaction."""
        raise NotImplementedError

    def apply_update(self, text: str) -> None:
        """Run one of the program's own SPARQL updates as one transaction (derived data such as the
        latest-versions graph; never a client's text: the endpoint is read-only)."""
        self._update(text)

    def replace_graph(self, iri: str, graph: Graph) -> int:
        """Atomically replace a named graph's content (one update: drop, create, insert)."""
        text, n = replace_update(iri, graph)
        self._update(text)
        return n

    def replace_graph_nt(self, iri: str, ntriples: str) -> None:
        """:meth:`replace_graph` from N-Triples text (one transaction)."""
        self._update(replace_update_nt(iri, ntriples))

    def replace_graph_triples(self, iri: str, triples: list) -> int:
        """:meth:`replace_graph` from pyoxigraph triples (e.g. those the validation used); a
        remote store writes them the way it writes a graph (GSP PUT, chunks: see its replace_graph)."""
        return self.replace_graph(iri, triples_to_graph(triples, iri))

    def remove_graph(self, iri: str) -> None:
        self._update(f"DROP SILENT GRAPH <{check_graph_iri(iri)}>")

    def get_graph(self, iri: str) -> Graph:
        raise NotImplementedError

    def serialize(self, fmt: str, graph_iri: str | None = None) -> bytes:
        raise NotImplementedError

    def _execute(self, parsed: ParsedQuery, spec: dict, timeout_s: float | None,
                 max_rows: int | None) -> dict:
        raise NotImplementedError

    def close(self) -> None:
        pass

    # -- shared --------------------------------------------------------------
    def query(self, sparql: str, *, default_graph_uris: Iterable[str] = (),
              named_graph_uris: Iterable[str] = (), timeout_s: float | None = None,
              max_rows: int | None = None, base_iri: str | None = None,
              trusted: bool = False) -> QueryResult:
        """Run a read-only query (vetted by :func:`kb.sparql.vet.vet_query`, which refuses what
        :func:`kb.sparql.safety.check_query` refuses, mostly without a second parse; the checked,
        escape-decoded text is the one executed). ``base_iri`` resolves relative IRIs.

        ``trusted``: the text is the program's own constant query, never user input; it skips
        the safety parse (rdflib's parser costs ~0.2 s to load and 10-30 ms per query, which
        dominated a `kb dose` start)."""
        parsed = _trusted_query(sparql) if trusted else vet_query(sparql)
        spec = {
            "default_graph_uris": [check_graph_iri(u) for u in default_graph_uris],
            "named_graph_uris": [check_graph_iri(u) for u in named_graph_uris],
            "has_dataset_clause": parsed.has_dataset_clause,
        }
        if base_iri:
            spec["base_iri"] = check_graph_iri(base_iri)
        if timeout_s is not None and timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        try:
            raw = self._execute(parsed, spec, timeout_s, max_rows)
        except QuerySyntaxError as exc:  # Oxigraph's parse was the first: word it as check_query would
            if trusted:
                raise
            raise explain_syntax_error(sparql, exc) from None
        return QueryResult.from_raw(raw)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"
