"""Which stored version of each label is its latest, as data a query can start from.

The store keeps one small named graph, :data:`LATEST_GRAPH`, holding for each label its latest
version (the same default as ``KnowledgeBase.resolve``: see ``version_order`` below)::

    GRAPH <https://w3id.org/smpc-kb/graph/latest> {
        <https://w3id.org/smpc-kb/graph/latest#label-id> smpc:latestVersion <version graph IRI> ;
            smpc:labelId "label id" . }

(a subject of its own, not the version IRI: the version's description in the union default
graph, a dereferenced /id/ page or VoID stays what the version graph says; not a blank node:
Virtuoso refuses blank nodes in INSERT DATA.)

After every version written or removed (``KnowledgeBase.write_version`` / ``remove``) that
label's entry is rewritten from that label's stored versions (one small query and one update),
so it follows ingests and removals by any process; :func:`refresh` without a label rewrites the
whole graph from the catalogue and repairs a store filled before it existed (or by other means).

Why: a question asked of every label reads each label's latest version. Oxigraph 0.5 does not
push ``VALUES ?g`` into ``GRAPH ?g`` and joins a separate pattern on ``?g`` after evaluating
the graph pattern over every version, so the competency queries (docs/queries/cq*.rq) start from
this graph and evaluate the rest per version with ``LATERAL``::

    GRAPH <https://w3id.org/smpc-kb/graph/latest> { [] smpc:latestVersion ?g }
    LATERAL { GRAPH ?g { ... } }

Their time then follows the number of labels, not of stored versions.
"""
from __future__ import annotations

import re
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef

from kb.rdf.base import LATEST_GRAPH, SMPC



def latest_of(refs) -> list:
    """Each label's latest version among ``refs`` (LabelRef, sorted oldest first per label as
    ``KnowledgeBase.labels`` gives them)."""
    last: dict[str, object] = {}
    for r in refs:
        last[r.label_id] = r  # oldest first: the last one wins
    return [last[k] for k in sorted(last)]


def entry(label_id: str) -> URIRef:
    """The subject of a label's entry in the latest-versions graph."""
    return URIRef(f"{LATEST_GRAPH}#{quote(label_id, safe='')}")


def latest_graph(refs) -> Graph:
    g = Graph(identifier=URIRef(LATEST_GRAPH))
    for r in latest_of(refs):
        node = entry(r.label_id)
        g.add((node, SMPC.latestVersion, URIRef(r.iri)))
        g.add((node, SMPC.labelId, Literal(r.label_id)))
    return g


def refresh(kb, label_id: str | None = None) -> int:
    """Rewrite the latest-versions graph of ``kb``'s store from its label catalogue (queried now,
    not from a cache); returns the number of labels marked. With ``label_id``, only that label's
    entry is rewritten, from that label's versions alone (what an ingest or a removal changes):
    one small query and one update, however many versions the store holds."""
    if label_id is not None:
        return _refresh_one(kb, label_id)
    refs = kb._query_labels()
    g = latest_graph(refs)
    if len(g):
        kb.store.replace_graph(LATEST_GRAPH, g)
    else:
        kb.store.remove_graph(LATEST_GRAPH)
    return len(g) // 2


_ONE_LABEL = """PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
SELECT ?g ?version ?date ?at WHERE {
  GRAPH ?g { ?g smpc:labelId %(id)s ; a smpc:LabelVersion ; smpc:version ?version .
    OPTIONAL { ?g smpc:versionDate ?date } OPTIONAL { ?g smpc:ingestedAt ?at } }
}"""


def _refresh_one(kb, label_id: str) -> int:
    lit = Literal(label_id).n3()
    rows = kb.store.query(_ONE_LABEL % {"id": lit}, trusted=True).rows
    versions = [(version_order(str(r["date"]) if r.get("date") else None, str(r["version"]),
                               str(r["at"]) if r.get("at") else None), str(r["g"])) for r in rows]
    drop = (f"DELETE {{ GRAPH <{LATEST_GRAPH}> {{ ?v ?p ?o }} }} "
            f"WHERE {{ GRAPH <{LATEST_GRAPH}> {{ ?v <{SMPC.labelId}> {lit} ; ?p ?o }} }}")
    if not versions:
        kb.store.apply_update(drop)
        if not stored_latest(kb.store):  # the last label went: no empty graph left behind
            kb.store.remove_graph(LATEST_GRAPH)
        return 0
    latest = max(versions)[1]
    kb.store.apply_update(f"{drop} ;\nINSERT DATA {{ GRAPH <{LATEST_GRAPH}> {{ <{entry(label_id)}> <{SMPC.latestVersion}> "
                          f"<{latest}> ; <{SMPC.labelId}> {lit} }} }}")
    return 1


def stored_latest(store) -> set[str]:
    """The version graphs the store's latest-versions graph names."""
    q = f"SELECT ?g WHERE {{ GRAPH <{LATEST_GRAPH}> {{ ?m <{SMPC.latestVersion}> ?g }} }}"
    return {str(r["g"]) for r in store.query(q, trusted=True).rows}


def version_order(version_date: str | None, version: str, ingested_at: str | None) -> tuple:
    """Sort key of a label's versions, oldest first: the version date (a version named as a date
    counts as one), then the ingest time among equal dates. The last is the default version."""
    date = version_date or (version if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", version or "") else "")
    return (date, ingested_at or "", version)
