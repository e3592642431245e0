"""Set aside what an extractor could not settle, before it becomes a malformed fact.

Each check mirrors a SHACL shape (``ontology/shapes``) at the record level: a
fact that would violate it is removed from the record and kept as an
:class:`~ingest.records.Unresolved` item with its quote, place and reason, so a
real label with a partial result is stored and conforms, and the shapes keep
refusing malformed facts that reach them. Nothing here knows a product.

* indications whose population gives neither an age group, a minimum age nor a
  disease (``PopulationShape``);
* cross-references to a section the label does not have (``CrossReferenceShape``):
  the reference is dropped, the fact kept;
* dose steps without a dose or with a day range that runs backwards, regimens
  left without a dose step or weight group (``DoseStepShape``, ``DosingRegimenShape``);
* preparation-table rows whose arithmetic does not hold within 10 %
  (``PreparationRowShape``);
* prose dose rules with neither a dose nor a maximum (``DoseRuleShape``);
* hospital stays without a number of days (``HospitalisationShape``).
"""
from __future__ import annotations

from ingest.dosing_records import DosingRecord
from ingest.records import LabelRecord

AGE_GROUPS = {"adult", "pediatric", "adolescent", "elderly"}
TOLERANCE = 0.10


def clinical(record: LabelRecord) -> None:
    keys = {s.key for s in record.sections} | {s.number for s in record.sections}
    kept = []
    for ind in record.indications:
        pop = ind.population
        if (pop.age_group in AGE_GROUPS) or pop.min_age is not None or pop.disease:
            kept.append(ind)
            continue
        record.add_unresolved("sentence", ind.text, "indication whose population (age group, minimum age or "
                              "disease) could not be read; not stored as an indication", ind.source)
    record.indications = kept
    for fact in [*record.indications, *record.contraindications, *record.warnings]:
        bad = [r for r in fact.cross_refs if r not in keys]
        for ref in bad:
            record.add_unresolved("sentence", fact.source.quote, f"cross-reference to section {ref}, which the "
                                  "label does not have; reference not stored", fact.source)
        fact.cross_refs = [r for r in fact.cross_refs if r in keys]
    for ci in record.contraindications:
        ci.mentioned_in = [k for k in ci.mentioned_in if k in keys]


def dosing(record: LabelRecord) -> None:
    d = record.dosing
    if not isinstance(d, DosingRecord):
        return
    _regimens(record, d)
    _preparation(record, d)
    kept = []
    for rule in d.dose_rules:
        if rule.dose is not None or rule.max_dose is not None or rule.dose_role == "individualised":
            kept.append(rule)
        else:
            record.add_unresolved("sentence", rule.text, "dose sentence with neither a dose nor a maximum dose "
                                  "that could be read; no dose rule stored", rule.source)
    d.dose_rules = kept
    for owner in [d, *d.regimens]:
        field = "general_hospitalisation" if owner is d else "hospitalisations"
        keep = []
        for h in getattr(owner, field):
            if h.days is None and h.kind == "hospitalisation":
                record.add_unresolved("sentence", h.text or h.source.quote, "hospitalisation advice without a "
                                      "number of days that could be read", h.source)
            else:
                keep.append(h)
        setattr(owner, field, keep)


def _regimens(record: LabelRecord, d: DosingRecord) -> None:
    kept = []
    for reg in d.regimens:
        groups = {g.id for g in reg.weight_groups}
        steps = []
        for st in reg.steps:
            why = None
            if st.phase == "infusion" and st.dose is None:
                why = "an infusion day range without a dose that could be read"
            elif st.first_day > st.last_day:
                why = f"a day range that runs backwards (day {st.first_day} to {st.last_day})"
            elif st.weight_group not in groups:
                why = f"a dose for weight group '{st.weight_group}', which the table does not define"
            if why:
                record.add_unresolved("table-cell", st.source.quote, why + "; dose step not stored", st.source)
            else:
                steps.append(st)
        reg.steps = steps
        if reg.steps and reg.weight_groups:
            kept.append(reg)
        else:
            record.add_unresolved("table", reg.source.quote[:300], f"regimen '{reg.title}' without a dose step or "
                                  "weight group that could be read; regimen not stored", reg.source)
    gone = {r.id for r in d.regimens} - {r.id for r in kept}
    d.regimens = kept
    for t in d.modification_tables:
        t.regimen_ids = [i for i in t.regimen_ids if i not in gone]


def _per_day(row, adm) -> float | None:
    c, bag, given = adm.concentration, adm.bag_volume, adm.delivered_volume
    if None in (c, bag, given) or None in (c.value, bag.value, given.value, row.volume.value, row.hours.value):
        return None
    if not bag.value or not row.hours.value:
        return None
    return c.value * row.volume.value * given.value / bag.value / (row.hours.value / 24)


def _preparation(record: LabelRecord, d: DosingRecord) -> None:
    for table in d.preparation_tables:
        kept = []
        for row in table.rows:
            per_day = _per_day(row, d.administration)
            lo = row.dose.value * (row.bsa.low if row.bsa and row.bsa.low is not None else 1)
            hi = row.dose.value * (row.bsa.high if row.bsa and row.bsa.high is not None else 1)
            if per_day is not None and (per_day < (1 - TOLERANCE) * lo or per_day > (1 + TOLERANCE) * hi):
                record.add_unresolved("table-row", row.source.quote, f"preparation row does not add up: the "
                                      f"volumes give {per_day:.3g} per day against the printed dose "
                                      f"{row.source.quote.split()[0] if row.source.quote else ''} (a mis-read digit?); "
                                      "row not stored", row.source)
            else:
                kept.append(row)
        table.rows = kept
    d.preparation_tables = [t for t in d.preparation_tables if t.rows]
