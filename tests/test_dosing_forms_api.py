"""/api/dose and /api/regimen on the general dose forms of a fictional label:
mg/kg loading then maintenance, weight bands, and the refusals with the label's reason."""
from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "dose-forms-velantor.txt"


@lru_cache(maxsize=1)
def client():
    from kb.service import KnowledgeBase
    from web import create_app

    tmp = Path(tempfile.mkdtemp(prefix="smpc-forms-"))
    kb = KnowledgeBase(tmp / "store")
    result = kb.ingest(FIXTURE)
    assert result.stored, result.report.text()

    def _cleanup():
        kb.close()
        shutil.rmtree(tmp, ignore_errors=True)

    atexit.register(_cleanup)
    return create_app({"KB": kb, "LOG_REQUESTS": False, "TESTING": True, "QUERY_TIMEOUT_S": 10.0}).test_client()


def get(path="/api/dose", status=200, **q):
    r = client().get(path, query_string=q)
    assert r.status_code == status, r.get_json()
    return r.get_json()


def test_loading_and_maintenance_for_70_kg():
    a = get(indication="gastric-sarcoma", weight_kg=70, age_years=50)
    assert a["dose"] == {"value": 560.0, "unit": "mg"}  # 8 mg/kg x 70 kg, today's dose object: the first dose
    loading, maintenance = a["phases"]
    assert loading["role"] == "loading" and loading["dose"] == {"value": 560.0, "unit": "mg"}
    assert maintenance["role"] == "maintenance" and maintenance["dose"] == {"value": 420.0, "unit": "mg"}
    assert maintenance["interval"] == {"unit": "wk", "value": 3.0} and maintenance["starts_after"] == {"unit": "wk", "value": 3.0}
    assert "beginning three weeks after the loading dose" in maintenance["quote"]
    plan = get("/api/regimen", indication="gastric-sarcoma", weight_kg=70, age_years=50)
    assert [p["dose"]["value"] for p in plan["phases"]] == [560.0, 420.0]


def test_mg_per_kg_needs_the_weight():
    a = get(status=422, indication="gastric-sarcoma", age_years=50)
    assert a["ok"] is False and "weight_kg" in a["error"]


def test_weight_band_picks_the_band_dose():
    a = get(indication="viral-infection", weight_kg=20, age_years=6)
    assert a["dose"] == {"value": 20.0, "unit": "mg"} and a["weight_band"]["max_kg"] == {"unit": "kg", "value": 25.0, "comparator": "<"}
    b = get(indication="viral-infection", weight_kg=25, age_years=9)
    assert b["dose"] == {"value": 40.0, "unit": "mg"}
    assert "25 kg or more" in b["weight_band"]["quote"]


def test_below_the_lowest_weight_band_is_refused_with_the_label_words():
    a = get(status=422, indication="viral-infection", weight_kg=12, age_years=3)
    assert "lowest weight band" in a["error"] and "14 kg to less than 25 kg" in a["error"]


def test_unknown_indication_is_refused():
    a = get(status=422, indication="no-such-rule", weight_kg=70, age_years=50)
    assert "unknown indication" in a["error"]


def test_fixed_combination_escalation_and_condition_in_the_answer():
    c = get(indication="night-cramps", age_years=50)
    assert c["dose"] == {"value": 2.0, "unit": "mg"} and c["condition"] == "with each main meal"
    assert c["schedule"]["times_per_interval"] == 3
    v = get(indication="viral-infection", weight_kg=20, age_years=6)
    assert v["components"] == [{"unit": "mg", "value": 20.0}, {"unit": "mg", "value": 60.0}]


def test_a_dose_left_to_the_physician_is_refused_with_the_label_reason():
    a = get(status=422, indication="sugar-imbalance", weight_kg=70, age_years=50)
    assert "gives no dose" in a["error"] and "determined by the physician" in a["error"]


def test_week_schedule_then_every_n_weeks():
    a = get(indication="bowel-disease", weight_kg=70, age_years=40)
    induction, maintenance = a["phases"]
    assert induction["at_weeks"] == [0, 2, 6] and induction["dose"] == {"value": 350.0, "unit": "mg"}  # 5 mg/kg x 70 kg
    assert maintenance["interval"] == {"unit": "wk", "value": 8.0} and maintenance["dose"] == {"value": 350.0, "unit": "mg"}
    assert a["dose_text"] == "350 mg (induction) at weeks 0, 2, 6, then 350 mg (maintenance) every 8 weeks"


def test_kb_dose_prints_the_phases(tmp_path):
    from click.testing import CliRunner

    from cli import main

    store = str(tmp_path / "store")
    runner = CliRunner()
    assert runner.invoke(main, ["--store", store, "ingest", str(FIXTURE)]).exit_code == 0
    r = runner.invoke(main, ["--store", store, "dose", "--indication", "gastric-sarcoma", "--weight-kg", "70", "--age-years", "50"])
    assert r.exit_code == 0, r.output
    assert "loading: 560 mg" in r.output and "maintenance: 420 mg at three-weekly intervals" in r.output
    r = runner.invoke(main, ["--store", store, "dose", "--indication", "viral-infection", "--weight-kg", "10", "--age-years", "2"])
    assert r.exit_code == 2 and "lowest weight band" in r.output


def test_an_indication_without_a_dose_rule_is_refused_with_the_label_reason():
    # 4.1 "... fictional ear disease in children from 6 years of age."; 4.2 "Paediatric population":
    # "The safety and efficacy of Velantor in children with fictional ear disease have not been established."
    from ingest.pipeline import read_label

    (ind,) = [i for i in read_label(FIXTURE).indications if "ear disease" in i.text]
    a = get(status=422, indication=ind.id, weight_kg=30, age_years=8)
    assert "unknown indication" not in a["error"]
    assert "section 4.2/paediatric-population" in a["error"]
    assert "have not been established" in a["error"] and a["field"] == "indication"
