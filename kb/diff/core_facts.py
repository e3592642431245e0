"""Comparable facts of one label-version graph: indications, contraindications,
warnings, product particulars and storage statements, sections and passages.

Walks the rdflib graph of one version (see ``ontology/vocab/core.ttl``); the
adverse-reaction and dosing facts are read by :mod:`kb.diff.adverse_dosing_facts`.
Every key is generic (section keys, normalised titles, population fields),
never a product's name.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF

from kb.diff.model import Fact, SourceRef, norm_name
from kb.diff.model import layout_free as fold
from kb.rdf.base import SCHEMA, SMPC

PRODUCT_STATEMENT_KINDS = ("shelf-life", "storage-condition", "in-use-stability")


@dataclass
class Passage:
    text: str
    source: SourceRef


@dataclass
class SectionText:
    key: str
    title: str
    order: int
    passages: list[Passage] = field(default_factory=list)


@dataclass
class LabelMeta:
    iri: str
    label_id: str
    version: str
    title: str | None
    version_date: str | None
    ingested_at: str | None
    product_name: str | None
    active_substance: str | None

    @property
    def name(self) -> str:
        return f"{self.label_id}@{self.version}"

    def as_dict(self) -> dict:
        return {"name": self.name, "label": self.label_id, "version": self.version, "graph": self.iri,
                "title": self.title, "version_date": self.version_date, "ingested_at": self.ingested_at,
                "product": self.product_name, "active_substance": self.active_substance}


class View:
    """Small helpers over one version graph."""

    def __init__(self, g: Graph):
        self.g = g
        self._sections: dict[URIRef, str] = {}

    def one(self, s, p) -> str | None:
        v = self.g.value(s, p)
        return None if v is None else str(v)

    def all(self, s, p) -> list[str]:
        return sorted(str(o) for o in self.g.objects(s, p))

    def section_key(self, sec) -> str:
        if sec not in self._sections:
            self._sections[sec] = self.one(sec, SMPC.sectionKey) or str(sec).rsplit("/section/", 1)[-1]
        return self._sections[sec]

    def span_ref(self, span, fact=None) -> SourceRef:
        g = self.g
        return SourceRef(
            self.section_key(g.value(span, SMPC.inSection)),
            int(g.value(span, SMPC.startLine) or 0), int(g.value(span, SMPC.endLine) or 0),
            str(g.value(span, SMPC.quote) or ""), str(fact) if fact is not None else None, str(span))

    def source(self, node, prop: URIRef | None = None) -> SourceRef | None:
        """The span of ``node`` (the one supporting ``prop`` when several)."""
        spans = sorted(self.g.objects(node, PROV.wasDerivedFrom), key=str)
        if not spans:
            return None
        if prop is not None:
            for sp in spans:
                if (sp, SMPC.supportsProperty, prop) in self.g:
                    return self.span_ref(sp, node)
            plain = [sp for sp in spans if self.g.value(sp, SMPC.supportsProperty) is None]
            spans = plain or spans
        return self.span_ref(spans[0], node)

    def quantity(self, q) -> str | None:
        """A quantity as a canonical string: ">= 18 a", "2-8 Cel" (printing does not count)."""
        if q is None:
            return None
        g = self.g

        def num(v):
            f = float(v)
            return str(int(f)) if f == int(f) else repr(f)

        unit = str(g.value(q, SCHEMA.unitCode) or "")
        comp = g.value(q, SMPC.comparator)
        val, lo, hi = g.value(q, SCHEMA.value), g.value(q, SCHEMA.minValue), g.value(q, SCHEMA.maxValue)
        if val is not None:
            body = num(val)
        elif lo is not None and hi is not None:
            body = f"{num(lo)}-{num(hi)}"
        elif lo is not None or hi is not None:  # a one-sided bound: its comparator says which side
            body = num(lo if lo is not None else hi)
        else:
            body = "?"
        return " ".join(x for x in (str(comp) if comp else None, body, unit) if x)


def label_meta(g: Graph) -> LabelMeta:
    v = View(g)
    root = g.identifier if (g.identifier, RDF.type, SMPC.LabelVersion) in g else g.value(predicate=RDF.type,
                                                                                         object=SMPC.LabelVersion)
    prod = g.value(root, SMPC.describesProduct)
    return LabelMeta(str(root), v.one(root, SMPC.labelId) or "", v.one(root, SMPC.version) or "",
                     v.one(root, DCTERMS.title), v.one(root, SMPC.versionDate), v.one(root, SMPC.ingestedAt),
                     v.one(prod, SCHEMA.name) if prod is not None else None,
                     v.one(prod, SMPC.activeSubstance) if prod is not None else None)


def sections(g: Graph) -> dict[str, SectionText]:
    v = View(g)
    out: dict[str, SectionText] = {}
    for sec in g.subjects(RDF.type, SMPC.Section):
        key = v.section_key(sec)
        st = SectionText(key, v.one(sec, DCTERMS.title) or "", int(g.value(sec, SMPC.order) or 0))
        rows = []
        for p in g.objects(sec, SMPC.hasPassage):
            src = v.source(p) or SourceRef(key, 0, 0, "")
            rows.append((int(g.value(p, SMPC.order) or 0), Passage(v.one(p, SMPC.text) or "", src)))
        st.passages = [p for _, p in sorted(rows, key=lambda r: r[0])]
        out[key] = st
    return out


# -- core facts ---------------------------------------------------------------
def _population(v: View, pop) -> dict[str, str]:
    g = v.g
    if pop is None:
        return {}
    markers = sorted(f"{v.one(m, SMPC.markerName)}: {v.one(m, SMPC.markerStatus)}" for m in g.objects(pop, SMPC.hasMarker))
    prior = sorted(" ".join(x for x in (v.one(t, SMPC.relation), v.one(t, SMPC.minCount), v.one(t, SMPC.therapy),
                                         ("(" + v.one(t, SMPC.appliesTo) + ")") if v.one(t, SMPC.appliesTo) else None)
                            if x) for t in g.objects(pop, SMPC.priorTherapy))
    fields = {
        "age group": ", ".join(v.all(pop, SMPC.ageGroup)) or None,
        "minimum age": v.quantity(g.value(pop, SMPC.minAge)),
        "maximum age": v.quantity(g.value(pop, SMPC.maxAge)),
        "disease": v.one(pop, SMPC.disease),
        "markers": "; ".join(markers) or None,
        "disease state": "; ".join(v.all(pop, SMPC.diseaseState)) or None,
        "remission": "; ".join(v.all(pop, SMPC.remission)) or None,
        "therapy role": "; ".join(v.all(pop, SMPC.therapyRole)) or None,
        "MRD threshold": v.quantity(g.value(pop, SMPC.mrdThreshold)),
        "prior therapy": "; ".join(prior) or None,
    }
    return {k: val for k, val in fields.items() if val}


def _short(text: str, n: int = 90) -> str:
    t = fold(text)
    return t if len(t) <= n else t[: n - 1].rsplit(" ", 1)[0] + "…"


def indications(g: Graph) -> list[Fact]:
    v = View(g)
    out = []
    for node in g.subjects(RDF.type, SMPC.Indication):
        text = v.one(node, SMPC.text) or ""
        fields = _population(v, g.value(node, SMPC.population))
        subject = ", ".join(x for x in (fields.get("age group"), fields.get("disease state"),
                                        fields.get("therapy role")) if x) or _short(text, 60)
        fields["text"] = fold(text)
        out.append(Fact("indication", "", subject, fields, text, str(node), v.source(node)))
    return out


def contraindications(g: Graph) -> list[Fact]:
    v = View(g)
    out = []
    for node in g.subjects(RDF.type, SMPC.Contraindication):
        text = v.one(node, SMPC.text) or ""
        fields = {"text": fold(text), "kind": v.one(node, SMPC.contraindicationKind),
                  "condition": v.one(node, SMPC.condition), "time window": v.one(node, SMPC.timeWindow),
                  "window after": v.quantity(g.value(node, SMPC.windowAfter))}
        fields = {k: val for k, val in fields.items() if val}
        out.append(Fact("contraindication", norm_name(text), _short(text, 70), fields, text, str(node), v.source(node)))
    return out


def warnings(g: Graph) -> list[Fact]:
    v = View(g)
    out = []
    for node in g.subjects(RDF.type, SMPC.Warning):
        title = v.one(node, DCTERMS.title) or ""
        text = v.one(node, SMPC.text) or ""
        sec = g.value(node, SMPC.describedIn)
        parent = v.section_key(sec).split("/")[0] if sec is not None else ""
        fields = {"title": fold(title), "text": fold(text)}
        out.append(Fact("warning", norm_name(title), title, fields, text, str(node), v.source(node), group=parent))
    return out


_PRODUCT_FIELDS = [
    ("name", SCHEMA.name), ("active substance", SMPC.activeSubstance),
    ("pharmaceutical form", SMPC.pharmaceuticalForm), ("ATC code", SMPC.atcCode),
    ("licence holder", SMPC.licenceHolder), ("manufacturer", SMPC.manufacturer),
    ("licence number", SMPC.licenceNumber),
]


def product(g: Graph) -> list[Fact]:
    v = View(g)
    out = []
    for node in g.subjects(RDF.type, SMPC.MedicinalProduct):
        fields, srcs = {}, {}
        for name, prop in _PRODUCT_FIELDS:
            val = v.one(node, prop)
            if val:
                fields[name] = fold(val)
                srcs[name] = v.source(node, prop)
        q = g.value(node, SMPC.strength)
        if q is not None:
            fields["strength"] = v.quantity(q)
            srcs["strength"] = v.source(q)
        out.append(Fact("product", "product", "product", fields, "", str(node), v.source(node, SCHEMA.name),
                        {k: s for k, s in srcs.items() if s}))
        for ex in g.objects(node, SMPC.hasExcipient):
            name, comp = v.one(ex, SCHEMA.name) or "", v.one(ex, SMPC.component) or ""
            subject = f"excipient {name}" + (f" ({comp})" if comp else "")
            out.append(Fact("product", f"excipient|{norm_name(comp)}|{norm_name(name)}", subject,
                            {"excipient": fold(name), "component": fold(comp)}, name, str(ex), v.source(ex),
                            group="excipient"))
    return out


def storage_statements(g: Graph) -> list[Fact]:
    """Shelf life, storage and in-use stability statements (product particulars)."""
    v = View(g)
    out = []
    for node in g.subjects(RDF.type, SMPC.Statement):
        kind = v.one(node, SMPC.statementKind)
        if kind not in PRODUCT_STATEMENT_KINDS:
            continue
        text = v.one(node, SMPC.text) or ""
        about = v.one(node, SMPC.about) or kind
        fields = {}
        for q in g.objects(node, SMPC.hasQuantity):
            role = v.one(q, SMPC.quantityRole) or "value"
            fields[role] = v.quantity(q)
        for name, prop in (("do not freeze", SMPC.doNotFreeze), ("protect from light", SMPC.protectFromLight)):
            if v.one(node, prop):
                fields[name] = v.one(node, prop)
        fields["text"] = fold(text)
        src = v.source(node)
        out.append(Fact("product", "", f"{kind.replace('-', ' ')}: {about}", fields, text, str(node), src,
                        group=f"{kind}|{norm_name(about)}"))
    return out

