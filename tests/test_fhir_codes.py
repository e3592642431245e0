"""FHIR ePI in by its codes: sections by ePI section code first and title second, the Bundle's
coded resources as product facts, the document rules (document Bundle, Composition first, not
entered-in-error, XHTML narrative) and active content dropped, never indexed."""
from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest

from ingest.errors import NotAnSmPC, UnreadableInput
from ingest.pipeline import read_label, read_label_bytes
from ingest.readers.fhir.epi import read_bundle
from ingest.scheme import scheme, title_matches

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
LABEL = ROOT / "labels" / "methotrexate-uk" / "smpc-epi.json"
CODES = json.loads((ROOT / "ontology" / "data" / "epi-section-codes.json").read_text(encoding="utf-8"))


def _module(name: str, file: str):
    spec = importlib.util.spec_from_file_location(name, FIX / file)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


MAKE = _module("epi_fixtures_make", "epi_fixtures.make.py")
TO_XML = _module("epi_json_to_xml", "epi_json_to_xml.py")


def _walk(sections):
    for s in sections:
        yield s
        yield from _walk(s.get("section", []))


def test_fixtures_are_what_the_script_writes():
    for name, bundle in MAKE.fixtures().items():
        assert (FIX / name).read_text(encoding="utf-8") == MAKE.render(bundle), f"{name} is stale: run the script"


# ---------------------------------------------------------------- German, codes only decide


@pytest.fixture(scope="module")
def german():
    return read_label(FIX / "epi-german.json")


def test_german_sections_are_found_by_their_codes(german):
    bundle = json.loads((FIX / "epi-german.json").read_text(encoding="utf-8"))
    coded = [(s["code"]["coding"][0]["code"], s["title"]) for s in _walk(bundle["entry"][0]["resource"]["section"])]
    for code, title in coded:
        number = CODES["sections"][code]
        sec = german.section(number)
        assert sec is not None, f"section {number} ({title}) not read"
        assert sec.title == title  # the German title is kept
    # by titles alone the reader refuses a document with fewer than 3 fitting titles
    assert sum(title_matches(CODES["sections"][c], t) for c, t in coded) < 3
    assert [s.key for s in german.sections if not s.is_subheading] == [CODES["sections"][c] for c, _ in coded]


def test_german_text_is_read_with_provenance(german):
    bundle = json.loads((FIX / "epi-german.json").read_text(encoding="utf-8"))
    indications = next(s for s in _walk(bundle["entry"][0]["resource"]["section"])
                       if s["code"]["coding"][0]["code"] == "200000029799")
    sec = german.section("4.1")
    assert len(sec.paragraphs) == indications["text"]["div"].count("<p>")
    for p in sec.paragraphs:
        assert p.text in indications["text"]["div"]
        assert german.original[p.source.char_start : p.source.char_end] == p.text
    assert "Psoriasis" in sec.text


def test_german_product_facts_come_from_the_coded_resources(german):
    bundle = json.loads((FIX / "epi-german.json").read_text(encoding="utf-8"))
    res = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
    atc = res["MedicinalProductDefinition"]["classification"][0]["coding"][0]
    prod = german.product
    # the German text has no "ATC code:" line: the code comes from the MedicinalProductDefinition
    assert "ATC" not in german.section("5.1").text
    assert prod.atc_code == atc["code"]
    assert prod.atc_source.locator.startswith("Bundle.entry[")
    assert german.original[prod.atc_source.char_start : prod.atc_source.char_end] == atc["code"]
    substance = res["SubstanceDefinition"]
    by_role = {}
    for c in prod.codings:
        by_role.setdefault(c.role, []).append(c)
        assert german.original[c.source.char_start : c.source.char_end] == (c.code or c.display)
    assert substance["code"][0]["code"]["coding"][0]["code"] in {c.code for c in by_role["active-substance"]}
    assert prod.active_substance is not None  # from section 2 or the substance resource
    holder = res["Organization"]
    assert {c.display for c in by_role["licence-holder"]} == {holder["name"]}
    numbers = {i["value"] for i in res["RegulatedAuthorization"]["identifier"]}
    assert {c.code for c in by_role["authorisation"]} == numbers
    assert {c.code for c in by_role["product-identifier"]} == {
        i["value"] for i in res["MedicinalProductDefinition"]["identifier"]}


def test_german_bundle_as_xml_reads_the_same(german):
    xml = TO_XML.convert((FIX / "epi-german.json").read_text(encoding="utf-8")).encode()
    rec = read_label_bytes(xml, "german.xml")
    assert [(s.key, s.title) for s in rec.sections] == [(s.key, s.title) for s in german.sections]
    assert [(c.role, c.system, c.code, c.display) for c in rec.product.codings] == [
        (c.role, c.system, c.code, c.display) for c in german.product.codings]
    for c in rec.product.codings:
        assert rec.original[c.source.char_start : c.source.char_end] == (c.code or c.display)


def test_german_label_is_stored_and_its_codes_are_queryable(kb):
    result = kb.ingest(FIX / "epi-german.json")
    assert result.stored, result.report.text()
    bundle = json.loads((FIX / "epi-german.json").read_text(encoding="utf-8"))
    atc = next(e["resource"] for e in bundle["entry"]
               if e["resource"]["resourceType"] == "MedicinalProductDefinition")["classification"][0]["coding"][0]
    rows = kb.sparql("""PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?code ?system ?loc WHERE { GRAPH ?g { ?p smpc:hasCoding ?c . ?c smpc:codingRole "atc" ;
        smpc:code ?code ; smpc:codeSystem ?system ; prov:wasDerivedFrom/smpc:locator ?loc } }""")
    text = rows if isinstance(rows, str) else json.dumps(rows, default=str)
    assert atc["code"] in text and atc["system"] in text and "classification" in text


# ---------------------------------------------------------------- codes and no titles


def test_codes_without_titles_read_like_the_titled_label():
    bundle = json.loads(LABEL.read_text(encoding="utf-8"))
    for s in _walk(bundle["entry"][0]["resource"]["section"]):
        s.pop("title", None)
    untitled = read_bundle(json.dumps(bundle).encode(), "untitled.json", "fhir-epi-json")
    titled = read_bundle(LABEL.read_bytes(), str(LABEL), "fhir-epi-json")
    known = {CODES["sections"].get(s["code"]["coding"][0]["code"])
             for s in _walk(json.loads(LABEL.read_text())["entry"][0]["resource"]["section"])} - {None}
    assert len(known) >= 25
    for number in known:
        a, b = untitled.section(number), titled.section(number)
        assert a is not None and b is not None, number
        assert a.title == scheme()[number].titles[0]  # the template's title stands in
        assert [p.text for p in a.paragraphs] == [p.text for p in b.paragraphs]
    # the one section whose code the bundle does not give ("code not found") cannot be placed
    lost = [i for i in untitled.issues if i.rule == "fhir-unknown-section"]
    assert len(lost) == 1 and "Composition.section[8]" in lost[0].message


def test_a_coded_subheading_becomes_a_named_subheading():
    bundle = json.loads((FIX / "epi-script.json").read_text(encoding="utf-8"))
    posology = bundle["entry"][0]["resource"]["section"][3]["section"][1]
    posology["section"] = [{"code": {"coding": [{"code": "200000029803"}]},
                            "text": {"status": "additional",
                                     "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p>Swallow whole.</p></div>'}}]
    rec = read_bundle(json.dumps(bundle).encode(), "sub.json", "fhir-epi-json")
    title = CODES["subheadings"]["200000029803"]["title"]
    sub = next(s for s in rec.sections if s.is_subheading and s.title == title)
    assert sub.parent == "4.2" and [p.text for p in sub.paragraphs] == ["Swallow whole."]
    assert not [i for i in rec.issues if i.rule == "fhir-unknown-section"]


# ---------------------------------------------------------------- active content


def test_script_style_and_handlers_are_dropped_and_never_indexed(kb):
    rec = read_label(FIX / "epi-script.json")
    text = rec.section("4.1").text
    assert "indicated for the treatment of condition A" in text
    for hidden in ("cures everything", "document.write", "color", "hidden stylesheet", "steal"):
        assert hidden not in text
        assert all(hidden not in p.text for s in rec.sections for p in s.paragraphs)
    dropped = [i.message for i in rec.issues if i.rule == "xhtml-active-content-dropped"]
    assert len(dropped) == 3
    assert any("<script>" in m for m in dropped) and any("<style>" in m for m in dropped)
    assert any("onclick" in m for m in dropped)
    result = kb.ingest(FIX / "epi-script.json")
    assert result.stored
    nt = kb.export("nq").decode()  # the search index reads only the graph
    assert "cures everything" not in nt and "hidden stylesheet" not in nt and "steal()" not in nt


# ---------------------------------------------------------------- refusals


REFUSALS = [
    ("epi-collection.json", NotAnSmPC, "Bundle.type is 'collection', not 'document'"),
    ("epi-composition-second.json", NotAnSmPC, "the Composition is Bundle.entry[1], not the first entry"),
    ("epi-entered-in-error.json", NotAnSmPC, "Composition.status is 'entered-in-error'"),
    ("epi-div-no-namespace.json", UnreadableInput, "Composition.section[0].text.div is not XHTML"),
]


@pytest.mark.parametrize("name,err,words", REFUSALS)
@pytest.mark.parametrize("fmt", ["fhir-epi-json", "fhir-epi-xml"])
def test_document_defects_are_refused_in_one_line(name, err, words, fmt):
    text = (FIX / name).read_text(encoding="utf-8")
    data = text.encode() if fmt == "fhir-epi-json" else TO_XML.convert(text).encode()
    if fmt == "fhir-epi-xml" and "namespace" in name:
        data = data.replace(b'<div xmlns="http://www.w3.org/1999/xhtml">', b"<div>")
        data = data.replace(b"<div><p>Examplol 10 mg", b'<div xmlns="urn:not-xhtml"><p>Examplol 10 mg')
    with pytest.raises(err) as e:
        read_bundle(data, name, fmt)
    msg = str(e.value)
    assert words in msg and msg.startswith(name) and "\n" not in msg


def test_refused_files_change_nothing_in_the_store(kb):
    before = kb.labels()
    for name, _, words in REFUSALS:
        with pytest.raises((NotAnSmPC, UnreadableInput)):
            kb.ingest(FIX / name)
    assert kb.labels() == before


def test_a_bare_composition_is_not_a_document():
    bundle = json.loads((FIX / "epi-script.json").read_text(encoding="utf-8"))
    comp = copy.deepcopy(bundle["entry"][0]["resource"])
    with pytest.raises(NotAnSmPC) as e:
        read_bundle(json.dumps(comp).encode(), "comp.json", "fhir-epi-json")
    assert "not a document Bundle" in str(e.value)


def test_leaflet_by_document_type_code_is_refused():
    bundle = json.loads((FIX / "epi-script.json").read_text(encoding="utf-8"))
    bundle["entry"][0]["resource"]["type"] = {"coding": [{"system": "https://spor.ema.europa.eu/v1/lists/100000155531",
                                                          "code": "100000155538"}]}
    with pytest.raises(NotAnSmPC) as e:
        read_bundle(json.dumps(bundle).encode(), "pl.json", "fhir-epi-json")
    assert "package leaflet" in str(e.value)


@pytest.mark.parametrize("mutate", [
    lambda r: r.update(identifier="PL 1"),
    lambda r: r.update(identifier=[{"system": 5, "value": None}]),
    lambda r: r.update(classification={"coding": "L04AX03"}),
    lambda r: r.update(name=[None, 3, {"productName": ["x"]}]),
    lambda r: r.update(code=[{"code": {"coding": [None, {"code": 7}]}}]),
    lambda r: r.update(holder={"reference": 12}),
    lambda r: r.update(role="Active", substance={"code": {"reference": "x"}}),
    lambda r: r.clear() or r.update(resourceType="Organization"),
])
def test_odd_coded_resources_never_break_the_reader(mutate):
    bundle = json.loads(LABEL.read_text(encoding="utf-8"))
    for e in bundle["entry"][1:]:
        mutate(e["resource"])
    rec = read_label_bytes(json.dumps(bundle).encode(), "odd.json")
    assert rec.section("4.3") is not None
    for c in rec.product.codings:
        assert rec.original[c.source.char_start : c.source.char_end] == (c.code or c.display)
