"""One BSA rounding rule (round half up to two decimals, in decimal arithmetic) and
the preparation-table row it selects, at every band boundary of the label's
preparation tables. The bands, doses, durations and volumes are read here from
the label text itself (section 6.6, the tables for patients under and over 45 kg),
not from the engine."""
from __future__ import annotations

import re

import pytest

from kb.dosing.engine import Rules, compute_dose, round_half_up

BAND = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[–-]\s*(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s*mL\s+(\d+)\s*$")
BLOCK = re.compile(r"^\s*(\d+)\s*hours\s+(\d+)\s*mcg/m2/day\s+(\d+(?:\.\d+)?)\s*mL/hour\s*$")
FLAT = re.compile(r"^\s*(\d+)\s*mcg/day\s+(\d+(?:\.\d+)?)\s*mL/hour\s+(\d+(?:\.\d+)?)\s*mL\s+(\d+)\s*$")


def _table_text(text: str, number: int) -> str:
    start = text.index(f"Table {number}. For patients")
    end = text.find("\n7.", start)
    nxt = text.find(f"Table {number + 1}. For patients", start + 10)
    return text[start:nxt if nxt > 0 else end]


@pytest.fixture(scope="module")
def label_tables():
    from conftest import BLINCYTO

    text = BLINCYTO.read_text(encoding="utf-8")
    bsa_rows, flat_rows = [], []
    hours = dose = None
    for line in _table_text(text, 14).splitlines():
        m = BLOCK.match(line)
        if m:
            hours, dose = float(m.group(1)), float(m.group(2))
            continue
        m = BAND.match(line)
        if m and hours is not None:
            bsa_rows.append((hours, dose, float(m.group(1)), float(m.group(2)), float(m.group(3)), int(m.group(4))))
    hours = None
    for line in _table_text(text, 13).splitlines():
        h = re.match(r"^\s*(\d+)\s*hours\s*$", line)
        if h:
            hours = float(h.group(1))
            continue
        m = FLAT.match(line)
        if m and hours is not None:
            flat_rows.append((hours, float(m.group(1)), float(m.group(2)), float(m.group(3)), int(m.group(4))))
    assert len(bsa_rows) == 96 and len(flat_rows) == 8, (len(bsa_rows), len(flat_rows))
    return bsa_rows, flat_rows


@pytest.fixture(scope="module")
def rules(blincyto_graph):
    return Rules.from_graph(blincyto_graph, "blincyto")


def _day_for(rules, weight, dose_per):
    """A (cycle, day) of the relapsed/refractory regimen whose printed dose is ``dose_per`` (read by asking)."""
    for day in (1, 8, 15):
        a = compute_dose(rules, {"indication": "pediatric-relapsed-refractory" if weight < 45 else "adult-relapsed-refractory",
                                 "weight_kg": weight, "age_years": 10 if weight < 45 else 40, "bsa_m2": 1.0,
                                 "cycle": 1, "day": day})
        if a["dose"] and (a.get("dose_rate") or {}).get("value") == dose_per:
            return day
    raise AssertionError(f"no day with {dose_per}")


def _ask(rules, bsa, hours, day):
    return compute_dose(rules, {"indication": "pediatric-relapsed-refractory", "weight_kg": 30, "age_years": 10,
                                "bsa_m2": bsa, "cycle": 1, "day": day, "infusion_hours": hours})


def test_round_half_up_in_decimal():
    # the values float round() sends different ways (issue 16)
    for x, want in ((0.495, 0.5), (0.595, 0.6), (0.995, 1.0), (1.595, 1.6), (0.795, 0.8), (1.195, 1.2),
                    (1.495, 1.5), (0.4949, 0.49), (1.005, 1.01), (2.675, 2.68)):
        assert round_half_up(x, 2) == want, x


def test_every_band_boundary_of_the_bsa_table_selects_the_row_half_up(rules, label_tables):
    bsa_rows, _ = label_tables
    days = {dose: _day_for(rules, 30, dose) for dose in {r[1] for r in bsa_rows}}
    by_block: dict = {}
    for hours, dose, low, high, volume, vials in bsa_rows:
        by_block.setdefault((hours, dose), []).append((low, high, volume, vials))
    checked = 0
    for (hours, dose), bands in by_block.items():
        bands.sort()
        for i, (low, high, volume, vials) in enumerate(bands):
            # the band's own ends, and the largest BSA that still rounds into it
            for bsa in (low, high, round(high + 0.004, 4), round(high + 0.00499, 5)):
                if bsa < 0.4:
                    continue
                a = _ask(rules, bsa, hours, days[dose])
                inf = a["infusion"]
                assert inf["volume_ml"] == volume and inf["vials"] == vials, (hours, dose, bsa, inf)
                assert inf["bsa_band_m2"] == [low, high]
                assert f"{low:g}-{high:g} m²" in inf["row"]["text"] and f"{low:g} – {high:g} {volume:g} mL" in inf["row"]["quote"]
                checked += 1
            # exactly half way between two printed bands rounds up into the next band
            half = round(high + 0.005, 3)
            a = _ask(rules, half, hours, days[dose])
            assert a["bsa_m2"] == round(high + 0.01, 2)
            if i + 1 < len(bands):
                nlow, nhigh, nvolume, nvials = bands[i + 1]
                assert a["infusion"]["volume_ml"] == nvolume, (hours, dose, half)
                assert a["infusion"]["bsa_band_m2"] == [nlow, nhigh]
            else:  # above the largest printed band: no volume from the table, said so
                assert a["infusion"]["volume_ml"] is None
                assert any("preparation table" in w for w in a["warnings"])
            assert "half up" in a["bsa_rounding"] and a["bsa_m2_unrounded"] == half
            checked += 1
    assert checked == 96 * 5


def test_the_lowest_band_edge_is_the_label_limit(rules, label_tables):
    bsa_rows, _ = label_tables
    lowest = min(r[2] for r in bsa_rows)
    day = _day_for(rules, 30, bsa_rows[0][1])
    a = _ask(rules, round(lowest - 0.005, 3), 24, day)  # rounds half up onto the lowest band
    assert a["bsa_m2"] == lowest and a["infusion"]["bsa_band_m2"][0] == lowest
    from kb.dosing.engine import DoseInputError

    with pytest.raises(DoseInputError) as exc:
        _ask(rules, round(lowest - 0.0051, 4), 24, day)
    assert exc.value.field == "bsa_m2"


def test_weight_boundary_of_the_flat_table(rules, label_tables):
    _, flat_rows = label_tables
    for hours, dose, rate, volume, vials in flat_rows:
        day = _day_for(rules, 45, dose)
        a = compute_dose(rules, {"indication": "adult-relapsed-refractory", "weight_kg": 45, "age_years": 40,
                                 "cycle": 1, "day": day, "infusion_hours": hours})
        inf = a["infusion"]
        assert (inf["rate_ml_per_h"], inf["volume_ml"], inf["vials"]) == (rate, volume, vials)
        assert inf["row"]["text"].startswith("Table 13") and inf["row"]["bsa_band_m2"] is None
    # just under 45 kg the BSA table applies
    a = _ask(rules, 1.0, 24, _day_for(rules, 30, 5.0))
    assert a["infusion"]["row"]["text"].startswith("Table 14")
