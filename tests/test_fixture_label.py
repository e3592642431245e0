"""A second, fictional label (another product, other numbers, single-spaced, sections
4.9 and 5.3 missing) proves nothing in the pipeline is shaped around one document."""
from __future__ import annotations


def test_sections_and_identity(zentavir_record):
    r = zentavir_record
    assert r.label_id == "zentavir" and r.version == "2025-03"
    assert r.section("4.9") is None and r.section("5.3") is None
    assert [s.title for s in r.sections if s.parent == "4.4"] == [
        "Hepatotoxicity", "QT interval prolongation", "Interstitial lung disease"]


def test_product_and_excipients(zentavir_record):
    p = zentavir_record.product
    assert (p.name, p.strength.value, p.strength.unit, p.active_substance, p.atc_code) == (
        "Zentavir", 20, "mg", "zentavirine", "L01EX99")
    assert p.licence_holder == "Fictional Pharma Ltd" and p.licence_number == "PL 99999/0001"
    assert [(e.component, e.name) for e in p.excipients] == [
        ("Tablet core", "Lactose monohydrate"), ("Tablet core", "Microcrystalline cellulose"),
        ("Tablet core", "Magnesium stearate"), ("Film-coat", "Hypromellose"), ("Film-coat", "Iron oxide yellow (E172)")]


def test_indications_contraindications_warnings(zentavir_record):
    inds = {i.id: i.population for i in zentavir_record.indications}
    assert inds["adult-metastatic"].markers == {"EGFR": "positive"}
    assert inds["adult-metastatic"].disease == "non-small cell lung cancer"
    assert inds["adult-metastatic"].prior_therapy[0].min_count == 1
    ped = inds["pediatric-relapsed"]
    assert ped.min_age.value == 12 and ped.therapy_role == ["combination"] and ped.disease == "neuroblastoma"
    assert [c.condition for c in zentavir_record.contraindications][1] == "Pregnancy"
    ws = {w.title: w for w in zentavir_record.warnings}
    assert [a for a, _ in ws["QT interval prolongation"].at_risk] == ["Patients with congenital long QT syndrome"]
    assert ws["Hepatotoxicity"].cross_refs == ["4.8"]


def test_statements_use_this_labels_numbers(zentavir_record):
    by = {}
    for s in zentavir_record.statements:
        by.setdefault(s.kind, []).append(s)
    c = by["contraception-duration"][0].quantities["duration"]
    assert (c.value, c.unit) == (3, "wk")
    lac = by["lactation-avoidance"][0].quantities["duration"]
    assert (lac.value, lac.unit) == (5, "d")
    assert by["driving-influence"][0].attributes["level"] == "minor"
    assert by["shelf-life"][0].quantities["duration"].value == 3
    t = by["storage-condition"][0].quantities["temperature"]
    assert (t.high, t.unit, t.comparator) == (25, "Cel", "<")


def test_fixture_graph_conforms(zentavir_record):
    from kb.rdf.build import build_graph
    from kb.validate.shacl import validate_graph

    report = validate_graph(build_graph(zentavir_record))
    assert report.conforms, report.text()


def test_inline_adverse_reactions(zentavir_record):
    got = {(e.term, e.soc, e.frequency) for e in zentavir_record.adverse_reactions.entries}
    assert ("headache", "Nervous system disorders", "very common") in {(t.lower(), s, f) for t, s, f in got}
    assert len(got) == 4
