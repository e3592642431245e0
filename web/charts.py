"""Small server-side SVG charts (no JavaScript, no external library): layout only, drawn by templates."""
from __future__ import annotations

from kb.adverse_query import FREQUENCY_NAMES

PALETTE = ["#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac", "#999999"]
# one colour per frequency band, the same on every label's page
BAND_COLOURS = dict(zip(FREQUENCY_NAMES, ["#b2182b", "#ef8a62", "#f6c26b", "#67a9cf", "#2166ac", "#999999"]))


def band_colour(name: str) -> str:
    return BAND_COLOURS.get(name, "#cccccc")


def stacked_bars(counts: dict[str, dict[str, int]], series: list[str], width: int = 520, bar_h: int = 16,
                 gap: int = 6, label_w: int = 300) -> dict:
    """One horizontal bar per row (organ class) split by series (frequency)."""
    biggest = max((sum(v.values()) for v in counts.values()), default=0) or 1
    scale = (width - label_w - 40) / biggest
    rows = []
    for i, (name, by) in enumerate(counts.items()):
        y = i * (bar_h + gap)
        x = label_w
        segs = []
        for j, s in enumerate(series):
            n = by.get(s, 0)
            if n:
                segs.append({"x": round(x, 1), "w": round(n * scale, 1), "color": band_colour(s),
                             "title": f"{name}: {n} {s}"})
                x += n * scale
        rows.append({"name": name, "y": y, "total": sum(by.values()), "end": round(x, 1), "segments": segs})
    legend, lx = [], 10
    for s in series:  # each item as wide as its name, below the bars
        legend.append({"name": s, "color": band_colour(s), "x": lx})
        lx += 24 + 7 * len(s)
    bars_h = len(rows) * (bar_h + gap)
    return {"width": max(width, lx), "height": bars_h + 34, "legend_y": bars_h + 14, "bar_h": bar_h, "rows": rows,
            "legend": legend, "label_w": label_w}


def timeline(days: list[dict], width: int = 900, height: int = 190, selected: tuple[int, int] | None = None) -> dict | None:
    """The regimen day by day: dose columns coloured by phase, treatment-free days as a hatched gap,
    a day axis (day 1, 8, 15, ... of each cycle), cycle boundaries, hospital days and the selected day."""
    if not days:
        return None
    values = [(d.get("dose") or {}).get("value") or 0 for d in days]
    top = max(values) or 1
    left, base = 50, height - 60  # baseline of the dose columns
    col = (width - left - 10) / len(days)
    phases = list(dict.fromkeys(d.get("phase") or "" for d in days))
    bars, gaps, hospital, ticks, cycles = [], [], [], [], []
    sel = None
    for i, (d, v) in enumerate(zip(days, values)):
        x = round(left + i * col, 1)
        unit = (d.get("dose") or {}).get("unit", "")
        if v:
            h = (base - 20) * v / top
            bars.append({"x": x, "w": round(max(col - 0.4, 0.6), 1), "y": round(base - h, 1), "h": round(h, 1),
                         "color": PALETTE[phases.index(d.get("phase") or "") % len(PALETTE)],
                         "title": f"cycle {d.get('cycle')} day {d.get('day')}: {d.get('phase')}, {v:g} {unit}"})
        elif gaps and gaps[-1]["end"] == i and gaps[-1]["cycle"] == d.get("cycle"):
            gaps[-1]["end"] = i + 1
            gaps[-1]["w"] = round((gaps[-1]["end"] - gaps[-1]["start"]) * col, 1)
            gaps[-1]["title"] = f"cycle {d.get('cycle')} days {gaps[-1]['first_day']}-{d.get('day')}: {d.get('phase') or 'no infusion'}"
        else:
            gaps.append({"start": i, "end": i + 1, "x": x, "w": round(col, 1), "cycle": d.get("cycle"),
                         "first_day": d.get("day"), "title": f"cycle {d.get('cycle')} day {d.get('day')}: {d.get('phase') or 'no infusion'}"})
        if d.get("hospital"):
            hospital.append({"x": x, "w": round(max(col, 0.6), 1), "title": f"cycle {d.get('cycle')} day {d.get('day')}: in hospital"})
        if d.get("day") == 1:
            cycles.append({"x": x, "label": f"Cycle {d.get('cycle')}", "cycle": d.get("cycle")})
        if (d.get("day") or 0) % 7 == 1 and col * 7 >= 14:
            ticks.append({"x": round(x + col / 2, 1), "label": str(d.get("day"))})
        if selected and (d.get("cycle"), d.get("day")) == tuple(selected):
            sel = {"x": round(x + col / 2, 1), "label": f"C{d.get('cycle')} D{d.get('day')}",
                   "title": f"selected: cycle {d.get('cycle')} day {d.get('day')}"}
    for g in gaps:
        g["label"] = "treatment-free" if g["w"] >= 70 else ""
    return {"width": width, "height": height, "base": base, "left": left, "bars": bars, "top": top, "gaps": gaps,
            "hospital": hospital, "ticks": ticks, "cycles": cycles, "selected": sel,
            "unit": next(((d.get("dose") or {}).get("unit") for d in days if d.get("dose")), ""),
            "legend": [{"name": p, "color": PALETTE[i % len(PALETTE)]} for i, p in enumerate(phases)
                       if any((d.get("phase") or "") == p and (d.get("dose") or {}).get("value") for d in days)]}
