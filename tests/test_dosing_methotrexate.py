"""Prose dosing rules of the bundled methotrexate FHIR ePI label (issue #7): the
numbers in the expectations are the ones printed in its section 4.2."""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import PROV

from ingest.dosing_records import DoseRule
from ingest.pipeline import read_label
from kb.dosing.engine import DoseInputError, DosingService, Rules, compute_dose
from kb.rdf.base import SMPC
from kb.rdf.build import build_graph
from kb.validate.shacl import validate_graph

LABEL = Path(__file__).resolve().parent.parent / "labels" / "methotrexate-uk" / "smpc-epi.json"
RA, PSO, OSTEO, CHILD_ALL, CHORIO = ("rheumatoid-arthritis", "psoriasis", "osteogenic-sarcoma", "leukaemia-in-children",
                                     "choriocarcinoma-and-other-trophoblastic-tumours")


@pytest.fixture(scope="module")
def record():
    return read_label(LABEL)


@pytest.fixture(scope="module")
def graph(record):
    return build_graph(record)


@pytest.fixture(scope="module")
def rules(graph):
    return Rules.from_graph(graph, "methotrexate")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    from kb.service import KnowledgeBase

    k = KnowledgeBase(tmp_path_factory.mktemp("mtx") / "store")
    result = k.ingest(LABEL)
    assert result.stored and result.report.conforms, result.report.text()
    yield DosingService(k)
    k.close()


def by_id(record) -> dict[str, DoseRule]:
    return {r.id: r for r in record.dosing.dose_rules}


def test_weekly_rheumatoid_arthritis_rule(record):
    ra = by_id(record)[RA]
    assert ra.section == "4.2/rheumatoid-arthritis" and ra.title == "Rheumatoid arthritis"
    assert (ra.dose.value, ra.dose.unit, ra.dose_role, ra.basis) == (7.5, "mg", "initial", "fixed")
    assert (ra.interval.value, ra.interval.unit, ra.times_per_interval, ra.schedule) == (1, "wk", 1, "once weekly")
    assert (ra.max_period_dose.value, ra.max_period_dose.unit, ra.max_period_dose.comparator) == (20, "mg/wk", "<=")
    assert ra.age_group == "adult"
    assert "the recommended initial dose is 7.5 mg methotrexate once weekly" in ra.source.quote
    assert ra.max_period_source.quote.endswith("should not exceed a total weekly dose of 20 mg.")
    assert ra.max_period_source.section == "4.2/rheumatoid-arthritis"
    assert (ra.test_dose.low, ra.test_dose.high, ra.test_dose.unit) == (5, 10, "mg")
    assert "one week prior to therapy" in ra.test_dose_source.quote


def test_psoriasis_weekly_range(record):
    p = by_id(record)[PSO]
    assert (p.dose.low, p.dose.high, p.dose.unit, p.dose_role) == (10, 25, "mg", "range")
    assert p.schedule == "once a week" and p.routes == ["oral"]
    assert "10-25 mg orally once a week" in p.source.quote


def test_per_kg_and_per_m2_rules_as_printed(record):
    rules = by_id(record)
    osteo = rules[OSTEO]
    assert (osteo.basis, osteo.dose.low, osteo.dose.high, osteo.dose.unit) == ("weight", 20, 300, "mg/kg")
    assert (osteo.approx_dose.low, osteo.approx_dose.high, osteo.approx_dose.unit) == (600, 9000, "mg/m2")
    assert osteo.routes == ["intravenous"] and "20-300 mg/kg" in osteo.source.quote
    child = rules[CHILD_ALL]
    assert (child.basis, child.dose.value, child.dose.unit, child.schedule) == ("bsa", 15, "mg/m2", "once weekly")
    assert child.routes == ["oral", "parenteral"] and child.age_group == "pediatric"
    chorio = rules[CHORIO]
    assert (chorio.dose.low, chorio.dose.high, chorio.dose.unit) == (0.25, 1, "mg/kg")
    assert (chorio.max_dose.value, chorio.max_dose.unit) == (60, "mg")
    assert (chorio.interval.value, chorio.interval.unit, chorio.administrations) == (48, "h", 4)
    assert (chorio.course_interval.value, chorio.course_interval.unit) == (7, "d")
    assert (chorio.courses.value, chorio.courses.comparator) == (4, ">=")
    assert chorio.routes == ["intramuscular"]
    burkitt = next(r for r in rules.values() if r.section == "4.2/lymphoma" and r.basis == "bsa")
    assert (burkitt.dose.value, burkitt.schedule, burkitt.duration.value, burkitt.duration.unit) == (15, "daily", 5, "d")
    bladder = rules["bladder-carcinoma"]
    assert bladder.dose is None and bladder.max_dose.value == 100
    assert (bladder.interval.low, bladder.interval.high, bladder.interval.unit) == (1, 2, "wk")
    head_neck = rules["head-and-neck-cancer"]
    assert (head_neck.dose.low, head_neck.dose.high) == (240, 1080)  # printed "240-1,080"


def test_statements_that_are_not_rules(record):
    rules = record.dosing.dose_rules
    # the product strength in the dosage warning box, the "of the order of" doses and "greater than 100 mg"
    assert all(r.section != "4.2/important-warning-about-the-dosage-of-methotrexate-2-5-mg-ta" for r in rules)
    assert all(r.section != "4.2/adults-and-children" for r in rules)
    assert [r.id for r in rules if r.section == "4.2/meningeal-leukaemia-in-children"] == ["meningeal-leukaemia-in-children"]


def test_rules_in_graph_linked_to_their_section_and_valid(record, graph):
    rules = list(graph.objects(None, SMPC.hasDoseRule))
    assert len(rules) == len(record.dosing.dose_rules) >= 10
    ra = next(n for n in rules if str(n).endswith("/dose-rules/" + RA))
    assert graph.value(ra, SMPC.ruleSection) == URIRef(f"{graph.identifier}/section/4.2/{RA}")
    assert graph.value(ra, PROV.wasDerivedFrom) is not None
    report = validate_graph(graph)
    assert report.conforms, report.text()


def test_shape_catches_a_rule_without_section(graph):
    g = build_graph(read_label(LABEL))
    node = next(n for n in g.objects(None, SMPC.hasDoseRule) if str(n).endswith(RA))
    g.remove((node, SMPC.ruleSection, None))
    report = validate_graph(g)
    assert any("not linked to the section" in v.message for v in report.violations)


def test_rules_read_back_from_the_graph(record, rules):
    back = {r.id: r for r in rules.record.dose_rules}
    for rule in record.dosing.dose_rules:
        got = back[rule.id]
        assert (got.dose, got.max_dose, got.max_period_dose, got.interval, got.routes) == \
            (rule.dose, rule.max_dose, rule.max_period_dose, rule.interval, rule.routes)
        assert got.source.quote == rule.source.quote


def test_ra_dose_initial_and_weekly_maximum(rules):
    a = compute_dose(rules, {"indication": RA, "age_years": 50})
    assert a["dose"] == {"value": 7.5, "unit": "mg"} and a["initial_dose"] == a["dose"]
    assert a["max_period_dose"] == {"value": 20.0, "unit": "mg", "per": "wk"} and a["capped"] is False
    assert a["schedule"]["text"] == "once weekly" and a["schedule"]["interval"] == {"value": 1.0, "unit": "wk"}
    fields = {s["field"]: s for s in a["sources"]}
    assert fields["dose"]["section"] == fields["max_period_dose"]["section"] == "4.2/rheumatoid-arthritis"
    assert "total weekly dose of 20 mg" in fields["max_period_dose"]["quote"]
    with pytest.raises(DoseInputError) as e:
        compute_dose(rules, {"indication": RA, "age_years": 10})
    assert e.value.field == "age_years"


def test_range_is_not_collapsed_to_one_value(rules):
    a = compute_dose(rules, {"indication": PSO})
    assert a["dose"] is None and a["dose_range"] == {"low": 10.0, "high": 25.0, "unit": "mg"}
    c = compute_dose(rules, {"indication": CHORIO, "weight_kg": 70})
    # 0.25-1 mg/kg x 70 kg = 17.5-70 mg, "up to a maximum of 60 mg"
    assert c["dose_range"] == {"low": 17.5, "high": 60.0, "unit": "mg"} and c["capped"] is True
    assert c["schedule"]["administrations"] == 4 and c["schedule"]["course_interval"] == {"value": 7.0, "unit": "d"}


def test_service_mg_m2_dose_and_listing(service):
    a = service.dose({"label": "methotrexate", "indication": CHILD_ALL, "bsa_m2": 0.8, "age_years": 7})
    assert a["dose"] == {"value": 12.0, "unit": "mg"} and a["basis"] == "bsa" and a["bsa_m2"] == 0.8  # 15 mg/m2 x 0.8
    assert a["schedule"]["text"] == "once weekly"
    assert a["sources"][0]["section"] == "4.2/leukaemia-in-children" and "15 mg/m" in a["sources"][0]["quote"]
    rows = {r["id"]: r for r in service.indications("methotrexate")}
    assert {RA, PSO, OSTEO, CHILD_ALL, CHORIO} <= set(rows)
    assert rows[RA]["kind"] == "dose-rule" and rows[OSTEO]["basis"] == "weight"


def test_bad_input_names_the_field(service, rules):
    with pytest.raises(DoseInputError) as e:
        service.dose({"label": "methotrexate", "indication": OSTEO})
    assert e.value.field == "weight_kg" and "per kg" in e.value.message
    with pytest.raises(DoseInputError) as e:
        compute_dose(rules, {"indication": CHILD_ALL})
    assert e.value.field == "bsa_m2"
    with pytest.raises(DoseInputError) as e:
        compute_dose(rules, {"indication": OSTEO, "weight_kg": "heavy"})
    assert e.value.field == "weight_kg"
    with pytest.raises(DoseInputError) as e:
        compute_dose(rules, {"indication": "no-such-rule"})
    assert e.value.field == "indication" and RA in e.value.message


def test_cli_dose_for_a_rule(tmp_path):
    from click.testing import CliRunner

    from cli import main

    store = str(tmp_path / "store")
    run = CliRunner().invoke
    assert run(main, ["--store", store, "ingest", str(LABEL)]).exit_code == 0
    res = run(main, ["--store", store, "dose", "--label", "methotrexate", "--indication", RA])
    assert res.exit_code == 0, res.output
    assert "dose 7.5 mg (initial), once weekly" in res.output and "20 mg" in res.output
    bad = run(main, ["--store", store, "dose", "--label", "methotrexate", "--indication", OSTEO])
    assert bad.exit_code == 2 and "weight_kg" in bad.output
    # 4.2: "courses of 15 mg/m2 daily orally for five days": the course length is part of the dose
    # (daily methotrexate without an end is a known fatal error), and the quote is printed whole
    lym = run(main, ["--store", store, "dose", "--label", "methotrexate", "--indication", "lymphoma-2", "--bsa-m2", "1.2"])
    assert lym.exit_code == 0, lym.output
    assert "dose 18 mg, orally daily for 5 days" in lym.output
    assert "daily orally for five days, have shown prolonged remissions.\"" in lym.output
