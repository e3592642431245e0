"""Input checking shared by the CLI and the web API: type, finiteness and
plausibility of every patient input (bounds from ``ontology/data/dosing.json``).

Values may be strings (query string, CLI) or JSON values; ``True``/``False``,
NaN, infinities and numbers that overflow are refused with a message naming
the field and the reason.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

from ingest.posology_text import dosing_data


class DoseInputError(ValueError):
    """Bad input for a dosing question; ``status`` 422, ``field`` names the input."""

    status = 422

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict:
        return {"error": self.message, "field": self.field, "status": self.status}


def number(params: Mapping[str, Any], name: str, required: bool = True, integer: bool = False) -> float | int | None:
    raw = params.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise DoseInputError(f"{name} is required", name)
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise DoseInputError(f"{name} must be a number, not {type(raw).__name__} {raw!r}", name)
    if isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            raise DoseInputError(f"{name} must be a number, got {raw!r}", name) from None
    else:
        try:
            value = float(raw)
        except OverflowError:
            raise DoseInputError(f"{name} is too large", name) from None
    if not math.isfinite(value):
        raise DoseInputError(f"{name} must be a finite number, got {raw!r}", name)
    if integer:
        if value != int(value):
            raise DoseInputError(f"{name} must be a whole number, got {raw!r}", name)
        value = int(value)
    _bounds(name, value)
    return value


def _bounds(name: str, value: float) -> None:
    key = {"weight_kg": "weight_kg", "height_cm": "height_cm", "age_years": "age_years", "bsa_m2": "bsa_m2",
           "cycle": "cycle", "grade": "grade"}.get(name)
    if key is None:
        if value <= 0:
            raise DoseInputError(f"{name} must be greater than 0, got {value:g}", name)
        return
    lim = dosing_data()["limits"][key]
    why = lim.get("why", "")
    if "min_exclusive" in lim and value <= lim["min_exclusive"]:
        raise DoseInputError(f"{name} must be greater than {lim['min_exclusive']:g}, got {value:g} ({why})", name)
    if "min" in lim and value < lim["min"]:
        raise DoseInputError(f"{name} must be at least {lim['min']:g}, got {value:g} ({why})", name)
    if "max" in lim and value > lim["max"]:
        raise DoseInputError(f"{name} must be at most {lim['max']:g}, got {value:g} ({why})", name)


def text(params: Mapping[str, Any], name: str, required: bool = True) -> str | None:
    raw = params.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise DoseInputError(f"{name} is required", name)
        return None
    if not isinstance(raw, str):
        raise DoseInputError(f"{name} must be a string, got {type(raw).__name__}", name)
    return raw.strip()


def flag(params: Mapping[str, Any], name: str) -> bool | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        return raw.lower() in ("1", "true", "yes", "on")
    raise DoseInputError(f"{name} must be true or false, got {raw!r}", name)


def age_group_of(age_years: float) -> str:
    groups = dosing_data()["age_groups"]
    adult = groups["adult"]["min_years"]
    return "adult" if age_years >= adult else "pediatric"


def age_fits(age: float, group: str | None) -> bool:
    if group in (None, "any"):
        return True
    g = dosing_data()["age_groups"].get(group)
    if g is None:
        return True
    if age < g.get("min_years", 0):
        return False
    if g.get("max_years") is not None and age > g["max_years"]:
        return False
    return not (g.get("max_years_exclusive") is not None and age >= g["max_years_exclusive"])


def bsa(weight_kg: float, height_cm: float, formula: str) -> float:
    f = dosing_data()["bsa_formulas"][formula]
    return f["coefficient"] * weight_kg ** f["weight_exponent"] * height_cm ** f["height_exponent"]


def bsa_formula(params: Mapping[str, Any]) -> str:
    raw = text(params, "bsa_formula", required=False)
    formulas = dosing_data()["bsa_formulas"]
    if raw is None:
        return dosing_data()["default_bsa_formula"]
    key = raw.lower().replace(" ", "").replace("-", "")
    if key not in formulas:
        raise DoseInputError(f"bsa_formula must be one of {', '.join(sorted(formulas))}, got {raw!r}", "bsa_formula")
    return key
