"""Indications (4.1), contraindications (4.3) and warnings (4.4) as records.

The wording cues (age groups, biomarker status, disease states, risk and
monitoring phrases) are generic and live in ``ontology/data/clinical-terms.json``.
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import fact_checks
from .ids import IdMaker
from .quantities import find_quantities, number
from .quotes import cross_refs, locate, sentences
from .records import (
    Contraindication,
    Indication,
    Issue,
    LabelRecord,
    Paragraph,
    Population,
    PriorTherapy,
    Quantity,
    Section,
    Warning,
)
from .scheme import load_json, number_for_role


@lru_cache(maxsize=1)
def terms() -> dict:
    return load_json("clinical-terms.json")


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I)


def _content(sec: Section | None) -> list[Paragraph]:
    return [p for p in (sec.paragraphs if sec else []) if not p.artefact and p.text]


def _abbreviations(record: LabelRecord) -> dict[str, str]:
    """'acute lymphoblastic leukemia (ALL)' -> {'ALL': 'acute lymphoblastic leukemia'}."""
    out: dict[str, str] = {}
    for m in re.finditer(r"((?:[\w-]+\s+){1,6}?)\(([A-Z][A-Za-z0-9-]{1,8})\)", record.original.replace("\n", " ")):
        abbr, words = m.group(2), m.group(1).split()
        initials = [w for w in words if w[0].isalpha()]
        take = []
        for w in reversed(initials):
            take.insert(0, w)
            if len(take) >= len(abbr.replace("-", "")) or w[0].upper() == abbr[0]:
                if w[0].upper() == abbr[0]:
                    break
        if take and take[0][0].upper() == abbr[0] and abbr not in out:
            out[abbr] = " ".join(take)
    return out


def population_of(text: str, abbreviations: dict[str, str] | None = None) -> Population:
    t = terms()
    pop = Population(description=text)
    for g in t["age_groups"]:
        if _rx(g["pattern"]).search(text):
            pop.age_group = pop.age_group or g["group"]
            if g.get("min_age_years") and pop.min_age is None:
                pop.min_age = Quantity(float(g["min_age_years"]), "a", comparator=">=", text=g["group"])
            break
    m = _rx(t["min_age"]).search(text)
    if m:
        value = number(m.group(1))
        pop.min_age = Quantity(value, "a" if m.group(2).lower().startswith("y") else "mo", comparator=">=", text=m.group(0))
    head = re.split(r"\.\s", text, maxsplit=1)[0]
    sub = _rx(t["subgroup"])
    main_text = head
    for m in _rx(t["markers"]).finditer(main_text):
        pop.markers[re.sub(r"\s+", " ", m.group(1))] = m.group(2).lower()
    for s in t["disease_states"]:
        if _rx(s["pattern"]).search(head):
            pop.disease_states.extend(x for x in s["states"] if x not in pop.disease_states)
    m = _rx(t["remission"]).search(head)
    if m:
        pop.remission = [x for x in re.split(r"\s+or\s+", m.group(1).lower())]
    m = _rx(t["threshold"]).search(head)
    if m:
        pop.mrd_threshold = Quantity(float(m.group(1)), "%", comparator=">=", text=m.group(0))
    for sent in sentences(text):
        sm = sub.search(sent)
        applies = sm.group(1) if sm else None
        for rule in t["prior_therapy"]:
            for pm in _rx(rule["pattern"]).finditer(sent):
                count = number(pm.group(1)) if pm.group(1) else None
                therapy = pm.group(2).strip()
                pop.prior_therapy.append(
                    PriorTherapy(pm.group(0).strip(), rule["relation"], therapy, int(count) if count else None, applies)
                )
    for r in t["therapy_roles"]:
        if _rx(r["pattern"]).search(text):
            pop.therapy_role.append(r["role"])
    pop.disease = _disease(head, abbreviations or {})
    return pop


def _disease(head: str, abbreviations: dict[str, str]) -> str | None:
    t = terms()
    m = None
    for pattern in t["disease_phrases"]:
        m = re.search(pattern, head, re.I)
        if m:
            break
    if not m:
        return None
    d = re.split(t["disease_stop"], m.group(1))[0]
    d = _rx(t["markers"]).sub("", d)
    for s in t["disease_states"]:
        d = _rx(s["pattern"]).sub("", d)
    d = re.sub(r"\b(?:relapsed|refractory|first|high-risk)\b", "", d, flags=re.I)
    d = re.sub(r"\s+", " ", d).strip(" .,-")
    d = re.sub(r"\s*\(([A-Z][A-Za-z0-9-]{1,8})\)$", "", d)
    words = d.split()
    if words and words[-1] in abbreviations:
        words[-1] = abbreviations[words[-1]]
        d = " ".join(words)
    return d or None


def extract_indications(record: LabelRecord) -> None:
    """One indication per sentence that states one ('is indicated', 'is used in the
    treatment of'); the sentences after it in its paragraph qualify it."""
    sec = record.section(number_for_role("indications") or "4.1")
    make_id = IdMaker()
    abbrev = _abbreviations(record)
    cue = _rx(terms()["indication_cues"])
    lead = ""
    for p in _content(sec):
        if p.text.endswith(":") and cue.search(p.text):
            lead = p.text[:-1]
            continue
        if p.kind == "list-item" and lead:
            groups = [f"{lead} {p.text}"]
        else:
            lead = ""
            groups = []
            for sent in sentences(p.text):
                if cue.search(sent):
                    groups.append(sent)
                elif groups:
                    groups[-1] += " " + sent
        for text in groups:
            pop = population_of(text, abbrev)
            name = " ".join([pop.age_group or "patients"] + [s for s in pop.disease_states if s != "complete remission"])
            if not pop.age_group and not pop.disease_states and pop.disease:
                name = pop.disease[:40]
            src = p.source if len(groups) == 1 else locate(record.original, p.source, text)
            record.indications.append(Indication(make_id(name), text, pop, src, cross_refs(text)))
    if not record.indications and sec is not None:
        record.issues.append(Issue("warning", "no indication sentence found in section 4.1", sec.key, sec.source.line_start))


def extract_contraindications(record: LabelRecord) -> None:
    sec = record.section(number_for_role("contraindications") or "4.3")
    make_id = IdMaker()
    excipient_ids = [e.id for e in record.product.excipients] if record.product else []
    for p in _content(sec):
        if p.text.endswith(":") and p.kind != "list-item":
            continue
        text = p.text
        hyper = re.search(r"\bhypersensitivity\b", text, re.I)
        condition = re.split(r"\s*\(see|\.\s|\.$", text)[0].strip(" .")
        ci = Contraindication(
            make_id(condition, 40), text, "hypersensitivity" if hyper else "condition", p.source,
            condition=condition, cross_refs=cross_refs(text),
        )
        if hyper and re.search(r"\bexcipients?\b", text, re.I):
            ci.excipient_ids = list(excipient_ids)
        keyword = "hypersensitivity" if hyper else condition.lower()
        ci.mentioned_in = [
            s.key for s in record.sections
            if s.key != sec.key and s.level >= 2 and keyword and keyword in " ".join(x.text for x in _content(s)).lower()
        ]
        if not hyper:
            _time_window(record, ci)
        record.contraindications.append(ci)


def _time_window(record: LabelRecord, ci: Contraindication) -> None:
    """Find 'X is contraindicated during and for at least 48 hours after ...' where the label says it."""
    t = terms()
    word = (ci.condition or "").lower()
    for s in record.sections:
        for p in _content(s):
            for sent in sentences(p.text):
                low = sent.lower()
                if word and word in low and _rx(t["contraindicated"]).search(sent):
                    m = _rx(t["window"]).search(sent)
                    if m:
                        ci.time_window = m.group(1).strip()
                        q = next((q for q, _, _ in find_quantities(m.group(1)) if q.unit in ("h", "d", "wk", "mo")), None)
                        ci.window_after = q
                        ci.window_source = locate(record.original, p.source, sent)
                        if s.key not in ci.mentioned_in:
                            ci.mentioned_in.append(s.key)
                        return


def extract_warnings(record: LabelRecord) -> None:
    number = number_for_role("warnings") or "4.4"
    sec = record.section(number)
    if sec is None:
        return
    t = terms()
    subs = [s for s in record.sections if s.parent == number and s.is_subheading]
    for sub in subs:
        paras = _content(sub)
        if not paras:
            continue
        text = "\n\n".join(p.text for p in paras)
        w = Warning(sub.key.split("/", 1)[1], sub.title, text, sub.key, sub.source, cross_refs=cross_refs(text))
        for p in paras:
            for sent in sentences(p.text):
                for m in _rx(t["risk_subject"]).finditer(sent):
                    if _rx(t["risk_cues"]).search(sent[m.start():]):
                        who = re.sub(r"\s*\((?:such as|e\.g\.)[^)]*\)", "", m.group(1)).strip()
                        w.at_risk.append((who, locate(record.original, p.source, m.group(1))))
                for m in _rx(t["limited_experience"]).finditer(sent):
                    who = re.sub(r"\s*\((?:such as|e\.g\.)[^)]*\)", "", m.group(1)).strip(" ,")
                    w.at_risk.append((who, locate(record.original, p.source, m.group(1))))
                if _rx(t["monitoring_cues"]).search(sent):
                    w.monitoring.append((sent, locate(record.original, p.source, sent)))
        record.warnings.append(w)
    if not subs:
        record.issues.append(Issue("warning", "section 4.4 has no named sub-headings; no warning nodes made", number, sec.source.line_start))


def extract(record: LabelRecord) -> None:
    extract_indications(record)
    extract_contraindications(record)
    extract_warnings(record)
    fact_checks.clinical(record)
