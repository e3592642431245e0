"""Both bundled labels side by side (issue 7): a store filled on first start holds the text
label and the FHIR ePI label; search, SPARQL and the JSON API answer for each."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from web import create_app

    store = tmp_path_factory.mktemp("two") / "store"
    app = create_app({"STORE": str(store), "LOG_REQUESTS": False, "TESTING": True, "INGEST_DEFAULT": True,
                      "STORE_HOLD": True})
    with app.test_client() as c:
        yield c
    app.extensions["kb"].close()


def test_first_start_ingests_every_bundled_label(client):
    labels = {row["label"] for row in client.get("/api/labels").get_json()["labels"]}
    assert {"blincyto", "methotrexate"} <= labels


def test_search_finds_each_label_with_label_facets(client):
    mtx = client.get("/api/search?q=stomatitis").get_json()
    assert mtx["results"] and mtx["results"][0]["label"] == "methotrexate"
    crs = client.get("/api/search?q=CRS").get_json()
    assert crs["results"][0]["label"] == "blincyto"
    both = client.get("/api/search?q=hypersensitivity&kind=contraindication").get_json()
    assert {"blincyto", "methotrexate"} <= {r["label"] for r in both["results"]}
    assert {f["value"] for f in both["facets"]["label"]} == {"blincyto", "methotrexate"}


def test_sparql_sees_both_graphs(client):
    q = "SELECT DISTINCT ?id WHERE { GRAPH ?g { ?g <https://w3id.org/smpc-kb/ontology#labelId> ?id } } ORDER BY ?id"
    r = client.get("/sparql", query_string={"query": q}, headers={"Accept": "application/sparql-results+json"})
    ids = [b["id"]["value"] for b in r.get_json()["results"]["bindings"]]
    assert ids == ["blincyto", "methotrexate"]


def test_adverse_reactions_api_for_the_epi_label(client):
    rows = client.get("/api/labels/methotrexate/adverse-reactions").get_json()
    rows = rows["entries"]
    got = {(r["term"], r["frequency"]) for r in rows}
    assert ("Leucopenia", "common") in got


def test_search_page_offers_a_label_facet(client):
    html = client.get("/search?q=hypersensitivity", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<h2>Label</h2>" in html
    assert "label=methotrexate" in html and "label=blincyto" in html
