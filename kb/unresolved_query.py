"""Read unresolved items back from a stored label version (SPARQL).

``unresolved_items(store, graph_iri)`` -> list of ``{id, kind, reason,
candidates, concerns, section, lines, page, quote, text}`` in label order;
``text`` is the one-line description ``kb ingest`` and ``kb validate`` print.
``store`` is anything with ``query(sparql).rows`` (the Oxigraph store, or
:class:`kb.adverse_query.GraphStore` around an rdflib graph).
"""
from __future__ import annotations

_QUERY = """PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?u ?id ?kind ?reason ?section ?l1 ?l2 ?page ?loc ?quote ?fact
WHERE {
  GRAPH <%(g)s> {
    <%(g)s> smpc:hasUnresolvedItem ?u .
    ?u smpc:identifier ?id ; smpc:unresolvedKind ?kind ; smpc:unresolvedReason ?reason ;
       prov:wasDerivedFrom ?span .
    ?span smpc:inSection ?section ; smpc:startLine ?l1 ; smpc:endLine ?l2 ; smpc:quote ?quote .
    OPTIONAL { ?span smpc:page ?page }
    OPTIONAL { ?span smpc:locator ?loc }
    OPTIONAL { ?u smpc:concernsFact ?fact }
  }
}
ORDER BY ?l1 ?id
"""

_CANDIDATES = """PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
SELECT ?u ?c WHERE { GRAPH <%(g)s> { <%(g)s> smpc:hasUnresolvedItem ?u . ?u smpc:candidateValue ?c } }
"""


def _key(iri, graph_iri: str) -> str:
    s, prefix = str(iri), f"{graph_iri}/section/"
    return s[len(prefix):] if s.startswith(prefix) else s


def describe(item: dict) -> str:
    if item["page"] is not None:
        where = f"section {item['section']}, page {item['page']}"
    elif item["lines"][0]:
        where = f"section {item['section']}, line {item['lines'][0]}"
    else:
        where = f"section {item['section']}" + (f", {item['locator']}" if item.get("locator") else "")
    cands = f" (one of: {', '.join(item['candidates'])})" if item["candidates"] else ""
    return f"unresolved {item['kind']} [{where}]: {item['reason']}{cands}: \"{item['quote']}\""


def unresolved_items(store, graph_iri: str) -> list[dict]:
    from ingest.extract.adverse.records import FREQUENCY_NAMES

    cands: dict[str, list[str]] = {}
    for r in store.query(_CANDIDATES % {"g": graph_iri}).rows:
        cands.setdefault(str(r["u"]), []).append(str(r["c"]))
    order = {name: i for i, name in enumerate(FREQUENCY_NAMES)}
    out = []
    for r in store.query(_QUERY % {"g": graph_iri}).rows:
        item = {
            "id": str(r["id"]), "kind": str(r["kind"]), "reason": str(r["reason"]),
            "candidates": sorted(set(cands.get(str(r["u"]), [])), key=lambda c: (order.get(c, len(order)), c)),
            "concerns": str(r["fact"]) if r.get("fact") is not None else None,
            "section": _key(r["section"], graph_iri),
            "lines": [int(str(r["l1"])), int(str(r["l2"]))],
            "page": int(str(r["page"])) if r.get("page") is not None else None,
            "locator": str(r["loc"]) if r.get("loc") is not None else None,
            "quote": str(r["quote"]),
        }
        item["text"] = describe(item)
        out.append(item)
    return out
