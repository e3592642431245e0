"""Comparable facts of section 4.8 (adverse reactions, table footnotes) and of the
dosing graph (regimens, dose steps, premedication, hospitalisation, preparation
rows ...), read from a label-version graph (``ontology/vocab/adverse.ttl``,
``ontology/vocab/dosing.ttl``).

Adverse reactions are the same thing when organ class and term agree, or, as
a second chance, when only the term agrees (the organ class changed). Dosing
nodes are keyed by their path under ``{label}/dosing/`` (ids built from
weight group, cycles and days), then matched by their fields inside the same
parent and class, so a changed day range is a change, not a removal.
"""
from __future__ import annotations

import re
from functools import lru_cache

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from kb.diff.core_facts import View
from kb.diff.match import fields_score
from kb.diff.model import Fact, norm_name
from kb.diff.model import layout_free as fold
from kb.rdf.base import SMPC


@lru_cache(maxsize=1)
def _soc_names() -> dict[str, str]:
    from ingest.extract.adverse.data import socs

    return {str(SMPC[f"soc-{s.code}"]): s.name for s in socs()}


def _local(iri) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def adverse_reactions(g: Graph) -> list[Fact]:
    v = View(g)
    names = _soc_names()
    out = []
    for node in g.subjects(RDF.type, SMPC.AdverseReaction):
        term = v.one(node, SMPC["term"]) or v.one(node, RDFS.label) or ""
        soc_iri = g.value(node, SMPC.systemOrganClass)
        soc = names.get(str(soc_iri)) if soc_iri is not None else None
        soc = soc or v.one(node, SMPC.socAsPrinted) or "unknown organ class"
        freq = g.value(node, SMPC.frequency)
        open_freq = sorted((_local(c).removeprefix("freq-").replace("-", " ")
                            for c in g.objects(node, SMPC.frequencyCandidate)), key=_band_rank)
        fields = {"organ class": soc, "frequency": _local(freq).removeprefix("freq-").replace("-", " ") if freq
                  else " or ".join(open_freq) or None,
                  "footnotes": ", ".join(v.all(node, SMPC.footnoteMarker)) or None}
        srcs = {}
        seen: dict[str, int] = {}
        incs = sorted(g.objects(node, SMPC.hasIncidence),
                      key=lambda i: (str(g.value(i, SMPC.incidenceKind)), str(g.value(i, SMPC.aboutSection) or ""),
                                     str(g.value(i, SMPC.incidencePopulation) or "")))
        for inc in incs:
            kind = v.one(inc, SMPC.incidenceKind) or "incidence"
            where = g.value(inc, SMPC.aboutSection)
            src = v.source(inc)
            sec = v.section_key(where) if where is not None else (src.section if src else "")
            name = f"incidence {kind} ({sec})" if sec else f"incidence {kind}"
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name} #{seen[name]}"
            pct = v.one(inc, SMPC.percent)
            q = g.value(inc, SMPC.timeToOnset)
            value = f"{float(pct):g}%" if pct is not None else v.quantity(q) if q is not None else None
            if value:
                fields[name] = value
                if src:
                    srcs[name] = src
        fields = {k: val for k, val in fields.items() if val}
        out.append(Fact("adverse_reaction", f"{norm_name(soc)}|{norm_name(term)}", f"{term} ({soc})", fields, term,
                        str(node), v.source(node), srcs, move_field="frequency",
                        possible={"frequency": set(open_freq) or _unsettled(v.one(node, SMPC.frequencyRule))}))
    for node in g.subjects(RDF.type, SMPC.TableFootnote):
        marker = v.one(node, SMPC.marker) or ""
        text = v.one(node, SMPC.footnoteText) or ""
        out.append(Fact("adverse_reaction", f"footnote|{marker}", f"table footnote {marker}",
                        {"footnote": fold(text)}, text, str(node), v.source(node), group="footnote"))
    return out


def _band_rank(name: str) -> int:
    from ingest.extract.adverse.records import FREQUENCY_NAMES

    return FREQUENCY_NAMES.index(name) if name in FREQUENCY_NAMES else len(FREQUENCY_NAMES)


_ONE_OF = re.compile(r"unsettled: one of ([a-z ,]+)")


def _unsettled(rule: str | None) -> set[str]:
    """The frequencies the reader left open ("unsettled: one of common, uncommon")."""
    m = _ONE_OF.match(rule or "")
    return {x.strip() for x in m.group(1).split(",") if x.strip()} if m else set()


def term_only(f: Fact) -> str:
    """Second matching chance for adverse reactions: the term alone (organ class changed)."""
    return f.key.split("|", 1)[1] if f.group is None and "|" in f.key else ""


# -- dosing -----------------------------------------------------------------
_FIELD_NAMES = {
    "doseAmount": "dose", "doseCap": "cap", "drugName": "drug", "hospitalDays": "days in hospital",
    "infusionDuration": "infusion duration", "infusionRate": "infusion rate",
    "reconstitutedVolume": "volume", "vialCount": "vials", "bsaBand": "BSA band", "beforeStart": "before start",
    "dayPhase": "phase", "cycleRole": "role", "actionKind": "action", "dayOfCycle": "day",
    "cycleSelector": "cycles", "adviceKind": "kind", "premedicationKind": "kind", "weightGroupId": "weight group",
    "administrationWindow": "window", "limitValue": "limit", "limitKind": "limit kind",
    "interruptUntil": "until", "toxicityGrade": "grade", "toxicityEvent": "event", "taperDuration": "taper",
    "interruptionOutcome": "outcome", "infusionDays": "infusion days", "treatmentFreeDays": "treatment-free days",
    "cycleDays": "cycle length (days)", "maxCycles": "maximum cycles",
}
_SKIP = {"identifier", "sectionKey", "heading", "modificationTableId", "appliesToRegimenId", "regimenId",
         "maxCyclesSource", "forIndication", "confidence"}
_CLASS_NAMES = {"DosingRegimen": "regimen (cycle structure)", "HospitalisationAdvice": "hospitalisation",
                "DoseModificationAction": "dose modification", "AdministrationSpec": "administration",
                "PreparationRow": "preparation table row", "DosingLimit": "limit"}


def _words(name: str) -> str:
    return _FIELD_NAMES.get(name) or re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


def _range(fields: dict, a: str, b: str, name: str) -> None:
    lo, hi = fields.pop(a, None), fields.pop(b, None)
    if lo is None and hi is None:
        return
    fields[name] = lo if lo == hi else f"{lo or ''}-{hi if hi is not None else 'on'}"


def dosing(g: Graph) -> list[Fact]:
    v = View(g)
    root = str(g.identifier)
    base = f"{root}/dosing/"
    out = []
    for node, cls in g.subject_objects(RDF.type):
        s = str(node)
        if not s.startswith(base) or cls == SMPC.Quantity or not str(cls).startswith(str(SMPC)):
            continue
        cname = _local(cls)
        fields: dict[str, str] = {}
        srcs = {}
        for p, o in g.predicate_objects(node):
            pn = _local(p)
            if p in (RDF.type, PROV.wasDerivedFrom) or pn in _SKIP or pn.startswith("has"):
                continue
            if not isinstance(o, (URIRef, BNode)):
                key = _words(pn)
                fields[key] = "; ".join(sorted(filter(None, [fields.get(key), fold(str(o))])))
            elif (o, RDF.type, SMPC.Quantity) in g:
                key = _words(pn)
                fields[key] = v.quantity(o)
                if g.value(o, PROV.wasDerivedFrom) is not None:
                    srcs[key] = v.source(o)
            elif isinstance(o, URIRef) and str(o).startswith(base):
                continue
        for crit in g.objects(node, SMPC.criterion):
            fields[f"criterion {fold(v.one(crit, SMPC.description) or '')}"] = v.quantity(g.value(crit, SMPC.threshold))
        _range(fields, "first cycle", "last cycle", "cycles")
        _range(fields, "first day", "last day", "days")
        rel = s[len(base):]
        parent = rel.rsplit("/", 2)[0] if rel.count("/") >= 2 else ""
        regimen = None
        for r in g.subjects(RDF.type, SMPC.DosingRegimen):
            if s.startswith(str(r) + "/") or s == str(r):
                regimen = v.one(r, SMPC.heading)
        ident = v.one(node, SMPC.identifier) or rel.rsplit("/", 1)[-1]
        label = _CLASS_NAMES.get(cname) or _words(cname)
        subject = f"{label} {ident}" + (f" ({regimen})" if regimen and ident != norm_name(regimen).replace(" ", "-") else "")
        text = fields.get("text") or " ".join(f"{k} {val}" for k, val in sorted(fields.items()))
        out.append(Fact("dosing", rel, subject, {k: val for k, val in fields.items() if val}, text, s,
                        v.source(node), srcs, group=f"{cname}|{parent}"))
    return out


def dosing_score(a: Fact, b: Fact) -> float:
    return fields_score(a, b)


# (extractor, score, threshold, rename field, second key)
SPECS = [
    (adverse_reactions, None, 1.0, None, term_only),
    (dosing, dosing_score, 0.6, None, None),
]
