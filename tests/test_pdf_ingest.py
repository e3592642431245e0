"""Identity of the SmPCs of a PDF and their end-to-end ingest into a store.

Ids and versions were read in the PDFs: section 1 names the product, strength and form; section 10
of these files states no date, so the version is the latest date of section 9 with its kind."""
from __future__ import annotations

import functools

import pytest
from click.testing import CliRunner

from cli import main
from tests.pdf_support import FIXTURES, PRODUCTS, pdf_labels, pdf_path

IDS = {
    "karvea": ["karvea-75mg-tablets", "karvea-150mg-tablets", "karvea-300mg-tablets",
               "karvea-75mg-film-coated-tablets", "karvea-150mg-film-coated-tablets",
               "karvea-300mg-film-coated-tablets"],
    "dovato": ["dovato-50mg-300mg-film-coated-tablets"],
}
# section 9: "Date of latest renewal: 27 August 2007" (Karvea), "Date of first authorization: 1st July 2019"
# (Dovato, no renewal), "08 September 2008" (Humira), "30th April 2006" (Humalog),
# "22 November 2021" (Suliqua), "21 February 2022" (Skilarence)
VERSIONS = {"karvea": ("2007-08-27", "renewal"), "dovato": ("2019-07-01", "first-authorisation"),
            "humira": ("2008-09-08", "renewal"), "humalog": ("2006-04-30", "renewal"),
            "suliqua": ("2021-11-22", "renewal"), "skilarence": ("2022-02-21", "renewal")}
SMPCS = [(p, i) for p, n in [("karvea", 6), ("dovato", 1), ("skilarence", 1), ("humira", 5), ("humalog", 4),
                             ("suliqua", 1)] for i in range(n)]


@pytest.mark.parametrize("product", PRODUCTS)
def test_label_ids_are_short_distinct_and_name_strength_and_form(product):
    ids = [r.label_id for r in pdf_labels(product).records]
    assert len(set(ids)) == len(ids)
    assert all(len(i) <= 40 and i.startswith(product) for i in ids)
    if product in IDS:
        assert ids == IDS[product]


def test_humira_presentations_with_one_name_are_told_apart_by_volume():
    # SmPCs 3 and 4 both open with "Humira 40 mg solution for injection in pre-filled syringe";
    # section 2 gives 0.8 ml and 0.4 ml per syringe
    ids = [r.label_id for r in pdf_labels("humira").records]
    assert ids[2].endswith("0-8ml") and ids[3].endswith("0-4ml")


@pytest.mark.parametrize("product", PRODUCTS)
def test_version_is_the_latest_date_of_section_9_with_its_kind(product):
    for r in pdf_labels(product).records:
        assert (r.version, r.version_basis) == VERSIONS[product]
        assert r.version_date == VERSIONS[product][0]


def test_given_id_and_version_override():
    from ingest.pipeline import read_labels

    one = read_labels(FIXTURES / "smpc-mini.pdf", label_id="My Label", version="v7")
    assert [(r.label_id, r.version, r.version_basis) for r in one] == [("my-label", "v7", "given")]
    two = read_labels(FIXTURES / "epar-mini.pdf", label_id="acme")
    assert [r.label_id for r in two] == ["acme-zentavir-10mg-tablets", "acme-zentavir-20mg-film-coated-tablets"]


def test_dates_only_from_sections_9_and_10():
    # the fixture's leaflet holds "Date of revision: 0038-10" and a phone number; section 10 of
    # the second SmPC is empty, so its version is section 9's "3 March 2020"
    from ingest.pipeline import read_labels

    recs = read_labels(FIXTURES / "epar-mini.pdf")
    assert [(r.version, r.version_basis) for r in recs] == [("2023-05-12", "revision"),
                                                           ("2020-03-03", "first-authorisation")]


def test_cli_prints_one_line_per_smpc_and_what_it_skipped(tmp_path):
    r = CliRunner().invoke(main, ["--store", str(tmp_path / "s"), "ingest", str(FIXTURES / "epar-mini.pdf")])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines() if hasattr(r, "stdout") else r.output.splitlines()
    ingested = [ln for ln in lines if ln.startswith("ingested ")]
    assert [ln.split()[1] for ln in ingested] == ["zentavir-10mg-tablets@2023-05-12",
                                                  "zentavir-20mg-film-coated-tablets@2020-03-03"]
    assert all("facts" in ln and "unresolved" in ln for ln in ingested)
    skipped = [ln for ln in lines if ln.startswith("skipped ")]
    assert len(skipped) == 2 and "Annex II" in skipped[0] and "Annex III" in skipped[1]


def test_same_file_from_two_folders_gives_identical_graphs(tmp_path):
    from rdflib.compare import isomorphic

    from ingest.pipeline import read_labels
    from kb.rdf.build import build_graph

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    data = (FIXTURES / "epar-mini.pdf").read_bytes()
    (a / "x.pdf").write_bytes(data)
    (b / "x.pdf").write_bytes(data)
    ga = [build_graph(r) for r in read_labels(a / "x.pdf")]
    gb = [build_graph(r) for r in read_labels(b / "x.pdf")]
    assert all(isomorphic(x, y) for x, y in zip(ga, gb))


@functools.lru_cache(maxsize=None)
def _ingested(product: str, store: str):
    from kb.service import KnowledgeBase

    kb = KnowledgeBase(store)
    try:
        return kb.ingest_records(pdf_labels(product).records), sorted((r.label_id, r.version) for r in kb.labels())
    finally:
        kb.close()


@pytest.fixture(scope="session")
def pdf_store(tmp_path_factory):
    return str(tmp_path_factory.mktemp("pdf-store") / "store")


@pytest.mark.parametrize("product,index", SMPCS)
def test_each_smpc_is_stored_and_conforms(pdf_store, product, index):
    # a fact the extractors cannot settle (e.g. a 4.1 population with neither age nor disease)
    # is an unresolved item, never a reason to refuse the whole SmPC
    results, stored = _ingested(product, pdf_store + "-" + product)
    result = results[index]
    assert result.report.conforms, [v.describe() for v in result.report.violations]
    assert result.stored and (result.record.label_id, result.record.version) in stored
    assert result.record.reader == "pdf" and result.record.source_path == str(pdf_path(product))


def test_a_leaflet_after_the_smpc_in_a_file_without_annexes_is_skipped():
    # the fixture: the SmPC on page 1, a package leaflet (with a "Date of revision: 0038-10" line) on page 2
    from ingest.pipeline import read_labels_with_skipped

    read = read_labels_with_skipped(FIXTURES / "smpc-then-leaflet.pdf")
    (rec,) = read.records
    assert rec.section("10").text == "12 May 2023" and rec.version == "2023-05-12"
    assert "leaflet" not in rec.original.lower()
    assert read.skipped == ["package leaflet (page 2)"]


def test_dosing_limits_are_read_from_pdf_labels_too():
    # Dovato 4.2 "Paediatric population": "The safety and efficacy of Dovato in children aged less
    # than 12 years or weighing less than 40 kg have not been established." (the limit readers
    # once ran for text labels only)
    rec = pdf_labels("dovato").records[0]
    ages = [lim for lim in rec.dosing.limits if lim.quantity_kind == "age"]
    assert [(lim.limit.comparator, lim.limit.value, lim.limit.unit) for lim in ages] == [("<", 12.0, "a")]
    assert "children aged less than 12 years" in ages[0].source.quote
    assert ages[0].source.section.startswith("4.2")


def test_a_version_date_that_is_no_date_of_revision_says_what_it_is(pdf_store):
    """Humalog's section 9: "Date of first authorisation: 30th April 1996", "Date of last renewal:
    30th April 2006", and no date of revision: the version date is the renewal, and it says so in
    the graph (smpc:versionBasis) and wherever an answer names the version."""
    from kb.service import KnowledgeBase

    _ingested("humalog", pdf_store + "-humalog")
    kb = KnowledgeBase(pdf_store + "-humalog")
    try:
        ref = kb.labels()[0]
        assert (ref.version_date, ref.version_basis) == ("2006-04-30", "renewal")
        assert "version date 2006-04-30, date of renewal of the authorisation" in ref.naming()["text"]
        rows = kb.sparql("PREFIX smpc: <https://w3id.org/smpc-kb/ontology#> "
                         f"SELECT ?b WHERE {{ GRAPH <{ref.iri}> {{ <{ref.iri}> smpc:versionBasis ?b }} }}").rows
        assert [str(r["b"]) for r in rows] == ["renewal"]
    finally:
        kb.close()


def test_pdf_fact_spans_carry_their_page():
    """Every fact read from a PDF points to its page with smpc:page (the vocabulary's property of a
    text span), not only inside the locator string: Dovato's 4.8 table starts on page 14 of the EPAR."""
    from kb.rdf.base import SMPC
    from kb.rdf.build import build_graph

    record = pdf_labels("dovato").records[0]
    neutropenia = next(e for e in record.adverse_reactions.entries if e.term.lower() == "neutropenia")
    assert neutropenia.source.page == 14 and neutropenia.source.locator.startswith("page 14 ")
    g = build_graph(record)
    spans = set(g.subjects(SMPC.quote, None))
    paged = {s for s in spans if g.value(s, SMPC.page) is not None}
    assert len(paged) == len(spans) > 100
