"""Every row of preparation tables 13 and 14 (104 rows) reproduced through GET /api/dose."""
from __future__ import annotations

from test_dosing_engine import ADULT_RR, BANDS, PED_RR, TABLE_13, TABLE_14
from web_fixtures import shared_app


def get(client, **q):
    r = client.get("/api/dose", query_string={"label": "blincyto", **q})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_104_rows_through_the_http_api():
    client = shared_app().test_client()
    n = 0
    for row in TABLE_13.split("|"):
        h, d, rate, vol, vials = (float(x) for x in row.split())
        a = get(client, indication=ADULT_RR, weight_kg=70, age_years=40, cycle=1, day=1 if d == 9 else 8,
                infusion_hours=h)
        assert a["dose"] == {"value": d, "unit": "ug/d"} and a["basis"] == "fixed"
        assert (a["infusion"]["rate_ml_per_h"], a["infusion"]["volume_ml"], a["infusion"]["vials"]) == (rate, vol, vials)
        n += 1
    for (h, per_m2, rate), cells in TABLE_14.items():
        for (lo, hi), cell in zip(BANDS, cells.split(",")):
            vol, vials = cell.split()
            a = get(client, indication=PED_RR, weight_kg=30, age_years=8, bsa_m2=(lo + hi) / 2, cycle=1,
                    day=1 if per_m2 == 5 else 8, infusion_hours=h)
            assert a["basis"] == "bsa"
            assert (a["infusion"]["rate_ml_per_h"], a["infusion"]["volume_ml"], a["infusion"]["vials"]) == (
                rate, float(vol), int(vials)), (h, per_m2, lo)
            assert any(s["field"] == "infusion.volume_ml" and s["section"].startswith("6.6") for s in a["sources"])
            n += 1
    assert n == 104


def test_bad_dose_inputs_are_422_never_500():
    client = shared_app().test_client()
    base = {"label": "blincyto", "indication": ADULT_RR, "weight_kg": 70, "age_years": 40, "cycle": 1, "day": 1}
    for change in ({"weight_kg": -3}, {"weight_kg": "NaN"}, {"weight_kg": "1e400"}, {"bsa_m2": 0.3, "weight_kg": 20},
                   {"age_years": 0.5}, {"day": 99}, {"indication": "nope"}):
        r = client.get("/api/dose", query_string={**base, **change})
        assert r.status_code == 422, (change, r.status_code)
        body = r.get_json()
        assert body["ok"] is False and body["status"] == 422 and body["error"]
    for bad_json in ('{"weight_kg": NaN}', '{"weight_kg": Infinity}', '{"weight_kg": true}'):
        r = client.post("/api/dose", data=bad_json.replace("{", '{"label": "blincyto", "indication": "%s", "age_years": 40, "cycle": 1, "day": 1, ' % ADULT_RR, 1),
                        content_type="application/json")
        assert r.status_code in (400, 422), (bad_json, r.status_code)
