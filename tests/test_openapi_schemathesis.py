"""/openapi.json describes what the server does: Schemathesis (every check, bounded examples, fixed
seed) against the real server finds nothing; the document is a valid OpenAPI 3.1 document; it covers
every JSON route and /sparql; the dose inputs' documented bounds are the ones the server refuses at.

The Schemathesis run uses the shared session server (web_fixtures: the bundled label, ingested once)
and tests/schemathesis.toml (the per-operation expectations it explains) with
tests/schemathesis_hooks.py (the application/sparql-query body sent as text).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from web_fixtures import *  # noqa: F401,F403

TESTS = Path(__file__).resolve().parent
MAX_EXAMPLES = 5  # per operation and phase; the coverage phase adds its boundary cases on top
SEED = 2


@pytest.fixture(scope="module")
def doc(app):
    return app.test_client().get("/openapi.json").get_json()


def test_schemathesis_finds_no_failure_of_any_kind(base_url, tmp_path):
    pytest.importorskip("schemathesis")
    st = Path(sys.executable).with_name("st")
    cmd = [str(st), "--config-file", str(TESTS / "schemathesis.toml"), "run", f"{base_url}/openapi.json",
           "--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
           "--phases", "examples,coverage,fuzzing", "--no-color", "--request-timeout", "60",
           # one worker: with two threads, CPython 3.11's ast module (used by Hypothesis to describe
           # strategies) raised "AST constructor recursion depth mismatch" on a loaded machine
           "--workers", "1",
           "--report", "junit", "--report-junit-path", str(tmp_path / "junit.xml")]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
           "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-8000:]
    assert "Selected: 17/17" in out and "Tested: 17" in out, out[-3000:]  # every operation ran
    assert " passed" in out and "failure" not in out.split("SUMMARY")[-1].lower(), out[-3000:]


def test_document_is_valid_openapi(doc):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(doc)


def test_every_json_route_and_sparql_is_described_with_its_methods(app, doc):
    described = {(p, m.upper()) for p, ops in doc["paths"].items() for m in ops}
    for rule in app.url_map.iter_rules():
        path = str(rule.rule).replace("<spec>", "{label}").replace("<number>", "{number}")
        if not (path.startswith("/api/") or path == "/sparql"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in described, (path, method)


def test_every_answer_has_a_real_schema_and_every_refusal_the_error_shape(doc):
    schemas = doc["components"]["schemas"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            ok = op["responses"]["200"]["content"]
            for media, body in ok.items():
                s = body["schema"]
                if "$ref" in s:
                    s = schemas[s["$ref"].rsplit("/", 1)[1]]
                assert s != {"type": "object"} and (s.get("properties") or s.get("anyOf") or s.get("type") in (
                    "string", ["object", "array"])), (path, method, media)
            for status, resp in op["responses"].items():
                if status != "200":
                    assert resp["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
            if method == "post":
                assert op["requestBody"]["content"], path
    assert schemas["Error"]["required"] == ["ok", "error", "status"]


def _param(doc, path, name):
    return next(p for p in doc["paths"][path]["get"]["parameters"] if p["name"] == name)


def test_documented_dose_bounds_are_where_the_server_refuses(client, doc):
    """Each bounded dose input: just outside its documented range is a 422 naming it, and the
    documented edge itself gets past the input check (any refusal then names another input or
    is about the label's own rules, never the bound)."""
    ex = {p["name"]: p.get("example") for p in doc["paths"]["/api/dose"]["get"]["parameters"]}
    assert ex["indication"] and ex["weight_kg"], "examples come from the store"
    base = {k: v for k, v in ex.items() if v is not None}
    checked = 0
    for p in doc["paths"]["/api/dose"]["get"]["parameters"]:
        s = p["schema"]
        step = 1 if s.get("type") == "integer" else 0.001
        outside, edge = [], []
        if "exclusiveMinimum" in s:
            outside.append(s["exclusiveMinimum"])
            edge.append(s["exclusiveMinimum"] + step)
        if "minimum" in s:
            outside.append(s["minimum"] - step)
            edge.append(s["minimum"])
        if "maximum" in s:
            outside.append(s["maximum"] + step)
            edge.append(s["maximum"])
        for value in outside:
            r = client.get("/api/dose", query_string={**base, p["name"]: value})
            assert r.status_code == 422 and r.get_json()["field"] == p["name"], (p["name"], value, r.get_json())
            checked += 1
        for value in edge:
            r = client.get("/api/dose", query_string={**base, p["name"]: value})
            body = r.get_json()
            assert r.status_code == 200 or "must be" not in body["error"] or body.get("field") != p["name"], (
                p["name"], value, body)
    assert checked >= 10


def test_documented_enums_are_what_the_server_takes(client, doc, label_ref):
    sort = _param(doc, "/api/labels/{label}/adverse-reactions", "sort")["schema"]["enum"]
    for key in sort:
        assert client.get(f"/api/labels/{label_ref.name}/adverse-reactions?sort={key}").status_code == 200
    assert client.get(f"/api/labels/{label_ref.name}/adverse-reactions?sort=nope").status_code == 400
    kinds = _param(doc, "/api/search", "kind")["schema"]["enum"]
    for kind in kinds:
        assert client.get("/api/search", query_string={"q": "patients", "kind": kind}).status_code in (200, 404)
    assert client.get("/api/search?q=patients&kind=nope").status_code == 400
    limit = _param(doc, "/api/search", "q")["schema"]["maxLength"]
    assert client.get("/api/search", query_string={"q": "x" * (limit + 1)}).status_code == 400


def test_regimen_with_a_non_string_indication_is_a_422_not_a_500(client):
    """Found by Schemathesis: a JSON object as the indication reached a dict lookup (TypeError, 500)."""
    r = client.post("/api/regimen", json={"indication": {}, "weight_kg": 70, "age_years": 40})
    assert r.status_code == 422 and r.get_json()["field"] == "indication"


def test_sparql_refuses_what_it_used_to_ignore_without_a_query(client):
    """Found by Schemathesis: without a query, a bad format or dataset IRI was ignored (service description)."""
    for qs in ("format=nonsense", "format=null&format=null", "format=csv", "default-graph-uri=not-an-iri"):
        r = client.get("/sparql?" + qs)
        assert r.status_code == 400 and r.get_json()["ok"] is False, qs
    r = client.get("/sparql?format=json-ld")
    assert r.status_code == 200 and r.content_type.startswith("application/ld+json")
