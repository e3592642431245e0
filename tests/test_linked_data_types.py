"""Standard types in the data: facts carry the schema.org / FHIR / PROV-O / SKOS classes their smpc:
class aligns to (plain queries, no reasoning); organ classes and frequency bands have queryable
labels and MedDRA codes; the vocabulary and shapes are in the store as their own named graph."""
from __future__ import annotations

import json
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, Graph, URIRef
from web_fixtures import *  # noqa: F401,F403

from kb.linked_data import ONTOLOGY_GRAPH, ensure_ontology_graph

ROOT = Path(__file__).resolve().parent.parent
SMPC = "https://w3id.org/smpc-kb/ontology#"
STANDARD = ("https://schema.org/", "http://hl7.org/fhir/", "http://www.w3.org/ns/prov#",
            "http://www.w3.org/2004/02/skos/core#")
P = """PREFIX smpc: <https://w3id.org/smpc-kb/ontology#> PREFIX schema: <https://schema.org/>
PREFIX fhir: <http://hl7.org/fhir/> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def vocab() -> Graph:
    g = Graph()
    for f in sorted((ROOT / "ontology" / "vocab").glob("*.ttl")):
        g.parse(f, format="turtle")
    return g


def test_schema_drug_finds_the_product_without_reasoning(web_kb, label_ref):
    rows = web_kb.sparql(P + "SELECT ?x ?name WHERE { GRAPH ?g { ?x a schema:Drug ; schema:name ?name } }").rows
    products = web_kb.sparql(P + "SELECT ?x WHERE { GRAPH ?g { ?x a smpc:MedicinalProduct } }").rows
    assert {str(r["x"]) for r in rows} == {str(r["x"]) for r in products} and len(rows) == 1
    assert str(rows[0]["name"]) == web_kb.labels()[0].title or rows[0]["name"]


def test_every_fact_carries_the_standard_types_its_class_aligns_to(web_kb):
    g = vocab()
    pairs = set()
    for cls in set(g.subjects(RDFS.subClassOf, None)):
        if not str(cls).startswith(SMPC):
            continue
        seen, todo = set(), [cls]
        while todo:
            for sup in g.objects(todo.pop(), RDFS.subClassOf):
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        pairs |= {(cls, s) for s in seen if str(s).startswith(STANDARD)}
    assert (URIRef(SMPC + "Indication"), URIRef("http://hl7.org/fhir/ClinicalUseDefinition")) in pairs
    checked = 0
    for cls, std in sorted(pairs):
        n = int(str(web_kb.sparql(f"SELECT (COUNT(?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x a <{cls}> }} }}").rows[0]["n"]))
        missing = web_kb.sparql(f"ASK {{ GRAPH ?g {{ ?x a <{cls}> FILTER NOT EXISTS {{ ?x a <{std}> }} }} }}").boolean
        assert not missing, f"a {cls} is not typed {std}"
        checked += n > 0
    assert checked >= 15


def test_clinical_facts_are_found_as_fhir_clinical_use_definitions(web_kb):
    q = P + """SELECT ?kind (COUNT(?x) AS ?n) WHERE { GRAPH ?g { ?x a fhir:ClinicalUseDefinition ; a ?kind .
        FILTER(?kind IN (smpc:Indication, smpc:Contraindication, smpc:Warning, smpc:AdverseReaction)) } }
        GROUP BY ?kind"""
    got = {str(r["kind"]).split("#")[1]: int(str(r["n"])) for r in web_kb.sparql(q).rows}
    for kind in ("Indication", "Contraindication", "Warning", "AdverseReaction"):
        n = int(str(web_kb.sparql(P + f"SELECT (COUNT(?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x a smpc:{kind} }} }}")
                    .rows[0]["n"]))
        assert got[kind] == n > 0


def test_organ_classes_and_frequencies_have_labels_and_meddra_codes_in_the_label_graph(web_kb, label_ref):
    socs = {s["name"]: s["code"] for s in json.loads(
        (ROOT / "ontology" / "data" / "meddra-soc.json").read_text(encoding="utf-8"))["socs"]}
    q = P + f"""SELECT ?term ?socName ?code ?freq WHERE {{ GRAPH <{label_ref.iri}> {{
        ?ar a smpc:AdverseReaction ; smpc:term ?term ; smpc:systemOrganClass ?soc ; smpc:frequency ?f .
        ?soc a skos:Concept ; skos:prefLabel ?socName ; skos:notation ?code .
        ?f a skos:Concept ; skos:prefLabel ?freq }} }}"""
    rows = web_kb.sparql(q).rows
    from ingest.pipeline import read_label

    record = read_label(ROOT / "labels" / "blincyto" / "smpc-il.txt")
    expected = {(e.term, e.soc, socs[e.soc], e.frequency) for e in record.adverse_reactions.entries}
    got = {(str(r["term"]), str(r["socName"]), str(r["code"]), str(r["freq"])) for r in rows}
    assert got == expected and len(got) > 50


def test_vocabulary_and_shapes_are_their_own_named_graph(web_kb):
    from kb.validate.shacl import shapes_graph

    q = P + f"""SELECT ?label WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ smpc:Indication rdfs:label ?label }} }}"""
    assert [str(r["label"]) for r in web_kb.sparql(q).rows] == [str(vocab().value(URIRef(SMPC + "Indication"),
                                                                                     RDFS.label))]
    shapes = sum(1 for _ in shapes_graph().subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape")))
    n = web_kb.sparql(f"""SELECT (COUNT(?s) AS ?n) WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{
        ?s a <http://www.w3.org/ns/shacl#NodeShape> }} }}""").rows[0]["n"]
    assert int(str(n)) == shapes > 5
    assert ONTOLOGY_GRAPH not in {r.iri for r in web_kb.labels()}
    assert ensure_ontology_graph(web_kb.store) is False  # already current: not rewritten


def test_skos_concepts_of_the_vocabulary_are_queryable_across_graphs(web_kb):
    q = P + f"""SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{
        ?c skos:inScheme smpc:MedDRASOCScheme ; skos:notation ?code ; skos:prefLabel ?name }} }}"""
    assert int(str(web_kb.sparql(q).rows[0]["n"])) == sum(1 for _ in vocab().subjects(SKOS.inScheme, URIRef(
        SMPC + "MedDRASOCScheme")))
