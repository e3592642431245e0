"""SPARQL safety checks, errors and content negotiation.

The text that is checked is exactly the text that is executed:

1. :func:`decode_escapes` replaces every ``\\uXXXX`` / ``\\UXXXXXXXX`` codepoint escape
   once, over the whole text, as SPARQL 1.1 section 19.2 says (before any parsing);
   a decoded text that still holds such an escape (``\\u005Cu0053``), a surrogate or a
   codepoint past U+10FFFF is refused (400), so no later reader can decode anything more;
   :func:`readable_text` then makes every line end a LF (the two parsers end comments
   differently) and refuses nesting deeper than the parsers' recursion allows;
2. ``check_query`` parses that decoded text with rdflib's grammar *without* rdflib's own
   escape expansion, under a lock (rdflib's pyparsing grammar is not thread-safe),
   and walks the whole parse tree, including subqueries, EXISTS/NOT EXISTS, MINUS
   and OPTIONAL blocks (SPARQL 1.2's LATERAL, which rdflib does not know, is read as a plain
   group there: :func:`kb.sparql.cost.blank_lateral`);
3. :class:`ParsedQuery` ``.text`` is the decoded text, and that is what the store
   hands to Oxigraph (in-process, in a worker, or POSTed to a remote endpoint).

It refuses:

* every update form (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE,
  COPY) -> :class:`QueryRefused` (status 403: understood, not permitted);
* ``SERVICE`` anywhere (any case, SILENT, a variable endpoint) -> :class:`QueryRefused`
  (403): it would make the server fetch URLs.  pyoxigraph 0.5 has no switch to turn
  SERVICE off, so the query workers also run without a network (see kb.sparql.workers).

Malformed text raises :class:`QuerySyntaxError` (status 400) with the line
and column of the error; an unexpected failure inside the parser is logged and
raised as :class:`QueryFailed` (500), never passed off as the client's syntax error.
Queries are *evaluated* by Oxigraph, never by rdflib's engine; rdflib only parses.
FROM / FROM NAMED (and the protocol's default-graph-uri / named-graph-uri) are
dataset selection over the store's own named graphs: any absolute IRI is accepted as a
graph *name*, a name the store does not hold is an empty graph, and nothing is ever
fetched (Oxigraph does not dereference them; tests/test_hardening_ssrf.py listens for it).
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable

from kb import accept
from kb.sparql.cost import blank_lateral, estimate, tokens
from kb.sparql.execution import (  # noqa: F401  (re-exported: the public error types)
    QueryBusy,
    QueryEvaluationError,
    QueryFailed,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooCostly,
    ResultTooLarge,
    SparqlError,
    StoreBusy,
)
from kb.sparql.results import QueryResult

if TYPE_CHECKING:  # rdflib's SPARQL parser and pyparsing load only when a text needs them (~85 ms)
    from pyparsing import ParseBaseException

_KINDS = {
    "SelectQuery": "select",
    "AskQuery": "ask",
    "ConstructQuery": "construct",
    "DescribeQuery": "describe",
}


log = logging.getLogger("smpc_kb.sparql")
_PARSE_LOCK = threading.Lock()  # rdflib's grammar (pyparsing) keeps shared state while parsing
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def decode_escapes(text: str) -> str:
    """Decode SPARQL codepoint escapes once over the whole text (SPARQL 1.1 section 19.2).

    Raises QuerySyntaxError when the result would still hold an escape (so a second
    decoding by any reader could change the text), or a codepoint that is not a character."""

    def one(m: re.Match) -> str:
        cp = int(m.group(1) or m.group(2), 16)
        if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
            raise QuerySyntaxError(f"SPARQL syntax error: {m.group(0)} is not a Unicode character")
        return chr(cp)

    if "\\" not in text:
        return text
    decoded = _ESCAPE.sub(one, text)
    if decoded != text and _ESCAPE.search(decoded):
        raise QuerySyntaxError(
            "SPARQL syntax error: a \\u escape decodes to another \\u escape; write the character itself")
    return decoded


MAX_NESTING = 24  # groups and brackets inside one another: rdflib's parser fails past about 25 (recursion)


def readable_text(text: str) -> str:
    """The one text that is checked and executed: :func:`decode_escapes`, then every line end a
    LF (a SPARQL comment ends at CR or LF, as Oxigraph reads it; rdflib's grammar ends one only at
    LF, so after ``# ...\r`` it would take for comment what Oxigraph runs: SERVICE hidden there).
    A CR inside a long string literal becomes a LF too. Raises QuerySyntaxError (400) for a text
    nesting groups and brackets deeper than MAX_NESTING (the parsers' recursion)."""
    decoded = decode_escapes(text)
    if "\r" in decoded:
        decoded = decoded.replace("\r\n", "\n").replace("\r", "\n")
    if sum(decoded.count(c) for c in "{([") > MAX_NESTING:
        depth = deepest = 0
        for kind, value in tokens(decoded) or ():  # an unclosed quote: the parser reports it
            if kind == "other" and value in "{([":
                depth += 1
                deepest = max(deepest, depth)
            elif kind == "other" and value in "})]":
                depth -= 1
        if deepest > MAX_NESTING:
            raise QuerySyntaxError(f"the query nests groups and brackets {deepest} deep; at most {MAX_NESTING} are allowed")
    return decoded


class NotAcceptable(SparqlError):
    """No serialisation matches the request's Accept / format (status 406)."""

    status = 406


class UnknownFormat(SparqlError):
    """An explicit ``format=`` value we do not know or that does not fit the result (400)."""

    status = 400


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    kind: str  # select | ask | construct | describe
    has_dataset_clause: bool  # the query has FROM / FROM NAMED
    cost: str = "light"  # kb.sparql.cost: "heavy" queries run in a lane that leaves a worker free


def _walk(node, seen: set[int]):
    from rdflib.plugins.sparql.parserutils import CompValue

    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, CompValue):
        yield node
        for v in node.values():
            yield from _walk(v, seen)
    elif isinstance(node, dict):
        for v in node.values():
            yield from _walk(v, seen)
    elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
        for v in node:
            yield from _walk(v, seen)


def _syntax_error(e: ParseBaseException) -> QuerySyntaxError:
    line, col = getattr(e, "lineno", None), getattr(e, "col", None)
    where = f" at line {line}, column {col}" if line is not None else ""
    text = getattr(e, "line", "") or ""
    msg = f"SPARQL syntax error{where}: {e.msg}"
    if text:
        msg += f"\n  {text}\n  {' ' * max(0, (col or 1) - 1)}^"
    return QuerySyntaxError(msg, line, col)


def check_query(text: str) -> ParsedQuery:
    """Parse ``text`` as a read-only SPARQL query, or raise QuerySyntaxError / QueryRefused.

    The verdict depends on the text alone, so accepted texts are remembered: rdflib's
    parser takes 10-30 ms per query, more than Oxigraph takes to answer most of them."""
    if not isinstance(text, str) or not text.strip():
        raise QuerySyntaxError("empty query")
    return _check_query_cached(text)


@lru_cache(maxsize=1024)
def _check_query_cached(text: str) -> ParsedQuery:
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import Query, UpdateUnit

    decoded = readable_text(text)
    if not decoded.strip():
        raise QuerySyntaxError("empty query")
    try:
        try:
            with _PARSE_LOCK:  # parse_string, not parseQuery: that would decode escapes a second time
                tree = Query.parse_string(blank_lateral(decoded), parse_all=True)
        except ParseBaseException as e:
            err = _syntax_error(e)
            try:
                with _PARSE_LOCK:
                    update = UpdateUnit.parse_string(decoded, parse_all=True)[0]
            except ParseBaseException:
                raise err from None
            except Exception:  # rdflib can fail oddly on unusual updates: still an update
                update = None
            if update is not None and not dict.get(update, "request"):
                raise err from None  # only a prologue: neither a query nor a real update
            raise QueryRefused(
                "updates (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY) are not allowed "
                "on this endpoint; it is read-only"
            ) from None
    except SparqlError:
        raise
    except Exception as e:  # not the client's fault: the parser itself failed
        log.error("the SPARQL parser failed unexpectedly on %r", decoded[:200], exc_info=True)
        raise QueryFailed(f"the SPARQL parser failed unexpectedly ({type(e).__name__}); please retry") from None
    query = tree[-1]
    kind = _KINDS.get(getattr(query, "name", ""), None)
    if kind is None:
        raise QuerySyntaxError("not a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    has_dataset = False
    for node in _walk(tree, set()):
        if node.name == "ServiceGraphPattern":
            raise QueryRefused("SERVICE (federated query) is not allowed: this endpoint never fetches remote data")
        if node.name in ("Load",):
            raise QueryRefused("LOAD is not allowed: this endpoint is read-only")
    if dict.get(query, "datasetClause"):  # CompValue.get() echoes the key when absent
        has_dataset = True
    return ParsedQuery(text=decoded, kind=kind, has_dataset_clause=has_dataset, cost=estimate(decoded))


# -- content negotiation ---------------------------------------------------------

SOLUTION_KINDS = ("select", "ask")
GRAPH_KINDS = ("construct", "describe")


@dataclass(frozen=True)
class MediaFormat:
    name: str
    media_type: str
    kinds: tuple[str, ...]
    serialize: Callable[[QueryResult], bytes]
    aliases: tuple[str, ...] = ()


MEDIA_FORMATS: tuple[MediaFormat, ...] = (
    MediaFormat("json", "application/sparql-results+json", SOLUTION_KINDS,
                QueryResult.to_sparql_json, ("application/json", "srj")),
    MediaFormat("xml", "application/sparql-results+xml", SOLUTION_KINDS,
                QueryResult.to_sparql_xml, ("application/xml", "text/xml", "srx")),
    MediaFormat("csv", "text/csv", SOLUTION_KINDS, QueryResult.to_csv),
    MediaFormat("tsv", "text/tab-separated-values", SOLUTION_KINDS, QueryResult.to_tsv),
    MediaFormat("turtle", "text/turtle", GRAPH_KINDS,
                lambda r: r.to_rdf("turtle"), ("ttl",)),
    MediaFormat("json-ld", "application/ld+json", GRAPH_KINDS,
                lambda r: r.to_rdf("json-ld"), ("jsonld",)),
    MediaFormat("n-triples", "application/n-triples", GRAPH_KINDS,
                lambda r: r.to_rdf("n-triples"), ("nt", "ntriples", "text/plain")),
    MediaFormat("rdf-xml", "application/rdf+xml", GRAPH_KINDS,
                lambda r: r.to_rdf("rdf-xml"), ("rdfxml", "rdf+xml", "rdf")),
)

# a client that names a SPARQL results family for a CONSTRUCT/DESCRIBE means that family's RDF syntax
# (SPARQLWrapper's default sends format=xml; rdflib's SPARQLStore sends only sparql-results Accept types)
GRAPH_FAMILY = {"xml": "rdf-xml", "json": "json-ld"}


def _lookup(name: str) -> MediaFormat | None:
    n = name.strip().lower()
    for f in MEDIA_FORMATS:
        if n == f.name or n == f.media_type or n in f.aliases:
            return f
    return None


def negotiate(kind: str, accept_header: str | None = None, format_param: str | None = None
              ) -> tuple[str, Callable[[QueryResult], bytes]]:
    """Pick ``(media_type, serializer)`` for a result of ``kind``.

    An explicit ``format`` (a name such as ``json``/``csv``/``turtle`` or a media
    type) wins over ``Accept``; an unknown or unfitting one raises UnknownFormat.
    Without either, SELECT/ASK answer SPARQL JSON and CONSTRUCT/DESCRIBE Turtle.
    A graph result asked for as a SPARQL results type (``xml``/``json``) is
    answered in that family's RDF syntax (RDF/XML, JSON-LD): what SPARQLWrapper's
    and rdflib's defaults expect.
    """
    graph = kind in GRAPH_KINDS
    if format_param:
        f = _lookup(format_param)
        if f is None:
            names = ", ".join(x.name for x in MEDIA_FORMATS)
            raise UnknownFormat(f"unknown result format {format_param!r}; use one of: {names}")
        if kind in GRAPH_KINDS and f.name in GRAPH_FAMILY:
            f = _lookup(GRAPH_FAMILY[f.name])
        if kind not in f.kinds:
            fits = ", ".join(x.name for x in MEDIA_FORMATS if kind in x.kinds)
            raise UnknownFormat(f"format {f.name!r} does not fit a {kind.upper()} result; use one of: {fits}")
        return f.media_type, f.serialize
    default = MEDIA_FORMATS[4] if graph else MEDIA_FORMATS[0]
    if not accept_header or not accept_header.strip():
        return default.media_type, default.serialize
    entries = accept.parse(accept_header)
    no = accept.refused(entries)  # q=0: an explicit refusal, which a wildcard must not override
    accepted = [m for m, q in entries if q > 0]

    def allowed(f: MediaFormat) -> bool:
        return kind in f.kinds and f.media_type not in no and f.name not in no and not (no & set(f.aliases))

    for media in accepted:
        if media in ("*/*", "application/*", "text/*"):
            top = media.split("/")[0]
            first = _lookup("csv") if media == "text/*" and not graph else default
            for f in [first, *MEDIA_FORMATS]:
                if allowed(f) and (top == "*" or f.media_type.startswith(top + "/")):
                    return f.media_type, f.serialize
            continue
        f = _lookup(media)
        if f is not None and allowed(f):
            return f.media_type, f.serialize
    for media in accepted if graph else ():  # no RDF syntax named: the named results family's
        f = _lookup(media)
        if f is not None and f.name in GRAPH_FAMILY:
            f = _lookup(GRAPH_FAMILY[f.name])
            if f is not None and allowed(f):
                return f.media_type, f.serialize
    fits = ", ".join(x.media_type for x in MEDIA_FORMATS if kind in x.kinds)
    raise NotAcceptable(f"cannot answer a {kind.upper()} result as {accept_header!r}; available: {fits}")
