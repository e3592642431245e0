"""HTML pages through the Flask test client: search, label, section anchors, adverse reactions, dosing, SPARQL."""
from __future__ import annotations

import re
from html import unescape

import pytest

try:  # tests/ as a package or as a plain directory
    from .web_fixtures import *  # noqa: F401,F403
except ImportError:
    from web_fixtures import *  # noqa: F401,F403

HTML = {"Accept": "text/html"}
LABEL_TEXT = BLINCYTO.read_text(encoding="utf-8")


def text_of(resp) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True)))


def test_home_lists_the_label(client, label_ref):
    r = client.get("/", headers=HTML)
    assert r.status_code == 200 and label_ref.version in r.get_data(as_text=True)


def test_search_page_without_javascript(client):
    r = client.get("/search?q=live+vaccines", headers=HTML)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<mark>live</mark>" in html.lower() and 'id="results"' in html
    assert re.search(r'href="/labels/[^"]+/sections/4\.4#p-4-4-immunizations-\d+"', html)
    assert "Kind</h2>" in html and "warning</a>" in html  # facets
    assert "4.4 Special warnings and precautions for use" in text_of(r)  # grouped by section


def test_search_page_paging_and_filters(client):
    html = client.get("/search?q=patients", headers=HTML).get_data(as_text=True)
    assert 'rel="next"' in html and "page=2" in html
    r = client.get("/search?q=patients&kind=warning", headers=HTML)
    assert r.status_code == 200 and "kind-dosing" not in r.get_data(as_text=True)


def test_search_hit_opens_its_passage(client):
    hit = client.get("/api/search?q=Down+syndrome").get_json()["results"][0]
    path, anchor = hit["url"].split("#")
    page = client.get(path, headers=HTML).get_data(as_text=True)
    m = re.search(rf'<p id="{anchor}"[^>]*>(.*?)<a class="pilcrow"', page, re.S)
    assert m and "Down syndrome" in unescape(m.group(1))


def test_label_page_shows_facts_from_the_label(client, web_kb, label_ref):
    page = text_of(client.get("/labels/" + label_ref.label_id, headers=HTML))
    rows = web_kb.sparql("PREFIX smpc: <https://w3id.org/smpc-kb/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/> "
                         "SELECT ?t WHERE { ?w a smpc:Warning ; dcterms:title ?t }").rows
    assert rows and all(str(r["t"]) in page for r in rows)
    first_indication = next(line for line in LABEL_TEXT.splitlines() if "is indicated" in line).strip()
    assert first_indication[:60] in " ".join(page.split())
    for heading in ("Indications", "Contraindications", "Warnings and precautions", "Sections", "Product"):
        assert heading in page


def test_section_page_has_every_passage_with_an_anchor(client, label_ref):
    data = client.get(f"/api/labels/{label_ref.label_id}/sections/4.6").get_json()
    html = client.get(f"/labels/{label_ref.label_id}/sections/4.6", headers=HTML).get_data(as_text=True)
    anchors = [p["anchor"] for s in data["sections"] for p in s["passages"]]
    assert anchors and all(f'id="{a}"' in html for a in anchors)
    assert "Breast-feeding" in html


def test_adverse_reactions_page(client, label_ref):
    api = client.get(f"/api/labels/{label_ref.label_id}/adverse-reactions").get_json()
    r = client.get(f"/labels/{label_ref.label_id}/adverse-reactions", headers=HTML)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<svg" in html and 'id="ar-table"' in html
    assert html.count("<tr>") - 1 == api["total"] > 0
    e = api["entries"][0]
    assert e["term"] in html and e["frequency"] in html
    soc = api["organ_classes"][0]
    filtered = client.get(f"/labels/{label_ref.label_id}/adverse-reactions", query_string={"soc": soc}, headers=HTML)
    n = len(client.get(f"/api/labels/{label_ref.label_id}/adverse-reactions", query_string={"soc": soc}).get_json()["entries"])
    assert filtered.get_data(as_text=True).count("<tr>") - 1 == n < api["total"]
    by_term = client.get(f"/api/labels/{label_ref.label_id}/adverse-reactions?sort=term").get_json()["entries"]
    assert [x["term"].lower() for x in by_term] == sorted(x["term"].lower() for x in by_term)
    with_incidence = [x for x in api["entries"] if x["incidence_percent"] is not None]
    if with_incidence:
        assert f"{with_incidence[0]['incidence_percent']:.1f}" in html


def test_dosing_page_calculates_and_draws_the_regimen(client, label_ref):
    ind = client.get(f"/api/labels/{label_ref.label_id}/indications").get_json()["dosing"][0]["id"]
    q = {"indication": ind, "weight_kg": 70, "age_years": 40, "cycle": 1, "day": 1}
    api = client.get("/api/dose", query_string=q).get_json()
    html = client.get(f"/labels/{label_ref.label_id}/dosing", query_string=q, headers=HTML).get_data(as_text=True)
    assert f"{api['dose']['value']:g} {api['dose']['unit']}" in html
    assert 'id="timeline"' in html and "<rect" in html
    bad = client.get(f"/labels/{label_ref.label_id}/dosing", query_string={**q, "weight_kg": -1}, headers=HTML)
    assert bad.status_code == 422 and "weight_kg" in bad.get_data(as_text=True)


def test_sparql_page_runs_an_example_and_shows_a_table(client, label_ref):
    page = client.get("/sparql", headers=HTML).get_data(as_text=True)
    assert "<textarea" in page
    q = "SELECT ?v WHERE { GRAPH ?g { ?g <https://w3id.org/smpc-kb/ontology#version> ?v } }"
    r = client.get("/sparql", query_string={"query": q, "format": "html"}, headers=HTML)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="sparql-results"' in html and label_ref.version in html
    assert "format=csv" in html and "format=json" in html  # download links
    bad = client.get("/sparql", query_string={"query": "SELECT {", "format": "html"}, headers=HTML)
    assert bad.status_code == 400 and 'id="sparql-error"' in bad.get_data(as_text=True)


@pytest.mark.parametrize("path,status", [
    ("/labels/no-such-label", 404), ("/labels/blincyto@nope/sections/4.4", 404), ("/labels/blincyto/sections/99.9", 404),
    ("/search?q=" + "x" * 10_000, 400), ("/search?q=seizure&page=999", 404), ("/search?q=seizure&page=-1", 400),
    ("/search?q=seizure&page=9223372036854775807", 404), ("/nowhere", 404),
])
def test_page_errors_are_html_with_a_message(client, path, status):
    r = client.get(path, headers=HTML)
    assert r.status_code == status and r.content_type.startswith("text/html")
    assert 'id="error-message"' in r.get_data(as_text=True)


def test_a_page_number_past_any_index_is_404_not_500(client):
    for page in ("9223372036854775807", "99999999999999999999999"):
        r = client.get("/api/search", query_string={"q": "seizure", "page": page})
        assert r.status_code == 404 and r.get_json()["ok"] is False and "past the last page" in r.get_json()["error"]


def test_search_page_escapes_the_query(client):
    html = client.get('/search?q=<script>alert(1)</script>"', headers=HTML).get_data(as_text=True)
    assert "<script>alert" not in html


def test_every_example_query_is_offered_and_runs(client):
    files = sorted((ROOT / "docs" / "queries").glob("*.rq"))
    page = client.get("/sparql", headers=HTML).get_data(as_text=True)
    assert files and page.count('class="example"') == len(files)
    for f in files:
        r = client.post("/sparql", data={"query": f.read_text(encoding="utf-8")},
                        headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200, (f.name, r.get_data(as_text=True)[:200])
