"""What makes /api/dose fast keeps it right: a dosing answer is computed once per (label version,
question, inputs) and served as kept JSON bytes after that, equal to the answer computed afresh; a
re-ingest of the version computes again; inputs of another type are other inputs (a refused one
stays refused after an accepted one was kept); a compressed body is the body. No timings here:
speed figures are printed by benchmarks/bench_dose.py beside an empty app's."""
from __future__ import annotations

import dataclasses
import gzip
import json
import time

import pytest

try:  # tests/ as a package or as a plain directory
    from .web_fixtures import *  # noqa: F401,F403
except ImportError:
    from web_fixtures import *  # noqa: F401,F403


def first_regimen(svc) -> dict:
    return next(i for i in svc.indications(None) if i["kind"] == "regimen")


def patient_for(row: dict) -> dict:
    """Inputs for the first day of a regimen row of ``indications``: an adult or a child as the row
    says, a weight and height in a group the row lists, the first infusion duration it offers."""
    child = row["age_group"] == "pediatric"
    q = {"indication": row["id"], "weight_kg": "30" if child else "70", "age_years": "9" if child else "40",
         "cycle": "1", "day": "1"}
    if "height_cm" in row["needs"]:
        q["height_cm"] = "130" if child else "175"
    if row["infusion_hours"]:
        q["infusion_hours"] = f"{row['infusion_hours'][0]:g}"
    return q


@pytest.fixture
def counted(monkeypatch):
    """Count the dose computations of the dosing service."""
    from kb.dosing import engine

    calls: list[dict] = []
    real = engine.QUESTIONS["dose"]

    def counting(rules, params):
        calls.append(dict(params))
        return real(rules, params)

    monkeypatch.setitem(engine.QUESTIONS, "dose", counting)
    return calls


def test_the_same_question_is_computed_once_and_equals_a_fresh_answer(web_kb, counted):
    from kb.dosing.engine import DosingService

    svc = DosingService(web_kb)
    q = patient_for(first_regimen(svc))
    first = svc.answer_json("dose", q)
    again = svc.answer_json("dose", dict(reversed(list(q.items()))))  # the order of the inputs does not matter
    assert again is first and len(counted) == 1
    assert json.loads(first) == svc.dose(q)  # the kept bytes are the answer itself
    other = svc.answer_json("dose", {**q, "weight_kg": str(float(q["weight_kg"]) + 1)})
    assert other is not first and len(counted) == 2  # another weight: computed (a flat dose may not change)


def test_an_input_of_another_type_is_another_input(web_kb):
    """``1`` was answered and kept; ``True`` for the same field is still refused, not served the answer of 1."""
    from kb.dosing.engine import DoseInputError, DosingService

    svc = DosingService(web_kb)
    q = {**patient_for(first_regimen(svc)), "cycle": 1}
    assert json.loads(svc.answer_json("dose", q))["cycle"] == 1
    with pytest.raises(DoseInputError) as exc:
        svc.answer_json("dose", {**q, "cycle": True})
    assert exc.value.field == "cycle"
    assert json.loads(svc.answer_json("dose", {**q, "cycle": 1.0}))["cycle"] == 1


def test_bad_inputs_are_refused_after_a_good_answer_was_kept(client, label_ref):
    ind = client.get(f"/api/labels/{label_ref.label_id}/indications").get_json()["dosing"]
    q = patient_for(next(i for i in ind if i["kind"] == "regimen"))
    good = client.get("/api/dose", query_string=q)
    assert good.status_code == 200 and good.get_json()["label_version"]["name"] == label_ref.name
    assert client.get("/api/dose", query_string=q).data == good.data
    for field, value in (("weight_kg", "-3"), ("weight_kg", "NaN"), ("height_cm", "inf")):
        bad = client.get("/api/dose", query_string={**q, field: value})
        body = bad.get_json()
        assert bad.status_code == 422 and body["ok"] is False and body["status"] == 422, (field, value, body)
        assert body["field"] == field and body["error"]


def test_a_compressed_answer_is_the_answer(client, label_ref):
    ind = client.get(f"/api/labels/{label_ref.label_id}/indications").get_json()["dosing"]
    q = patient_for(next(i for i in ind if i["kind"] == "regimen"))
    plain = client.get("/api/dose", query_string=q).data
    for _ in range(2):  # compressed, then the kept compressed body
        r = client.get("/api/dose", query_string=q, headers={"Accept-Encoding": "gzip"})
        assert r.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in r.headers["Vary"]
        assert gzip.decompress(r.data) == plain


def test_a_version_ingested_again_is_computed_again(kb, blincyto_record, counted):
    from kb.dosing.engine import DosingService

    svc = DosingService(kb)
    rec = dataclasses.replace(blincyto_record, version="v1", version_date="2020-01-01")
    kb.ingest_records([rec])
    q = patient_for(first_regimen(svc))
    first = svc.answer_json("dose", q)
    assert svc.answer_json("dose", q) is first and len(counted) == 1
    time.sleep(1.1)  # the ingest time is stored to the second
    kb.ingest_records([rec])
    assert json.loads(svc.answer_json("dose", q))["label_version"] == kb.resolve(rec.label_id).naming()
    assert len(counted) == 2


def test_rules_compiled_earlier_are_adopted_for_their_version(web_kb, monkeypatch):
    """A caller holding compiled rules (the CLI keeps them on disk) hands them over under the
    version's key; the service then compiles nothing."""
    from kb.dosing import rules as rules_mod
    from kb.dosing.engine import DosingService

    ref = web_kb.resolve(None)
    compiled = DosingService(web_kb).rules(None, ref)
    svc = DosingService(web_kb)
    monkeypatch.setattr(rules_mod, "load_dosing", lambda *a: pytest.fail("compiled again"))
    svc.adopt(ref, compiled)
    assert svc.rules(ref.name) is compiled
    assert DosingService.rules_key(ref) == (ref.iri, ref.ingested_at)
