"""Administration facts (4.2) and the infusion-bag preparation tables (6.6).

A preparation table is found by its caption (a table number followed by a
weight phrase: the ``preparation_caption`` cue of ``dosing.json`` ``wording``),
its title runs to the ``preparation_title_end`` cue, and it is read as rows of
``[duration] [dose rate] [BSA band] volume vials``; a row inherits the
duration, dose and rate printed above it (merged cells). Nothing is computed:
the volumes are the label's own.
"""
from __future__ import annotations

import re

from ingest.dosing_records import Administration, DosingRecord, InfusionOption, PreparationRow, PreparationTable
from ingest.extract.posology.passages import Flat, dose_pattern, dose_quantity, dosing_data
from ingest.extract.posology.regimens import WEIGHT, weight_group
from ingest.extract.posology.wording import cue
from ingest.records import LabelRecord, Quantity
from ingest.records_document import body_lines, document

NUM = r"\d+(?:\.\d+)?"


def _row_pattern() -> re.Pattern:
    dose = dose_pattern().pattern.replace("?P<num>", "?P<dnum>").replace("?P<mass>", "?P<dmass>").replace(
        "?P<size>", "?P<dsize>").replace("?P<time>", "?P<dtime>")
    return re.compile(
        rf"(?:(?P<hours>{NUM})\s*hours?\s+)?(?:(?P<dose>{dose})\s+(?P<rate>{NUM})\s*mL\s*/\s*(?:hour|h)\s+)?"
        rf"(?:(?P<lo>{NUM})\s*[–-]\s*(?P<hi>{NUM})\s+)?(?P<vol>{NUM})\s*mL\s+(?P<vials>\d+)\b"
    )


def _flat_section(record: LabelRecord, number: str) -> list[tuple[str, Flat]]:
    """Each section record of one number with its running text, from the document model's blocks."""
    out = []
    for sec in record.sections:
        if sec.number == number:
            out.append((sec.key, Flat.of(body_lines(record, sec), document(record))))
    return out


def read_preparation(out: DosingRecord, record: LabelRecord) -> None:
    rx = _row_pattern()
    for key, flat in _flat_section(record, "6.6"):
        if "/" not in key:
            continue
        text = flat.text
        caps = list(cue("preparation_caption").finditer(text))
        for i, cm in enumerate(caps):
            end = caps[i + 1].start() if i + 1 < len(caps) else len(text)
            cap_end = text.find(":", cm.end(), end)
            wm = WEIGHT.search(text, cm.end(), cap_end if cap_end > 0 else end)
            if not wm:
                continue
            wg = weight_group(wm, flat, key)
            te = cue("preparation_title_end").search(text, cm.start(), end)
            title_end = te.end() if te else (cap_end if cap_end > 0 else cm.end())
            table = PreparationTable(f"table-{cm.group('n')}", " ".join(text[cm.start():title_end].split()), wg.id,
                                     flat.source(cm.start(), title_end, key), wg.min_kg, wg.max_kg)
            hours = dose = rate = None
            for m in rx.finditer(text, title_end, end):
                if m.group("hours"):
                    hours = Quantity(float(m.group("hours")), "h", text=m.group("hours") + " hours")
                if m.group("dose"):
                    dm = dose_pattern().match(m.group("dose"))
                    dose = dose_quantity(dm)
                    rate = Quantity(float(m.group("rate")), "mL/h", text=m.group("rate") + " mL/hour")
                if hours is None or dose is None:
                    continue
                band = None
                if m.group("lo"):
                    lo, hi = float(m.group("lo")), float(m.group("hi"))
                    band = Quantity(None, "m2", low=lo, high=hi, text=f"{m.group('lo')} – {m.group('hi')}")
                elif "m2" in dose.unit.split("/"):
                    continue  # a BSA dose row needs its band
                rid = f"{table.id}-{hours.value:g}h-{dose.value:g}{dose.unit.replace('/', '-')}" + (
                    f"-bsa-{band.low:g}-{band.high:g}" if band else "")
                table.rows.append(PreparationRow(rid, hours, dose, rate, Quantity(float(m.group("vol")), "mL", text=m.group("vol") + " mL"),
                                                 int(m.group("vials")), flat.source(m.start(), m.end(), key), band))
            if table.rows:
                out.preparation_tables.append(table)


def _concentration(m: re.Match, unit: str) -> Quantity:
    """One concentration ("12.5 micrograms/mL") or a range ("from 0.1 units/ml to 1.0 units/ml")."""
    high = m.groupdict().get("high")
    if high:
        return Quantity(None, unit + "/mL", low=float(m.group("n")), high=float(high), text=m.group(0))
    return Quantity(float(m.group("n")), unit + "/mL", text=m.group(0))


def read_administration(out: DosingRecord, record: LabelRecord) -> None:
    adm: Administration = out.administration
    mass = dosing_data()["units"]["mass"]
    counts = dosing_data()["units"]["count_dose"]  # "units/ml", "IU/ml"
    for number in ("4.2", "6.6"):
        for key, flat in _flat_section(record, number):
            if number == "4.2" and key == "4.2":
                continue  # the numbered section's own flat repeats its sub-sections
            text = flat.text
            for a, b in flat.sentences():
                s = text[a:b]
                src = flat.source(a, b, key)
                m = cue("concentration").search(s)
                unit = (mass | counts).get(m.group("mass")) if m else None
                if m and adm.concentration is None and unit:
                    adm.concentration = _concentration(m, unit)
                    adm.concentration_source = src
                m1, m2 = cue("bag_starting_volume").search(s), cue("bag_delivered_volume").search(s)
                if m1 and m2 and adm.bag_volume is None:
                    adm.bag_volume = Quantity(float(m1.group("n")), "mL", text=m1.group(0))
                    adm.delivered_volume = Quantity(float(m2.group("n")), "mL", text=m2.group(0))
                    adm.volume_source = src
                for m in cue("infusion_option").finditer(s):
                    h = float(m.group("hours"))
                    if all(o.hours.value != h for o in adm.options):
                        adm.options.append(InfusionOption(f"infusion-{m.group('hours')}h", Quantity(h, "h"),
                                                          Quantity(float(m.group("n")), "mL/h"), src))
                m = cue("bag_change").search(s)
                if m and adm.bag_change_max is None:
                    adm.bag_change_max = Quantity(float(m.group("n")), "h", comparator="<=", text=m.group(0))
                    adm.bag_change_source = src
                m = cue("max_infusion").search(s)
                if m and adm.max_infusion is None:
                    adm.max_infusion = Quantity(float(m.group("n")), "h", comparator="<=", text=m.group(0))
                    adm.max_infusion_source = src
