"""Administration facts (4.2) and the infusion-bag preparation tables (6.6).

A preparation table is found by its caption ("Table N. For patients weighing
<weight phrase> ...") and read as rows of
``[duration] [dose rate] [BSA band] volume vials``; a row inherits the
duration, dose and rate printed above it (merged cells). Nothing is computed:
the volumes are the label's own.
"""
from __future__ import annotations

import re

from .dosing_records import Administration, DosingRecord, InfusionOption, PreparationRow, PreparationTable
from .posology_regimens import WEIGHT, weight_group
from .posology_text import Flat, dose_pattern, dose_quantity, dosing_data
from .records import LabelRecord, Quantity

CAPTION = re.compile(r"Table (?P<n>\d+)\.\s+For patients weighing", re.I)
NUM = r"\d+(?:\.\d+)?"


def _row_pattern() -> re.Pattern:
    dose = dose_pattern().pattern.replace("?P<num>", "?P<dnum>").replace("?P<mass>", "?P<dmass>").replace(
        "?P<size>", "?P<dsize>").replace("?P<time>", "?P<dtime>")
    return re.compile(
        rf"(?:(?P<hours>{NUM})\s*hours?\s+)?(?:(?P<dose>{dose})\s+(?P<rate>{NUM})\s*mL\s*/\s*(?:hour|h)\s+)?"
        rf"(?:(?P<lo>{NUM})\s*[–-]\s*(?P<hi>{NUM})\s+)?(?P<vol>{NUM})\s*mL\s+(?P<vials>\d+)\b"
    )


def _flat_section(record: LabelRecord, lines, number: str) -> list[tuple[str, Flat]]:
    out = []
    for sec in record.sections:
        if sec.number == number:
            out.append((sec.key, Flat.of(lines[sec.source.line_start : sec.source.line_end], record.original)))
    return out


def read_preparation(out: DosingRecord, record: LabelRecord, lines) -> None:
    rx = _row_pattern()
    for key, flat in _flat_section(record, lines, "6.6"):
        if "/" not in key:
            continue
        text = flat.text
        caps = list(CAPTION.finditer(text))
        for i, cm in enumerate(caps):
            end = caps[i + 1].start() if i + 1 < len(caps) else len(text)
            cap_end = text.find(":", cm.end(), end)
            wm = WEIGHT.search(text, cm.end(), cap_end if cap_end > 0 else end)
            if not wm:
                continue
            wg = weight_group(wm, flat, key)
            title_end = text.find("add to infusion bag", cm.start(), end)
            title_end = title_end + len("add to infusion bag") if title_end > 0 else (cap_end if cap_end > 0 else cm.end())
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


CONC = re.compile(r"concentration of (?P<num>\d+(?:\.\d+)?)\s*(?P<mass>\w+)\s*/\s*mL", re.I)
START_VOL = re.compile(r"starting volume\s*\(?\s*(?P<num>\d+(?:\.\d+)?)\s*mL", re.I)
GIVEN_VOL = re.compile(r"volume administered[^()]{0,40}\(\s*(?P<num>\d+(?:\.\d+)?)\s*mL\s*\)", re.I)
OPTION = re.compile(r"rate of (?P<rate>\d+(?:\.\d+)?)\s*mL\s*/\s*h(?:our)?\s+for a duration of (?P<h>\d+)\s*hours", re.I)
BAG = re.compile(r"changed at least every (?P<h>\d+)\s*hours", re.I)
MAX_INF = re.compile(r"over a period of up to (?P<h>\d+)\s*hours", re.I)


def read_administration(out: DosingRecord, record: LabelRecord, lines) -> None:
    adm: Administration = out.administration
    mass = dosing_data()["units"]["mass"]
    for number in ("4.2", "6.6"):
        for key, flat in _flat_section(record, lines, number):
            if number == "4.2" and key == "4.2":
                continue  # the numbered section's own flat repeats its sub-sections
            text = flat.text
            for a, b in flat.sentences():
                s = text[a:b]
                src = flat.source(a, b, key)
                m = CONC.search(s)
                if m and adm.concentration is None and m.group("mass") in mass:
                    adm.concentration = Quantity(float(m.group("num")), mass[m.group("mass")] + "/mL", text=m.group(0))
                    adm.concentration_source = src
                m1, m2 = START_VOL.search(s), GIVEN_VOL.search(s)
                if m1 and m2 and adm.bag_volume is None:
                    adm.bag_volume = Quantity(float(m1.group("num")), "mL", text=m1.group(0))
                    adm.delivered_volume = Quantity(float(m2.group("num")), "mL", text=m2.group(0))
                    adm.volume_source = src
                for m in OPTION.finditer(s):
                    h = float(m.group("h"))
                    if all(o.hours.value != h for o in adm.options):
                        adm.options.append(InfusionOption(f"infusion-{m.group('h')}h", Quantity(h, "h"),
                                                          Quantity(float(m.group("rate")), "mL/h"), src))
                m = BAG.search(s)
                if m and adm.bag_change_max is None:
                    adm.bag_change_max = Quantity(float(m.group("h")), "h", comparator="<=", text=m.group(0))
                    adm.bag_change_source = src
                m = MAX_INF.search(s)
                if m and adm.max_infusion is None:
                    adm.max_infusion = Quantity(float(m.group("h")), "h", comparator="<=", text=m.group(0))
                    adm.max_infusion_source = src
