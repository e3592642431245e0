"""Read adverse reactions back from the store as the JSON list the CLI and web API serve.

``adverse_reactions(store, graph_iri, soc=None, frequency=None)`` -> list of
``{term, soc, frequency, frequency_candidates, frequency_basis, frequency_rule, confidence,
incidence_percent, footnotes, included_terms, may_represent, term_level,
see_section, source: {section, lines, quote}}``; ``incidence_percent`` is the
crude any-grade incidence in the table's own population, or None. An entry
whose frequency the label leaves open has ``frequency_basis`` "open",
``frequency`` "common or uncommon" and ``frequency_candidates`` the categories.
``store`` is anything with ``query(sparql)`` returning ``.rows`` (list of
dicts var -> rdflib term): the Oxigraph store, or :class:`GraphStore` around an
rdflib graph.
"""
from __future__ import annotations

from ingest.extract.adverse.data import soc_by_name
from ingest.extract.adverse.records import FREQUENCY_NAMES

ONT = "https://w3id.org/smpc-kb/ontology#"

_PREFIX = """PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

_QUERY = _PREFIX + """
SELECT ?e ?term ?soc ?socp ?freq ?basis ?rule ?conf ?level ?see ?section ?l1 ?l2 ?quote
WHERE {
  GRAPH <%(g)s> {
    ?e a smpc:AdverseReaction ; smpc:term ?term ; smpc:frequencyBasis ?basis ;
       prov:wasDerivedFrom ?span .
    ?span smpc:inSection ?section ; smpc:startLine ?l1 ; smpc:endLine ?l2 ; smpc:quote ?quote .
    # every required pattern before the first OPTIONAL: Oxigraph joins a pattern that follows an
    # OPTIONAL as a separate scan of every span of the graph (0.8 s against 0.03 s here)
    OPTIONAL { ?e smpc:frequency ?freq }
    OPTIONAL { ?e smpc:systemOrganClass ?soc }
    OPTIONAL { ?e smpc:socAsPrinted ?socp }
    OPTIONAL { ?e smpc:frequencyRule ?rule }
    OPTIONAL { ?e smpc:confidence ?conf }
    OPTIONAL { ?e smpc:termLevel ?level }
    OPTIONAL { ?e smpc:seeSection ?see }
  }
}
ORDER BY ?l1 ?term
"""

# the crude any-grade incidence, asked apart: as a nested OPTIONAL of _QUERY it tripled its time
_INCIDENCE = _PREFIX + """
SELECT ?e ?pct WHERE {
  GRAPH <%(g)s> {
    ?e a smpc:AdverseReaction ; smpc:hasIncidence ?inc .
    ?inc smpc:incidenceKind "any grade" ; smpc:frequencyBasisPopulation true ; smpc:percent ?pct
  }
}
"""

_MULTI = _PREFIX + """
SELECT ?e ?v WHERE { GRAPH <%(g)s> { ?e a smpc:AdverseReaction ; smpc:%(p)s ?v } }
"""


def _multi(store, graph_iri: str, prop: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in store.query(_MULTI % {"g": graph_iri, "p": prop}).rows:
        out.setdefault(str(r["e"]), []).append(str(r["v"]))
    return out


class GraphStore:
    """``query(sparql).rows`` over one rdflib graph (tests, offline use): the
    ``GRAPH <iri>`` wrapper of the store queries becomes a plain group."""

    def __init__(self, graph):
        self.graph = graph

    def query(self, sparql: str):
        import re

        res = self.graph.query(re.sub(r"GRAPH\s*<[^>]*>\s*\{", "{", sparql))
        rows = [{str(k): v for k, v in r.asdict().items()} for r in res]
        return type("Result", (), {"rows": rows})()


def _section_key(iri, graph_iri: str) -> str:
    s = str(iri)
    prefix = f"{graph_iri}/section/"
    return s[len(prefix):] if s.startswith(prefix) else s


def _num(v):
    if v is None:
        return None
    f = float(str(v))
    return int(f) if f.is_integer() and "." not in str(v) else f


def _freq_name(iri) -> str:
    return str(iri).rsplit("#freq-", 1)[-1].replace("-", " ")


def _band_order(name: str) -> int:
    return FREQUENCY_NAMES.index(name) if name in FREQUENCY_NAMES else len(FREQUENCY_NAMES)


def adverse_reactions(store, graph_iri: str, soc: str | None = None, frequency: str | None = None) -> list[dict]:
    """Entries of one label version graph, optionally filtered by organ class and frequency."""
    check_frequency(frequency)  # before the store is read
    return select(all_entries(store, graph_iri), soc=soc, frequency=frequency)


def check_frequency(frequency: str | None) -> None:
    if frequency is not None and frequency.lower() not in FREQUENCY_NAMES:
        raise ValueError(f"unknown frequency {frequency!r} (one of: {', '.join(FREQUENCY_NAMES)})")


def select(entries: list[dict], soc: str | None = None, frequency: str | None = None) -> list[dict]:
    """The entries of an organ class (official name, or as printed) and of a frequency band."""
    check_frequency(frequency)
    want_soc = None
    if soc is not None:
        found = soc_by_name(soc)
        want_soc = found.name.lower() if found else soc.lower()
    out = []
    for e in entries:
        if frequency is not None and e["frequency"] != frequency.lower():
            continue
        soc_name = e["soc"]
        if want_soc is not None and (soc_name or e["soc_as_printed"] or "").lower() != want_soc \
                and want_soc not in (soc_name or "").lower():
            continue
        out.append(e)
    return out


def all_entries(store, graph_iri: str) -> list[dict]:
    """Every adverse-reaction entry of one label version graph, in reading order."""
    from ingest.extract.adverse.data import socs

    soc_names = {s.code: s.name for s in socs()}
    rows = store.query(_QUERY % {"g": graph_iri}).rows
    fns, incls, mrs, cands = (_multi(store, graph_iri, p) for p in
                              ("footnoteMarker", "includedTerm", "mayRepresentTerm", "frequencyCandidate"))
    pct = {str(r["e"]): r["pct"] for r in store.query(_INCIDENCE % {"g": graph_iri}).rows}
    out = []
    seen: set[str] = set()
    for r in rows:
        e = str(r["e"])
        if e in seen:
            continue
        seen.add(e)
        # an open frequency (no smpc:frequency) reads "common or uncommon", its candidates in band order
        options = sorted((_freq_name(c) for c in cands.get(e, [])), key=_band_order)
        freq = _freq_name(r["freq"]) if r.get("freq") is not None else " or ".join(options)
        soc_name = soc_names.get(str(r["soc"]).rsplit("#soc-", 1)[-1]) if r.get("soc") is not None else None
        out.append({
            "term": str(r["term"]),
            "soc": soc_name,
            "soc_as_printed": str(r["socp"]) if r.get("socp") is not None else None,
            "frequency": freq,
            "frequency_candidates": options,
            "frequency_basis": str(r["basis"]),
            "frequency_rule": str(r["rule"]) if r.get("rule") is not None else None,
            "confidence": float(str(r["conf"])) if r.get("conf") is not None else None,
            "incidence_percent": float(str(pct[e])) if e in pct else None,
            "footnotes": sorted(set(fns.get(e, [])), key=lambda m: (m.isdigit(), int(m) if m.isdigit() else 0, m)),
            "included_terms": sorted(set(incls.get(e, []))),
            "may_represent": sorted(set(mrs.get(e, []))),
            "term_level": str(r["level"]) if r.get("level") is not None else None,
            "see_section": _section_key(r["see"], graph_iri) if r.get("see") is not None else None,
            "source": {"section": _section_key(r["section"], graph_iri),
                       "lines": [int(str(r["l1"])), int(str(r["l2"]))], "quote": str(r["quote"])},
        })
    return out
