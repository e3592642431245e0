"""Core records -> RDF: label version, sections and passages, product, indications,
contraindications, warnings and numeric statements.

Vocabulary in ``ontology/vocab/core.ttl``; patterns in :mod:`kb.rdf.base`.
"""
from __future__ import annotations

import hashlib

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from ingest.ids import slugify as slug
from ingest.quotes import cross_refs
from ingest.records import LabelRecord, Population
from kb.rdf.base import SCHEMA, SMPC, GraphBuilder


def add_label(b: GraphBuilder, record: LabelRecord) -> None:
    root = b.root
    b.add(root, RDF.type, SMPC.LabelVersion)
    b.lit(root, SMPC.labelId, record.label_id)
    b.lit(root, SMPC.version, record.version)
    b.lit(root, DCTERMS.title, record.title or record.label_id)
    b.lit(root, SMPC.reader, record.reader)
    b.lit(root, SMPC.documentKind, record.document_kind)
    b.lit(root, SMPC.sourceFile, record.source_path.rsplit("/", 1)[-1])
    b.lit(root, SMPC.sha256, hashlib.sha256(record.original.encode()).hexdigest())
    if record.version_date:
        dt = XSD.date if len(record.version_date) == 10 else XSD.gYearMonth
        b.add(root, SMPC.versionDate, Literal(record.version_date, datatype=dt))
    b.lit(root, SMPC.versionBasis, record.version_basis)


def add_sections(b: GraphBuilder, record: LabelRecord) -> None:
    known = {s.key for s in record.sections}
    for order, sec in enumerate(record.sections):
        node = b.section_iri(sec.key)
        b.add(node, RDF.type, SMPC.Section)
        b.add(b.root, SMPC.hasSection, node)
        b.lit(node, SMPC.sectionKey, sec.key)
        b.lit(node, SMPC.sectionNumber, sec.number)
        b.lit(node, DCTERMS.title, sec.title)
        b.lit(node, SMPC.level, sec.level)
        b.lit(node, SMPC.order, order)
        b.lit(node, SMPC.text, sec.text)
        if sec.is_subheading:
            b.add(node, RDF.type, SMPC.SubHeading)
        if sec.parent:
            b.add(node, SMPC.parentSection, b.section_iri(sec.parent))
        for ref in cross_refs(sec.text):  # a reference to a section the label lacks is no link
            if ref != sec.number and ref in known:
                b.add(node, SMPC.crossReference, b.section_iri(ref))
        b.source(node, sec.source)
        for i, p in enumerate(sec.paragraphs):
            if p.artefact:
                continue
            pn = URIRef(f"{node}/p{i + 1}")
            b.add(pn, RDF.type, SMPC.Passage)
            b.add(node, SMPC.hasPassage, pn)
            b.lit(pn, SMPC.order, i + 1)
            b.lit(pn, SMPC.passageKind, p.kind)
            b.lit(pn, SMPC.text, p.text)
            b.source(pn, p.source)


def add_product(b: GraphBuilder, record: LabelRecord) -> None:
    prod = record.product
    if prod is None:
        return
    node = b.iri("product")
    b.add(node, RDF.type, SMPC.MedicinalProduct)
    b.add(b.root, SMPC.describesProduct, node)
    b.lit(node, SCHEMA.name, prod.name)
    b.source(node, prod.source)
    fields = [
        (SMPC.activeSubstance, prod.active_substance, prod.active_substance_source),
        (SMPC.pharmaceuticalForm, prod.pharmaceutical_form, prod.form_source),
        (SMPC.atcCode, prod.atc_code, prod.atc_source),
        (SMPC.licenceHolder, prod.licence_holder, prod.licence_holder_source),
        (SMPC.manufacturer, prod.manufacturer, prod.manufacturer_source),
        (SMPC.licenceNumber, prod.licence_number, prod.licence_number_source),
    ]
    for prop, value, src in fields:
        if value:
            b.lit(node, prop, value)
            span = b.source(node, src)
            if span is not None:
                b.add(span, SMPC.supportsProperty, prop)
    if prod.strength is not None:
        q = b.quantity(node, SMPC.strength, prod.strength, "strength")
        b.source(q, prod.strength_source or prod.source)
    for i, c in enumerate(prod.codings, 1):  # codes from a FHIR Bundle's resources
        cn = b.iri("product", "coding", str(i))
        b.add(cn, RDF.type, SMPC.Coding)
        b.add(node, SMPC.hasCoding, cn)
        b.lit(cn, SMPC.codingRole, c.role)
        b.lit(cn, SMPC.codeSystem, c.system)
        b.lit(cn, SMPC.code, c.code)
        b.lit(cn, RDFS.label, c.display)
        b.source(cn, c.source)
    for e in prod.excipients:
        en = b.iri("excipient", e.id)
        b.add(en, RDF.type, SMPC.Excipient)
        b.add(node, SMPC.hasExcipient, en)
        b.lit(en, SCHEMA.name, e.name)
        b.lit(en, SMPC.component, e.component)
        b.source(en, e.source)


def _population(b: GraphBuilder, node: URIRef, pop: Population) -> URIRef:
    pn = URIRef(f"{node}/population")
    b.add(pn, RDF.type, SMPC.Population)
    b.add(node, SMPC.population, pn)
    for group in getattr(pop, "age_groups", None) or [pop.age_group]:  # "adults and adolescents": both
        b.lit(pn, SMPC.ageGroup, group)
    b.quantity(pn, SMPC.minAge, pop.min_age, "min-age")
    b.quantity(pn, SMPC.maxAge, pop.max_age, "max-age")
    b.lit(pn, SMPC.disease, pop.disease)
    b.lit(pn, SMPC.description, pop.description)
    for name, status in pop.markers.items():
        mn = URIRef(f"{pn}/marker/{slug(name)}")
        b.add(mn, RDF.type, SMPC.MarkerStatus)
        b.add(pn, SMPC.hasMarker, mn)
        b.lit(mn, SMPC.markerName, name)
        b.lit(mn, SMPC.markerStatus, status)
    for s in pop.disease_states:
        b.lit(pn, SMPC.diseaseState, s)
    for s in pop.remission:
        b.lit(pn, SMPC.remission, s)
    for s in pop.therapy_role:
        b.lit(pn, SMPC.therapyRole, s)
    b.quantity(pn, SMPC.mrdThreshold, pop.mrd_threshold, "mrd-threshold")
    b.quantity(pn, SMPC.minWeight, pop.min_weight, "min-weight")
    b.quantity(pn, SMPC.maxWeight, pop.max_weight, "max-weight")
    for s in pop.combination_with:
        b.lit(pn, SMPC.combinationWith, s)
    for s in pop.criteria:
        b.lit(pn, SMPC.criterion, s)
    for i, pt in enumerate(pop.prior_therapy, 1):
        tn = URIRef(f"{pn}/prior-therapy/{i}")
        b.add(tn, RDF.type, SMPC.PriorTherapy)
        b.add(pn, SMPC.priorTherapy, tn)
        b.lit(tn, SMPC.relation, pt.relation)
        b.lit(tn, SMPC.therapy, pt.therapy)
        b.lit(tn, SMPC.minCount, pt.min_count)
        b.lit(tn, SMPC.appliesTo, pt.applies_to)
        b.lit(tn, SMPC.text, pt.text)
    return pn


def _fact(b: GraphBuilder, kind: str, ident: str, cls, link, src) -> URIRef:
    """A fact node of the label version: typed, linked from the version, identified, with provenance."""
    node = b.iri(kind, ident)
    b.add(node, RDF.type, cls)
    b.add(b.root, link, node)
    b.lit(node, SMPC.identifier, ident)
    b.source(node, src)
    return node


def add_clinical(b: GraphBuilder, record: LabelRecord) -> None:
    excipients = {e.id: b.iri("excipient", e.id) for e in (record.product.excipients if record.product else [])}
    for ind in record.indications:
        node = _fact(b, "indication", ind.id, SMPC.Indication, SMPC.hasIndication, ind.source)
        b.lit(node, SMPC.text, ind.text)
        b.lit(node, SMPC.heading, ind.heading)
        _population(b, node, ind.population)
        for ref in ind.cross_refs:
            b.add(node, SMPC.crossReference, b.section_iri(ref))
    for ci in record.contraindications:
        node = _fact(b, "contraindication", ci.id, SMPC.Contraindication, SMPC.hasContraindication, ci.source)
        b.lit(node, SMPC.text, ci.text)
        b.lit(node, SMPC.contraindicationKind, ci.kind)
        b.lit(node, SMPC.condition, ci.condition)
        for eid in ci.excipient_ids:
            b.add(node, SMPC.concernsExcipient, excipients[eid])
        for key in ci.mentioned_in:
            b.add(node, SMPC.mentionedIn, b.section_iri(key))
        for ref in ci.cross_refs:
            b.add(node, SMPC.crossReference, b.section_iri(ref))
        if ci.time_window:
            b.lit(node, SMPC.timeWindow, ci.time_window)
            q = b.quantity(node, SMPC.windowAfter, ci.window_after, "window-after")
            if q is not None:
                b.source(q, ci.window_source)
    for w in record.warnings:
        node = _fact(b, "warning", w.id, SMPC.Warning, SMPC.hasWarning, w.source)
        b.lit(node, DCTERMS.title, w.title)
        b.lit(node, SMPC.text, w.text)
        b.add(node, SMPC.describedIn, b.section_iri(w.section))
        for i, (who, src) in enumerate(w.at_risk, 1):
            rn = URIRef(f"{node}/at-risk/{i}")
            b.add(rn, RDF.type, SMPC.RiskPopulation)
            b.add(node, SMPC.atRiskPopulation, rn)
            b.lit(rn, RDFS.label, who)
            b.source(rn, src)
        for i, (text, src) in enumerate(w.monitoring, 1):
            mn = URIRef(f"{node}/monitoring/{i}")
            b.add(mn, RDF.type, SMPC.MonitoringAdvice)
            b.add(node, SMPC.monitoring, mn)
            b.lit(mn, SMPC.text, text)
            b.source(mn, src)
        for ref in w.cross_refs:
            b.add(node, SMPC.crossReference, b.section_iri(ref))


_ATTRS = {
    "doNotFreeze": SMPC.doNotFreeze,
    "protectFromLight": SMPC.protectFromLight,
    "basis": SMPC.basis,
    "alternative": SMPC.alternative,
    "level": SMPC.influenceLevel,
    "window": SMPC.timeWindow,
}


def add_statements(b: GraphBuilder, record: LabelRecord) -> None:
    for st in record.statements:
        node = b.iri("statement", st.id)
        b.add(node, RDF.type, SMPC.Statement)
        b.add(b.root, SMPC.hasStatement, node)
        b.lit(node, SMPC.statementKind, st.kind)
        b.lit(node, SMPC.about, st.subject)
        b.lit(node, SMPC.text, st.text)
        b.lit(node, SMPC.populationText, st.population)
        b.source(node, st.source)
        for key, value in st.attributes.items():
            if key in _ATTRS:
                b.lit(node, _ATTRS[key], value)
        for role, q in st.quantities.items():
            qn = b.quantity(node, SMPC.hasQuantity, q, role)
            b.lit(qn, SMPC.quantityRole, role)


def add(b: GraphBuilder, record: LabelRecord) -> None:
    add_label(b, record)
    add_sections(b, record)
    add_product(b, record)
    add_clinical(b, record)
    add_statements(b, record)
