"""The response and request schemas of /openapi.json (components.schemas), as the routes answer them.

Each object lists the keys every answer has (``required``) with their JSON types; a key that may be
absent from a value is ``null`` (``["string", "null"]``). Objects stay open (more keys may appear:
the answers grow), so a client can rely on what is listed here and ignore the rest.
"""
from __future__ import annotations


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: dict | None = None, optional: dict | None = None, **extra) -> dict:
    """An object with ``required`` keys (name -> schema) and ``optional`` ones."""
    props = {**(required or {}), **(optional or {})}
    out: dict = {"type": "object", "properties": props, **extra}
    if required:
        out["required"] = list(required)
    return out


def arr(items: dict) -> dict:
    return {"type": "array", "items": items}


S = {"type": "string"}
S0 = {"type": ["string", "null"]}
I = {"type": "integer"}  # noqa: E741  (the JSON type)
N = {"type": "number"}
N0 = {"type": ["number", "null"]}
B = {"type": "boolean"}
O = {"type": "object"}  # noqa: E741
O0 = {"type": ["object", "null"]}


def schemas() -> dict:
    label_entry = {"label": S, "version": S, "name": {**S, "description": "label@version"},
                   "graph": {**S, "description": "the named graph (IRI) of this version"},
                   "title": S0, "version_date": S0, "version_basis": S0}
    source = obj({"section": S}, {"field": S, "quote": S0, "lines": arr(I), "derivation": S})
    dose_q = obj({"value": N, "unit": S})
    return {
        "Error": obj({"ok": {"const": False}, "error": {**S, "minLength": 1},
                      "status": {"type": "integer", "minimum": 400, "maximum": 599}},
                     {"field": {**S0, "description": "the input at fault (dose questions)"},
                      "line": I, "column": I}, description="Every refusal: JSON with the HTTP status repeated"),
        "ApiIndex": obj({"ok": {"const": True}, "openapi": S, "endpoints": arr(S)}),
        "LabelVersion": obj({**label_entry, "reader": S0, "ingested_at": S0}),
        "LabelList": obj({"labels": arr(ref("LabelVersion"))}),
        "Naming": obj({"label": S, "version": S, "name": S, "title": S0, "version_date": S0, "version_basis": S0,
                       "text": {**S, "description": "the label version for people"}},
                      description="The label version an answer was read from"),
        "Indication": obj({"id": S, "text": S, "markers": arr(S)},
                          {"age": S0, "disease": S0, "population": S0, "minAge": S0, "maxAge": S0,
                           "line": {**S0, "description": "first line in the source text"}}),
        "LabelSummary": obj({
            **label_entry, "product": {"oneOf": [{"type": "null"}, obj(None, {k: S0 for k in (
                "name", "substance", "form", "atc", "holder", "number", "strength")})]},
            "indications": arr(ref("Indication")),
            "contraindications": arr(obj({"text": S}, {"kind": S0, "line": S0})),
            "warnings": arr(obj({"title": S, "key": S, "number": S, "anchor": S}, {"order": S0})),
            "unresolved": arr(O),
            "sections": arr(obj({"key": S, "number": S, "title": S, "subheading": B, "anchor": S})),
            "label_version": ref("Naming")}),
        "SectionAnswer": obj({"label": S, "version": S, "label_version": ref("Naming"), "number": S,
                              "sections": arr(obj({"key": S, "number": S, "title": S, "anchor": S, "sub": B,
                                                   "passages": arr(obj({"order": I, "text": S, "kind": S,
                                                                        "anchor": S}, {"line": S0}))},
                                                  {"order": S0, "level": S0}))}),
        "DosingIndication": obj({"id": S, "kind": S, "needs": arr(S)},
                                {"text": S0, "regimen": S0, "regimen_title": S0, "age_group": S0,
                                 "min_age_years": N0, "weight_groups": arr(S), "infusion_hours": arr(N),
                                 "cycles": {"type": ["integer", "null"]}, "cycle_days": {"type": ["integer", "null"]}}),
        "IndicationsAnswer": obj({"label": S, "version": S, "label_version": ref("Naming"),
                                  "indications": arr(ref("Indication")),
                                  "dosing": {"oneOf": [{"type": "null"}, arr(ref("DosingIndication"))],
                                             "description": "null when the dose calculator is not in this build"}}),
        "AdverseReaction": obj({"term": S, "soc": S0, "frequency": S},
                               {"soc_as_printed": S0, "frequency_candidates": arr(S), "frequency_basis": S0,
                                "frequency_rule": S0, "confidence": N0, "incidence_percent": N0,
                                "footnotes": arr(S), "included_terms": arr(S), "may_represent": arr(S),
                                "term_level": S0, "see_section": S0, "source": source}),
        "AdverseAnswer": obj({"label": S, "version": S, "label_version": ref("Naming"),
                              "filters": obj({"soc": S0, "frequency": S0, "sort": S}),
                              "total": {**I, "minimum": 0}, "entries": arr(ref("AdverseReaction")),
                              "organ_classes": arr(S), "frequencies": arr(S),
                              "counts": {"type": "object", "description": "organ class -> frequency -> count",
                                         "additionalProperties": {"type": "object", "additionalProperties": {
                                             **I, "minimum": 0}}}}),
        "Facet": obj({"value": S, "count": {**I, "minimum": 0}}),
        "SearchAnswer": obj({
            "query": S, "total": {**I, "minimum": 0},
            "results": arr(obj({"label": S, "version": S, "section": {**S, "description": "section number as printed, e.g. 4.4"},
                                "title": S, "kind": S, "snippet": {**S, "description": "escaped HTML with <mark>"},
                                "score": N, "url": S},
                               {"label_title": S0, "section_key": S, "heading": S0, "fact": S0, "fact_label": S0,
                                "passage_kind": S0, "title_html": S0, "anchor": S, "line": {"type": ["integer", "null"]},
                                "graph": S})),
            "facets": obj(None, {"label": arr(ref("Facet")), "kind": arr(ref("Facet")), "section": arr(ref("Facet"))})},
            {"page": {**I, "minimum": 1}, "pages": {**I, "minimum": 0}, "page_size": {**I, "minimum": 1},
             "corrections": O}),
        "DiffAnswer": obj({"from": S, "to": S, "labels": obj({"from": O, "to": O}), "forced": B,
                           "summary": O, "changes": arr(obj({"kind": S})), "sections": arr(O)}),
        "DoseAnswer": obj({"label": S, "label_version": ref("Naming"), "dose_text": S0},
                          {"indication": S0, "kind": S, "regimen": S0, "cycle": I, "day": I, "dose": {
                              "oneOf": [{"type": "null"}, dose_q]}, "warnings": arr(S), "sources": arr(source)},
                          description="One day's dose (a regimen) or the dose of a rule printed as prose "
                                      "(kind dose-rule), with the label's words it was read from"),
        "RegimenAnswer": obj({"label": S, "label_version": ref("Naming")},
                             {"regimen": S0, "title": S0, "indication": S0, "cycles": {"type": ["integer", "null"]},
                              "days": arr(obj({"cycle": I, "day": I})), "warnings": arr(S), "sources": arr(source),
                              "kind": S}),
        "ModificationAnswer": obj({"label": S, "label_version": ref("Naming"), "toxicity": S},
                                  {"regimen": S0, "weight_group": S0, "grade": {"type": ["integer", "null"]},
                                   "action": S0, "interruption_rules": arr(obj({"outcome": S0, "text": S0})),
                                   "sources": arr(source)}),
        "FhirBundle": obj({"resourceType": {"const": "Bundle"}, "type": {"const": "document"},
                           "entry": arr(obj({"resource": obj({"resourceType": S})}))}),
        "SparqlResults": {"description": "SPARQL 1.1 Query Results JSON (SELECT or ASK)", "anyOf": [
            obj({"head": obj({"vars": arr(S)}), "results": obj({"bindings": arr({
                "type": "object", "additionalProperties": obj({"type": {"enum": ["uri", "literal", "bnode", "triple"]},
                                                               "value": {}})})})}),
            obj({"head": O, "boolean": B})]},
    }
