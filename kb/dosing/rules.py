"""Label graph -> dosing rules: three SPARQL queries (run in Oxigraph) rebuild the
``ingest.dosing_records`` objects of one label version, provenance included.

The naming tables of :mod:`kb.rdf.dosing` are used in reverse, so what the
mapper writes is exactly what is read here. ``run(query)`` is any function that
returns rows as dicts of plain Python values (see :func:`runner_for_store` and
:func:`runner_for_graph`).
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal
from typing import Callable
from urllib.parse import unquote

import pyoxigraph as ox
from rdflib import Graph

from ingest import dosing_records as dr
from ingest.records import Quantity, Source
from kb.rdf.base import SMPC
from kb.rdf.dosing import CHILDREN, CLASSES, SOURCE_OF, TOP, prop_name

Runner = Callable[[str], list[dict]]
SM = str(SMPC)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
SCHEMA = "https://schema.org/"
BY_CLASS = {SM + name: cls for cls, name in CLASSES.items()}

Q_NODES = """SELECT ?s ?p ?o WHERE { GRAPH <%(g)s> { ?s ?p ?o . FILTER(STRSTARTS(STR(?s), "%(g)s/dosing/")) } }"""
Q_SPANS = """PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
SELECT ?s ?link ?sec ?l1 ?l2 ?c1 ?c2 ?quote ?der ?rule WHERE { GRAPH <%(g)s> {
  ?s ?link ?sp . ?sp a smpc:TextSpan ; smpc:inSection ?sec ; smpc:startLine ?l1 ; smpc:endLine ?l2 ;
     smpc:startChar ?c1 ; smpc:endChar ?c2 ; smpc:quote ?quote ; smpc:derivation ?der .
  OPTIONAL { ?sp smpc:derivationRule ?rule }
  FILTER(STRSTARTS(STR(?s), "%(g)s/dosing/")) } }"""
Q_TOP = """SELECT ?p ?o WHERE { GRAPH <%(g)s> { <%(g)s> ?p ?o . FILTER(STRSTARTS(STR(?o), "%(g)s/dosing/")) } }"""


def _py(term):
    if term is None:
        return None
    if isinstance(term, (ox.NamedNode, ox.BlankNode)):
        return str(term.value)
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype else ""
        v = term.value
        if dt.endswith("#integer"):
            return int(v)
        if dt.endswith(("#decimal", "#double", "#float")):
            return float(v)
        if dt.endswith("#boolean"):
            return v == "true"
        return v
    if hasattr(term, "toPython"):  # rdflib term
        from rdflib import Literal

        if not isinstance(term, Literal):
            return str(term)
        v = term.toPython()
        return float(v) if isinstance(v, Decimal) else v if isinstance(v, (int, float, bool)) else str(v)
    return term


def runner_for_oxigraph(store: ox.Store) -> Runner:
    def run(q: str) -> list[dict]:
        res = store.query(q)
        names = [v.value for v in res.variables]
        return [{n: _py(sol[n]) for n in names} for sol in res]

    return run


def runner_for_graph(g: Graph, graph_iri: str) -> Runner:
    """An in-memory Oxigraph store holding ``g`` as the named graph ``graph_iri``."""
    store = ox.Store()
    data = g.serialize(format="nt").encode()
    store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph_iri))
    return runner_for_oxigraph(store)


def runner_for_store(store) -> Runner:
    """A :mod:`kb.store.local` store: ``store.query(q).rows`` are dicts of rdflib terms."""
    def run(q: str) -> list[dict]:
        return [{k: _py(v) for k, v in row.items()} for row in store.query(q, trusted=True).rows]

    return run


def load_dosing(run: Runner, graph_iri: str) -> dr.DosingRecord:
    g = str(graph_iri)
    props: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for r in run(Q_NODES % {"g": g}):
        props[r["s"]][r["p"]].append(r["o"])
    spans: dict[tuple[str, str], Source] = {}
    for r in run(Q_SPANS % {"g": g}):
        sec = unquote(str(r["sec"]).split("/section/", 1)[-1])
        spans[(r["s"], r["link"])] = Source(sec, r["l1"], r["l2"], r["c1"], r["c2"], r["quote"], derivation=r["der"], rule=r["rule"])
    out = dr.DosingRecord()
    for r in run(Q_TOP % {"g": g}):
        p = r["p"][len(SM):] if r["p"].startswith(SM) else ""
        if p == "hasAdministration":
            out.administration = _build(dr.Administration, r["o"], props, spans)
            continue
        for field, (link, cls) in TOP.items():
            types = props[r["o"]].get(RDF_TYPE) or []  # an smpc class beside its standard types
            if link == p and next((BY_CLASS[t] for t in types if t in BY_CLASS), None) is cls:
                getattr(out, field).append(_build(cls, r["o"], props, spans))
    for field in TOP:
        getattr(out, field).sort(key=lambda x: x.source.char_start if x.source else 0)
    return out


def _quantity(node: str, props) -> Quantity:
    p = props[node]

    def one(k):
        v = p.get(k)
        return v[0] if v else None

    return Quantity(one(SCHEMA + "value"), one(SCHEMA + "unitCode"), one(SCHEMA + "minValue"),
                    one(SCHEMA + "maxValue"), one(SM + "comparator"), one(SM + "printedAs"))


def _build(cls: type, node: str, props, spans):
    p = props[node]
    kw = {}
    for f in dataclasses.fields(cls):
        name, t = f.name, str(f.type)
        if name == "source":
            kw[name] = spans.get((node, PROV_DERIVED))
            continue
        if name in SOURCE_OF:
            target = SOURCE_OF[name][0]
            if name == "cycles_source":
                kw[name] = spans.get((node, SM + "maxCyclesSource"))
            else:
                qn = p.get(SM + prop_name(cls, target))
                kw[name] = spans.get((qn[0], PROV_DERIVED)) if qn else None
            continue
        values = p.get(SM + prop_name(cls, name), [])
        if (cls, name) in CHILDREN:
            link, child_cls = CHILDREN[(cls, name)]
            kids = [_build(child_cls, v, props, spans) for v in p.get(SM + link, [])]
            kw[name] = sorted(kids, key=lambda k: (k.source.char_start if k.source else 0, getattr(k, "id", "")))
        elif name == "criteria":
            kw[name] = sorted(((props[c][SM + "description"][0], _quantity(props[c][SM + "threshold"][0], props)) for c in values),
                              key=lambda x: x[0])
        elif t.startswith("list"):
            kw[name] = sorted(values)
        elif "Quantity" in t:
            kw[name] = _quantity(values[0], props) if values else None
        elif t.startswith("bool"):
            kw[name] = bool(values[0]) if values else False
        else:
            kw[name] = values[0] if values else (None if "None" in t else f.default if f.default is not dataclasses.MISSING else None)
    return cls(**kw)
