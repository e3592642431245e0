"""Graph downloads: the whole store or one label version as Turtle, JSON-LD, N-Quads, TriG, N-Triples.

JSON-LD carries the published context inline (``/ontology/context.jsonld``: ``sectionKey``,
``hasIndication``, ``title`` ... instead of full IRIs); the union Turtle / N-Triples of every
label version is streamed from the store's native TriG / N-Quads dump.
"""
from __future__ import annotations

from flask import Blueprint, Response
from werkzeug.exceptions import NotFound

from web.app_kb import get_kb

bp = Blueprint("downloads", __name__, url_prefix="/download")

MEDIA = {
    "ttl": "text/turtle", "jsonld": "application/ld+json", "nq": "application/n-quads",
    "trig": "application/trig", "nt": "application/n-triples",
}
BY_MEDIA = {v: k for k, v in MEDIA.items()}


def graph_bytes(spec: str | None, fmt: str):
    """The body: bytes, or an iterator of byte chunks (the union Turtle / N-Triples is streamed)."""
    from kb import linked_data

    kb = get_kb()
    if spec is None and fmt in ("ttl", "nt"):  # one graph: the union of every label version
        if fmt == "ttl":
            return linked_data.union_turtle(kb.export("trig"))
        return linked_data.union_stream(kb.export("nq"), "n-triples")
    data = kb.export(fmt, spec)
    if fmt == "jsonld":  # readable keys: the published context (/ontology/context.jsonld) inline
        return linked_data.compact_jsonld(data)
    return data


def rdf_response(spec: str | None, fmt: str, filename: str) -> Response:
    if fmt not in MEDIA:
        raise NotFound(f"unknown format {fmt!r}; use one of: {', '.join(MEDIA)}")
    if spec is not None:
        get_kb().resolve(spec)  # 404 for an unknown label before any work
    body = graph_bytes(spec, fmt)
    ctype = MEDIA[fmt] + ("; charset=utf-8" if fmt in ("ttl", "jsonld") else "")
    return Response(body, content_type=ctype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"', "Vary": "Accept"})


@bp.get("/all.<fmt>")
def everything(fmt):
    return rdf_response(None, fmt, "smpc-kb")


@bp.get("/<spec>.<fmt>")
def one(spec, fmt):
    ref = get_kb().resolve(spec)
    return rdf_response(ref.name, fmt, ref.name.replace("@", "_"))
