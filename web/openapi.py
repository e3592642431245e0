"""/openapi.json: an OpenAPI 3.1 description of the JSON API and the SPARQL endpoint.

Every JSON route with its parameters and their limits as the server enforces them (the dose
inputs' bounds are read from ``ontology/data/dosing.json``, the same data kb.dosing.inputs checks
against), request bodies for the POST routes, response schemas (web/openapi_schemas.py) and the
one error shape. Parameter examples are taken from the store (its first label version and a
dosing indication of it), so "try it" requests answer.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from kb.adverse_query import FREQUENCY_NAMES

from .openapi_schemas import ref, schemas

bp = Blueprint("openapi", __name__)

JSON = "application/json"
NOT_BLANK = r"\S"  # the server strips text inputs: blank is missing
FLAG_VALUES = ["1", "true", "yes", "on", "0", "false", "no", "off"]
RESULT_MEDIA = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values", "text/turtle", "application/ld+json", "application/n-triples",
                "application/rdf+xml", "text/html"]


def _err(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": ref("Error")}}}


ERRORS = {400: "bad request: a parameter is malformed or out of range",
          403: "refused: this endpoint is read-only (updates, SERVICE, LOAD)",
          404: "no such label, version, section or page",
          405: "method not allowed", 406: "no acceptable result format",
          413: "too large: the result has more rows than the server's limit",
          415: "unsupported request Content-Type or charset",
          422: "well-formed inputs the label gives no answer for (unknown indication, toxicity, weight group, "
               "age outside the indication, a parameter given twice or not taken by the question); "
               "`field` names the input",
          501: "not available in this build", 503: "busy or out of time; retry after Retry-After seconds"}


def _p(name, where="query", required=False, desc="", schema=None, example=None) -> dict:
    out = {"name": name, "in": where, "required": required, "description": desc,
           "schema": schema or {"type": "string"}}
    if example is not None:
        out["example"] = example
    return out


def _op(summary: str, params=(), schema: str | None = None, errors=(400, 404), media: str = JSON,
        content: dict | None = None) -> dict:
    ok = {"description": "OK", "content": content or {media: {"schema": ref(schema)}}}
    return {"summary": summary, "parameters": list(params),
            "responses": {"200": ok, **{str(e): _err(ERRORS[e]) for e in errors}}}


def _bounded(name: str, integer: bool = False) -> dict:
    """The bounds kb.dosing.inputs checks for an input (the same data file)."""
    from kb.dosing.inputs import dosing_data

    limits = dosing_data()["limits"]
    lim = limits.get(name) or limits.get("any_number") or {"min_exclusive": 0}
    out: dict = {"type": "integer" if integer else "number"}
    if "min_exclusive" in lim:
        if integer:
            out["minimum"] = int(lim["min_exclusive"]) + 1
        else:
            out["exclusiveMinimum"] = lim["min_exclusive"]
    if "min" in lim:
        out["minimum"] = lim["min"]
    if "max" in lim:
        out["maximum"] = lim["max"]
    if lim.get("why"):
        out["description"] = f"refused outside this range ({lim['why']})"
    return out


def _dose_inputs(question: str, ex: dict) -> dict[str, tuple[dict, bool, str]]:
    """name -> (schema, required, description) of every input a dosing question takes."""
    from kb.dosing.inputs import INPUTS, dosing_data

    flag = {"enum": FLAG_VALUES, "description": "true or false (1/0, yes/no, on/off)"}
    all_inputs = {
        "label": ({"type": "string"}, False, "label or label@version (default: the latest)"),
        "indication": ({"type": "string", "pattern": NOT_BLANK, "maxLength": 200}, True,
                       "a dosing indication id, as /api/labels/{label}/indications lists them"),
        "weight_kg": (_bounded("weight_kg"), True, "body weight, kg"),
        "age_years": (_bounded("age_years"), True, "age, years"),
        "height_cm": (_bounded("height_cm"), False, "height, cm (for a dose by body surface area)"),
        "bsa_m2": (_bounded("bsa_m2"), False, "body surface area, m2 (instead of height)"),
        "bsa_formula": ({"enum": sorted(dosing_data()["bsa_formulas"])}, False, "how BSA is computed from height"),
        "cycle": (_bounded("cycle", integer=True), True, "treatment cycle, from 1"),
        "day": (_bounded("day", integer=True), True, "day of the cycle, from 1"),
        "cycles": (_bounded("cycles", integer=True), False, "how many cycles to plan (default: the regimen's)"),
        "infusion_hours": (_bounded("infusion_hours"), False, "infusion bag duration, hours"),
        "cns_history": (flag, False, "history of central nervous system pathology"),
        "toxicity": ({"type": "string", "pattern": NOT_BLANK, "maxLength": 200}, True,
                     "the toxicity as the label's dose-modification table names it"),
        "grade": (_bounded("grade", integer=True), False, "toxicity grade (CTCAE 1-5)"),
        "current_dose": (_bounded("current_dose"), False, "the dose the patient is on"),
    }
    return {k: all_inputs[k] for k in sorted(INPUTS[question], key=list(all_inputs).index)}


def _dose_op(question: str, summary: str, schema: str, ex: dict) -> dict:
    inputs = _dose_inputs(question, ex)
    params = [_p(k, required=req, desc=d, schema=s, example=ex.get(k)) for k, (s, req, d) in inputs.items()]
    get = _op(summary, params, schema, errors=(400, 404, 422, 501))
    def in_json(name: str, schema: dict, desc: str) -> dict:  # a JSON body may give the flag as true/false too
        if name == "cns_history":
            schema = {"enum": [True, False, *FLAG_VALUES]}
        return {**schema, "description": desc}

    body = {"type": "object", "additionalProperties": False,
            "required": [k for k, (_s, req, _d) in inputs.items() if req],
            "properties": {k: in_json(k, s, d) for k, (s, _r, d) in inputs.items()}}
    form = {**body, "properties": {k: {**s, "description": d} for k, (s, _r, d) in inputs.items()}}
    example = {k: ex[k] for k in inputs if k in ex}
    media = {"schema": body, **({"example": example} if example else {})}
    post = {**_op(summary + " (inputs as a JSON object or a form)", [], schema, errors=(400, 404, 415, 422, 501)),
            "requestBody": {"required": True, "content": {JSON: media, "application/x-www-form-urlencoded": {
                "schema": form}}}}
    return {"get": get, "post": post}


def _examples() -> dict:
    """Example values from the store: its first label version and a dosing indication of it."""
    from web.app_kb import get_kb

    ex: dict = {}
    try:
        refs = get_kb().labels()
    except Exception:  # an unreachable remote store: the document without examples
        return ex
    if not refs:
        return ex
    ex["label"] = refs[0].name
    try:
        from .api import dosing_service

        dosing = dosing_service().indications(refs[0].name)
    except Exception:  # no dose calculator in this build, or no dosing data for this label
        return ex
    for d in dosing:
        if d.get("kind") == "regimen" and "height_cm" not in d.get("needs", []):
            adult = d.get("age_group") in (None, "adult", "any")
            ex.update(indication=d["id"], weight_kg=70, age_years=40 if adult else max(d.get("min_age_years") or 0, 10),
                      cycle=1, day=1)
            break
    return ex


def document() -> dict:
    ex = _examples()
    label = _p("label", "path", True, "label id (its latest version) or label@version",
               {"type": "string", "minLength": 1}, ex.get("label"))
    freq = {"enum": list(FREQUENCY_NAMES)}
    from kb.search.base import MAX_PAGE, MAX_QUERY_CHARS
    from kb.search.documents import KINDS

    from .api import SORT_KEYS

    paths = {
        "/api/": {"get": _op("This index: the API's routes", (), "ApiIndex", errors=())},
        "/api/labels": {"get": _op("Label versions in the store", (), "LabelList", errors=())},
        "/api/labels/{label}": {"get": _op("Product facts, indications, contraindications, warnings and sections",
                                           [label], "LabelSummary")},
        "/api/labels/{label}/sections/{number}": {"get": _op(
            "One numbered section with its sub-headings and passages",
            [label, _p("number", "path", True, "section number, e.g. 4.4", {"type": "string", "minLength": 1},
                       "4.8")], "SectionAnswer")},
        "/api/labels/{label}/indications": {"get": _op(
            "Indications with their populations (and dosing indication ids)", [label], "IndicationsAnswer")},
        "/api/labels/{label}/adverse-reactions": {"get": _op(
            "Adverse reactions (section 4.8) by organ class and frequency",
            [label, _p("soc", desc="MedDRA system organ class, one of the label's own (`organ_classes` in the answer); another is a 400"),
             _p("frequency", desc="frequency band", schema=freq),
             _p("sort", desc="sort key (default soc)", schema={"enum": list(SORT_KEYS)}),
             _p("order", desc="desc for descending; anything else ascending")], "AdverseAnswer", (400, 404, 501))},
        "/api/labels/{label}/fhir": {"get": _op(
            "The label version as a FHIR R5 document Bundle (Composition, MedicinalProductDefinition, one "
            "ClinicalUseDefinition per indication, contraindication, warning and undesirable effect)",
            [label], "FhirBundle", (404,), media="application/fhir+json")},
        "/api/search": {"get": _op("Full-text search over label passages", [
            _p("q", required=True, desc='words or "quoted phrases"; synonyms, spelling variants and typos handled',
               schema={"type": "string", "pattern": NOT_BLANK, "maxLength": MAX_QUERY_CHARS}, example="pregnancy"),
            _p("label", desc="label or label@version"), _p("kind", schema={"enum": list(KINDS)}),
            _p("section", desc="section number"), _p("page", schema={"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
            _p("all_versions", desc="1, true or on: search every stored version (default: the latest of each)")],
            "SearchAnswer", (400, 404, 501))},
        "/api/diff": {"get": _op("Changes from one label version to another (the JSON of `kb diff --json`)", [
            _p("from", required=True, desc="label@version", schema={"type": "string", "pattern": NOT_BLANK},
               example=ex.get("label")),
            _p("to", required=True, desc="label@version", schema={"type": "string", "pattern": NOT_BLANK},
               example=ex.get("label")),
            _p("force", schema={"enum": ["", *FLAG_VALUES]}, desc="compare labels of different products")],
            "DiffAnswer")},
        "/api/dose": _dose_op("dose", "One day's dose for one patient", "DoseAnswer", ex),
        "/api/regimen": _dose_op("regimen", "The regimen day by day for one patient", "RegimenAnswer", ex),
        "/api/dose-modification": _dose_op("dose-modification", "What to do for a toxicity of a grade",
                                           "ModificationAnswer", ex),
        "/sparql": _sparql(current_app.config["MAX_QUERY_CHARS"]),
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "smpc-kb API", "version": "0.1.0",
                 "description": "Drug labels (SmPC) as a validated knowledge graph. SPARQL 1.1 Protocol at /sparql; "
                                "graph downloads at /download/all.{nq,trig,jsonld,ttl} and /download/{label}.{ttl,jsonld,nq}. "
                                "Linked data: every IRI under https://w3id.org/smpc-kb/id/ dereferences at /id/...; "
                                "the vocabulary at /ontology, VoID at /void, the JSON-LD context at "
                                "/ontology/context.jsonld. Every refusal is JSON: {\"ok\": false, \"error\", \"status\"}."},
        "paths": paths,
        "components": {"schemas": schemas()},
    }


def _sparql(max_chars: int) -> dict:
    from kb.sparql.safety import MEDIA_FORMATS

    from .sparql_endpoint import FORMAT_ALIASES

    formats = sorted({n for f in MEDIA_FORMATS for n in (f.name, f.media_type, *f.aliases)} | set(FORMAT_ALIASES)
                     | {"html"})
    query = {"type": "string", "minLength": 1, "maxLength": max_chars,
             "description": "a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE); updates are refused"}
    iris = {"type": "array", "items": {"type": "string", "format": "iri"}}
    dataset = [_p("default-graph-uri", desc="graphs merged into the default graph", schema=iris),
               _p("named-graph-uri", desc="graphs visible to GRAPH", schema=iris)]
    fmt = _p("format", desc="result format, instead of Accept", schema={"enum": formats})
    results = {m: {"schema": ref("SparqlResults") if m == "application/sparql-results+json" else
                   {"type": ["object", "array"]} if m == "application/ld+json" else {"type": "string"}}
               for m in RESULT_MEDIA}
    errors = (400, 403, 406, 413, 503)
    describe = ("Without a query: the service description (Turtle, JSON-LD, N-Triples or RDF/XML by Accept). "
                "Results by Accept or format: SELECT/ASK as SPARQL JSON, XML, CSV or TSV; CONSTRUCT/DESCRIBE as "
                "Turtle, JSON-LD, N-Triples or RDF/XML; text/html gives the query page with a results table.")
    example = "SELECT ?version WHERE { GRAPH ?g { ?version a <https://w3id.org/smpc-kb/ontology#LabelVersion> } } LIMIT 5"
    get = _op("SPARQL 1.1 Protocol query (read-only)", [_p("query", desc=query["description"], schema=query,
                                                          example=example), *dataset, fmt],
              errors=errors, content=results)
    get["description"] = describe
    _html_errors(get)
    form = {"type": "object", "properties": {"query": query, **{
        p["name"]: p["schema"] for p in dataset}, "format": fmt["schema"]}}
    post = _op("SPARQL 1.1 Protocol query by POST (a form, or the query as the body)", [*dataset],
               errors=(*errors, 415), content=results)
    post["description"] = describe
    _html_errors(post)
    post["requestBody"] = {"required": True, "content": {
        "application/x-www-form-urlencoded": {"schema": form},
        "application/sparql-query": {"schema": {**query, "description": "the query itself, UTF-8"},
                                     "example": example}}}
    return {"get": get, "post": post}


def _html_errors(op: dict) -> None:
    """A browser's request (format=html or Accept: text/html) gets a refused query back on the query page."""
    for code in ("400", "403", "413", "503"):
        resp = op["responses"][code]
        resp["content"] = {**resp["content"], "text/html": {"schema": {"type": "string"}}}


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
