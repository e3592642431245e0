"""One stored label version -> a FHIR R5 document Bundle (ePI type 3: structured content).

``fhir_bundle(store, ref) -> dict`` reads the label's named graph with SPARQL
(evaluated by the store: Oxigraph, local or remote) and builds:

* ``Composition`` (first entry): type SmPC (EMA SPOR document type
  100000155532), one section per SmPC section with its ePI section code
  (``ontology/data/epi-section-codes.json``), title and the label text as XHTML
  narrative; named sub-headings as nested sections (coded when they are one of
  the template's sub-headings: 4.6 "Pregnancy" ...); each section lists the
  ClinicalUseDefinitions read from it in ``section.entry``.
* ``MedicinalProductDefinition``: name, identifiers and ATC classification
  (from the product's codings and ATC code), an ``Ingredient`` for the active
  substance and an ``Organization`` for the licence holder.
* One ``ClinicalUseDefinition`` per indication, contraindication, warning and
  undesirable effect: ``subject`` -> the product, the label text as narrative,
  the fact's IRI as identifier; undesirable effects carry the organ class
  (MedDRA SOC code) and the frequency band as codings.

Every ``fullUrl`` is ``urn:uuid:`` + a UUID derived from the node's IRI, so an
export is stable across runs. No product knowledge here: all of it is read from
the store.
"""
from __future__ import annotations

import difflib
import html
import json
import re
import uuid
from functools import lru_cache

from ingest.extract.adverse.data import socs
from ingest.scheme import load_json

SPOR_SECTIONS = "https://spor.ema.europa.eu/v1/lists/200000029659"
SPOR_DOCTYPES = "https://spor.ema.europa.eu/v1/lists/100000155531"
SPOR_ROLES = "https://spor.ema.europa.eu/v1/lists/100000072050"
MEDDRA = "https://www.meddra.org"
ATC = "http://www.whocc.no/atc"
ID_SYSTEM = "https://w3id.org/smpc-kb/id"
FREQUENCY_SYSTEM = "https://w3id.org/smpc-kb/ontology"
XHTML = "http://www.w3.org/1999/xhtml"

_P = """PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
_LABEL = _P + """SELECT ?title ?date ?prod ?name ?substance ?form ?atc ?holder ?number WHERE { GRAPH <%(g)s> {
  <%(g)s> dcterms:title ?title . OPTIONAL { <%(g)s> smpc:versionDate ?date }
  OPTIONAL { <%(g)s> smpc:describesProduct ?prod . ?prod schema:name ?name .
    OPTIONAL { ?prod smpc:activeSubstance ?substance } OPTIONAL { ?prod smpc:pharmaceuticalForm ?form }
    OPTIONAL { ?prod smpc:atcCode ?atc } OPTIONAL { ?prod smpc:licenceHolder ?holder }
    OPTIONAL { ?prod smpc:licenceNumber ?number } } } } LIMIT 1"""
_CODINGS = _P + """SELECT ?role ?system ?code ?display WHERE { GRAPH <%(g)s> {
  ?prod smpc:hasCoding ?c . ?c smpc:codingRole ?role .
  OPTIONAL { ?c smpc:codeSystem ?system } OPTIONAL { ?c smpc:code ?code } OPTIONAL { ?c rdfs:label ?display } } }
  ORDER BY ?c"""
_SECTIONS = _P + """SELECT ?key ?title ?order ?parent WHERE { GRAPH <%(g)s> {
  ?s a smpc:Section ; smpc:sectionKey ?key ; dcterms:title ?title ; smpc:order ?order .
  OPTIONAL { ?s smpc:parentSection/smpc:sectionKey ?parent } } } ORDER BY ?order"""
_PASSAGES = _P + """SELECT ?key ?text WHERE { GRAPH <%(g)s> {
  ?s smpc:sectionKey ?key ; smpc:hasPassage ?p . ?p smpc:order ?o ; smpc:text ?text } } ORDER BY ?key ?o"""
_FACTS = _P + """SELECT ?f ?kind ?ident ?text ?title ?condition ?key WHERE { GRAPH <%(g)s> {
  VALUES (?cls ?kind) { (smpc:Indication "indication") (smpc:Contraindication "contraindication")
                        (smpc:Warning "warning") }
  ?f a ?cls ; smpc:identifier ?ident ; smpc:text ?text .
  OPTIONAL { ?f dcterms:title ?title } OPTIONAL { ?f smpc:condition ?condition }
  OPTIONAL { ?f smpc:describedIn/smpc:sectionKey ?described }
  OPTIONAL { ?f prov:wasDerivedFrom/smpc:inSection/smpc:sectionKey ?spanKey }
  BIND (COALESCE(?described, ?spanKey) AS ?key) } } ORDER BY ?kind ?f"""

_ADVERSE = _P + """SELECT ?e ?term ?soc ?freq ?key ?quote WHERE { GRAPH <%(g)s> {
  ?e a smpc:AdverseReaction ; smpc:term ?term ; smpc:frequency ?freq .
  OPTIONAL { ?e smpc:systemOrganClass ?soc }
  OPTIONAL { ?e prov:wasDerivedFrom ?span . ?span smpc:inSection/smpc:sectionKey ?key ; smpc:quote ?quote } } }
  ORDER BY ?e"""


@lru_cache(maxsize=1)
def _section_codes() -> dict[str, str]:
    data = load_json("epi-section-codes.json")
    return {number: code for code, number in data["sections"].items()}


def _norm(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


@lru_cache(maxsize=1)
def _subheading_codes() -> dict[str, list[tuple[str, str, str]]]:
    """parent number -> [(normalised template title, code, template title)]."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for code, sub in load_json("epi-section-codes.json")["subheadings"].items():
        out.setdefault(sub["parent"], []).append((_norm(sub["title"]), code, sub["title"]))
    return out


def subheading_code(number: str, title: str) -> tuple[str, str] | None:
    """(code, template title) of a named sub-heading of ``number`` that is one of the template's
    (spelling variants allowed: 'Pediatric population' ~ 'Paediatric population')."""
    t = _norm(title)
    for norm, code, template in _subheading_codes().get(number, []):
        if t == norm or difflib.SequenceMatcher(None, t, norm).ratio() >= 0.9:
            return code, template
    return None


def _uuid(iri: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, iri)}"


def _id(text: str, used: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-")[:60] or "x"
    out, n = base, 1
    while out in used:
        n += 1
        out = f"{base[:56]}-{n}"
    used.add(out)
    return out


def narrative(*paragraphs: str) -> dict:
    body = "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p) or "<p/>"
    return {"status": "additional", "div": f'<div xmlns="{XHTML}">{body}</div>'}


def _s(row: dict, key: str) -> str | None:
    v = row.get(key)
    return str(v) if v is not None else None


def fhir_bundle(store, ref) -> dict:
    """The FHIR R5 document Bundle of one label version (``ref``: a :class:`kb.service.LabelRef`)."""
    g = ref.iri
    head = next(iter(store.query(_LABEL % {"g": g}).rows), {})
    used: set[str] = set()
    date = (_s(head, "date") or ref.version_date or "")[:10]
    when = f"{date}T00:00:00Z" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else None
    entries: list[dict] = []

    prod_iri = _s(head, "prod") or f"{g}/product"
    prod_url = _uuid(prod_iri)
    codings = [{k: _s(r, k) for k in ("role", "system", "code", "display")} for r in store.query(_CODINGS % {"g": g}).rows]
    mpd = _product(head, codings, ref, used)
    entries.append({"fullUrl": prod_url, "resource": mpd})
    author = {"display": "smpc-kb"}
    if _s(head, "holder"):
        org_url = _uuid(f"{g}/organisation")
        entries.append({"fullUrl": org_url, "resource": {"resourceType": "Organization", "id": _id("organisation", used),
                                                        "name": _s(head, "holder")}})
        author = {"reference": org_url, "display": _s(head, "holder")}
    substance = _s(head, "substance") or next((c["display"] for c in codings if c["role"] == "active-substance"
                                               and c["display"]), None)
    if substance:
        concept = {"text": substance}
        codes = [{"system": c["system"], "code": c["code"]} for c in codings
                 if c["role"] == "active-substance" and c["code"] and c["system"] and "/substance" not in c["system"]]
        if codes:
            concept["coding"] = codes
        entries.append({"fullUrl": _uuid(f"{g}/ingredient"), "resource": {
            "resourceType": "Ingredient", "id": _id("ingredient", used), "status": "active",
            "for": [{"reference": prod_url}],
            "role": {"coding": [{"system": SPOR_ROLES, "code": "100000072072", "display": "Active"}], "text": "Active"},
            "substance": {"code": {"concept": concept}}}})

    sections, by_key = _sections(store, g)
    for kind, fact, key in _clinical_uses(store, g, prod_url, used):
        url = _uuid(fact["identifier"][0]["value"])
        entries.append({"fullUrl": url, "resource": fact})
        target = by_key.get(key) or by_key.get((key or "").split("/")[0])
        if target is not None:
            target.setdefault("entry", []).append({"reference": url, "display": kind})

    comp = {"resourceType": "Composition", "id": _id("composition", used), "language": "en",
            "identifier": [{"system": ID_SYSTEM, "value": g}], "status": "final",
            "type": {"coding": [{"system": SPOR_DOCTYPES, "code": "100000155532",
                                 "display": "Summary of Product Characteristics"}], "text": "SmPC"},
            "subject": [{"reference": prod_url}], "date": when or "1970-01-01T00:00:00Z", "author": [author],
            "title": _s(head, "title") or ref.name, "section": sections}
    bundle = {"resourceType": "Bundle", "id": _id(ref.name.replace("@", "-"), set()),
              "identifier": {"system": ID_SYSTEM, "value": g}, "type": "document",
              "timestamp": when or "1970-01-01T00:00:00Z",
              "entry": [{"fullUrl": _uuid(f"{g}/composition"), "resource": comp}, *entries]}
    return bundle


def fhir_json(store, ref) -> bytes:
    return json.dumps(fhir_bundle(store, ref), indent=2, ensure_ascii=False).encode("utf-8")


def _product(head: dict, codings: list[dict], ref, used: set[str]) -> dict:
    mpd: dict = {"resourceType": "MedicinalProductDefinition", "id": _id("product", used)}
    idents = [{"system": c["system"], "value": c["code"]} for c in codings
              if c["role"] == "product-identifier" and c["code"]]
    if idents:
        mpd["identifier"] = idents
    if _s(head, "form"):
        mpd["combinedPharmaceuticalDoseForm"] = {"text": _s(head, "form")}
    atc = [{"system": c["system"] or ATC, "code": c["code"]} for c in codings if c["role"] == "atc" and c["code"]]
    if not atc and _s(head, "atc"):
        atc = [{"system": ATC, "code": _s(head, "atc")}]
    if atc:
        mpd["classification"] = [{"coding": atc}]
    names = [_s(head, "name") or ref.title or ref.label_id]
    names += [c["display"] for c in codings if c["role"] == "product-name" and c["display"]]
    mpd["name"] = [{"productName": n} for n in dict.fromkeys(names)]
    return mpd


def _sections(store, g: str) -> tuple[list[dict], dict[str, dict]]:
    texts: dict[str, list[str]] = {}
    for r in store.query(_PASSAGES % {"g": g}).rows:
        texts.setdefault(str(r["key"]), []).append(str(r["text"]))
    top: list[dict] = []
    by_key: dict[str, dict] = {}
    codes = _section_codes()
    for r in store.query(_SECTIONS % {"g": g}).rows:
        key, parent = str(r["key"]), _s(r, "parent")
        number = key.split("/")[0]
        sec: dict = {"title": f"{number} {r['title']}" if "/" not in key else str(r["title"])}
        if "/" not in key and number in codes:
            sec["code"] = {"coding": [{"system": SPOR_SECTIONS, "code": codes[number], "display": sec["title"]}]}
        elif "/" in key and parent == number and subheading_code(number, sec["title"]):
            code, template = subheading_code(number, sec["title"])
            sec["code"] = {"coding": [{"system": SPOR_SECTIONS, "code": code, "display": template}]}
        sec["text"] = narrative(*texts.get(key, []))
        by_key[key] = sec
        host = by_key.get(parent) if parent else None
        (host.setdefault("section", []) if host is not None else top).append(sec)
    return top, by_key


def _clinical_uses(store, g: str, prod_url: str, used: set[str]):
    """(kind, ClinicalUseDefinition, source section key) for every clinical fact."""
    seen: set[str] = set()
    for r in store.query(_FACTS % {"g": g}).rows:
        iri = str(r["f"])
        if iri in seen:
            continue
        seen.add(iri)
        kind, text = str(r["kind"]), str(r["text"])
        cud = _cud(kind, iri, used, prod_url, narrative(*([_s(r, "title")] if _s(r, "title") else []), text))
        if kind == "indication":
            cud["indication"] = {"diseaseSymptomProcedure": {"concept": {"text": text}}}
        elif kind == "contraindication":
            cud["contraindication"] = {"diseaseSymptomProcedure": {"concept": {"text": _s(r, "condition") or text}}}
        else:
            cud["warning"] = {"description": text}
            if _s(r, "title"):
                cud["warning"]["code"] = {"text": _s(r, "title")}
        yield kind, cud, _s(r, "key")
    by_code = {s.code: s for s in socs()}
    for r in store.query(_ADVERSE % {"g": g}).rows:
        iri = str(r["e"])
        if iri in seen:
            continue
        seen.add(iri)
        term, freq = str(r["term"]), str(r["freq"]).rsplit("#freq-", 1)[-1].replace("-", " ")
        effect: dict = {"symptomConditionEffect": {"concept": {"text": term}}}
        soc = by_code.get(str(r["soc"]).rsplit("#soc-", 1)[-1]) if r.get("soc") is not None else None
        if soc is not None:
            effect["classification"] = {"coding": [{"system": MEDDRA, "code": soc.code, "display": soc.name}],
                                        "text": soc.name}
        effect["frequencyOfOccurrence"] = {"coding": [{"system": FREQUENCY_SYSTEM, "code": "freq-" + freq.replace(" ", "-"),
                                                       "display": freq}], "text": freq}
        parts = [term, f"{soc.name if soc else ''} - {freq}".strip(" -"), _s(r, "quote")]
        cud = _cud("undesirable-effect", iri, used, prod_url, narrative(*dict.fromkeys(p for p in parts if p)))
        cud["undesirableEffect"] = effect
        yield "undesirable-effect", cud, _s(r, "key")


def _cud(kind: str, iri: str, used: set[str], prod_url: str, text: dict) -> dict:
    return {"resourceType": "ClinicalUseDefinition", "id": _id(f"{kind}-{iri.rsplit('/', 1)[-1]}", used),
            "identifier": [{"system": ID_SYSTEM, "value": iri}], "type": kind, "status": {"text": "active"},
            "subject": [{"reference": prod_url}], "text": text}
