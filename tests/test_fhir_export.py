"""FHIR out: a stored label version as a FHIR R5 document Bundle (kb export --format fhir,
GET /api/labels/<id>/fhir), validated with fhir.resources (R5 structures) and read back through
the ePI reader."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fhir.resources.bundle import Bundle
from web_fixtures import *  # noqa: F401,F403

from ingest.extract.adverse.data import soc_by_name
from ingest.pipeline import read_label, read_label_bytes

ROOT = Path(__file__).resolve().parent.parent
BLINCYTO = ROOT / "labels" / "blincyto" / "smpc-il.txt"
METHOTREXATE = ROOT / "labels" / "methotrexate-uk" / "smpc-epi.json"
CODES = json.loads((ROOT / "ontology" / "data" / "epi-section-codes.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def original():
    return read_label(BLINCYTO)


@pytest.fixture(scope="module")
def exported(web_kb, label_ref):
    return json.loads(web_kb.export("fhir", label_ref.name))


def _resources(bundle, rtype):
    return [e for e in bundle["entry"] if e["resource"]["resourceType"] == rtype]


def _cuds(bundle, kind):
    return [e["resource"] for e in _resources(bundle, "ClinicalUseDefinition") if e["resource"]["type"] == kind]


def _walk(sections):
    for s in sections:
        yield s
        yield from _walk(s.get("section", []))


def test_export_is_a_valid_r5_document_bundle(exported):
    Bundle.model_validate(exported)  # raises on any structural error (R5 structures)
    assert exported["type"] == "document"
    assert exported["entry"][0]["resource"]["resourceType"] == "Composition"
    assert len({e["fullUrl"] for e in exported["entry"]}) == len(exported["entry"])


def test_the_validator_does_catch_broken_resources(exported):
    broken = json.loads(json.dumps(exported))
    cud = next(e for e in broken["entry"] if e["resource"]["resourceType"] == "ClinicalUseDefinition")
    cud["resource"]["undesirableEffect"] = {"frequency": "often"}
    with pytest.raises(Exception):
        Bundle.model_validate(broken)


def test_one_clinical_use_per_fact_linked_to_the_product(exported, original):
    product_url = next(e["fullUrl"] for e in exported["entry"]
                       if e["resource"]["resourceType"] == "MedicinalProductDefinition")
    mpd = _resources(exported, "MedicinalProductDefinition")[0]["resource"]
    assert mpd["name"][0]["productName"] == original.product.name
    assert mpd["classification"][0]["coding"][0]["code"] == original.product.atc_code
    pairs = [("indication", original.indications), ("contraindication", original.contraindications),
             ("warning", original.warnings), ("undesirable-effect", original.adverse_reactions.entries)]
    for kind, facts in pairs:
        cuds = _cuds(exported, kind)
        assert len(cuds) == len(facts) > 0, kind
        for c in cuds:
            assert c["subject"] == [{"reference": product_url}]
            assert c["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    texts = " ".join(c["text"]["div"] for c in _cuds(exported, "indication"))
    for ind in original.indications:
        assert ind.text.replace("&", "&amp;").replace("<", "&lt;") in texts
    for ci, c in zip(sorted(original.contraindications, key=lambda x: x.text),
                     sorted(_cuds(exported, "contraindication"), key=lambda x: x["text"]["div"])):
        assert ci.condition in c["contraindication"]["diseaseSymptomProcedure"]["concept"]["text"] or \
            ci.text in c["contraindication"]["diseaseSymptomProcedure"]["concept"]["text"]


def test_undesirable_effects_carry_organ_class_and_frequency_codings(exported, original):
    got = {}
    for c in _cuds(exported, "undesirable-effect"):
        ue = c["undesirableEffect"]
        key = ue["symptomConditionEffect"]["concept"]["text"]
        soc = ue["classification"]["coding"][0]
        got.setdefault(key, []).append((soc["system"], soc["code"], ue["frequencyOfOccurrence"]["text"]))
    for e in original.adverse_reactions.entries:
        expected = ("https://www.meddra.org", soc_by_name(e.soc).code, e.frequency)
        assert expected in got[e.term], e.term


def test_each_clinical_use_sits_in_its_source_section(exported, original):
    comp = exported["entry"][0]["resource"]
    where = {}
    for sec in _walk(comp["section"]):
        for ref in sec.get("entry", []):
            where.setdefault(ref["reference"], []).append(sec)
    expected = {"indication": "4.1", "contraindication": "4.3", "warning": "4.4", "undesirable-effect": "4.8"}
    for e in _resources(exported, "ClinicalUseDefinition"):
        found = where[e["fullUrl"]]
        assert len(found) == 1
        number = expected[e["resource"]["type"]]
        sec = found[0]
        # in the coded section itself or in one of its named sub-headings (nested, without a code)
        while sec.get("code", {}).get("coding", [{}])[0].get("code") not in CODES["sections"]:
            sec = next(s for s in _walk(comp["section"]) if any(x is sec for x in s.get("section", [])))
        assert CODES["sections"][sec["code"]["coding"][0]["code"]] == number
        assert sec["title"].startswith(number + " ")


def test_template_subheadings_are_coded(exported, original):
    comp = exported["entry"][0]["resource"]
    by_title = {}
    for top in _walk(comp["section"]):
        for sub in top.get("section", []):
            by_title[(top["title"].split(" ", 1)[0], sub["title"])] = sub
    coded = 0
    for s in original.sections:
        if not s.is_subheading or s.parent != s.number:
            continue
        template = {v["title"].lower(): c for c, v in CODES["subheadings"].items() if v["parent"] == s.number}
        sub = by_title[(s.number, s.title)]
        if s.title.lower() in template:
            assert sub["code"]["coding"][0]["code"] == template[s.title.lower()]
            coded += 1
        elif "code" in sub:
            assert CODES["subheadings"][sub["code"]["coding"][0]["code"]]["parent"] == s.number
    assert coded >= 3


def test_export_reads_back_through_the_epi_reader(exported, original):
    back = read_label_bytes(json.dumps(exported).encode(), "export.json")
    assert back.reader == "fhir-epi-json"
    numbered = [s for s in original.sections if not s.is_subheading]
    assert [s.key for s in back.sections if not s.is_subheading] == [s.key for s in numbered]
    for s in numbered:
        assert [p.text for p in back.section(s.key).paragraphs] == [p.text for p in s.paragraphs if not p.artefact]
    assert sorted(i.text for i in back.indications) == sorted(i.text for i in original.indications)
    assert sorted(c.text for c in back.contraindications) == sorted(c.text for c in original.contraindications)
    assert back.product.name == original.product.name and back.product.atc_code == original.product.atc_code


def test_codes_of_an_epi_survive_the_round_trip(kb):
    result = kb.ingest(METHOTREXATE)
    assert result.stored
    src = json.loads(METHOTREXATE.read_text(encoding="utf-8"))
    res = {e["resource"]["resourceType"]: e["resource"] for e in src["entry"]}
    out = json.loads(kb.export("fhir", result.ref.name))
    Bundle.model_validate(out)
    mpd = _resources(out, "MedicinalProductDefinition")[0]["resource"]
    assert {(i["system"], i["value"]) for i in mpd["identifier"]} == {
        (i["system"], i["value"]) for i in res["MedicinalProductDefinition"]["identifier"]}
    assert mpd["classification"] == [{"coding": [{k: v for k, v in c.items()} for c in
                                                 res["MedicinalProductDefinition"]["classification"][0]["coding"]]}]
    ing = _resources(out, "Ingredient")[0]["resource"]
    sub = res["SubstanceDefinition"]["code"][0]["code"]["coding"][0]
    assert {"system": sub["system"], "code": sub["code"]} in ing["substance"]["code"]["concept"]["coding"]
    back = read_label_bytes(json.dumps(out).encode(), "mtx-export.json")
    assert back.product.atc_code == res["MedicinalProductDefinition"]["classification"][0]["coding"][0]["code"]
    # the adverse-reaction table went out as undesirable effects with their organ classes
    assert len(_cuds(out, "undesirable-effect")) == len(result.record.adverse_reactions.entries)


def test_cli_export_fhir(tmp_path):
    from cli import main

    store = tmp_path / "store"
    r = CliRunner().invoke(main, ["--store", str(store), "ingest", str(BLINCYTO)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "b.json"
    r = CliRunner().invoke(main, ["--store", str(store), "export", "--format", "fhir", "-o", str(out)])
    assert r.exit_code == 0, r.output
    Bundle.model_validate(json.loads(out.read_text(encoding="utf-8")))
    r = CliRunner().invoke(main, ["--store", str(store), "export", "--format", "fhir", "--label", "nosuch"])
    assert r.exit_code == 2 and "nosuch" in r.output


def test_api_fhir_route(client, label_ref, exported):
    r = client.get(f"/api/labels/{label_ref.name}/fhir")
    assert r.status_code == 200 and r.content_type.startswith("application/fhir+json")
    assert r.get_json() == exported
    r = client.get("/api/labels/nosuch/fhir")
    assert r.status_code == 404
    body = r.get_json()
    assert body["ok"] is False and body["status"] == 404 and "nosuch" in body["error"]
