"""Run one SPARQL query in pyoxigraph and return plain, picklable results.

This module imports only pyoxigraph (no rdflib), so the timeout worker
processes (:mod:`kb.sparql.workers`) start quickly.  The same function runs
in-process (no timeout) and in a worker (with timeout), so both paths give
identical results.

Terms are encoded as tuples: ``("u", iri)``, ``("b", id)``,
``("l", lexical, datatype_iri, lang)``; ``None`` for an unbound variable.
"""
from __future__ import annotations

import time
from typing import Any

import pyoxigraph as ox

from ingest.errors import KbError

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# the characters of all values of one result (about as many bytes of JSON, more with markup): a result
# within the row limit can still be huge (10,000 rows of long CONCATs made a 75 MB answer in the web process)
MAX_RESULT_CHARS = 16_000_000


class SparqlError(KbError):
    """Base of every query error; ``status`` is the HTTP-ish status to answer."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class QuerySyntaxError(SparqlError):
    """The text is not a SPARQL query (status 400); ``line``/``column`` when known."""

    status = 400

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column

    def __reduce__(self):
        return (type(self), (self.message, self.line, self.column))


class QueryRefused(SparqlError):
    """A well-formed request we will not run: updates, LOAD, SERVICE (status 403)."""

    status = 403


class QueryTimeout(SparqlError):
    """The query ran past its time budget and was stopped (status 503)."""

    status = 503


class ResultTooLarge(SparqlError):
    """The result has more rows than allowed (status 413)."""

    status = 413


class QueryBusy(SparqlError):
    """Every query worker stayed busy for the whole allowed wait (status 503, ``Retry-After``)."""

    status = 503

    def __init__(self, message: str, retry_after: int = 2):
        super().__init__(message)
        self.retry_after = retry_after

    def __reduce__(self):
        return (type(self), (self.message, self.retry_after))


class QueryTooCostly(SparqlError):
    """The query needed more memory than a worker may use; it was stopped (status 413)."""

    status = 413


class QueryEvaluationError(SparqlError):
    """The engine refused to evaluate the query (e.g. an unsupported function): the query's fault (400)."""

    status = 400


class QueryFailed(SparqlError):
    """The engine failed while evaluating (status 500)."""

    status = 500


class StoreBusy(SparqlError):
    """The store directory is locked by another process (status 503)."""

    status = 503


def open_read_only(path: str, attempts: int = 20) -> ox.Store:
    """A read-only pyoxigraph handle on ``path``, tried again briefly when the open fails (a WAL
    or SST file of a directory written elsewhere rotated under it); the last error is raised.
    Shared by the store (a directory another process holds) and the query workers (checkpoints),
    which turn that error into their own."""
    last: Exception | None = None
    for attempt in range(attempts):
        try:
            return ox.Store.read_only(path)
        except (OSError, RuntimeError) as e:
            last = e
            time.sleep(min(0.01 * (attempt + 1), 0.1))
    assert last is not None
    raise last


def encode_term(t: Any) -> tuple | None:
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return ("u", t.value)
    if isinstance(t, ox.BlankNode):
        return ("b", t.value)
    if isinstance(t, ox.Literal):
        lang = t.language
        dt = None if lang else t.datatype.value
        return ("l", t.value, dt, lang)
    # an RDF-star triple term (TRIPLE(...), << ... >>): the results formats served here have no way to write it
    raise QueryEvaluationError("the result holds an RDF-star triple term, which this endpoint cannot return; "
                               "return its parts (SUBJECT(), PREDICATE(), OBJECT()) instead")


def dataset_options(
    *,
    default_graph_uris=(),
    named_graph_uris=(),
    has_dataset_clause: bool = False,
    base_iri: str | None = None,
) -> dict:
    """Keyword arguments for ``pyoxigraph.Store.query`` implementing our dataset rules.

    * protocol ``default-graph-uri`` / ``named-graph-uri`` override the query's
      FROM / FROM NAMED and make the dataset as those would (SPARQL 1.1 Query 13.2): the
      default graph is the merge of the ``default-graph-uri`` graphs (empty when only
      ``named-graph-uri`` is given), the named graphs are the ``named-graph-uri`` ones;
    * nothing given and no FROM in the query: the default graph is the union of
      all named graphs;
    * ``base_iri`` resolves relative IRIs (the query's own BASE wins).
    """
    opts: dict = {"base_iri": base_iri} if base_iri else {}
    if default_graph_uris or named_graph_uris:
        opts["default_graph"] = [ox.NamedNode(u) for u in default_graph_uris]
        opts["named_graphs"] = [ox.NamedNode(u) for u in named_graph_uris]
    elif not has_dataset_clause:
        opts["use_default_graph_as_union"] = True
    return opts


def run_query(
    store: ox.Store, text: str, options: dict, max_rows: int | None, kind: str | None = None
) -> dict:
    """Evaluate ``text`` and materialise the whole result as plain data."""
    try:
        res = store.query(text, **options)
    except SyntaxError as e:
        raise QuerySyntaxError(f"SPARQL syntax error: {e}") from None
    except OSError as e:  # reading the store failed: ours, not the client's
        raise QueryFailed(f"query failed: {e}") from None
    except (RuntimeError, ValueError, TypeError) as e:  # the engine would not evaluate this query
        raise QueryEvaluationError(f"the query could not be evaluated: {e}") from None
    try:
        if isinstance(res, ox.QueryBoolean):
            return {"kind": "ask", "boolean": bool(res)}
        if isinstance(res, ox.QuerySolutions):
            variables = [v.value for v in res.variables]
            n = len(variables)
            rows = _bounded(res, lambda sol: [encode_term(sol[i]) for i in range(n)], max_rows, "rows")
            return {"kind": "select", "variables": variables, "rows": rows}
        triples = _bounded(res, lambda t: (encode_term(t.subject), encode_term(t.predicate), encode_term(t.object)),
                           max_rows, "triples")
        if kind not in ("construct", "describe"):
            kind = "describe" if text_is_describe(text) else "construct"
        return {"kind": kind, "triples": triples}
    except OSError as e:
        raise QueryFailed(f"query failed: {e}") from None
    except (RuntimeError, ValueError, TypeError) as e:  # an evaluation error while streaming rows
        raise QueryEvaluationError(f"the query could not be evaluated: {e}") from None


def _bounded(results, encode, max_rows: int | None, noun: str) -> list:
    """The rows or triples of a result, each encoded, refused (ResultTooLarge, 413) past ``max_rows``
    of them or past MAX_RESULT_CHARS characters of values in all."""
    out: list = []
    size = 0
    for r in results:
        if max_rows is not None and len(out) >= max_rows:
            raise ResultTooLarge(f"the result has more than {max_rows} {noun}; add a LIMIT or narrow the query")
        item = encode(r)
        size += sum(len(t[1]) for t in item if t is not None)
        if size > MAX_RESULT_CHARS:
            raise ResultTooLarge(f"the result's values are longer than {MAX_RESULT_CHARS // 1_000_000} million "
                                 "characters in all; select fewer or shorter values, or add a LIMIT")
        out.append(item)
    return out


def text_is_describe(text: str) -> bool:
    """Rough check used only to name the result kind (CONSTRUCT vs DESCRIBE)."""
    import re

    body = re.sub(r"(?m)#.*$", "", text)
    body = re.sub(r"(?is)^\s*((BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>)\s*)*", "", body)
    return body.lstrip().upper().startswith("DESCRIBE")
