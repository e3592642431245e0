"""Small server-side SVG charts (no JavaScript, no external library): layout only, drawn by templates."""
from __future__ import annotations

PALETTE = ["#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac", "#999999"]


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
                segs.append({"x": round(x, 1), "w": round(n * scale, 1), "color": PALETTE[j % len(PALETTE)],
                             "title": f"{name}: {n} {s}"})
                x += n * scale
        rows.append({"name": name, "y": y, "total": sum(by.values()), "end": round(x, 1), "segments": segs})
    legend = [{"name": s, "color": PALETTE[j % len(PALETTE)]} for j, s in enumerate(series)]
    return {"width": width, "height": len(rows) * (bar_h + gap) + 30, "bar_h": bar_h, "rows": rows,
            "legend": legend, "label_w": label_w}


def timeline(days: list[dict], width: int = 900, height: int = 160) -> dict | None:
    """Daily dose as columns along the regimen, coloured by phase; treatment-free days as gaps."""
    if not days:
        return None
    values = [(d.get("dose") or {}).get("value") or 0 for d in days]
    top = max(values) or 1
    col = max(1.0, (width - 60) / len(days))
    phases = list(dict.fromkeys(d.get("phase") or "" for d in days))
    bars = []
    for i, (d, v) in enumerate(zip(days, values)):
        h = (height - 40) * v / top
        unit = (d.get("dose") or {}).get("unit", "")
        bars.append({"x": round(50 + i * col, 1), "w": round(max(col - 0.5, 0.5), 1), "y": round(height - 20 - h, 1),
                     "h": round(h, 1), "color": PALETTE[phases.index(d.get("phase") or "") % len(PALETTE)],
                     "title": f"cycle {d.get('cycle')} day {d.get('day')}: {d.get('phase')}, "
                              + (f"{v:g} {unit}" if v else "no infusion")})
    cycle_marks = [{"x": b["x"], "label": f"C{d.get('cycle')}"} for b, d in zip(bars, days) if d.get("day") == 1]
    return {"width": width, "height": height, "bars": bars, "top": top,
            "unit": next(((d.get("dose") or {}).get("unit") for d in days if d.get("dose")), ""),
            "cycles": cycle_marks, "legend": [{"name": p, "color": PALETTE[i % len(PALETTE)]} for i, p in enumerate(phases)]}
