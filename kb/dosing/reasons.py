"""Why the label gives no dose for a 4.1 indication: the label's own words.

An indication of 4.1 that no dose rule or regimen doses is not an unknown
indication: the answer is a 422 that quotes what 4.2 says for that population
("not recommended", "no data are available", "safety and efficacy ... have
not been established"), with its section. The sentence is picked among the 4.2
sentences holding one of the ``no_dose_cues`` of ``dosing.json``, by the words
it shares with the indication (its disease, its age group); when 4.2 says
nothing of the kind the answer says so, and an indication dosed by several
rules names them. Nothing here knows a product.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.extract.posology.passages import alternation, tokens
from ingest.quotes import sentences
from kb.dosing.inputs import dosing_data

Q_INDICATIONS = """PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
SELECT ?id ?text ?age ?disease WHERE { GRAPH <%(g)s> {
  <%(g)s> smpc:hasIndication ?i . ?i smpc:identifier ?id ; smpc:text ?text .
  OPTIONAL { ?i smpc:population ?p . OPTIONAL { ?p smpc:ageGroup ?age } OPTIONAL { ?p smpc:disease ?disease } } } }"""
Q_PASSAGES = """PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?key ?title ?text ?order WHERE { GRAPH <%(g)s> {
  ?s a smpc:Section ; smpc:sectionNumber "4.2" ; smpc:sectionKey ?key ; smpc:hasPassage ?p .
  OPTIONAL { ?s dcterms:title ?title }
  ?p smpc:text ?text ; smpc:order ?order } }"""
_STOP = {"the", "of", "and", "or", "in", "with", "for", "to", "a", "an", "is", "are", "be", "been", "by", "as",
         "treatment", "indicated", "patient", "who", "which", "that", "not", "have", "ha", "this", "their"}


@dataclass(frozen=True)
class Indication:
    id: str
    text: str
    age_group: str | None
    disease: str | None = None


@dataclass(frozen=True)
class Passage:
    section: str  # section key ("4.2/paediatric-population")
    title: str
    text: str


@lru_cache(maxsize=1)
def _cue_rx() -> re.Pattern:
    return re.compile(rf"(?<![\w-])(?:{alternation(dosing_data()['no_dose_cues'])})(?![\w-])", re.I)


def load(run, graph_iri: str) -> tuple[dict[str, Indication], list[Passage]]:
    """The label's 4.1 indications and its 4.2 passages (sub-sections only where it has them)."""
    g = str(graph_iri)
    inds: dict[str, Indication] = {}
    for r in run(Q_INDICATIONS % {"g": g}):
        inds.setdefault(str(r["id"]), Indication(str(r["id"]), str(r["text"]), r.get("age") and str(r["age"]),
                                                 r.get("disease") and str(r["disease"])))
    rows = sorted(run(Q_PASSAGES % {"g": g}), key=lambda r: (str(r["key"]), int(r["order"])))
    subs = {str(r["key"]) for r in rows if "/" in str(r["key"])}
    passages = [Passage(str(r["key"]), str(r.get("title") or ""), str(r["text"])) for r in rows
                if "/" in str(r["key"]) or not subs]  # the numbered section's passages repeat its sub-sections'
    return inds, passages


def _words(text: str) -> set[str]:
    return {w for w in tokens(text) if w not in _STOP and not w.isdigit()}


def _age_words(group: str | None) -> set[str]:
    cues = dosing_data()["prose_rules"]["population_cues"]
    return set().union(*(_words(w) for w in cues.get(group or "", [])))


def reason(ind: Indication, passages: list[Passage]) -> tuple[str, str] | None:
    """The 4.2 sentence that says why no dose is given for this indication, and its section key:
    one naming most of the indication's disease, else one under a heading of its age group
    ("Paediatric population") that names no disease."""
    want = _words(ind.disease or ind.text)
    ages = _age_words(ind.age_group)
    best: tuple[float, str, str] | None = None
    for p in passages:
        head = _words(p.title)
        for s in sentences(p.text):
            if not _cue_rx().search(s):
                continue
            have = _words(s) | head
            share = len(want & have) / len(want) if want else 0.0
            if share < 0.5 and not (ages & head and len(head - ages) <= 1):
                continue
            key = (share, " ".join(s.split()), p.section)
            if best is None or key[0] > best[0]:
                best = key
    return (best[1], best[2]) if best else None


def no_dose_message(ind: Indication, passages: list[Passage], rule_ids: list[str],
                    individual: list[tuple[str, str]] | None = None) -> tuple[str, dict | None]:
    """The 422 message for an indication without one dose rule, and the source it quotes;
    ``individual``: (sentence, section) of the label's "dose determined by the physician" rules
    that name no other indication."""
    short = " ".join(ind.text.split())[:160]
    if len(rule_ids) > 1:
        return (f"indication {ind.id!r} ({short}) is dosed by several rules of the label; ask for one of them: "
                f"{', '.join(rule_ids)}", None)
    found = reason(ind, passages) or (individual[0] if individual and len(individual) == 1 else None)
    if found is None:
        return (f"the label gives no dose rule for indication {ind.id!r} ({short}): section 4.2 states no dose for it "
                "that could be read", None)
    quote, section = found
    return (f"the label gives no dose for indication {ind.id!r} ({short}): section {section} says '{quote}'",
            {"section": section, "quote": quote})
