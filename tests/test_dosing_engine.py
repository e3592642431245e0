"""The dose calculator against the numbers printed in the bundled label (tables 1, 2, 13, 14, MRD regimen)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from kb.dosing.engine import DoseInputError, Rules, compute_dose
from kb.dosing.plan import dose_modification, regimen_plan

LABEL = Path(__file__).resolve().parent.parent / "labels" / "blincyto" / "smpc-il.txt"
ADULT_RR, PED_RR, MRD, PED_HR = (
    "adult-relapsed-refractory", "pediatric-relapsed-refractory", "adult-mrd-positive", "pediatric-high-risk-first-relapse")


@lru_cache(maxsize=1)
def rules() -> Rules:
    from ingest.pipeline import read_label
    from kb.rdf.build import build_graph

    return Rules.from_graph(build_graph(read_label(LABEL)), "blincyto")


def dose(**kw):
    base = {"age_years": 40, "weight_kg": 70}
    base.update(kw)
    return compute_dose(rules(), base)


# Table 13 (>= 45 kg): duration, dose mcg/day, rate mL/h, volume mL, vials
TABLE_13 = """24 9 10 0.83 1|24 28 10 2.6 1|48 9 5 1.7 1|48 28 5 5.2 2|72 9 3.3 2.5 1|72 28 3.3 8 3|96 9 2.5 3.3 2|96 28 2.5 10.7 4"""
# Table 14 (< 45 kg): per block "duration dose rate": 12 rows of volume/vials for BSA 1.5-1.59 down to 0.4-0.49
TABLE_14 = {
    (24, 5, 10): "0.7 1,0.66 1,0.61 1,0.56 1,0.52 1,0.47 1,0.43 1,0.38 1,0.33 1,0.29 1,0.24 1,0.2 1",
    (24, 15, 10): "2.1 1,2 1,1.8 1,1.7 1,1.6 1,1.4 1,1.3 1,1.1 1,1 1,0.86 1,0.72 1,0.59 1",
    (48, 5, 5): "1.4 1,1.3 1,1.2 1,1.1 1,1 1,0.94 1,0.85 1,0.76 1,0.67 1,0.57 1,0.48 1,0.39 1",
    (48, 15, 5): "4.2 2,3.9 2,3.7 2,3.4 2,3.1 2,2.8 1,2.6 1,2.3 1,2 1,1.7 1,1.4 1,1.2 1",
    (72, 5, 3.3): "2.1 1,2 1,1.8 1,1.7 1,1.6 1,1.4 1,1.3 1,1.1 1,1 1,0.86 1,0.72 1,0.59 1",
    (72, 15, 3.3): "6.3 3,5.9 3,5.5 2,5.1 2,4.7 2,4.2 2,3.8 2,3.4 2,3 2,2.6 1,2.2 1,1.8 1",
    (96, 5, 2.5): "2.8 1,2.6 1,2.4 1,2.3 1,2.1 1,1.9 1,1.7 1,1.5 1,1.3 1,1.2 1,0.97 1,0.78 1",
    (96, 15, 2.5): "8.4 3,7.9 3,7.3 3,6.8 3,6.2 3,5.7 3,5.1 2,4.6 2,4 2,3.4 2,2.9 2,2.3 1",
}
BANDS = [(1.5, 1.59), (1.4, 1.49), (1.3, 1.39), (1.2, 1.29), (1.1, 1.19), (1.0, 1.09), (0.9, 0.99), (0.8, 0.89),
         (0.7, 0.79), (0.6, 0.69), (0.5, 0.59), (0.4, 0.49)]


def test_table_13_every_row_through_the_engine():
    for row in TABLE_13.split("|"):
        h, d, rate, vol, vials = (float(x) for x in row.split())
        a = dose(indication=ADULT_RR, cycle=1, day=1 if d == 9 else 8, infusion_hours=h)
        assert a["dose"] == {"value": d, "unit": "ug/d"}
        assert a["infusion"]["rate_ml_per_h"] == rate and a["infusion"]["volume_ml"] == vol and a["infusion"]["vials"] == vials
        assert any(s["field"] == "infusion.volume_ml" and s["section"].startswith("6.6") for s in a["sources"])


def test_table_14_every_row_through_the_engine():
    n = 0
    for (h, per_m2, rate), cells in TABLE_14.items():
        for (lo, hi), cell in zip(BANDS, cells.split(",")):
            vol, vials = cell.split()
            for bsa in (lo, hi):
                a = dose(indication=PED_RR, age_years=8, weight_kg=30, bsa_m2=bsa, cycle=1,
                         day=1 if per_m2 == 5 else 8, infusion_hours=h)
                assert a["basis"] == "bsa" and a["dose_rate"] == {"value": per_m2, "unit": "ug/m2/d"}
                assert a["infusion"]["volume_ml"] == float(vol), (h, per_m2, bsa)
                assert a["infusion"]["vials"] == int(vials) and a["infusion"]["rate_ml_per_h"] == rate
            n += 1
    assert n == 96


def test_table_1_cells():
    # >= 45 kg fixed: cycle 1 days 1-7 9, 8-28 28, 29-42 free; later cycles 1-28 28, 29-42 free
    for cycle, day, want in [(1, 1, 9), (1, 7, 9), (1, 8, 28), (1, 28, 28), (1, 29, None), (1, 42, None),
                             (2, 1, 28), (2, 28, 28), (2, 29, None), (5, 1, 28)]:
        a = dose(indication=ADULT_RR, cycle=cycle, day=day)
        assert (a["dose"] or {}).get("value") == want, (cycle, day)
        assert a["phase"] == ("infusion" if want else "treatment-free")
    # < 45 kg by BSA with caps: 5 mcg/m2/day (cap 9), 15 mcg/m2/day (cap 28)
    for cycle, day, per_m2 in [(1, 1, 5), (1, 7, 5), (1, 8, 15), (2, 1, 15)]:
        a = dose(indication=PED_RR, age_years=8, weight_kg=30, bsa_m2=1.0, cycle=cycle, day=day)
        assert a["dose"] == {"value": per_m2 * 1.0, "unit": "ug/d"} and a["capped"] is False
    assert dose(indication=PED_RR, age_years=8, weight_kg=30, bsa_m2=1.0, cycle=1, day=30)["dose"] is None


def test_caps():
    a = dose(indication=PED_RR, age_years=12, weight_kg=44, bsa_m2=1.9, cycle=1, day=1)
    assert a["dose"]["value"] == 9 and a["capped"] is True  # 5 x 1.9 = 9.5 -> not to exceed 9
    assert any(s["field"] == "cap" and "not to exceed" in s["quote"] for s in a["sources"])
    b = dose(indication=PED_RR, age_years=12, weight_kg=44, bsa_m2=1.9, cycle=1, day=8)
    assert b["dose"]["value"] == 28 and b["capped"] is True  # 15 x 1.9 = 28.5 -> 28
    c = dose(indication=PED_RR, age_years=12, weight_kg=40, bsa_m2=1.23, cycle=1, day=8)
    assert c["dose"]["value"] == pytest.approx(18.45) and c["capped"] is False


def test_table_2_and_mrd_regimen():
    assert dose(indication=PED_HR, age_years=10, weight_kg=50, cycle=1, day=1)["dose"]["value"] == 28
    a = dose(indication=PED_HR, age_years=10, weight_kg=30, bsa_m2=1.1, cycle=1, day=28)
    assert a["dose"]["value"] == pytest.approx(16.5)
    with pytest.raises(DoseInputError):
        dose(indication=PED_HR, age_years=10, weight_kg=50, cycle=2, day=1)  # one consolidation cycle
    for cycle, day, want in [(1, 1, 28), (1, 28, 28), (1, 29, None), (2, 1, 28), (4, 28, 28), (4, 42, None)]:
        assert (dose(indication=MRD, cycle=cycle, day=day)["dose"] or {}).get("value") == want


def test_weight_boundary_exactly_45():
    assert dose(indication=ADULT_RR, weight_kg=45.0, cycle=1, day=1)["basis"] == "fixed"
    assert dose(indication=PED_RR, age_years=15, weight_kg=44.99, bsa_m2=1.4, cycle=1, day=1)["basis"] == "bsa"


def test_premedication_and_hospitalisation():
    a = dose(indication=ADULT_RR, cycle=1, day=1)
    drugs = [(m["drug"], (m.get("dose") or {}).get("value")) for m in a["premedication"] if m["kind"] == "premedication"]
    assert drugs == [("dexamethasone", 20.0)]
    assert a["hospitalization"]["advice"]["minimum_days"] == 9 and a["hospitalization"]["recommended"]
    assert dose(indication=ADULT_RR, cycle=1, day=10)["hospitalization"]["recommended"] is False
    assert dose(indication=ADULT_RR, cycle=2, day=2)["hospitalization"]["recommended"] is True
    assert dose(indication=ADULT_RR, cycle=1, day=12, cns_history=True)["hospitalization"]["advice"]["minimum_days"] == 14
    p = dose(indication=PED_RR, age_years=6, weight_kg=20, bsa_m2=0.8, cycle=1, day=1)
    ped = [m["dose"]["value"] for m in p["premedication"] if m["kind"] == "premedication"]
    assert ped == [8.0, 4.0]  # 10 mg/m2 and 5 mg/m2 x 0.8
    big = dose(indication=PED_RR, age_years=16, weight_kg=44, bsa_m2=2.2, cycle=1, day=1)
    assert [m["dose"]["value"] for m in big["premedication"] if m["kind"] == "premedication"][0] == 20  # cap


def test_regimen_plan_days_and_bags():
    plan = regimen_plan(rules(), {"indication": ADULT_RR, "weight_kg": 70, "age_years": 40, "infusion_hours": 96, "cycles": 2})
    days = plan["days"]
    assert len(days) == 84 and plan["cycle_days"] == 42 and plan["treatment_free_days"] == 14
    bag_days = [(d["cycle"], d["day"]) for d in days if d["bag"]]
    assert bag_days[:3] == [(1, 1), (1, 5), (1, 8)]  # a new bag when the dose changes on day 8
    assert days[7]["bag"]["volume_ml"] == 10.7


def test_dose_modification_rows():
    m = dose_modification(rules(), {"indication": ADULT_RR, "toxicity": "cytokine release syndrome", "grade": 3, "weight_kg": 70})
    assert m["action"] == "interrupt" and m["restart_schedule"] == [
        {"from_day": 1, "dose": {"value": 9.0, "unit": "ug/d"}},
        {"from_day": 8, "dose": {"value": 28.0, "unit": "ug/d"}, "if": "the toxicity does not recur"}]
    n = dose_modification(rules(), {"indication": ADULT_RR, "toxicity": "neurological toxicity", "grade": "3", "weight_kg": 70})
    assert n["premedication"] == {"drug": "dexamethasone", "dose": {"value": 24.0, "unit": "mg"}, "taper_days": 4.0}
    assert n["until_max_grade"] == 1 and n["until_min_days"] == 3
    assert dose_modification(rules(), {"indication": ADULT_RR, "toxicity": "neurological toxicity", "grade": 3,
                                       "weight_kg": 70, "current_dose": 9})["action"] == "discontinue"
    child = dose_modification(rules(), {"indication": PED_RR, "toxicity": "tumor lysis syndrome", "grade": 3, "weight_kg": 30})
    assert child["restart_schedule"][0]["dose"] == {"value": 5.0, "unit": "ug/m2/d"}
    assert dose_modification(rules(), {"indication": MRD, "toxicity": "elevated liver enzymes", "grade": 4, "weight_kg": 70})["action"] == "consider-discontinue"
    assert dose_modification(rules(), {"indication": MRD, "toxicity": "convulsion", "weight_kg": 70})["action"] == "discontinue"
    with pytest.raises(DoseInputError):
        dose_modification(rules(), {"indication": PED_HR, "toxicity": "convulsion", "weight_kg": 70})


BAD = [
    ({"weight_kg": None}, "weight_kg"), ({"weight_kg": "abc"}, "weight_kg"), ({"weight_kg": float("nan")}, "weight_kg"),
    ({"weight_kg": float("inf")}, "weight_kg"), ({"weight_kg": True}, "weight_kg"), ({"weight_kg": 0}, "weight_kg"),
    ({"weight_kg": 351}, "weight_kg"), ({"weight_kg": -3}, "weight_kg"), ({"height_cm": 900}, "height_cm"),
    ({"height_cm": 10}, "height_cm"), ({"age_years": 0.5}, "age_years"), ({"age_years": "1e400"}, "age_years"),
    ({"indication": "nope"}, "indication"), ({"day": 43}, "day"), ({"day": 0}, "day"), ({"day": 1.5}, "day"),
    ({"cycle": 6}, "cycle"), ({"cycle": 0}, "cycle"), ({"infusion_hours": 36}, "infusion_hours"),
    ({"indication": MRD, "weight_kg": 30}, "weight_kg"), ({"indication": ADULT_RR, "age_years": 10}, "age_years"),
    ({"indication": PED_RR, "weight_kg": 30, "age_years": 10, "bsa_m2": 0.39}, "bsa_m2"),
    ({"indication": PED_RR, "weight_kg": 30, "age_years": 10}, "height_cm"),
]


@pytest.mark.parametrize("change,field", BAD)
def test_bad_input_is_refused_with_the_field(change, field):
    params = {"indication": ADULT_RR, "weight_kg": 70, "age_years": 40, "cycle": 1, "day": 1}
    params.update(change)
    with pytest.raises(DoseInputError) as exc:
        compute_dose(rules(), params)
    assert exc.value.field == field and exc.value.status == 422 and exc.value.message


def test_bsa_formula_is_stated():
    a = dose(indication=PED_RR, age_years=10, weight_kg=30, height_cm=140, cycle=1, day=1)
    assert a["bsa_formula"] == "mosteller" and a["bsa_m2"] == 1.08  # sqrt(140*30/3600)
    b = dose(indication=PED_RR, age_years=10, weight_kg=30, height_cm=140, cycle=1, day=1, bsa_formula="dubois")
    assert b["bsa_formula"] == "dubois" and b["bsa_m2"] == 1.1  # 0.007184 x 30^0.425 x 140^0.725
