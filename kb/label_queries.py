"""Read what the label pages show from one label version's named graph (SPARQL via kb)."""
from __future__ import annotations

from kb.search.documents import anchor_for, section_anchor

PREFIX = """PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


def _rows(kb, graph: str, where: str, select: str, order: str = "") -> list[dict]:
    q = f"{PREFIX}SELECT {select} WHERE {{ GRAPH <{graph}> {{ {where} }} }} {order}"
    return [{k: (str(v) if v is not None else None) for k, v in r.items()} for r in kb.sparql(q).rows]


def _num_key(s: str | None):
    return [int(p) if p.isdigit() else 0 for p in (s or "").split(".")]


def product(kb, graph: str) -> dict | None:
    rows = _rows(kb, graph, """?p a smpc:MedicinalProduct ; schema:name ?name .
        OPTIONAL { ?p smpc:activeSubstance ?substance } OPTIONAL { ?p smpc:pharmaceuticalForm ?form }
        OPTIONAL { ?p smpc:atcCode ?atc } OPTIONAL { ?p smpc:licenceHolder ?holder }
        OPTIONAL { ?p smpc:licenceNumber ?number }
        OPTIONAL { ?p smpc:strength ?q . OPTIONAL { ?q smpc:printedAs ?strength } }""",
                 "?name ?substance ?form ?atc ?holder ?number ?strength")
    return rows[0] if rows else None


def indications(kb, graph: str) -> list[dict]:
    rows = _rows(kb, graph, """?i a smpc:Indication ; smpc:identifier ?id ; smpc:text ?text .
        OPTIONAL { ?i smpc:population ?p .
          OPTIONAL { ?p smpc:ageGroup ?age } OPTIONAL { ?p smpc:disease ?disease }
          OPTIONAL { ?p smpc:description ?population }
          OPTIONAL { ?p smpc:minAge/smpc:printedAs ?minAge } OPTIONAL { ?p smpc:maxAge/smpc:printedAs ?maxAge } }
        OPTIONAL { ?i prov:wasDerivedFrom/smpc:startLine ?line }""",
                 "?id ?text ?age ?disease ?population ?minAge ?maxAge ?line", "ORDER BY ?line ?id")
    seen, out = set(), []
    for r in rows:
        if r["id"] not in seen:
            seen.add(r["id"])
            out.append(r)
    markers = _rows(kb, graph, """?i a smpc:Indication ; smpc:identifier ?id ; smpc:population/smpc:hasMarker ?m .
        ?m smpc:markerName ?name ; smpc:markerStatus ?status""", "?id ?name ?status", "ORDER BY ?name")
    for r in out:
        r["markers"] = [f"{m['name']} {m['status']}" for m in markers if m["id"] == r["id"]]
    return out


def contraindications(kb, graph: str) -> list[dict]:
    return _rows(kb, graph, """?c a smpc:Contraindication ; smpc:text ?text .
        OPTIONAL { ?c smpc:contraindicationKind ?kind } OPTIONAL { ?c prov:wasDerivedFrom/smpc:startLine ?line }""",
                 "?text ?kind ?line", "ORDER BY ?line")


def warnings(kb, graph: str) -> list[dict]:
    rows = _rows(kb, graph, """?w a smpc:Warning ; dcterms:title ?title ; smpc:describedIn ?s .
        ?s smpc:sectionKey ?key ; smpc:sectionNumber ?number . OPTIONAL { ?s smpc:order ?order }""",
                 "?title ?key ?number ?order", "ORDER BY ?order")
    for r in rows:
        r["anchor"] = section_anchor(r["key"])
    return rows


def sections(kb, graph: str) -> list[dict]:
    rows = _rows(kb, graph, """?s a smpc:Section ; smpc:sectionKey ?key ; smpc:sectionNumber ?number ;
        dcterms:title ?title ; smpc:order ?order . OPTIONAL { ?s smpc:level ?level }""",
                 "?key ?number ?title ?order ?level")
    rows.sort(key=lambda r: int(r["order"] or 0))
    for r in rows:
        r["sub"] = "/" in r["key"]
        r["anchor"] = section_anchor(r["key"])
    return rows


def section(kb, graph: str, number: str, all_sections: list[dict] | None = None) -> list[dict]:
    """The numbered section and its sub-headings, each with its passages and their anchors
    (``all_sections``: the label's :func:`sections`, when the caller has them already)."""
    secs = [dict(s) for s in (all_sections if all_sections is not None else sections(kb, graph))
            if s["number"] == number]
    if not secs:
        return []
    rows = _rows(kb, graph, f"""?s smpc:sectionNumber "{_lit(number)}" ; smpc:sectionKey ?key ; smpc:hasPassage ?p .
        ?p smpc:order ?order ; smpc:text ?text . OPTIONAL {{ ?p smpc:passageKind ?kind }}
        OPTIONAL {{ ?p prov:wasDerivedFrom/smpc:startLine ?line }}""", "?key ?order ?text ?kind ?line")
    by_key: dict[str, list[dict]] = {}
    for r in rows:
        o = int(r["order"])
        by_key.setdefault(r["key"], []).append({"order": o, "text": r["text"], "kind": r["kind"] or "paragraph",
                                                "line": r["line"], "anchor": anchor_for(r["key"], o)})
    for s in secs:
        s["passages"] = sorted(by_key.get(s["key"], []), key=lambda p: p["order"])
    return secs


def _lit(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def summary(kb, ref) -> dict:
    """What the label page and its JSON twin show, read once per stored version (shared: copy to change)."""
    return kb.per_version(ref, "summary", lambda: _summary(kb, ref))


def _summary(kb, ref) -> dict:
    g = ref.iri
    secs = sections(kb, g)
    numbered = [s for s in secs if not s["sub"]]
    numbered.sort(key=lambda s: _num_key(s["number"]))
    return {
        **ref.as_dict(), "product": product(kb, g), "indications": indications(kb, g),
        "contraindications": contraindications(kb, g), "warnings": warnings(kb, g),
        "unresolved": kb.unresolved(ref),
        "sections": [{"key": s["key"], "number": s["number"], "title": s["title"], "subheading": s["sub"],
                      "anchor": s["anchor"]} for s in secs],
    }


def passage_index(kb, graph: str) -> list[tuple[str, int, int, str, str]]:
    """(section key, first line, order, anchor, text) of every passage, in reading order."""
    rows = _rows(kb, graph, """?s smpc:sectionKey ?key ; smpc:hasPassage ?p . ?p smpc:order ?order ; smpc:text ?text .
        ?p prov:wasDerivedFrom/smpc:startLine ?line""", "?key ?order ?line ?text")
    out = [(r["key"], int(r["line"]), int(r["order"]), anchor_for(r["key"], int(r["order"])), _norm(r["text"]))
           for r in rows if r["line"]]
    return sorted(out, key=lambda t: (t[1], t[0], t[2]))


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).lower()


def anchor_at(index: list, section_key: str, line: int, quote: str | None = None) -> str:
    """The anchor of the passage holding a fact: in its section, starting at or before its line, and
    containing its quote when one does (a FHIR label prints a whole section on one line)."""
    top = section_key.split("/")[0]
    q = _norm(quote).rstrip(",;.")
    cands = [t for t in index if t[0].split("/")[0] == top and t[1] <= (line or 0)]
    exact = [t for t in cands if t[0] == section_key] or cands
    with_quote = [t for t in exact if q and q in t[4]] or [t for t in cands if q and q in t[4]]
    if with_quote:
        return with_quote[-1][3] if len({t[1] for t in with_quote}) > 1 else with_quote[0][3]
    return exact[-1][3] if exact else section_anchor(section_key)


def footnotes(kb, graph: str) -> list[dict]:
    rows = _rows(kb, graph, "?f a smpc:TableFootnote ; smpc:marker ?marker ; smpc:footnoteText ?text",
                 "DISTINCT ?marker ?text")
    return sorted(rows, key=lambda r: (not r["marker"].isdigit(), int(r["marker"]) if r["marker"].isdigit() else 0,
                                       r["marker"]))


def population(kb, graph: str) -> dict[str, list[dict]]:
    """Every property the graph holds on each indication's population: indication id -> [{property, value}]."""
    rows = _rows(kb, graph, """?i a smpc:Indication ; smpc:identifier ?id ; smpc:population ?p . ?p ?prop ?v .
        FILTER(?prop != <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> && ?prop != prov:wasDerivedFrom
               && ?prop != smpc:description)
        OPTIONAL { ?v smpc:printedAs ?printed } OPTIONAL { ?v smpc:markerName ?mname . ?v smpc:markerStatus ?mstatus }
        OPTIONAL { ?v smpc:therapy ?therapy } OPTIONAL { ?v smpc:relation ?rel } OPTIONAL { ?v smpc:minCount ?count }""",
                 "?id ?prop ?v ?printed ?mname ?mstatus ?therapy ?rel ?count")
    out: dict[str, list[dict]] = {}
    for r in rows:
        name = r["prop"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        if r["mname"]:
            value = f"{r['mname']} {r['mstatus']}"
        elif r["therapy"] or r["count"]:
            value = " ".join(x for x in (r["rel"], f"at least {r['count']}" if r["count"] else None, r["therapy"]) if x)
        else:
            value = r["printed"] or r["v"]
        if value and value.startswith(("http://", "https://")):
            continue
        items = out.setdefault(r["id"], [])
        same = next((x for x in items if x["property"] == name), None)
        if same is None:
            items.append({"property": name, "value": value, "values": [value]})
        elif value not in same["values"]:
            same["values"].append(value)
            same["value"] = ", ".join(same["values"])
    order = ["ageGroup", "minAge", "maxAge", "disease", "diseaseState", "hasMarker", "remission", "mrdThreshold",
             "priorTherapy", "therapyRole"]
    for items in out.values():
        items.sort(key=lambda x: order.index(x["property"]) if x["property"] in order else len(order))
    return out
