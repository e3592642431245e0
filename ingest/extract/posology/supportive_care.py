"""Premedication, additional medication, pre-phase, hospitalisation and the
limits the label says are "not established" (4.2 and 6.6)."""
from __future__ import annotations

import re

from ingest.dosing_records import DosingRecord, Hospitalisation, Limit, Premedication, Regimen
from ingest.extract.posology.passages import Flat, dose_pattern, dose_quantity, dosing_data, ordinal
from ingest.extract.posology.wording import cue
from ingest.ids import slugify
from ingest.records import LabelRecord, Quantity, Section, Source
from ingest.records_document import document, passage_lines

DRUG_DOSE = re.compile(r"\b(?P<drug>[A-Za-z][a-z]{3,})\s+(?=\d)")
CAP = re.compile(r"\(\s*not to exceed\s+", re.I)
ALT = re.compile(r"or equivalent\s*\((?:e\.g\.\s*)?(?P<alt>[^)]+)\)", re.I)
BEFORE = re.compile(r"(?P<within>within\s+)?(?P<a>\d+)(?:\s+to\s+(?P<b>\d+))?\s+(?P<u>hours?|minutes?)\s+prior to", re.I)
CYCLE_DAY = re.compile(r"\(\s*cycle\s+(?P<c>\d+),\s*day\s+(?P<d>\d+)\s*\)", re.I)
EACH = re.compile(r"\beach (?:treatment )?cycle\b", re.I)
CRITERION = re.compile(
    r"(?P<cmp>≥|>=|>|<|≤)\s*(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(?P<unit>%|/\s*\w+)\s*(?P<what>[a-z ]+?)(?=\s+or\s|\s+treat|\s*$|,)",
    re.I,
)
ADULT = {"adult", "adults"}
PEDIATRIC = {"pediatric", "paediatric", "children", "child"}


def _flat(record: LabelRecord, src: Source) -> Flat:
    """One passage's running text, from the document model's printed lines of its provenance."""
    return Flat.of(passage_lines(record, src), document(record))


def _age_group(text: str) -> str | None:
    m = re.match(r"\s*in (\w+) patients\b", text, re.I) or re.match(r"\s*for (\w+) patients\b", text, re.I)
    w = m.group(1).lower() if m else ""
    return "adult" if w in ADULT else "pediatric" if w in PEDIATRIC else None


def _num(s: str) -> float:
    return float(s.replace(",", "")) if re.fullmatch(r"\d{1,3}(?:,\d{3})+", s) else float(s)


def read_premedication(reg: Regimen, sec: Section, record: LabelRecord, shared: bool) -> None:
    """Each sentence of a premedication / pre-phase sub-section as one item."""
    pre_phase = "phase" in sec.title.lower()
    routes = dosing_data()["routes"]
    for p in sec.paragraphs:
        if p.artefact:
            continue
        flat = _flat(record, p.source)
        group = _age_group(flat.text)
        for a, b in flat.sentences():
            s = flat.text[a:b]
            rule = "premedication sub-section applies to the regimen sections printed before it" if shared else None
            src = flat.source(a, b, sec.key, "inferred" if shared else "stated", rule)
            pid = f"{reg.id}-{slugify(sec.title, 20)}-{len(reg.premedications) + 1}"
            item = Premedication(pid, "pre-phase" if pre_phase else "premedication", " ".join(s.split()), src, age_group=group)
            dm = None
            for m in DRUG_DOSE.finditer(s):
                dm = dose_pattern().match(s, m.end())
                before = s[max(0, m.start() - 7) : m.start()].lower()
                if dm and not before.endswith(("e.g. ", "not to ")):
                    item.drug = m.group("drug").lower()
                    item.dose = dose_quantity(dm)
                    break
                dm = None
            if item.drug is None:
                w = cue("treat_with").search(s)
                item.drug = w.group("drug").lower() if w else None
            c = CAP.search(s)
            if c:
                cm = dose_pattern().match(s, c.end())
                item.cap = dose_quantity(cm, comparator="<=") if cm else None
            alt = ALT.search(s)
            item.alternative = alt.group("alt").strip() if alt else None
            item.routes = sorted({routes[w.lower()] for w in re.findall(r"[A-Za-z]+", s) if w.lower() in routes})
            bm = BEFORE.search(s)
            if bm:
                unit = "h" if bm.group("u").lower().startswith("h") else "min"
                lo, hi = float(bm.group("a")), float(bm.group("b")) if bm.group("b") else None
                if bm.group("within"):
                    item.before_start = Quantity(None, unit, low=0.0, high=lo, comparator="<=", text=bm.group(0))
                elif hi is not None:
                    item.before_start = Quantity(None, unit, low=lo, high=hi, text=bm.group(0))
                else:
                    item.before_start = Quantity(lo, unit, text=bm.group(0))
            cd = CYCLE_DAY.search(s)
            if cd:
                item.cycles, item.day = cd.group("c"), int(cd.group("d"))
            elif EACH.search(s):
                item.cycles = "each"
            wm = cue("administration_window").search(s)
            if wm:
                unit = dosing_data()["units"]["duration"][wm.group("unit").lower()]
                item.window = Quantity(float(wm.group("n")), unit, text=wm.group(0))
            if pre_phase:
                item.cycles, item.day = "1", 1
                for m in CRITERION.finditer(s):
                    unit = "%" if m.group("unit") == "%" else "/" + _count_unit(m.group("unit"))
                    cmp = {"≥": ">=", "≤": "<="}.get(m.group("cmp"), m.group("cmp"))
                    item.criteria.append((m.group("what").strip(), Quantity(_num(m.group("num")), unit, comparator=cmp, text=m.group(0).strip())))
            elif item.dose is None:
                item.kind = "additional"
                if not (wm or EACH.search(s)):
                    item.cycles, item.day = "each", None
            reg.premedications.append(item)


def _count_unit(u: str) -> str:
    word = u.strip("/ ").strip()
    return dosing_data()["units"]["count_per_volume"].get(word, word).lstrip("/")


CONDITION = re.compile(r"^in patients with (?:a )?(?P<c>[^,(]+(?:\([^)]*\)[^,(]*)?)", re.I)


def _cycles(sel: str | None, prev: int) -> tuple[int, int | None]:
    if sel is None:
        return 1, None
    if sel.lower() in ("subsequent", "later", "following"):
        return prev + 1, None
    n = ordinal(sel)
    return (n, n) if n else (1, None)


def read_hospitalisation(out: DosingRecord, top: Section, record: LabelRecord, match) -> None:
    for p in top.paragraphs:
        if p.artefact or not re.search(r"hospitali[sz]ation|supervision", p.text, re.I):
            continue
        flat = _flat(record, p.source)
        cond = CONDITION.match(flat.text)
        condition = " ".join(cond.group("c").split()).strip() if cond else None
        targets = match(out.regimens, flat.text)
        if not targets:
            targets = list(out.regimens) if condition else []
        prev = 0
        items: list[Hospitalisation] = []
        for a, b in flat.sentences():
            s = flat.text[a:b]
            src = flat.source(a, b, top.key)
            found = [(m, m.start()) for m in cue("hospital_first_days").finditer(s)] + [
                (m, m.start()) for m in cue("hospital_in_cycle").finditer(s)]
            for m, _ in sorted(found, key=lambda x: x[1]):
                c1, c2 = _cycles(m.groupdict().get("sel"), prev)
                prev = c2 if c2 is not None else c1
                items.append(Hospitalisation("", c1, c2, int(m.group("n")), src, condition=condition, text=" ".join(s.split())))
            if not found and cue("supervision_at_cycle_start").search(s):
                # the label gives no number of days: none is stored
                items.append(Hospitalisation("", 2, None, None, src, kind="supervision", text=" ".join(s.split())))
        for h in items:
            base = f"{slugify(condition or h.kind, 30)}-c{h.first_cycle}{'' if h.last_cycle == h.first_cycle else '-on'}"
            if targets:
                for reg in targets:
                    reg.hospitalisations.append(Hospitalisation(f"{reg.id}-{base}", h.first_cycle, h.last_cycle, h.days, h.source, h.kind, h.condition, h.text))
            else:
                h.id = base
                out.general_hospitalisation.append(h)


NOT_ESTABLISHED = re.compile(r"not (?:yet )?(?:been )?established", re.I)
LIMIT_Q = re.compile(  # "< 12 years", "less than 40 kg", "below the age of 18 years", "aged 0 to 18" (under 18 years)
    r"(?P<cmp><|less than|below|under|≤)\s*(?:the\s+age\s+of\s+)?(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>years?|months?|m2|m²|kg)\b"
    r"|\baged\s+(?:from\s+)?0\s*(?:to|-|–)\s*(?P<upto>\d+)(?:\s*years?)?\b", re.I
)


def read_limits(out: DosingRecord, record: LabelRecord) -> None:
    for sec in record.sections:
        if sec.number not in ("4.2", "6.6"):
            continue
        for p in sec.paragraphs:
            if p.artefact or not NOT_ESTABLISHED.search(p.text):
                continue
            flat = _flat(record, p.source)
            for a, b in flat.sentences():
                s = flat.text[a:b]
                m = LIMIT_Q.search(s)
                if not m or not NOT_ESTABLISHED.search(s):
                    continue
                u = (m.group("unit") or "years").lower()  # "aged 0 to 18": years, up to (not including) 18
                kind, unit = ("age", "a") if u.startswith("year") else ("age", "mo") if u.startswith("month") else (
                    ("bsa", "m2") if u in ("m2", "m²") else ("weight", "kg"))
                cmp = "<=" if m.group("cmp") == "≤" else "<"
                q = Quantity(float(m.group("num") or m.group("upto")), unit, comparator=cmp, text=m.group(0))
                out.limits.append(Limit(f"{kind}-{slugify(m.group(0), 20)}", kind, q, " ".join(s.split()), flat.source(a, b, sec.key)))
    for reg in out.regimens:
        lows = [g.min_kg for g in reg.weight_groups if g.min_kg is not None]
        if lows and all(g.max_kg is None for g in reg.weight_groups):
            lo = min(lows, key=lambda q: q.value)
            g = next(g for g in reg.weight_groups if g.min_kg is lo)
            cmp = "<" if lo.comparator == ">=" else "<="
            src = g.source
            from dataclasses import replace

            src = replace(src, derivation="inferred", rule="the regimen gives doses only for this weight group")
            out.limits.append(Limit(f"{reg.id}-weight", "weight", Quantity(lo.value, "kg", comparator=cmp), f"dose given only for patients {g.label}", src, reg.id))
