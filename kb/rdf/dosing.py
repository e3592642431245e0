"""Dosing records (``ingest.dosing_records``) -> RDF, and the naming both ways.

Every dosing node lives under ``{label-version}/dosing/...``. A record's
fields map to ``smpc:`` properties named by camel-casing the field name
(``first_cycle`` -> ``smpc:firstCycle``) unless :data:`RENAME` says otherwise;
list fields of records become ``has*`` links to child nodes (:data:`CHILDREN`);
``Quantity`` fields become ``smpc:Quantity`` nodes; the record's ``source``
becomes ``prov:wasDerivedFrom``, and a ``<field>_source`` becomes the
provenance of that field's quantity. :mod:`kb.dosing.rules` reads the graph
back with the same tables, so the two directions cannot drift apart.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF

from ingest import dosing_records as dr
from ingest.ids import slugify as slug
from ingest.records import LabelRecord, Quantity, Source
from kb.rdf.base import SMPC, GraphBuilder

CLASSES: dict[type, str] = {
    dr.Regimen: "DosingRegimen", dr.WeightGroup: "WeightGroup", dr.DoseStep: "DoseStep",
    dr.CyclePhase: "CyclePhase", dr.RegimenUse: "RegimenUse", dr.Premedication: "Premedication",
    dr.Hospitalisation: "HospitalisationAdvice", dr.DoseModificationTable: "DoseModificationTable",
    dr.ModificationAction: "DoseModificationAction", dr.InterruptionRule: "InterruptionRule",
    dr.InfusionOption: "InfusionOption", dr.PreparationTable: "PreparationTable",
    dr.PreparationRow: "PreparationRow", dr.Administration: "AdministrationSpec", dr.Limit: "DosingLimit",
    dr.DoseRule: "DoseRule", dr.DoseComponent: "DoseComponent", dr.DoseBand: "DoseBand", dr.DosePhase: "DosePhase",
}
# (record class, list field) -> linking property; the child class
CHILDREN: dict[tuple[type, str], tuple[str, type]] = {
    (dr.Regimen, "weight_groups"): ("hasWeightGroup", dr.WeightGroup),
    (dr.Regimen, "steps"): ("hasDoseStep", dr.DoseStep),
    (dr.Regimen, "phases"): ("hasCyclePhase", dr.CyclePhase),
    (dr.Regimen, "uses"): ("hasRegimenUse", dr.RegimenUse),
    (dr.Regimen, "premedications"): ("hasPremedication", dr.Premedication),
    (dr.Regimen, "hospitalisations"): ("hasHospitalisation", dr.Hospitalisation),
    (dr.DoseModificationTable, "actions"): ("hasAction", dr.ModificationAction),
    (dr.DoseModificationTable, "rules"): ("hasInterruptionRule", dr.InterruptionRule),
    (dr.PreparationTable, "rows"): ("hasRow", dr.PreparationRow),
    (dr.Administration, "options"): ("hasInfusionOption", dr.InfusionOption),
    (dr.DoseRule, "components"): ("hasDoseComponent", dr.DoseComponent),
    (dr.DoseRule, "bands"): ("hasDoseBand", dr.DoseBand),
    (dr.DoseRule, "phases"): ("hasDosePhase", dr.DosePhase),
}
TOP: dict[str, tuple[str, type]] = {
    "regimens": ("hasRegimen", dr.Regimen),
    "modification_tables": ("hasDoseModificationTable", dr.DoseModificationTable),
    "preparation_tables": ("hasPreparationTable", dr.PreparationTable),
    "limits": ("hasDosingLimit", dr.Limit),
    "general_hospitalisation": ("hasHospitalisation", dr.Hospitalisation),
    "dose_rules": ("hasDoseRule", dr.DoseRule),
}
RENAME = {
    "id": "identifier", "kind": "adviceKind", "quantity_kind": "limitKind", "toxicities": "toxicity",
    "regimen_ids": "appliesToRegimenId", "criteria": "criterion", "routes": "route",
    "weight_group": "weightGroupId", "regimen_id": "regimenId", "modification_table": "modificationTableId",
    "label": "weightGroupLabel", "title": "heading", "section": "sectionKey", "day": "dayOfCycle",
    "days": "hospitalDays", "cycles": "cycleSelector", "limit": "limitValue", "until": "interruptUntil",
    "window": "administrationWindow", "hours": "infusionDuration", "rate": "infusionRate",
    "volume": "reconstitutedVolume", "dose": "doseAmount", "cap": "doseCap", "drug": "drugName", "bsa": "bsaBand",
    "vials": "vialCount", "phase": "dayPhase", "role": "cycleRole", "action": "actionKind",
    "outcome": "interruptionOutcome", "grade": "toxicityGrade", "event": "toxicityEvent", "taper": "taperDuration",
    "interval": "doseInterval", "duration": "treatmentDuration", "courses": "courseCount",
    "administrations": "administrationCount", "schedule": "scheduleText", "indication_ids": "indicationId",
    "approx_dose": "approximateDose", "split_doses": "splitDoseCount",
}
CLASS_RENAME = {(dr.Premedication, "kind"): "premedicationKind", (dr.DoseRule, "basis"): "doseBasis",
                (dr.DosePhase, "role"): "phaseRole"}
# field whose provenance is stored on another field's quantity node
SOURCE_OF = {
    "cap_source": ("cap",), "cycles_source": ("max_cycles",), "concentration_source": ("concentration",),
    "volume_source": ("bag_volume", "delivered_volume"), "bag_change_source": ("bag_change_max",),
    "max_infusion_source": ("max_infusion",), "max_dose_source": ("max_dose",),
    "max_period_source": ("max_period_dose",), "interval_source": ("interval",),
    "course_interval_source": ("course_interval",), "courses_source": ("courses",),
    "split_source": ("split_doses",), "test_dose_source": ("test_dose",),
    "escalate_source": ("escalate_to",), "increment_source": ("increment",),
}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def prop_name(cls: type, field: str) -> str:
    return CLASS_RENAME.get((cls, field)) or RENAME.get(field) or camel(field)


def add(b: GraphBuilder, record: LabelRecord) -> None:
    d = record.dosing
    if not isinstance(d, dr.DosingRecord):
        return
    base = b.iri("dosing")
    for field, (prop, _) in TOP.items():
        for item in getattr(d, field):
            node = URIRef(f"{base}/{slug(field, 20)}/{_seg(item.id)}")
            b.add(b.root, SMPC[prop], node)
            _emit(b, node, item)
    adm = URIRef(f"{base}/administration")
    b.add(b.root, SMPC.hasAdministration, adm)
    _emit(b, adm, d.administration, default_source=_any_source(d.administration))
    for reg in d.regimens:
        node = URIRef(f"{base}/regimens/{_seg(reg.id)}")
        for use in reg.uses:
            b.add(node, SMPC.forIndication, b.iri("indication", use.indication_id))
    for rule in d.dose_rules:
        node = URIRef(f"{base}/dose-rules/{_seg(rule.id)}")
        b.add(node, SMPC.ruleSection, b.section_iri(rule.section))
        for ind in rule.indication_ids:
            b.add(node, SMPC.forIndication, b.iri("indication", ind))


def _seg(s: str) -> str:
    return slug(s, 120)


def _any_source(adm: dr.Administration) -> Source | None:
    return next((getattr(adm, f) for f in SOURCE_OF if hasattr(adm, f) and getattr(adm, f)), None)


def _emit(b: GraphBuilder, node: URIRef, obj: Any, default_source: Source | None = None) -> None:
    cls = type(obj)
    b.add(node, RDF.type, SMPC[CLASSES[cls]])
    src = getattr(obj, "source", None) or default_source
    b.source(node, src)
    for f in dataclasses.fields(obj):
        name, value = f.name, getattr(obj, f.name)
        if name == "source" or name in SOURCE_OF or value is None:
            continue
        pred = SMPC[prop_name(cls, name)]
        if (cls, name) in CHILDREN:
            link, _ = CHILDREN[(cls, name)]
            for i, child in enumerate(value, 1):
                cnode = URIRef(f"{node}/{slug(link[3:], 20)}/{_seg(getattr(child, 'id', None) or str(i))}")
                b.add(node, SMPC[link], cnode)
                _emit(b, cnode, child)
        elif isinstance(value, Quantity):
            q = b.quantity(node, pred, value, name=name)
            for sf, targets in SOURCE_OF.items():
                if name in targets and getattr(obj, sf, None) is not None:
                    b.source(q, getattr(obj, sf))
        elif name == "criteria":
            for i, (what, q) in enumerate(value, 1):
                c = URIRef(f"{node}/criterion/{i}")
                b.add(node, pred, c)
                b.add(c, SMPC.description, Literal(what))
                b.quantity(c, SMPC.threshold, q, name="threshold")
        elif isinstance(value, list):
            for v in value:
                b.lit(node, pred, v)
        else:
            b.lit(node, pred, value)
    if cls is dr.Regimen and obj.max_cycles is not None and obj.cycles_source is not None:
        span = b.source(node, obj.cycles_source)
        b.g.remove((node, PROV.wasDerivedFrom, span))
        b.add(node, SMPC.maxCyclesSource, span)
