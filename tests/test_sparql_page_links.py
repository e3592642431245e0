"""The SPARQL page in a browser, over real HTTP: IRIs in the results table are links (the store's own
IRIs to their local dereferencing route, other http(s) IRIs to themselves, no link for other schemes),
and the HTML variant of a label URL says ``Vary: Accept`` (the same URL answers Turtle or JSON-LD)."""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests
from web_fixtures import *  # noqa: F401,F403

from kb.rdf.base import ID_BASE

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class Cells(HTMLParser):
    """The results table's cells: (text, href or None) per cell."""

    def __init__(self):
        super().__init__()
        self.cells: list[list] = []
        self.in_table = self.in_cell = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "sparql-results":
            self.in_table = True
        elif self.in_table and tag == "td":
            self.in_cell = True
            self.cells.append(["", None])
        elif self.in_cell and tag == "a":
            self.cells[-1][1] = a.get("href")

    def handle_endtag(self, tag):
        if tag == "td":
            self.in_cell = False
        elif tag == "table":
            self.in_table = False

    def handle_data(self, data):
        if self.in_cell:
            self.cells[-1][0] += data


def vary(resp) -> list[str]:
    return [v.strip().lower() for v in resp.headers.get("Vary", "").split(",")]


def test_iris_in_the_results_table_are_links(base_url, label_ref):
    section = label_ref.iri + "/section/4.4"
    query = f"""SELECT ?x WHERE {{
      VALUES ?x {{ <{section}> <https://w3id.org/smpc-kb/ontology#Section> <https://schema.org/Drug>
                  <urn:example:not-a-web-address> <javascript:alert(1)> "plain text" }} }}"""
    r = requests.get(base_url + "/sparql", params={"query": query}, headers={"Accept": BROWSER}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    page = Cells()
    page.feed(r.text)
    links = {text.strip(): href for text, href in page.cells}
    assert links == {
        section: "/id/" + section[len(ID_BASE):],
        "https://w3id.org/smpc-kb/ontology#Section": "/ontology#Section",
        "https://schema.org/Drug": "https://schema.org/Drug",
        "urn:example:not-a-web-address": None, "javascript:alert(1)": None, "plain text": None,
    }
    # the local links resolve on the same server, to the resource (Turtle asked) and the ontology page
    got = requests.get(urljoin(base_url, links[section]), headers={"Accept": "text/turtle"}, timeout=30)
    assert got.status_code == 200 and got.headers["Content-Type"].startswith("text/turtle")
    assert f"<{section}>" in got.text or "4.4" in got.text
    onto = requests.get(urljoin(base_url, "/ontology"), headers={"Accept": BROWSER}, timeout=30)
    assert onto.status_code == 200 and 'id="Section"' in onto.text


def test_construct_results_table_links_subjects_and_objects(base_url, label_ref):
    section = label_ref.iri + "/section/4.4"
    query = f"CONSTRUCT {{ <{section}> ?p ?o }} WHERE {{ GRAPH ?g {{ <{section}> ?p ?o }} }}"
    r = requests.get(base_url + "/sparql", params={"query": query}, headers={"Accept": BROWSER}, timeout=30)
    assert r.status_code == 200
    page = Cells()
    page.feed(r.text)
    subjects = [href for text, href in page.cells[0::3]]
    assert subjects and set(subjects) == {"/id/" + section[len(ID_BASE):]}
    assert ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type") in {
        (text.strip(), href) for text, href in page.cells[1::3]}


def test_html_variant_of_a_label_url_varies_on_accept(base_url, label_ref):
    for path in (f"/labels/{label_ref.name}", f"/labels/{label_ref.label_id}",
                 "/id/" + label_ref.iri[len(ID_BASE):]):
        html = requests.get(base_url + path, headers={"Accept": BROWSER}, timeout=30)
        assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html"), path
        assert "accept" in vary(html), (path, html.headers.get("Vary"))
        head = requests.head(base_url + path, headers={"Accept": BROWSER}, timeout=30)
        assert head.status_code == 200 and "accept" in vary(head), path
        turtle = requests.get(base_url + path, headers={"Accept": "text/turtle"}, timeout=30)
        assert turtle.status_code == 200 and turtle.headers["Content-Type"].startswith("text/turtle"), path
        assert "accept" in vary(turtle), path
