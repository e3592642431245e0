"""One day of treatment for one patient: dose, infusion bag, premedication,
hospitalisation, warnings, and the section and quote of every number."""
from __future__ import annotations

import math

from ingest import dosing_records as dr
from kb.dosing.inputs import DoseInputError, age_group_of, dosing_data
from kb.dosing.patient import Patient, Rules, bsa_rounding_text, daily_dose, one_line, round_dose, src, step_for
from kb.dosing.words import unit_words


def infusion_option(rules: Rules, hours: float) -> dr.InfusionOption:
    opts = rules.record.administration.options
    for o in opts:
        if o.hours.value == hours:
            return o
    allowed = ", ".join(f"{o.hours.value:g}" for o in opts) or "none given"
    raise DoseInputError(f"infusion_hours {hours:g} is not a duration the label gives (allowed: {allowed})", "infusion_hours")


def preparation_row(rules: Rules, p: Patient, step: dr.DoseStep, hours: float) -> tuple[dr.PreparationRow | None, dr.PreparationTable | None]:
    for t in rules.record.preparation_tables:
        if t.weight_group != p.group.id:
            continue
        for row in t.rows:
            if row.hours.value != hours or row.dose.value != step.dose.value or row.dose.unit != step.dose.unit:
                continue
            if row.bsa is not None and not (p.bsa is not None and row.bsa.low <= p.bsa <= row.bsa.high):
                continue
            return row, t
        return None, t
    return None, None


def infusion(rules: Rules, p: Patient, step: dr.DoseStep, hours: float | None, out: dict) -> dict | None:
    if hours is None:
        opts = ", ".join(f"{o.hours.value:g} h" for o in rules.record.administration.options)
        if opts:
            out["warnings"].append(f"no infusion duration given: choose one the label gives ({opts}) to get the bag volume")
        return None
    opt = infusion_option(rules, hours)
    out["sources"].append(src("infusion.rate_ml_per_h", opt.source))
    row, table = preparation_row(rules, p, step, hours)
    info = {"hours": hours, "rate_ml_per_h": opt.rate.value, "volume_ml": None, "vials": None, "table": None}
    adm = rules.record.administration
    if adm.bag_change_max is not None:
        info["bag_change_max_hours"] = adm.bag_change_max.value
        out["sources"].append(src("infusion.bag_change_max_hours", adm.bag_change_source))
    if row is None:
        where = f" ({table.title.split(':')[0]})" if table else ""
        out["warnings"].append(
            f"the label's preparation table{where} gives no volume for this dose, duration and BSA; no volume is computed")
        return info
    info.update(rate_ml_per_h=row.rate.value, volume_ml=row.volume.value, vials=row.vials, table=table.id)
    if row.bsa is not None:
        info["bsa_band_m2"] = [row.bsa.low, row.bsa.high]
    info["table_title"] = table.title
    info["row"] = {"id": row.id, "hours": row.hours.value, "dose": {"value": row.dose.value, "unit": row.dose.unit},
                   "rate_ml_per_h": row.rate.value, "bsa_band_m2": info.get("bsa_band_m2"),
                   "volume_ml": row.volume.value, "vials": row.vials, "section": row.source.section,
                   "lines": [row.source.line_start, row.source.line_end], "quote": one_line(row.source.quote),
                   "text": _row_text(table, row)}
    out["sources"].append(src("infusion.volume_ml", row.source))
    out["sources"].append(src("infusion.table", table.source))
    return info


def _row_text(table: dr.PreparationTable, row: dr.PreparationRow) -> str:
    """The selected row in words: "<table name>: 24 h, 15 ug/m2/d, BSA 0.5-0.59 m2 -> 0.72 mL, 1 vial"."""
    name = table.title.split(":")[0].split(".")[0].strip()
    band = f", BSA {row.bsa.low:g}-{row.bsa.high:g} m²" if row.bsa is not None else ""
    vials = f"{row.vials} vial" + ("s" if row.vials != 1 else "")
    return (f"{name}: {row.hours.value:g} hours, {row.dose.value:g} {unit_words(row.dose.unit, row.dose.value)}{band}, "
            f"{row.rate.value:g} mL/hour -> {row.volume.value:g} mL, {vials}")


def premedication(rules: Rules, p: Patient, cycle: int, day: int, out: dict | None) -> list[dict]:
    group = age_group_of(p.age)
    items = []
    for m in p.regimen.premedications:
        if m.age_group not in (None, group):
            continue
        if m.cycles not in ("each",) and m.cycles != str(cycle):
            continue
        if m.window is not None:
            days = math.ceil(m.window.value / 24) if m.window.unit == "h" else int(m.window.value)
            if day > days:
                continue
        elif m.day is not None and m.day != day:
            continue
        item = {"kind": m.kind, "drug": m.drug, "text": m.text, "routes": m.routes}
        if m.dose is not None:
            item.update(_premed_dose(m, p))
        if m.before_start is not None:
            b = m.before_start
            item["before_start"] = {"value": b.value, "low": b.low, "high": b.high, "unit": b.unit}
        if m.window is not None:
            item["window"] = {"value": m.window.value, "unit": m.window.unit}
        if m.alternative:
            item["alternative"] = m.alternative
        if m.criteria:
            item["only_if"] = [{"what": w, "comparator": q.comparator, "value": q.value, "unit": q.unit} for w, q in m.criteria]
        if m.cap is not None:
            item["cap"] = {"value": m.cap.value, "unit": m.cap.unit}
        items.append(item)
        if out is not None:
            out["sources"].append(src(f"premedication[{len(items) - 1}]", m.source))
    return items


def _premed_dose(m: dr.Premedication, p: Patient) -> dict:
    q = m.dose
    parts = q.unit.split("/")
    if "m2" not in parts:
        return {"dose": {"value": q.value, "unit": q.unit}}
    if p.bsa is None:
        return {"dose": {"value": None, "unit": q.unit.replace("/m2", ""), "per_m2": q.value}}
    value = q.value * p.bsa
    capped = m.cap is not None and value > m.cap.value
    if capped:
        value = m.cap.value
    return {"dose": {"value": round_dose(value), "unit": q.unit.replace("/m2", ""), "per_m2": q.value}, "capped": capped}


def hospitalisation(rules: Rules, p: Patient, cycle: int, day: int, cns: bool | None, out: dict | None) -> dict:
    base, conditional = None, []
    for h in p.regimen.hospitalisations + rules.record.general_hospitalisation:
        if not (h.first_cycle <= cycle and (h.last_cycle is None or cycle <= h.last_cycle)):
            continue
        # no number of days in the label (supervision at cycle starts): whether it applies today is not stated
        entry = {"kind": h.kind, "minimum_days": h.days,
                 "applies_today": day <= h.days if h.days is not None else None, "text": h.text}
        if h.condition:
            entry["condition"] = h.condition
            if cns is False:
                continue
            if cns is None:
                conditional.append(entry)
                continue
        if base is None or (h.kind == "hospitalisation" and (base["kind"] != "hospitalisation" or h.days > base["minimum_days"])):
            base = entry
        if out is not None:
            out["sources"].append(src("hospitalization", h.source))
    return {"recommended": bool(base and base["kind"] == "hospitalisation" and base["applies_today"]),
            "advice": base, "if_condition": conditional}


def day_answer(rules: Rules, p: Patient, cycle: int, day: int, hours: float | None, cns: bool | None) -> dict:
    step = step_for(p.regimen, p.group.id, cycle, day)
    if step is None:
        raise DoseInputError(f"the label gives no dose for cycle {cycle} day {day} of regimen '{p.regimen.title}'", "day")
    out = {
        "label": rules.label, "indication": p.use.indication_id if p.use else None, "regimen": p.regimen.id,
        "cycle": cycle, "day": day, "phase": step.phase, "dose": None, "basis": p.group.basis,
        "weight_group": p.group.label or p.group.id, "bsa_m2": p.bsa, "bsa_formula": p.formula, "capped": False,
        "infusion": None, "premedication": [], "hospitalization": None, "warnings": list(p.warnings),
        "sources": [s for s in p.sources if s],
    }
    out["sources"].append(src("phase", step.source))
    if step.phase == "infusion":
        value, unit, capped = daily_dose(p, step)
        out["dose"] = {"value": value, "unit": unit}
        out["dose_rate"] = {"value": step.dose.value, "unit": step.dose.unit}
        out["capped"] = capped
        out["sources"].append(src("dose", step.source))
        if step.cap is not None:
            out["cap"] = {"value": step.cap.value, "unit": step.cap.unit}
            out["sources"].append(src("cap", step.cap_source))
        out["infusion"] = infusion(rules, p, step, hours, out)
    out["premedication"] = premedication(rules, p, cycle, day, out)
    out["hospitalization"] = hospitalisation(rules, p, cycle, day, cns, out)
    if p.bsa is not None:
        out["bsa_rounding"] = bsa_rounding_text()
        out["bsa_m2_unrounded"] = p.bsa_unrounded
    if p.formula:
        f = dosing_data()["bsa_formulas"][p.formula]
        out["bsa_formula_text"] = f"{f['name']}: {f['formula']}"
        out["warnings"].append(f"BSA computed with the {p.formula} formula from weight and height")
    out["sources"] = [s for s in out["sources"] if s]
    return out
