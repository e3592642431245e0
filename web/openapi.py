"""/openapi.json: an OpenAPI 3.1 description of the JSON API."""
from __future__ import annotations

from flask import Blueprint, jsonify

bp = Blueprint("openapi", __name__)

_ERR = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _p(name, where="query", required=False, desc="", schema=None):
    return {"name": name, "in": where, "required": required, "description": desc, "schema": schema or {"type": "string"}}


LABEL = _p("label", "path", True, "label id (its latest version) or label@version")
PATIENT = [_p("label", desc="label or label@version"), _p("indication", required=True, desc="indication id"),
           _p("weight_kg", required=True, schema={"type": "number"}), _p("age_years", required=True, schema={"type": "number"}),
           _p("height_cm", schema={"type": "number"}), _p("bsa_m2", schema={"type": "number"}),
           _p("bsa_formula", desc="mosteller or dubois"), _p("infusion_hours", schema={"type": "number"}),
           _p("cns_history", schema={"type": "boolean"})]


def _get(summary, params=(), schema="Object", errors=(400, 404)):
    return {"get": {"summary": summary, "parameters": list(params),
                    "responses": {"200": {"description": "OK", "content": {"application/json": {
                        "schema": {"$ref": f"#/components/schemas/{schema}"}}}},
                                  **{str(e): _ERR for e in errors}}}}


def document() -> dict:
    paths = {
        "/api/labels": _get("Label versions in the store", errors=()),
        "/api/labels/{label}": _get("Product facts, indications, contraindications, warnings and sections", [LABEL]),
        "/api/labels/{label}/sections/{number}": _get("One numbered section with its sub-headings and passages",
                                                      [LABEL, _p("number", "path", True, "section number, e.g. 4.4")]),
        "/api/labels/{label}/indications": _get("Indications with their populations (and dosing indication ids)", [LABEL]),
        "/api/labels/{label}/adverse-reactions": _get(
            "Adverse reactions (section 4.8) by organ class and frequency",
            [LABEL, _p("soc", desc="MedDRA system organ class"),
             _p("frequency", desc="very common, common, uncommon, rare, very rare, not known"),
             _p("sort", desc="soc (default), term, frequency, incidence"), _p("order", desc="asc or desc")]),
        "/api/search": _get("Full-text search over label passages", [
            _p("q", required=True, desc='words or "quoted phrases"; synonyms, spelling variants and typos handled'),
            _p("label", desc="label or label@version"), _p("kind", desc="indication, contraindication, warning, "
                                                           "adverse reaction, dosing, other"),
            _p("section", desc="section number"), _p("page", schema={"type": "integer", "minimum": 1}),
            _p("all_versions", schema={"type": "boolean"})], "SearchAnswer"),
        "/api/diff": _get("Changes from one label version to another (the JSON of `kb diff --json`)", [
            _p("from", required=True, desc="label@version"), _p("to", required=True, desc="label@version"),
            _p("force", schema={"type": "boolean"}, desc="compare labels of different products")]),
        "/api/dose": _get("One day's dose for one patient", PATIENT + [
            _p("cycle", required=True, schema={"type": "integer"}), _p("day", required=True, schema={"type": "integer"})],
                          errors=(400, 422)),
        "/api/regimen": _get("The regimen day by day for one patient",
                             PATIENT + [_p("cycles", schema={"type": "integer"})], errors=(400, 422)),
        "/api/dose-modification": _get("What to do for a toxicity of a grade", [
            _p("label"), _p("indication", required=True), _p("toxicity", required=True),
            _p("grade", schema={"type": "integer"}), _p("weight_kg", required=True, schema={"type": "number"}),
            _p("current_dose", schema={"type": "number"})], errors=(400, 422)),
    }
    paths["/api/labels/{label}/fhir"] = {"get": {
        "summary": "The label version as a FHIR R5 document Bundle (Composition, MedicinalProductDefinition, "
                   "one ClinicalUseDefinition per indication, contraindication, warning and undesirable effect)",
        "parameters": [LABEL],
        "responses": {"200": {"description": "OK", "content": {"application/fhir+json": {"schema": {
            "type": "object", "required": ["resourceType", "type", "entry"], "properties": {
                "resourceType": {"const": "Bundle"}, "type": {"const": "document"},
                "entry": {"type": "array", "items": {"type": "object"}}}}}}},
                      "404": _ERR}}}
    for p in ("/api/dose", "/api/regimen", "/api/dose-modification"):
        paths[p]["post"] = {**paths[p]["get"], "parameters": [],
                            "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "smpc-kb API", "version": "0.1.0",
                 "description": "Drug labels (SmPC) as a validated knowledge graph. SPARQL 1.1 Protocol at /sparql; "
                                "graph downloads at /download/all.{nq,trig,jsonld,ttl} and /download/{label}.{ttl,jsonld,nq}. "
                                "Linked data: every IRI under https://w3id.org/smpc-kb/id/ dereferences at /id/...; "
                                "the vocabulary at /ontology, VoID at /void, the JSON-LD context at "
                                "/ontology/context.jsonld."},
        "paths": paths,
        "components": {"schemas": {
            "Object": {"type": "object"},
            "Error": {"type": "object", "required": ["ok", "error", "status"], "properties": {
                "ok": {"const": False}, "error": {"type": "string"}, "status": {"type": "integer"}}},
            "SearchAnswer": {"type": "object", "required": ["query", "total", "results", "facets"], "properties": {
                "query": {"type": "string"}, "total": {"type": "integer"}, "page": {"type": "integer"},
                "pages": {"type": "integer"}, "corrections": {"type": "object"},
                "facets": {"type": "object", "properties": {
                    "kind": {"type": "array", "items": {"$ref": "#/components/schemas/Facet"}},
                    "section": {"type": "array", "items": {"$ref": "#/components/schemas/Facet"}}}},
                "results": {"type": "array", "items": {"type": "object", "required": [
                    "label", "version", "section", "title", "kind", "snippet", "score", "url"], "properties": {
                    "label": {"type": "string"}, "version": {"type": "string"},
                    "section": {"type": "string", "description": "section number as printed, e.g. 4.4"},
                    "title": {"type": "string"}, "heading": {"type": ["string", "null"]},
                    "kind": {"type": "string"}, "snippet": {"type": "string", "description": "escaped HTML with <mark>"},
                    "score": {"type": "number"}, "url": {"type": "string"}}}}}},
            "Facet": {"type": "object", "properties": {"value": {"type": "string"}, "count": {"type": "integer"}}},
        }},
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
