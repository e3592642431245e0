"""Numeric statements of sections 4.5-4.7, 4.9, 5.2, 6.3 and 6.4 as records.

Each :class:`Statement` keeps the sentence it came from; quantities carry UCUM
units. Which sentence is which kind is decided by generic wording (this file's
cue table), never by product facts.
"""
from __future__ import annotations

import re

from ingest.ids import IdMaker
from ingest.quantities import find_quantities, number, ucum
from ingest.quotes import locate, sentences
from ingest.records import LabelRecord, Paragraph, Quantity, Section, Statement
from ingest.records_document import document
from ingest.scheme import load_json, number_for_role

TIME_UNITS = {"h", "d", "wk", "mo", "a", "min"}
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# role of the section -> [(kind, sentence cue)]
CUES: dict[str, list[tuple[str, str]]] = {
    "interactions": [("interaction", r".")],
    "pregnancy": [
        ("contraception-duration", r"\bcontracepti"),
        ("lactation-avoidance", r"breast-?feeding|lactation|human milk"),
        ("pregnancy-advice", r"\bpregnan"),
        ("fertility", r"\bfertility\b"),
    ],
    "driving": [("driving-influence", r"influence on the ability to drive|ability to drive")],
    "overdose": [("overdose", r".")],
    "shelf-life": [
        ("shelf-life", r"^\s*(?:\d+|one|two|three|four|five)\s+(?:years?|months?)\b"),
        ("in-use-stability", r"stability|stable|used within|not be longer than|shelf life|expiry"),
    ],
    "storage": [("storage-condition", r"\bstore|\bstored|refrigerat|freeze|protect from light")],
}
# how long after the treatment a precaution lasts: "for at least 3 months after", "at least 6 months
# thereafter", "for 7 days following the last dose"
_WINDOW = re.compile(r"(?:for\s+)?at\s+least\s+[^,.;]*?\s*,?\s*(?:after|following|thereafter)\b"
                     r"|for\s+[^,.;]*?\b(?:days?|weeks?|months?|years?)\s*,?\s*(?:after|following)\b", re.I)
_INFLUENCE = re.compile(r"\b(no or negligible|negligible|minor|moderate|major)\s+influence\b", re.I)


def _content(sec: Section | None) -> list[Paragraph]:
    return [p for p in (sec.paragraphs if sec else []) if not p.artefact and p.text]


def _family(record: LabelRecord, number: str | None) -> list[Section]:
    if not number:
        return []
    return [s for s in record.sections if s.key == number or s.parent == number and s.is_subheading]


_BOUND = re.compile(r"(?:not\s+(?:store\s+)?above|below|not\s+exceeding|up\s+to|under|at\s+or\s+below)\s*$", re.I)


def _temperature_bound(sent: str, q: Quantity, start: int) -> Quantity:
    """'Do not store above 25°C' / 'Store below 25°C' -> an upper bound, not a set point."""
    if q.value is not None and _BOUND.search(sent[max(0, start - 25):start]):
        return Quantity(None, q.unit, high=q.value, comparator="<=" if "not" in sent[max(0, start - 25):start].lower() else "<", text=q.text)
    return q


def _temperature_pairs(sent: str) -> dict[str, Quantity]:
    """'10 days at 2°C – 8°C or 96 hours at room temperature (23°C – 27°C)' -> durations and temperatures."""
    qs = find_quantities(sent)
    out: dict[str, Quantity] = {}
    durations = [q for q, _, _ in qs if q.unit in TIME_UNITS]
    temps = [_temperature_bound(sent, q, a) for q, a, _ in qs if q.unit == "Cel"]
    for i, q in enumerate(durations, 1):
        out[f"duration-{i}" if len(durations) > 1 else "duration"] = q
    for i, q in enumerate(temps, 1):
        out[f"temperature-{i}" if len(temps) > 1 else "temperature"] = q
    return out


def _conditions(sent: str) -> list[dict[str, Quantity]]:
    """Pair each duration with the temperature that follows it ('A at T1 or B at T2')."""
    parts = re.split(r"\bor\b(?=\s*\d)", sent)
    pairs = []
    for part in parts:
        q = _temperature_pairs(part)
        d = q.get("duration") or q.get("duration-1")
        t = q.get("temperature") or q.get("temperature-1")
        if d or t:
            pairs.append({k: v for k, v in (("duration", d), ("temperature", t)) if v})
    return pairs


def _pk_params(sent: str) -> list[str]:
    """Parameter symbols named in a sentence, in the order they are named."""
    found = []
    for p in load_json("pk-parameters.json")["parameters"]:
        for m in re.finditer(p["pattern"], sent, re.I):
            found.append((m.start(), p["symbol"]))
            break
    return [sym for _, sym in sorted(found)]


def _pk(record: LabelRecord, make_id: IdMaker) -> None:
    """'the mean (SD) Css was 228 (356) pg/mL and 616 (537) pg/mL' -> one statement per value."""
    for sec in _family(record, number_for_role("pharmacokinetics")):
        for p in _content(sec):
            for sent in sentences(p.text):
                vals = list(re.finditer(rf"({_NUM})\s*\(({_NUM})\)\s*([A-Za-z/%0-9]+)?", sent))
                vals = [m for m in vals if not re.match(r"\s*\(", sent[m.end():m.end() + 2])]
                if not vals:
                    continue
                params = _pk_params(sent) or ["value"]
                doses = [q for q, _, _ in find_quantities(sent) if "/d" in q.unit]
                for i, m in enumerate(vals):
                    unit = ucum(m.group(3) or "")
                    if unit is None:  # '162 (179) and 533 (392) pg/mL': the unit printed once, after the last
                        later = [ucum(x.group(3) or "") for x in vals[i + 1:]]
                        unit = next((u for u in later if u), None)
                    if unit is None:
                        continue
                    param = params[i] if len(params) == len(vals) else params[0]
                    q = Quantity(number(m.group(1)), unit, text=m.group(0).strip())
                    sd = Quantity(number(m.group(2)), unit)
                    st = Statement(
                        make_id(f"{sec.number} {param} {m.group(1)}"), "pk-parameter", param, sent,
                        locate(document(record).text, p.source, sent), {"mean": q, "sd": sd},
                        population=sec.title if sec.is_subheading else None,
                    )
                    if doses:
                        st.quantities["at-dose"] = doses[min(i, len(doses) - 1)]
                    record.statements.append(st)


def extract(record: LabelRecord) -> None:
    make_id = IdMaker()
    for role, cues in CUES.items():
        for sec in _family(record, number_for_role(role)):
            subject = sec.title if sec.is_subheading else None
            for p in _content(sec):
                for sent in sentences(p.text):
                    kind = next((k for k, rx in cues if re.search(rx, sent, re.I)), None)
                    if kind is None:
                        continue
                    src = locate(document(record).text, p.source, sent)
                    attrs: dict = {}
                    if kind == "shelf-life":
                        q = next((q for q, _, _ in find_quantities(sent) if q.unit in ("a", "mo")), None)
                        if q is not None:
                            record.statements.append(Statement(
                                make_id(f"shelf-life {subject or 'product'}"), kind, subject or "unopened product",
                                sent, src, {"duration": q}))
                        continue
                    if kind in ("in-use-stability", "storage-condition"):
                        pairs = _conditions(sent)
                        if not pairs and not re.search(r"do not freeze|protect from light", sent, re.I):
                            continue
                        if re.search(r"do not freeze", sent, re.I):
                            attrs["doNotFreeze"] = True
                        if re.search(r"protect from light", sent, re.I):
                            attrs["protectFromLight"] = True
                        if re.search(r"microbiolog|would normally not be longer", sent, re.I):
                            attrs["basis"] = "microbiological"
                        for i, pair in enumerate(pairs or [{}]):
                            record.statements.append(Statement(
                                make_id(f"{kind} {subject or sec.title}"), kind, subject or sec.title, sent, src,
                                dict(pair), attributes=dict(attrs, alternative=i + 1),
                            ))
                        continue
                    quantities = {}
                    for i, (q, _, _) in enumerate(find_quantities(sent)):
                        if q.unit in TIME_UNITS and "duration" not in quantities:
                            quantities["duration"] = q
                        else:
                            quantities[f"q{i + 1}"] = q
                    m = _INFLUENCE.search(sent)
                    if kind == "driving-influence":
                        if not m:
                            continue
                        attrs["level"] = m.group(1).lower()
                    if kind in ("contraception-duration", "lactation-avoidance"):
                        after = _WINDOW.search(sent)
                        if not after:
                            continue
                        attrs["window"] = after.group(0).strip(" ,")
                    record.statements.append(Statement(
                        make_id(f"{kind} {sent[:40]}"), kind, subject or sec.title, sent, src, quantities,
                        attributes=attrs,
                    ))
    _pk(record, make_id)
