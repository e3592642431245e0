"""The JSON API, errors as JSON, OpenAPI, settings precedence."""
from __future__ import annotations

import json

import pytest

try:  # tests/ as a package or as a plain directory
    from .web_fixtures import *  # noqa: F401,F403
except ImportError:
    from web_fixtures import *  # noqa: F401,F403


def test_search_api_shape(client, label_ref):
    a = client.get("/api/search?q=breastfeeding").get_json()
    assert a["query"] == "breastfeeding" and a["total"] > 0
    r = a["results"][0]
    assert (r["label"], r["version"], r["section"], r["title"]) == (
        label_ref.label_id, label_ref.version, "4.6", "Fertility, pregnancy and lactation")
    assert r["kind"] and r["url"].endswith("#" + r["anchor"]) and isinstance(r["score"], float)
    assert {f["value"] for f in a["facets"]["section"]} >= {"4.6"}
    assert client.get(f"/api/search?q=breastfeeding&label={label_ref.name}").get_json()["total"] == a["total"]


@pytest.mark.parametrize("query,status", [
    ("q=", 400), ("", 400), ("q=" + "x" * 10_000, 400), ('q="unbalanced', 200), ("q=seizure&label=nope", 404),
    ("q=seizure&page=abc", 400), ("q=seizure&page=1000", 404), ("q=seizure&kind=bogus", 400),
])
def test_search_api_bad_input(client, query, status):
    r = client.get("/api/search?" + query)
    assert r.status_code == status
    if status >= 400:
        body = r.get_json()
        assert body == {"ok": False, "error": body["error"], "status": status} and body["error"]


def test_label_api(client, label_ref):
    d = client.get(f"/api/labels/{label_ref.name}").get_json()
    assert d["label"] == label_ref.label_id and d["indications"] and d["contraindications"] and d["warnings"]
    assert all(i["text"] for i in d["indications"])
    assert any(s["number"] == "4.8" for s in d["sections"])
    assert client.get("/api/labels").get_json()["labels"][0]["name"] == label_ref.name


def test_indications_and_adverse_reactions_api(client, web_kb, label_ref):
    from kb.adverse_query import adverse_reactions

    d = client.get(f"/api/labels/{label_ref.label_id}/indications").get_json()
    assert len(d["indications"]) >= 1 and d["dosing"]
    ar = client.get(f"/api/labels/{label_ref.label_id}/adverse-reactions").get_json()
    assert ar["total"] == len(adverse_reactions(web_kb.store, label_ref.iri))
    assert sum(sum(v.values()) for v in ar["counts"].values()) == ar["total"]
    vc = client.get(f"/api/labels/{label_ref.label_id}/adverse-reactions?frequency=very+common").get_json()
    assert vc["entries"] and {e["frequency"] for e in vc["entries"]} == {"very common"}
    assert client.get(f"/api/labels/{label_ref.label_id}/adverse-reactions?frequency=often").status_code == 400
    assert client.get(f"/api/labels/{label_ref.label_id}/adverse-reactions?sort=nope").status_code == 400


def test_dose_api_get_and_post(client, label_ref):
    ind = client.get(f"/api/labels/{label_ref.label_id}/indications").get_json()["dosing"][0]["id"]
    q = {"indication": ind, "weight_kg": 70, "age_years": 40, "cycle": 1, "day": 1}
    got = client.get("/api/dose", query_string=q).get_json()
    posted = client.post("/api/dose", json=q).get_json()
    assert got == posted and got["dose"]["value"] > 0
    plan = client.post("/api/regimen", json={k: v for k, v in q.items() if k not in ("cycle", "day")}).get_json()
    assert plan["days"]
    bad = client.post("/api/dose", json={**q, "weight_kg": "heavy"})
    assert bad.status_code == 422 and bad.get_json()["field"] == "weight_kg"
    assert client.post("/api/dose", data="[1]", content_type="application/json").status_code in (400, 422)


def test_api_errors_are_json(client):
    for path, status in (("/api/labels/nope", 404), ("/api/nowhere", 404), ("/api/labels/nope/sections/4.4", 404),
                         ("/api/labels/blincyto/sections/77", 404)):
        r = client.get(path)
        assert r.status_code == status and r.get_json()["ok"] is False and r.get_json()["status"] == status
    r = client.delete("/api/search")
    assert r.status_code == 405 and r.get_json()["status"] == 405


def test_openapi_describes_the_json_api(client, app):
    doc = client.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    routes = {str(r.rule).replace("<spec>", "{label}").replace("<number>", "{number}")
              for r in app.url_map.iter_rules() if str(r.rule).startswith("/api/") and str(r.rule) != "/api/"}
    assert routes <= set(doc["paths"])
    assert set(doc["components"]["schemas"]["SearchAnswer"]["required"]) == {"query", "total", "results", "facets"}


def test_settings_precedence(tmp_path, monkeypatch):
    from web import settings

    inst = tmp_path / "instance"
    inst.mkdir()
    (inst / "settings.json").write_text(json.dumps({"PAGE_SIZE": 5, "MAX_ROWS": 7}))
    cfg = settings.load(inst, environ={"KB_PAGE_SIZE": "3", "KB_LOG_REQUESTS": "0"})
    assert (cfg["PAGE_SIZE"], cfg["MAX_ROWS"], cfg["LOG_REQUESTS"], cfg["QUERY_TIMEOUT_S"]) == (3, 7, False, 10.0)
    assert all(s.help for s in settings.SETTINGS) and "KB_QUERY_TIMEOUT_S" in settings.describe()


def test_app_factory_reads_env_and_ingests_into_an_empty_store(tmp_path, monkeypatch):
    """A fresh store: the app ingests the bundled label and indexes it; KB_* settings apply."""
    from web import create_app

    monkeypatch.setenv("KB_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("KB_PAGE_SIZE", "4")
    app = create_app({"LOG_REQUESTS": False})
    try:
        c = app.test_client()
        assert len(c.get("/api/search?q=seizure").get_json()["results"]) == 4
        assert c.get("/api/labels").get_json()["labels"]
    finally:
        app.extensions["kb"].close()
