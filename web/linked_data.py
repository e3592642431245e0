"""Linked data on the running server: minted IRIs dereference, the ontology, VoID, the JSON-LD context.

* ``/id/<path>`` is ``https://w3id.org/smpc-kb/id/<path>`` (the store's IRI
  base): HTML for browsers, Turtle / JSON-LD / N-Triples by ``Accept`` (or
  ``?format=ttl|jsonld|nt``), ``Vary: Accept``; an IRI the store does not hold
  is a 404 in the JSON error shape ``{"ok": false, "error", "status"}``.
* ``/ontology`` the vocabulary (HTML or Turtle/JSON-LD/N-Triples by Accept).
* ``/void`` and ``/.well-known/void``: a VoID description with triple counts per label version.
* ``/ontology/context.jsonld``: the JSON-LD context the JSON-LD downloads use inline.

Only calls kb (kb.linked_data); no SPARQL is evaluated here.
"""
from __future__ import annotations

import json
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, render_template_string, request

from kb import linked_data as ld
from kb.rdf.base import ID_BASE
from web.app_kb import get_kb

bp = Blueprint("linked_data", __name__)

HTML = "text/html"
OFFERS = [HTML, "text/turtle", "application/ld+json", "application/n-triples", "application/xhtml+xml"]
BY_MEDIA = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "n-triples",
            "application/xhtml+xml": "html", HTML: "html"}
BY_PARAM = {"ttl": "turtle", "turtle": "turtle", "jsonld": "json-ld", "json-ld": "json-ld", "nt": "n-triples",
            "html": "html"}


def negotiate() -> str | None:
    """'html' | 'turtle' | 'json-ld' | 'n-triples', or None when nothing offered is acceptable."""
    fmt = request.args.get("format")
    if fmt:
        return BY_PARAM.get(fmt.lower())
    if not request.accept_mimetypes:
        return "html"
    best = request.accept_mimetypes.best_match(OFFERS)
    return BY_MEDIA.get(best) if best else None


def json_error(status: int, message: str) -> Response:
    resp = jsonify({"ok": False, "error": message, "status": status})
    resp.status_code = status
    resp.headers["Vary"] = "Accept"
    return resp


def rdf(body: bytes, fmt: str) -> Response:
    ctype = ld.MEDIA[fmt] + ("; charset=utf-8" if fmt != "n-triples" else "")
    return Response(body, content_type=ctype, headers={"Vary": "Accept"})


def local_href(iri: str) -> str | None:
    """The local URL of a minted IRI (links in HTML views)."""
    if iri.startswith(ID_BASE):
        return "/id/" + iri[len(ID_BASE):]
    if iri.startswith(ld.ONTOLOGY_IRI + "#"):
        return "/ontology#" + iri.split("#", 1)[1]
    return None


_RESOURCE = """{% extends "base.html" %}
{% block title %}{{ iri }} - smpc-kb{% endblock %}
{% block content %}
<h1 class="iri">{{ iri }}</h1>
<p>Also as <a href="?format=ttl">Turtle</a>, <a href="?format=jsonld">JSON-LD</a>,
<a href="?format=nt">N-Triples</a> (or ask with an <code>Accept</code> header).</p>
<table class="resource">
<thead><tr><th>property</th><th>value</th></tr></thead>
<tbody>
{% for p, o, is_iri in rows %}<tr><td>{% if href(p) %}<a href="{{ href(p) }}">{{ short(p) }}</a>{% else %}{{ short(p) }}{% endif %}</td>
<td>{% if is_iri and href(o) %}<a href="{{ href(o) }}">{{ o }}</a>{% elif is_iri %}<a href="{{ o }}">{{ o }}</a>{% else %}{{ o }}{% endif %}</td></tr>
{% endfor %}</tbody></table>
{% endblock %}"""

_ONTOLOGY = """{% extends "base.html" %}
{% block title %}smpc-kb vocabulary{% endblock %}
{% block content %}
<h1>smpc-kb vocabulary</h1>
<p>Namespace <code>{{ ns }}</code>. Also as <a href="/ontology?format=ttl">Turtle</a>,
<a href="/ontology?format=jsonld">JSON-LD</a>; JSON-LD context: <a href="/ontology/context.jsonld">context.jsonld</a>;
dataset description: <a href="/void">VoID</a>.</p>
<dl class="terms">
{% for t in terms %}<dt id="{{ t.name }}"><a href="#{{ t.name }}">smpc:{{ t.name }}</a> <small>({{ t.kind }})</small></dt>
<dd><b>{{ t.label }}</b>: {{ t.comment }}{% if t.superclass %} Subclass of {{ t.superclass|join(', ') }}.{% endif %}
{% if t.domain %} Domain: {{ t.domain|join(', ') }}.{% endif %}{% if t.range %} Range: {{ t.range|join(', ') }}.{% endif %}</dd>
{% endfor %}</dl>
{% endblock %}"""


def _short(iri: str) -> str:
    from kb.rdf.base import PREFIXES

    for p, ns in PREFIXES.items():
        if iri.startswith(str(ns)):
            return f"{p}:{iri[len(str(ns)):]}"
    return iri


@bp.route("/id/<path:rest>", methods=["GET", "HEAD"])
def resource(rest):
    iri = ID_BASE + quote(rest, safe="/-._~%")
    fmt = negotiate()
    if fmt is None:
        return json_error(406, "not acceptable: this resource is served as text/html, text/turtle, "
                               "application/ld+json or application/n-triples")
    kb = get_kb()
    if fmt == "html":
        rows = ld.describe_rows(kb.store, iri)
        if not rows:
            return json_error(404, f"no resource {iri} in this knowledge base")
        html = render_template_string(_RESOURCE, iri=iri, rows=rows, href=local_href, short=_short)
        return Response(html, content_type="text/html; charset=utf-8", headers={"Vary": "Accept"})
    body = ld.describe(kb.store, iri, fmt)
    if body is None:
        return json_error(404, f"no resource {iri} in this knowledge base")
    return rdf(body, fmt)


@bp.route("/id", methods=["GET", "HEAD"])
@bp.route("/id/", methods=["GET", "HEAD"])
def id_root():
    return json_error(404, "name a resource: /id/<label>/<version>/...")


@bp.route("/ontology", methods=["GET", "HEAD"])
def ontology():
    fmt = negotiate()
    if fmt is None:
        return json_error(406, "not acceptable: the ontology is served as text/html, text/turtle, "
                               "application/ld+json or application/n-triples")
    if fmt == "html":
        html = render_template_string(_ONTOLOGY, terms=ld.ontology_terms(), ns=ld.ONTOLOGY_IRI + "#")
        return Response(html, content_type="text/html; charset=utf-8", headers={"Vary": "Accept"})
    return rdf(ld.ontology_bytes(fmt), fmt)


@bp.route("/ontology/context.jsonld", methods=["GET", "HEAD"])
def context():
    body = json.dumps({"@context": ld.jsonld_context()}, indent=1, ensure_ascii=False)
    return Response(body, content_type="application/ld+json; charset=utf-8")


@bp.route("/void", methods=["GET", "HEAD"])
@bp.route("/.well-known/void", methods=["GET", "HEAD"])
def void():
    fmt = negotiate()
    if fmt is None:
        return json_error(406, "not acceptable: VoID is served as text/turtle, application/ld+json or "
                               "application/n-triples")
    kb = get_kb()
    if fmt == "html":
        fmt = "turtle"  # the description is small and readable as Turtle
    return rdf(ld.void_bytes(kb.store, kb.labels(), request.host_url, fmt), fmt)
