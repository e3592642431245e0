"""A fictional label dosed in mg/kg proves the engine is not shaped by the bundled label."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from ingest.readers.text.reader import read_text_file
from ingest.records import Indication, Population
from kb.dosing.engine import DoseInputError, Rules, compute_dose
from kb.dosing.plan import regimen_plan

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "mgkg-zentoril.txt"


@lru_cache(maxsize=1)
def rules() -> Rules:
    from ingest.extract.posology import dosing as posology
    from kb.rdf import dosing as rdf_dosing
    from kb.rdf.base import GraphBuilder

    rec = read_text_file(FIXTURE)
    paras = [p for p in rec.section("4.1").paragraphs if not p.artefact]
    rec.indications = [
        Indication("adult-lymphoma", paras[0].text, Population(age_group="adult"), paras[0].source),
        Indication("child-sarcoma", paras[1].text, Population(age_group="pediatric"), paras[1].source),
    ]
    posology.extract(rec)
    b = GraphBuilder("zentoril", "1")
    rdf_dosing.add(b, rec)
    return Rules.from_graph(b.g, "zentoril")


def test_regimens_linked_to_indications_by_wording():
    r = rules()
    assert r.by_indication["adult-lymphoma"][0].title == "Refractory fictional lymphoma"
    assert r.by_indication["child-sarcoma"][0].title == "Relapsed fictional sarcoma"
    reg = r.by_indication["adult-lymphoma"][0]
    assert (reg.max_cycles, reg.cycle_days, reg.infusion_days, reg.treatment_free_days) == (3, 21, 14, 7)


def test_mg_per_kg_dose_and_cap():
    base = {"indication": "adult-lymphoma", "age_years": 50, "weight_kg": 60}
    a = compute_dose(rules(), {**base, "cycle": 1, "day": 3})
    assert a["basis"] == "weight" and a["dose"] == {"value": 120.0, "unit": "mg/d"}
    b = compute_dose(rules(), {**base, "weight_kg": 90, "cycle": 2, "day": 14})
    assert b["dose"]["value"] == 240 and b["capped"] is True  # 3 x 90 = 270 -> not to exceed 240
    assert compute_dose(rules(), {**base, "cycle": 1, "day": 15})["phase"] == "treatment-free"
    assert [m["drug"] for m in compute_dose(rules(), {**base, "cycle": 2, "day": 1})["premedication"]] == ["paracetamol"]
    assert compute_dose(rules(), {**base, "cycle": 1, "day": 2})["hospitalization"]["recommended"] is True


def test_child_regimen_and_limits():
    a = compute_dose(rules(), {"indication": "child-sarcoma", "age_years": 6, "weight_kg": 20, "cycle": 2, "day": 10})
    assert a["dose"]["value"] == 30  # 1.5 mg/kg/day x 20 kg
    with pytest.raises(DoseInputError) as exc:
        compute_dose(rules(), {"indication": "child-sarcoma", "age_years": 1.5, "weight_kg": 10, "cycle": 1, "day": 1})
    assert "not yet been established" in exc.value.message
    with pytest.raises(DoseInputError):
        compute_dose(rules(), {"indication": "child-sarcoma", "age_years": 6, "weight_kg": 20, "cycle": 3, "day": 1})
    plan = regimen_plan(rules(), {"indication": "child-sarcoma", "age_years": 6, "weight_kg": 20})
    assert len(plan["days"]) == 28 and sum(1 for d in plan["days"] if d["dose"]) == 20
