"""Bad FHIR input: clear errors naming the file (and line or element), never a crash."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ingest.errors import NotAnSmPC, UnreadableInput
from ingest.readers.fhir.epi import read_bundle

FIX = Path(__file__).resolve().parent / "fixtures"
LABEL = Path(__file__).resolve().parent.parent / "labels" / "methotrexate-uk" / "smpc-epi.json"


def read(name: str, fmt: str):
    p = FIX / name
    return read_bundle(p.read_bytes(), str(p), fmt)


def test_bundle_without_composition():
    with pytest.raises(NotAnSmPC) as e:
        read("epi-no-composition.json", "fhir-epi-json")
    msg = str(e.value)
    assert "epi-no-composition.json" in msg and "no Composition" in msg
    assert "MedicinalProductDefinition" in msg and "Organization" in msg


def test_package_leaflet_by_type():
    with pytest.raises(NotAnSmPC) as e:
        read("epi-package-leaflet.json", "fhir-epi-json")
    assert "package leaflet" in str(e.value).lower() and "epi-package-leaflet.json" in str(e.value)


def test_leaflet_without_a_telling_type_is_refused_by_its_layout():
    with pytest.raises(NotAnSmPC) as e:
        read("epi-leaflet-untyped.json", "fhir-epi-json")
    assert "SmPC layout" in str(e.value)


def test_malformed_json_names_the_line():
    with pytest.raises(UnreadableInput) as e:
        read("epi-malformed.json", "fhir-epi-json")
    assert e.value.line == 6 and "malformed JSON" in str(e.value)
    assert str(e.value).startswith(str(FIX / "epi-malformed.json") + ":6")


def test_malformed_xml_names_the_line():
    with pytest.raises(UnreadableInput) as e:
        read("epi-malformed.xml", "fhir-epi-xml")
    assert e.value.line == 10 and "mismatched tag" in str(e.value)


def test_doctype_and_entities_refused_before_parsing():
    t0 = time.perf_counter()
    with pytest.raises(UnreadableInput) as e:
        read("epi-entity-expansion.xml", "fhir-epi-xml")
    assert time.perf_counter() - t0 < 1
    assert "DOCTYPE" in str(e.value) and e.value.line == 2


def test_doctype_inside_a_json_div_refused(tmp_path):
    bundle = json.loads(LABEL.read_text(encoding="utf-8"))
    sec = bundle["entry"][0]["resource"]["section"][0]
    sec["text"]["div"] = '<!DOCTYPE div [<!ENTITY x "y">]><div xmlns="http://www.w3.org/1999/xhtml"><p>&x;</p></div>'
    with pytest.raises(UnreadableInput) as e:
        read_bundle(json.dumps(bundle, indent=2).encode(), "evil.json", "fhir-epi-json")
    assert "DOCTYPE" in str(e.value) and "evil.json" in str(e.value)


def test_malformed_xhtml_in_a_json_section_names_the_element_and_line():
    with pytest.raises(UnreadableInput) as e:
        read("epi-bad-xhtml.json", "fhir-epi-json")
    msg = str(e.value)
    assert "Composition.section[1].text.div" in msg and "mismatched tag" in msg
    assert e.value.line == 12  # the line of that div in the bundle


@pytest.mark.parametrize("data,fmt,err,words", [
    (b"", "fhir-epi-json", UnreadableInput, "empty"),
    (b'{"resourceType": "Patient", "id": "p"}', "fhir-epi-json", NotAnSmPC, "Patient"),
    (b"[1, 2]", "fhir-epi-json", NotAnSmPC, "not a FHIR resource"),
    (b'{"resourceType": "Bundle"}', "fhir-epi-json", NotAnSmPC, "no Composition"),
    (b"<html><body>hi</body></html>", "fhir-epi-xml", NotAnSmPC, "FHIR namespace"),
    (b'<Bundle xmlns="http://hl7.org/fhir"/>', "fhir-epi-xml", NotAnSmPC, "no Composition"),
    (b'{"resourceType": "Bundle", "x": "\xff"}', "fhir-epi-json", UnreadableInput, "UTF-8"),
])
def test_other_bad_inputs(data, fmt, err, words):
    with pytest.raises(err) as e:
        read_bundle(data, "in.dat", fmt)
    assert words in str(e.value) and "in.dat" in str(e.value)


def test_missing_required_section_is_named(tmp_path):
    bundle = json.loads(LABEL.read_text(encoding="utf-8"))
    clinical = bundle["entry"][0]["resource"]["section"][3]
    clinical["section"] = [s for s in clinical["section"] if not s["title"].startswith("4.3")]
    from ingest.errors import MissingSection

    with pytest.raises(MissingSection) as e:
        read_bundle(json.dumps(bundle).encode(), "no-43.json", "fhir-epi-json")
    assert "4.3" in str(e.value) and "Contraindications" in str(e.value)
