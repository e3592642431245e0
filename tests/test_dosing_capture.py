"""Dosing capture of the bundled label, its RDF round trip and the SHACL checks (incl. the arithmetic of preparation rows)."""
from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kb.rdf.base import SCHEMA, SMPC

LABEL = Path(__file__).resolve().parent.parent / "labels" / "blincyto" / "smpc-il.txt"


@lru_cache(maxsize=1)
def built():
    from ingest.pipeline import read_label
    from kb.rdf.build import build_graph

    rec = read_label(LABEL)
    return rec, build_graph(rec)


def test_capture_counts_and_values():
    rec, _ = built()
    d = rec.dosing
    assert [r.title for r in d.regimens] == [
        "Relapsed or refractory B-cell precursor ALL", "High-risk first relapsed B-cell precursor ALL", "MRD positive B-cell precursor ALL"]
    rr, hr, mrd = d.regimens
    assert (rr.max_cycles, rr.cycle_days, rr.infusion_days, rr.treatment_free_days) == (5, 42, 28, 14)
    assert [(p.role, p.first_cycle, p.last_cycle) for p in rr.phases] == [("induction", 1, 2), ("consolidation", 3, 5)]
    assert [(p.role, p.first_cycle, p.last_cycle) for p in mrd.phases] == [("induction", 1, 1), ("consolidation", 2, 4)]
    assert [g.id for g in mrd.weight_groups] == ["ge-45-kg"] and hr.max_cycles == 1
    assert sum(len(t.rows) for t in d.preparation_tables) == 104
    adm = d.administration
    assert (adm.concentration.value, adm.bag_volume.value, adm.delivered_volume.value, adm.bag_change_max.value) == (12.5, 270, 240, 96)
    assert [(o.hours.value, o.rate.value) for o in adm.options] == [(24, 10), (48, 5), (72, 3.3), (96, 2.5)]
    assert {(x.quantity_kind, x.limit.value) for x in d.limits} == {("age", 1), ("bsa", 0.4), ("weight", 45)}
    pre = next(m for m in rr.premedications if m.kind == "pre-phase")
    assert [(q.comparator, q.value, q.unit) for _, q in pre.criteria] == [(">=", 50, "%"), (">", 15000, "/uL")]
    assert pre.drug == "dexamethasone" and pre.cap.value == 24
    t = d.modification_tables[0]
    assert len(t.actions) == 18 and [r.outcome for r in t.rules] == ["continue-cycle", "new-cycle", "discontinue"]
    assert t.regimen_ids == [rr.id, mrd.id]
    assert [(h.first_cycle, h.last_cycle, h.days) for h in mrd.hospitalisations if not h.condition] == [(1, 1, 3), (2, None, 2)]


def test_every_fact_quotes_the_label():
    rec, _ = built()
    for reg in rec.dosing.regimens:
        for s in reg.steps:
            assert rec.original[s.source.char_start:s.source.char_end] == s.source.quote
            assert s.phase == "treatment-free" or s.source.quote.split()[0] == f"{s.dose.value:g}"


@pytest.mark.slow
def test_graph_round_trip_and_conformance():
    from kb.dosing.rules import load_dosing, runner_for_graph
    from kb.validate.shacl import validate_graph

    rec, g = built()
    back = load_dosing(runner_for_graph(g, str(g.identifier)), str(g.identifier))
    for a, b in zip(rec.dosing.regimens, back.regimens):
        assert sorted(map(repr, a.steps)) == sorted(map(repr, b.steps))
        assert dataclasses.replace(a, steps=[], premedications=[], hospitalisations=[], weight_groups=[], phases=[], uses=[]) == \
            dataclasses.replace(b, steps=[], premedications=[], hospitalisations=[], weight_groups=[], phases=[], uses=[])
    assert back.administration == rec.dosing.administration
    report = validate_graph(g)
    assert report.conforms, report.text()


def _dosing_subgraph(g):
    prefix = f"{g.identifier}/dosing/"
    sub = g.__class__(identifier=g.identifier)
    for t in g:
        if str(t[0]).startswith(prefix) or (t[1] == SMPC.hasAdministration):
            sub.add(t)
    return sub


def _arithmetic_failures(graph) -> set[str]:
    from pyshacl import validate
    from rdflib import Graph
    from rdflib.namespace import RDF

    from kb.rdf.base import SH

    shapes = Graph().parse(LABEL.parent.parent.parent / "ontology" / "shapes" / "dosing.ttl")
    _, results, _ = validate(graph, shacl_graph=shapes, advanced=True, inference="none")
    return {str(results.value(r, SH.focusNode)) for r in results.subjects(RDF.type, SH.ValidationResult)
            if "does not add up" in str(results.value(r, SH.resultMessage))}


@pytest.mark.slow
def test_misread_digit_in_preparation_row_is_caught():
    _, g = built()
    good = _dosing_subgraph(g)
    assert _arithmetic_failures(good) == set()
    bad = _dosing_subgraph(g)
    row = next(s for s in bad.subjects(SMPC.identifier, Literal("table-13-24h-28ug-d")))
    assert isinstance(row, URIRef)
    q = bad.value(row, SMPC.reconstitutedVolume)
    bad.set((q, SCHEMA.value, Literal("6.2", datatype=XSD.decimal)))  # printed 2.6 mL, digits swapped
    failures = _arithmetic_failures(bad)
    assert len(failures) == 1 and next(iter(failures)).endswith("table-13-24h-28ug-d")
