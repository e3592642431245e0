"""The SPARQL 1.1 Protocol endpoint at /sparql (read-only) and its service description.

GET ``?query=``; POST form-encoded ``query=``; POST ``application/sparql-query``
body. ``default-graph-uri`` / ``named-graph-uri`` select the dataset; results by
``Accept`` or ``format`` (CONSTRUCT/DESCRIBE also as RDF/XML, which SPARQLWrapper's
and rdflib's defaults ask for); ``HEAD`` gives a GET's headers. A browser (``Accept: text/html``) gets the editor page
with the results as a table. Safety (updates, SERVICE, LOAD refused; time and
size limits) is enforced by :mod:`kb.sparql.safety` and :mod:`kb.store.local`.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from kb.service import queries_dir
from kb.sparql.safety import QueryRefused
from web.app_kb import get_kb

bp = Blueprint("sparql", __name__)
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"


Refused = QueryRefused  # a request this read-only endpoint will not run (403)

from . import http_encoding  # noqa: E402

bp.after_app_request(http_encoding.finish)  # gzip and Vary for every route (see web/http_encoding.py)


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise BadRequest(f"give exactly one '{name}' parameter (got {len(values)})")
    return values[0] if values else None


def read_protocol_request() -> tuple[str | None, list[str], list[str]]:
    """(query text or None, default-graph-uri list, named-graph-uri list) of a protocol request."""
    args = request.args
    defaults = args.getlist("default-graph-uri")
    named = args.getlist("named-graph-uri")
    if request.method in ("GET", "HEAD"):  # HEAD: the GET's headers, no body
        if "update" in args:
            raise Refused("updates are not allowed: this endpoint is read-only")
        return _one(args.getlist("query"), "query"), defaults, named
    ctype = request.mimetype
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"the request body must be UTF-8 (got charset={charset})")
    if ctype == FORM:
        form = request.form
        if "update" in form or "update" in args:
            raise Refused("updates are not allowed: this endpoint is read-only")
        queries = form.getlist("query") + args.getlist("query")
        return (_one(queries, "query"), defaults + form.getlist("default-graph-uri"),
                named + form.getlist("named-graph-uri"))
    if ctype == DIRECT:
        if "query" in args:
            raise BadRequest("a application/sparql-query body and a 'query' parameter: give one query")
        try:
            text = request.get_data(cache=True).decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the query is not valid UTF-8") from None
        return text, defaults, named
    if ctype == "application/sparql-update":
        raise Refused("updates are not allowed: this endpoint is read-only")
    raise UnsupportedMediaType(
        f"POST needs Content-Type {FORM} (query=...) or {DIRECT} (the query as the body), not {ctype or 'none'!r}")


# names clients send in ``format`` that kb.sparql.safety does not know (SPARQLWrapper sends n3 for Turtle)
FORMAT_ALIASES = {"n3": "turtle", "text/n3": "turtle", "text/rdf+n3": "turtle", "ntriples": "n-triples",
                  "rdf+xml": "rdf-xml", "json-ld": "json-ld", "jsonld": "json-ld"}


def format_param() -> str | None:
    """The ``format`` parameter (query string, then form) with client aliases resolved. The first
    non-empty one counts: SPARQLWrapper repeats it in other spellings (``format=tsv&format=text/
    tab-separated-values``, ``format=json-ld&format=application/ld+json,application/x-json+ld``)."""
    values = request.args.getlist("format")
    if request.mimetype == FORM:
        values += request.form.getlist("format")
    fmt = next((v for v in values if v.strip()), None)
    return FORMAT_ALIASES.get(fmt.lower(), fmt) if fmt else None


def prefers_html(fmt: str | None) -> bool:
    """An HTML page for this request: ``format=html``, or no ``format`` (``fmt``, from
    :func:`format_param`) and an ``Accept`` that ranks text/html first."""
    if fmt == "html":
        return True
    if fmt:
        return False
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and request.accept_mimetypes.best_match(
        ["text/html", "application/sparql-results+json", "text/turtle"]) == "text/html"


def examples() -> list[dict]:
    folder = Path(current_app.config.get("QUERIES_DIR") or queries_dir())
    out = []
    for p in sorted(folder.glob("*.rq")):
        text = p.read_text(encoding="utf-8")
        lead = []
        for ln in text.splitlines():
            if not ln.startswith("#"):
                break
            lead.append(ln.lstrip("# ").strip())
        title = " ".join(x for x in lead if x) or p.stem
        out.append({"name": p.stem, "title": title, "query": text})
    return out


def _graph_names(values: list[str], name: str) -> list[str]:
    """Protocol dataset parameters must be absolute IRIs (names of the store's graphs; never fetched)."""
    from kb.store.interface import check_graph_iri

    for v in values:
        try:
            check_graph_iri(v)
        except ValueError:
            raise BadRequest(f"{name} {v[:200]!r} is not an absolute IRI") from None
    return values


_BASES: dict[tuple, str | None] = {}  # (scheme, host, SCRIPT_NAME, PATH_INFO) -> the checked base IRI


def _base_iri() -> str | None:
    """The request's URL without its query, as an IRI (None when it is not a valid one). It
    depends only on the scheme, the host (checked against TRUSTED_HOSTS by Flask before the view)
    and the script and path, so it is worked out once per such quadruple (werkzeug's IRI
    conversion of the URL was a tenth of the view's time)."""
    from kb.store.interface import check_graph_iri

    env = request.environ
    key = (request.scheme, request.host, env.get("SCRIPT_NAME", ""), env.get("PATH_INFO", ""))
    if key in _BASES:
        return _BASES[key]
    try:
        base: str | None = check_graph_iri(request.base_url)
    except ValueError:  # an odd Host header: relative IRIs then stay unresolved
        base = None
    if len(_BASES) >= 256:
        _BASES.clear()
    _BASES[key] = base
    return base


def run(query: str, defaults: list[str], named: list[str]):
    cfg = current_app.config
    if len(query) > cfg["MAX_QUERY_CHARS"]:
        raise BadRequest(f"query too long ({len(query)} characters; the limit is {cfg['MAX_QUERY_CHARS']})")
    from kb.sparql.vet import vet_query

    defaults = _graph_names(defaults, "default-graph-uri")
    named = _graph_names(named, "named-graph-uri")
    parsed = vet_query(query)  # no parse for most texts; the store finds this verdict in vet_query's cache
    # relative IRIs resolve against the endpoint URL (the protocol's base); the query's own BASE wins
    return parsed, lambda: get_kb().sparql(query, default_graph_uris=defaults, named_graph_uris=named,
                                           timeout_s=cfg["QUERY_TIMEOUT_S"], max_rows=cfg["MAX_ROWS"],
                                           base_iri=_base_iri())


def _content_type(media: str) -> str:
    return media + ("; charset=utf-8" if media.startswith("text/") or "json" in media or "xml" in media else "")


@bp.route("/sparql", methods=["GET", "POST"], strict_slashes=False)
@bp.route("/sparql/", methods=["GET", "POST"])
def endpoint():
    query, defaults, named = read_protocol_request()
    _graph_names(defaults, "default-graph-uri")  # checked with or without a query: never ignored silently
    _graph_names(named, "named-graph-uri")
    fmt = format_param()
    html = prefers_html(fmt)
    if query is None:
        if html:
            return render_template("sparql.html", examples=examples(), query=None, result=None)
        return service_description()
    if html:
        return sparql_page(query, defaults, named)
    from kb.sparql.safety import negotiate

    parsed, execute = run(query, defaults, named)
    media, serialize = negotiate(parsed.kind, request.headers.get("Accept"), fmt)
    body = serialize(execute())
    resp = Response(body, content_type=_content_type(media))
    resp.headers["Vary"] = "Accept"
    return resp


def sparql_page(query: str, defaults: list[str], named: list[str]):
    """The editor page with the query's results as a table (errors shown on the page, with their status)."""
    from kb.sparql.safety import SparqlError

    error, status, result, headers = None, 200, None, {}
    try:
        parsed, execute = run(query, defaults, named)
        result = execute()
    except SparqlError as exc:
        status, error = exc.status, exc.user_message()
        if exc.retry_after:
            headers["Retry-After"] = str(int(exc.retry_after))
    except BadRequest as exc:
        status, error = exc.code or 400, exc.description or str(exc)
    table = None
    if result is not None and not result.is_graph:
        table = {"variables": result.variables, "rows": [[_cell(r.get(v)) for v in result.variables] for r in result.rows],
                 "boolean": result.boolean, "kind": result.kind}
    elif result is not None:
        table = {"variables": ["subject", "predicate", "object"], "kind": result.kind, "boolean": None,
                 "rows": [[_cell(t) for t in triple] for triple in _triples(result)]}
    return render_template("sparql.html", examples=examples(), query=query, result=table, error=error,
                           status=status), status, headers


def _triples(result):
    g = getattr(result, "graph", None)
    if g is not None:
        return sorted(g)[:2000]
    return [(r.get("subject"), r.get("predicate"), r.get("object")) for r in result.rows]


def _cell(term) -> dict:
    if term is None:
        return {"text": "", "iri": None}
    from kb.sparql.service_description import is_iri

    if not is_iri(term):
        return {"text": str(term), "iri": None, "href": None}
    return {"text": str(term), "iri": str(term), "href": iri_href(str(term))}


def iri_href(iri: str) -> str | None:
    """Where an IRI in a result table links: the local dereferencing route for the store's own IRIs
    (/id/..., /ontology#...), the IRI itself for other http(s) IRIs; no link for other schemes
    (urn:, mailto:, and never javascript:)."""
    from .linked_data import local_href

    local = local_href(iri)
    if local is not None:
        return local
    return iri if iri.lower().startswith(("http://", "https://")) else None


def service_description():
    from kb.sparql.service_description import SD_FORMATS
    from kb.sparql.service_description import service_description as describe

    media = request.accept_mimetypes.best_match(list(SD_FORMATS)) or "text/turtle"
    fmt = format_param()
    if fmt:  # an RDF syntax by name (json/xml: that family's RDF syntax); a results-only format is refused
        from kb.sparql.safety import negotiate

        media = negotiate("describe", None, fmt)[0]
    return Response(describe(request.base_url.rstrip("/"), get_kb().labels(), media), content_type=_content_type(media),
                    headers={"Vary": "Accept"})
