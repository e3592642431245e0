"""Dose inputs read strictly: repeated, unknown, loosely written or absurd values are a 422 naming the field."""
from __future__ import annotations

import json

import pytest

try:  # tests/ as a package or as a plain directory
    from .web_fixtures import *  # noqa: F401,F403
except ImportError:
    from web_fixtures import *  # noqa: F401,F403


@pytest.fixture(scope="module")
def valid(app, label_ref):
    ind = app.test_client().get(f"/api/labels/{label_ref.label_id}/indications").get_json()["dosing"][0]["id"]
    return {"indication": ind, "weight_kg": "70", "age_years": "40", "cycle": "1", "day": "1"}


def _refused(resp, field):
    body = resp.get_json()
    assert resp.status_code == 422, body
    assert body["ok"] is False and body["status"] == 422 and body["field"] == field, body
    assert field in body["error"]


def test_a_valid_request_is_answered(client, valid):
    r = client.get("/api/dose", query_string=valid)
    assert r.status_code == 200 and r.get_json()["dose"]["value"] > 0


def test_a_repeated_parameter_is_refused_not_first_wins(client, valid):
    qs = "&".join(f"{k}={v}" for k, v in valid.items()) + "&weight_kg=-5"
    _refused(client.get("/api/dose?" + qs), "weight_kg")
    _refused(client.post("/api/dose", data=qs, content_type="application/x-www-form-urlencoded"), "weight_kg")
    body = json.dumps(valid)[:-1] + ', "weight_kg": -5}'  # the same key twice in one JSON object
    _refused(client.post("/api/dose", data=body, content_type="application/json"), "weight_kg")
    _refused(client.post("/api/dose?weight_kg=70", json={k: v for k, v in valid.items()}), "weight_kg")


@pytest.mark.parametrize("written", ["7_0", "\u0667\u0660", "\uff17\uff10", "70\u00a0kg", "inf", "nan", "0x46", "1e400"])
def test_numbers_are_ascii_digits_only(client, valid, written):
    _refused(client.get("/api/dose", query_string={**valid, "weight_kg": written}), "weight_kg")
    _refused(client.post("/api/dose", json={**valid, "weight_kg": written}), "weight_kg")


def test_json_nan_and_infinity_are_refused(client, valid):
    for word in ("NaN", "Infinity", "-Infinity"):
        body = json.dumps({**valid, "weight_kg": 1})[:-1] + f', "height_cm": {word}}}'
        r = client.post("/api/dose", data=body, content_type="application/json")
        assert r.status_code == 422 and r.get_json()["ok"] is False


def test_an_unknown_parameter_is_refused(client, valid):
    # bsa instead of bsa_m2 must not fall back silently to a height-based surface area
    _refused(client.get("/api/dose", query_string={**valid, "bsa": "1.2"}), "bsa")
    _refused(client.post("/api/regimen", json={k: v for k, v in valid.items() if k not in ("cycle", "day")} | {"wieght_kg": 70}),
             "wieght_kg")
    _refused(client.get("/api/dose-modification", query_string={"indication": valid["indication"], "grade": "3",
                                                                 "weight_kg": "70", "dose": "9"}), "dose")


def test_an_absurd_current_dose_is_refused(client, valid):
    q = {"indication": valid["indication"], "toxicity": "any", "grade": "3", "weight_kg": "70"}
    for value in ("1e308", "1e7"):
        _refused(client.get("/api/dose-modification", query_string={**q, "current_dose": value}), "current_dose")
    _refused(client.post("/api/dose-modification", json={**q, "current_dose": 1e308}), "current_dose")


def test_a_weight_no_human_has_is_refused(client, valid):
    """1e-300 kg gave "0-0 mg": a weight or surface area below any newborn's is a 422, not a dose."""
    for written in ("1e-300", "0.0001", "0.1"):
        _refused(client.get("/api/dose", query_string={**valid, "weight_kg": written}), "weight_kg")
    _refused(client.get("/api/dose", query_string={**valid, "bsa_m2": "0.001"}), "bsa_m2")


@pytest.mark.parametrize("route", ["/api/dose", "/api/regimen", "/api/dose-modification"])
def test_a_body_of_another_media_type_is_415_not_ignored(client, valid, route):
    """A JSON text sent as text/plain was silently ignored ("indication is required", 422)."""
    r = client.post(route, data=json.dumps(valid), content_type="text/plain")
    body = r.get_json()
    assert r.status_code == 415 and body["ok"] is False and body["status"] == 415 and "text/plain" in body["error"]
    assert client.post(route + "?" + "&".join(f"{k}={v}" for k, v in valid.items())).status_code != 415  # no body


def test_too_many_cycles_names_the_cycles_field(client, valid):
    plan = {k: v for k, v in valid.items() if k not in ("cycle", "day")}
    _refused(client.get("/api/regimen", query_string={**plan, "cycles": "999"}), "cycles")
