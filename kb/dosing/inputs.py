"""Input checking shared by the CLI and the web API: type, finiteness and
plausibility of every patient input (bounds from ``ontology/data/dosing.json``).

Values may be strings (query string, CLI) or JSON values; ``True``/``False``,
NaN, infinities and numbers that overflow are refused with a message naming
the field and the reason.  Strings are read strictly: ASCII digits only (no
``7_0``, no Arabic-Indic or other Unicode digits, no ``inf``/``nan``).  A request
is refused when it names a parameter twice (:func:`collect`), or names one the
question does not take (:func:`check_known`; ``bsa`` for ``bsa_m2`` must not fall
back silently to another way of computing the dose).
"""
from __future__ import annotations

import json
import math
import re
from typing import Any, Iterable, Mapping

from ingest.data_location import ontology_json
from ingest.errors import KbError


def dosing_data() -> dict:
    """The dose calculator's settings: bounds, rounding, BSA formulas, age groups (``ontology/data/dosing.json``)."""
    return ontology_json("dosing.json")


class DoseInputError(KbError, ValueError):
    """Bad input for a dosing question; ``status`` 422, ``field`` names the input."""

    status = 422

    def __init__(self, message: str, field: str | None = None, source: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.source = source  # the label's words the refusal quotes: {"section", "quote"}

    def as_dict(self) -> dict:
        out: dict[str, Any] = {"error": self.message, "field": self.field, "status": self.status}
        if self.source:
            out["source"] = self.source
        return out


_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)

# the inputs each dosing question reads (kb/dosing*.py); a new input must be added here too
INPUTS: dict[str, frozenset[str]] = {
    "dose": frozenset({"label", "indication", "weight_kg", "age_years", "height_cm", "bsa_m2", "bsa_formula",
                       "cycle", "day", "infusion_hours", "cns_history"}),
    "regimen": frozenset({"label", "indication", "weight_kg", "age_years", "height_cm", "bsa_m2", "bsa_formula",
                          "cycles", "infusion_hours", "cns_history"}),
    "dose-modification": frozenset({"label", "indication", "toxicity", "grade", "weight_kg", "current_dose"}),
}


def collect(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Parameters as a dict; a name given twice is refused (the first must not win silently)."""
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise DoseInputError(f"{k} is given more than once; give it once", k)
        out[k] = v
    return out


def json_object(body: bytes) -> dict[str, Any]:
    """A JSON request body: an object, no repeated key, no NaN/Infinity."""

    def constant(name: str):
        raise DoseInputError(f"the body holds {name}, which is not a number JSON allows", None)

    try:
        data = json.loads(body.decode("utf-8"), object_pairs_hook=collect, parse_constant=constant)
    except (UnicodeDecodeError, ValueError) as e:
        if isinstance(e, DoseInputError):
            raise
        raise DoseInputError(f"the body is not valid JSON: {e}", None) from None
    if not isinstance(data, dict):
        raise DoseInputError("the body must be a JSON object", None)
    return data


def check_known(params: Mapping[str, Any], question: str) -> None:
    """Refuse a parameter the question does not read (it would be ignored)."""
    known = INPUTS[question]
    for k in params:
        if k not in known:
            raise DoseInputError(f"unknown parameter {k!r} for {question} (known: {', '.join(sorted(known))})", k)


def number(params: Mapping[str, Any], name: str, required: bool = True, integer: bool = False) -> float | int | None:
    raw = params.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise DoseInputError(f"{name} is required", name)
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise DoseInputError(f"{name} must be a number, not {type(raw).__name__} {raw!r}", name)
    if isinstance(raw, str):
        if not _NUMBER.fullmatch(raw.strip()):
            raise DoseInputError(f"{name} must be a number written with the digits 0-9, got {raw!r}", name)
        try:
            value = float(raw.strip())
        except (ValueError, OverflowError):
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
    limits = dosing_data()["limits"]
    key = {"weight_kg": "weight_kg", "height_cm": "height_cm", "age_years": "age_years", "bsa_m2": "bsa_m2",
           "cycle": "cycle", "grade": "grade"}.get(name)
    if key is None:
        if value <= 0:
            raise DoseInputError(f"{name} must be greater than 0, got {value:g}", name)
        if "any_number" not in limits:
            return
        key = "any_number"  # doses, days, hours, counts: a generic ceiling
    lim = limits[key]
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


def bound_fits(value: float, bound) -> bool:
    """Whether a patient's age (years) or weight (kg) is inside one printed bound of a population:
    a lowest bound ">=" / ">" as printed ("from 12 years", "above 12 years"), a highest age "<=" in
    whole units ("from 6 to 17 years" holds a patient of 17.9). An age bound in months compares months."""
    if bound is None or bound.value is None:
        return True
    if bound.unit == "mo":
        value *= 12
    if bound.comparator == ">":
        return value > bound.value
    if bound.comparator == "<=":
        return math.floor(value) <= bound.value
    return value >= bound.value


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
