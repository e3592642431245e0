"""Adverse reactions (section 4.8) -> RDF, following ``ontology/vocab/adverse.ttl``.

Each entry is a ``smpc:AdverseReaction`` with one ``smpc:systemOrganClass``
(a MedDRA SOC concept ``smpc:soc-<code>``), one ``smpc:frequency`` (a concept
of ``smpc:FrequencyScheme``), how the frequency was determined, footnote
semantics and incidences; every node points to its text span.
"""
from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from ingest.extract.adverse.data import soc_by_name
from ingest.extract.adverse.records import AdverseReactionSet, Incidence
from ingest.ids import slugify as slug
from ingest.records import LabelRecord, Quantity
from kb.rdf.base import SMPC, GraphBuilder


def frequency_iri(name: str) -> URIRef:
    return SMPC[f"freq-{name.replace(' ', '-')}"]


def soc_iri(name: str | None) -> URIRef | None:
    soc = soc_by_name(name) if name else None
    return SMPC[f"soc-{soc.code}"] if soc else None


def add(b: GraphBuilder, record: LabelRecord) -> None:
    ars: AdverseReactionSet | None = record.adverse_reactions
    if not ars:
        return
    by_id = {e.id: b.iri("adverse-reaction", e.id) for e in ars.entries}
    by_term = {e.term.lower(): by_id[e.id] for e in ars.entries}
    for e in ars.entries:
        node = by_id[e.id]
        b.add(b.root, SMPC.hasAdverseReaction, node)
        b.add(node, RDF.type, SMPC.AdverseReaction)
        b.add(node, RDFS.label, Literal(e.term))
        b.add(node, SMPC["term"], Literal(e.term))
        soc = soc_iri(e.soc)
        if soc is not None:
            b.add(node, SMPC.systemOrganClass, soc)
        b.lit(node, SMPC.socAsPrinted, e.soc_as_printed)
        if e.frequency is not None:
            b.add(node, SMPC.frequency, frequency_iri(e.frequency))
        else:  # open: no frequency asserted, only the candidates the text allows
            for f in e.frequency_options:
                b.add(node, SMPC.frequencyCandidate, frequency_iri(f))
        b.add(node, SMPC.frequencyBasis, Literal(e.frequency_basis))
        b.lit(node, SMPC.frequencyRule, e.frequency_rule)
        b.lit(node, SMPC.confidence, float(e.confidence))
        for m in e.footnotes:
            b.add(node, SMPC.footnoteMarker, Literal(m))
        for t in e.included_terms:
            b.add(node, SMPC.includedTerm, Literal(t))
        for t in e.composite_events:
            b.add(node, SMPC.compositeEvent, Literal(t))
        for t in e.may_represent:
            b.add(node, SMPC.mayRepresentTerm, Literal(t))
            target = next((iri for term, iri in by_term.items() if f"({t.lower()})" in term or term == t.lower()), None)
            if target is not None:
                b.add(node, SMPC.mayRepresent, target)
        b.lit(node, SMPC.termLevel, e.term_level)
        if e.see_section:
            b.add(node, SMPC.seeSection, b.section_iri(e.see_section))
        b.source(node, e.source)
    for n, inc in enumerate(ars.incidences, start=1):
        _incidence(b, inc, n, by_id, ars)
    for band in ars.bands:
        node = b.iri("frequency-band", slug(band.name))
        b.add(b.root, SMPC.hasFrequencyBand, node)
        b.add(node, RDF.type, SMPC.FrequencyBand)
        b.add(node, RDFS.label, Literal(band.name))
        b.add(node, SKOS.exactMatch, frequency_iri(band.name))
        if band.low is not None:
            b.lit(node, SMPC.lowerBound, float(band.low))
        if band.high is not None:
            b.lit(node, SMPC.upperBound, float(band.high))
        b.lit(node, SMPC.printedAs, band.printed)
        b.source(node, band.source)
    for fn in ars.footnotes:
        node = b.iri("adverse-footnote", slug(fn.marker))
        b.add(b.root, SMPC.hasTableFootnote, node)
        b.add(node, RDF.type, SMPC.TableFootnote)
        b.add(node, SMPC.marker, Literal(fn.marker))
        b.add(node, SMPC.footnoteText, Literal(fn.text))
        b.source(node, fn.source)


def _incidence(b: GraphBuilder, inc: Incidence, n: int, by_id: dict, ars: AdverseReactionSet) -> None:
    node = b.iri("incidence", str(n))
    b.add(b.root, SMPC.reportsIncidence, node)
    b.add(node, RDF.type, SMPC.Incidence)
    b.add(node, SMPC.incidenceKind, Literal(inc.kind))
    if inc.percent is not None:
        b.lit(node, SMPC.percent, float(inc.percent))
    if inc.kind == "time-to-onset":
        q = Quantity(inc.value, inc.unit or "d", low=inc.range_low, high=inc.range_high)
        b.quantity(node, SMPC.timeToOnset, q, "time-to-onset")
    b.lit(node, SMPC.statistic, inc.statistic)
    b.lit(node, SMPC.incidencePopulation, inc.population)
    b.lit(node, SMPC.incidenceAgeGroup, inc.age_group)
    if inc.n is not None:
        b.add(node, SMPC.studySize, Literal(int(inc.n), datatype=XSD.integer))
    b.lit(node, SMPC.study, inc.study)
    b.lit(node, SMPC.subjectAsPrinted, inc.subject)
    b.lit(node, SMPC.matchRule, inc.match_rule)
    basis = (inc.kind == "any grade" and inc.population is not None and inc.population == ars.summary_population
             and inc.n == ars.summary_n and inc.study == "pooled")
    b.add(node, SMPC.frequencyBasisPopulation, Literal(bool(basis)))
    if inc.section_key:
        b.add(node, SMPC.aboutSection, b.section_iri(inc.section_key))
    if inc.entry_id and inc.entry_id in by_id:
        b.add(by_id[inc.entry_id], SMPC.hasIncidence, node)
    b.source(node, inc.source)
