"""The six competency questions, each one SPARQL file in docs/queries, answered from the store."""
from __future__ import annotations

from pathlib import Path

import pytest

QUERIES = Path(__file__).resolve().parent.parent / "docs" / "queries"


def run(kb, name):
    text = (QUERIES / name).read_text(encoding="utf-8")
    result = kb.sparql(text)
    return [{k: (str(v) if v is not None else None) for k, v in row.items()} for row in result.rows]


def blincyto(rows):
    return [r for r in rows if r["label"] == "blincyto"]


def test_cq1_indications_for_a_five_year_old(kb_session):
    rows = run(kb_session, "cq1-indications-for-patient.rq")
    assert [r["indication"] for r in rows] == ["pediatric-relapsed-refractory"]
    assert "at least two prior therapies" in rows[0]["text"]


def test_cq2_contraindications_and_sections(kb_session):
    rows = blincyto(run(kb_session, "cq2-contraindications-and-sections.rq"))
    got = {r["contraindication"]: set(r["sections"].split(", ")) for r in rows}
    assert got["Breast-feeding"] == {"4.3", "4.6/breast-feeding"}
    hyper = next(k for k in got if k.startswith("Hypersensitivity"))
    assert "4.3" in got[hyper]
    assert len(got) == 2


def test_cq3_seizure_warnings_and_monitoring(kb_session):
    rows = blincyto(run(kb_session, "cq3-seizure-warnings-monitoring.rq"))
    assert {r["warning"] for r in rows} == {"Neurologic events including ICANS"}
    assert any("neurological examination" in (r["monitoring"] or "") for r in rows)


def test_cq4_contraception_and_breastfeeding(kb_session):
    rows = run(kb_session, "cq4-contraception-and-breastfeeding-duration.rq")
    got = {(r["label"], r["kind"]): (float(r["duration"]), r["unit"]) for r in rows}
    assert got[("blincyto", "contraception-duration")] == (48.0, "h")
    assert got[("blincyto", "lactation-avoidance")] == (48.0, "h")
    assert got[("zentavir", "contraception-duration")] == (3.0, "wk")
    assert got[("zentavir", "lactation-avoidance")] == (5.0, "d")


def test_cq5_prepared_infusion_bag(kb_session):
    rows = blincyto(run(kb_session, "cq5-prepared-infusion-bag-storage.rq"))
    got = {(float(r["duration"]), r["durationUnit"], float(r["minTemp"]), float(r["maxTemp"]), r["basis"]) for r in rows}
    assert (10.0, "d", 2.0, 8.0, None) in got
    assert (96.0, "h", 23.0, 27.0, None) in got
    assert (24.0, "h", 2.0, 8.0, "microbiological") in got


def test_cq6_section_4_4_cross_references(kb_session):
    rows = blincyto(run(kb_session, "cq6-section-4.4-cross-references.rq"))
    assert [r["section"] for r in rows] == ["4.2", "4.6", "4.8"]


@pytest.mark.parametrize("name", sorted(p.name for p in QUERIES.glob("cq*.rq")))
def test_every_competency_query_is_read_only_and_valid(name):
    from kb.sparql.safety import check_query

    check_query((QUERIES / name).read_text(encoding="utf-8"))
