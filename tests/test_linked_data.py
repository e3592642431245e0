"""Linked data on the running app: minted IRIs dereference (HTML / Turtle / JSON-LD / N-Triples by
Accept, Vary: Accept, 404 in the JSON error shape for IRIs the store does not hold), the ontology
at /ontology, VoID with per-version triple counts, JSON-LD with a published context, and the
streamed union Turtle download."""
from __future__ import annotations

import json
import re
from collections import defaultdict

import pyoxigraph as ox
import pytest
from web_fixtures import *  # noqa: F401,F403

from kb.rdf.base import ID_BASE

SUBJECTS = f"""SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?s), "{ID_BASE}")) }}"""
OBJECTS = f"""SELECT DISTINCT ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(ISIRI(?o) && STRSTARTS(STR(?o), "{ID_BASE}")) }}"""
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def local(iri: str) -> str:
    return "/id/" + iri[len(ID_BASE):]


@pytest.fixture(scope="module")
def minted(web_kb):
    return sorted(str(r["s"]) for r in web_kb.sparql(SUBJECTS).rows)


@pytest.fixture(scope="module")
def sample(minted):
    """Two IRIs of every shape the store mints (label, section, passage, span, fact, quantity ...)."""
    groups = defaultdict(list)
    for iri in minted:
        shape = re.sub(r"/[^/]+$", "/*", re.sub(r"/\d+(?=/|$)", "/N", iri[len(ID_BASE):].split("/", 2)[-1]))
        groups[shape.split("/")[0] + "/" + str(shape.count("/"))].append(iri)
    return [i for g in groups.values() for i in g[:2]]


def _count(web_kb, iri):
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}"
    return int(str(web_kb.sparql(q).rows[0]["n"]))


def test_every_referenced_minted_iri_exists(web_kb, minted):
    objects = {str(r["o"]) for r in web_kb.sparql(OBJECTS).rows}
    assert len(minted) > 1000
    assert objects - set(minted) == set()


@pytest.mark.parametrize("accept,fmt,ctype", [
    ("text/turtle", ox.RdfFormat.TURTLE, "text/turtle"),
    ("application/ld+json", ox.RdfFormat.JSON_LD, "application/ld+json"),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES, "application/n-triples"),
])
def test_minted_iris_dereference_as_rdf(client, web_kb, sample, accept, fmt, ctype):
    assert len(sample) > 20
    for iri in sample:
        r = client.get(local(iri), headers={"Accept": accept})
        assert r.status_code == 200, iri
        assert r.content_type.startswith(ctype) and "Accept" in [v.strip() for v in r.headers["Vary"].split(",")]
        triples = list(ox.parse(r.data, format=fmt, base_iri=ID_BASE))
        assert {t.subject.value for t in triples} == {iri}
        assert len(triples) == _count(web_kb, iri)


def test_minted_iri_as_html_for_browsers_links_its_iris(client, web_kb, label_ref):
    iri = label_ref.iri + "/section/4.4"
    r = client.get(local(iri), headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"})
    assert r.status_code == 200 and r.content_type.startswith("text/html") and "Accept" in [v.strip() for v in r.headers["Vary"].split(",")]
    html = r.data.decode()
    refs = [str(x["o"]) for x in web_kb.sparql(f"SELECT ?o WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o FILTER ISIRI(?o) }} }}").rows]
    for o in refs:
        if o.startswith(ID_BASE):
            assert f'href="{local(o)}"' in html
    assert 'href="/ontology#Section"' in html


def test_json_ld_of_a_resource_uses_readable_keys(client, label_ref):
    r = client.get(local(label_ref.iri + "/section/4.4"), headers={"Accept": "application/ld+json"})
    doc = r.get_json()
    node = doc["graph"][0]
    types = node["type"] if isinstance(node["type"], list) else [node["type"]]
    assert node["id"] == label_ref.iri + "/section/4.4" and "Section" in types and "schema:CreativeWork" in types
    assert node["sectionKey"] == "4.4" and "title" in node


def test_unknown_iris_are_404_in_the_json_error_shape(client, label_ref):
    for path in (local(label_ref.iri + "/indication/no-such-fact"), "/id/no-such-label/v1", "/id/"):
        for accept in ("text/turtle", "text/html", "application/ld+json"):
            r = client.get(path, headers={"Accept": accept})
            assert r.status_code == 404
            body = r.get_json()
            assert body["ok"] is False and body["status"] == 404 and body["error"]


def test_unacceptable_media_type_is_406(client, label_ref):
    r = client.get(local(label_ref.iri), headers={"Accept": "image/png"})
    assert r.status_code == 406 and r.get_json()["status"] == 406


def test_head_on_a_minted_iri(client, label_ref):
    r = client.head(local(label_ref.iri), headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.content_type.startswith("text/turtle") and r.data == b""


def test_ontology_is_served_as_html_and_turtle(client):
    from rdflib import OWL, RDF

    from kb.validate.shacl import vocabulary_graph

    vocab = vocabulary_graph()
    terms = {str(t).split("#", 1)[1] for k in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
             for t in vocab.subjects(RDF.type, k) if str(t).startswith("https://w3id.org/smpc-kb/ontology#")}
    r = client.get("/ontology", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.content_type.startswith("text/html") and "Accept" in [v.strip() for v in r.headers["Vary"].split(",")]
    html = r.data.decode()
    for t in terms:
        assert f'id="{t}"' in html
    r = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert r.content_type.startswith("text/turtle")
    triples = list(ox.parse(r.data, format=ox.RdfFormat.TURTLE))
    assert len(triples) == len(vocab)


def test_void_counts_triples_per_label_version(client, web_kb, label_ref):
    for path in ("/void", "/.well-known/void"):
        r = client.get(path, headers={"Accept": "text/turtle"})
        assert r.status_code == 200 and r.content_type.startswith("text/turtle")
        store = ox.Store()
        store.load(r.data, format=ox.RdfFormat.TURTLE)
        rows = list(store.query("""PREFIX void: <http://rdfs.org/ns/void#> PREFIX dcterms: <http://purl.org/dc/terms/>
            SELECT ?src ?n WHERE { ?ds void:subset ?sub ; void:sparqlEndpoint ?e . ?sub void:triples ?n ;
            dcterms:source ?src }"""))
        counts = {r["src"].value: int(r["n"].value) for r in rows}
        for ref in web_kb.labels():
            n = int(str(web_kb.sparql(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ref.iri}> {{ ?s ?p ?o }} }}").rows[0]["n"]))
            assert counts[ref.iri] == n > 1000
        total = next(iter(store.query("PREFIX void: <http://rdfs.org/ns/void#> SELECT ?n WHERE "
                                      "{ ?ds void:subset ?x ; void:triples ?n }")))["n"]
        assert int(total.value) == sum(counts.values())
        dates = list(store.query("PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?d WHERE { ?sub dcterms:modified ?d }"))
        assert len(dates) == sum(1 for ref in web_kb.labels() if ref.version_date)
        assert all(d["d"].datatype.value == "http://www.w3.org/2001/XMLSchema#date" for d in dates)


def test_jsonld_download_has_the_published_context_and_the_same_data(client, web_kb, label_ref):
    ctx = client.get("/ontology/context.jsonld").get_json()["@context"]
    r = client.get(f"/download/{label_ref.name}.jsonld")
    doc = json.loads(r.data)
    assert doc["@context"] == ctx
    assert ctx["sectionKey"] == "smpc:sectionKey" and ctx["hasSection"] == {"@id": "smpc:hasSection", "@type": "@id"}
    text = r.data.decode()
    assert '"sectionKey"' in text and '"hasIndication"' in text and "https://w3id.org/smpc-kb/ontology#" not in \
        text.replace(json.dumps(ctx["smpc"]), "")
    got = {str(q) for q in ox.parse(r.data, format=ox.RdfFormat.JSON_LD)}
    want = {str(q) for q in ox.parse(web_kb.export("nq", label_ref.name), format=ox.RdfFormat.N_QUADS)}
    assert got == want


def test_union_turtle_is_streamed_and_holds_every_triple(client, web_kb):
    r = client.get("/download/all.ttl")
    assert r.is_streamed and r.content_type.startswith("text/turtle")
    got = {str(t) for t in ox.parse(r.data, format=ox.RdfFormat.TURTLE)}
    want = {str(q.triple) for q in ox.parse(web_kb.export("nq"), format=ox.RdfFormat.N_QUADS)}
    assert got == want
    r = client.get("/download/all.nt")
    assert {str(t) for t in ox.parse(r.data, format=ox.RdfFormat.N_TRIPLES)} == want


def test_void_version_date_is_an_xsd_date(tmp_path):
    """A label's date of revision (methotrexate 4.x: 14/09/2023, read as 2023-09-14) is a typed date in VoID."""
    from rdflib.namespace import DCTERMS, XSD

    from kb.ingest_steps import LabelRef
    from kb.linked_data import void_graph
    from kb.store.local import LocalStore

    ref = LabelRef("methotrexate", "2023-09-14", "https://w3id.org/smpc-kb/id/methotrexate/2023-09-14",
                   "Methotrexate", "2023-09-14")
    with LocalStore(str(tmp_path / "s")) as store:
        g = void_graph(store, [ref], "http://kb.example/")
    dates = list(g.objects(None, DCTERMS.modified))
    assert [(str(d), d.datatype) for d in dates] == [("2023-09-14", XSD.date)]
