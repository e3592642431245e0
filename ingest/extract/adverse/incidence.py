"""Incidences of section 4.8: summary percentages and selected-reaction numbers.

Summary lists ("nausea (12.0%), ...") give each reaction's crude incidence in
the table's own population; the selected-reaction subsections give rates by
population and study ("9.0% of patients experienced the reaction", "Serious and grade
≥ 3 ... 11.6% and 12.1%", "median time to onset of 2 days").
"""
from __future__ import annotations

import re
from dataclasses import replace

from ingest.extract.adverse.records import Incidence
from ingest.records import Paragraph, Section

_N = re.compile(r"\(N\s*=\s*([\d,]+)\)")
_ITEM = re.compile(r"(?:^|[:,;]\s*|\bwere\s+|\band\s+|\binclude:?\s+)([^,:;()]+?)\s*\((\d+(?:\.\d+)?)\s*%\)")
_POP = re.compile(r"\b((?:adult |pediatric |paediatric |elderly )?patients with [^,.;()]+?)(?=\s*(?:\(N|treated|,|\.|;|$|\sin\s|\swho\s))")
_STUDY = re.compile(r"\bstudy\s*\(([\w\-/]+)\)", re.I)
_N_PATIENTS = re.compile(r"\bin which (\d+) (?:\w+ )?patients")
_KIND = r"(?:serious|grade\s*≥?\s*\d)"
_PAIRED = re.compile(rf"(?P<kinds>{_KIND}(?:\s+and\s+{_KIND})+)\b(?P<mid>[^%]*?)(?P<pcts>\d+(?:\.\d+)?%(?:\s*and\s*\d+(?:\.\d+)?%)*)(?P<each>\s*each)?", re.I)
_SINGLE = re.compile(r"(\d+(?:\.\d+)?)%\s+of\s+(?:the\s+)?(?:\w+\s+){0,2}?patients")
_ONSET = re.compile(r"median time to (?:the )?(?:first event|onset)[^.]*?(?:of|was)\s+(\d+(?:\.\d+)?)\s*(days?|weeks?|hours?)", re.I)
_ONSET_RANGE = re.compile(r"time to onset[^.]*?ranged from (\d+(?:\.\d+)?) to (\d+(?:\.\d+)?)\s*(days?|weeks?|hours?)", re.I)
_UNIT = {"day": "d", "days": "d", "week": "wk", "weeks": "wk", "hour": "h", "hours": "h"}


def _kind(text: str) -> str:
    t = text.lower().replace(" ", "")
    if t.startswith("serious"):
        return "serious"
    m = re.match(r"grade≥?(\d)", t)
    if m:
        return f"grade>={m.group(1)}" if "≥" in t else f"grade {m.group(1)}"
    return "any grade"


def population_age_group(text: str) -> str | None:
    t = text.lower()
    if "pediatric" in t or "paediatric" in t or "children" in t:
        return "pediatric"
    if "elderly" in t:
        return "elderly"
    if "adult" in t:
        return "adult"
    return None


def _sentences(p: Paragraph) -> list[str]:
    return [s for s in re.split(r"(?<=[.;])\s+(?=[A-Z])", p.text) if s.strip()]


def summary_incidences(sec: Section) -> tuple[list[Incidence], str | None, int | None, float | None]:
    """-> (incidences, population, N, lowest percentage of the any-grade list)."""
    out: list[Incidence] = []
    pop, n = None, None
    lowest = None
    for p in sec.paragraphs:
        mn = _N.search(p.text)
        if mn and n is None:
            n = int(mn.group(1).replace(",", ""))
            mp = re.search(r"patients with ([^()]+?)\s*\(N", p.text)
            pop = f"patients with {mp.group(1).strip()}" if mp else None
        items = _ITEM.findall(p.text)
        if not items:
            continue
        kind = "serious" if "serious" in p.text.lower().split("(")[0] else "any grade"
        for subject, pct in items:
            subject = re.sub(r"^(?:and|or)\s+", "", subject.strip())
            subject = re.sub(r"^.*\b(?:are|were|include|includes)\s*:?\s+", "", subject)
            out.append(Incidence(kind, p.source, percent=float(pct), unit="%", population=pop, n=n,
                                 study="pooled", subject=subject, section_key=sec.key))
        if kind == "any grade":
            lowest = min(float(v) for _, v in items)
    return out, pop, n, lowest


def subsection_incidences(sec: Section) -> list[Incidence]:
    """Numbers of one 'selected adverse reactions' or special-population subsection."""
    out: list[Incidence] = []
    subject = re.sub(r"\s*\([^)]*\)\s*$", "", sec.title).strip()
    ctx: dict = dict(population=None, n=None, study=None, age_group=population_age_group(sec.title))
    for p in sec.paragraphs:
        pop = _POP.search(p.text)
        ns = [int(x.replace(",", "")) for x in _N.findall(p.text)]
        mnp = _N_PATIENTS.search(p.text)
        st = _STUDY.search(p.text)
        if pop or ns or mnp or st:  # a new population context; else keep the previous one
            ctx = dict(population=pop.group(1).strip() if pop else None,
                       n=sum(ns) if ns else (int(mnp.group(1)) if mnp else None),
                       study=st.group(1) if st else ("pooled" if len(ns) > 1 else None),
                       age_group=population_age_group((pop.group(1) if pop else "") + " " + p.text[:200]) or ctx["age_group"])
        base = dict(ctx, section_key=sec.key)
        for s in _sentences(p):
            used: list[tuple[int, int]] = []
            for m in _PAIRED.finditer(s):
                kinds = [_kind(k) for k in re.split(r"\s+and\s+", m.group("kinds"))]
                pcts = [float(x) for x in re.findall(r"(\d+(?:\.\d+)?)%", m.group("pcts"))]
                if m.group("each") and len(pcts) == 1:
                    pcts = pcts * len(kinds)
                for k, v in zip(kinds, pcts):
                    out.append(Incidence(k, p.source, percent=v, unit="%", subject=subject, **base))
                used.append(m.span())
            items = _ITEM.findall(s)
            if len(items) < 2:
                items = []
            for subj, pct in items:
                subj = re.sub(r"^(?:and|or)\s+", "", subj.strip())
                subj = re.sub(r"^.*\b(?:were|include|includes)\s*:?\s+", "", subj)
                kind = "serious" if "serious" in s.lower().split("(")[0] else "any grade"
                out.append(Incidence(kind, p.source, percent=float(pct), unit="%", subject=subj, **base))
            if items:
                continue
            for m in _SINGLE.finditer(s):
                if any(a <= m.start() < b for a, b in used):
                    continue
                before = s[: m.start()].lower()
                after = s[m.end(): m.end() + 40].lower()
                clause = re.split(r"[,;]", before)[-1]
                kind = "serious" if "serious" in clause or after.startswith(" experienced serious") else "any grade"
                out.append(Incidence(kind, p.source, percent=float(m.group(1)), unit="%", subject=subject, **base))
            for m in _ONSET.finditer(s):
                out.append(Incidence("time-to-onset", p.source, value=float(m.group(1)),
                                     unit=_UNIT.get(m.group(2).lower(), m.group(2)), statistic="median",
                                     subject=subject, **base))
            for m in _ONSET_RANGE.finditer(s):
                out.append(Incidence("time-to-onset", p.source, unit=_UNIT.get(m.group(3).lower(), m.group(3)),
                                     range_low=float(m.group(1)), range_high=float(m.group(2)),
                                     statistic="range", subject=subject, **base))
    return out


def narrow_source(inc: Incidence, text: str) -> Incidence:
    """Keep the paragraph source but quote only the sentence holding the number (``text``: the
    document model's rendered text, which the paragraph's provenance points into)."""
    src = inc.source
    key = f"{inc.percent:g}%" if inc.percent is not None else None
    raw = text[src.char_start:src.char_end]
    if key:
        flat = raw.replace("\n", " ")
        pos = flat.find(key)
        if pos >= 0:
            stop = flat.rfind(". ", 0, pos)  # the end of the sentence before, if any
            a = stop + 2 if stop >= 0 else 0
            b = flat.find(". ", pos)
            b = len(flat) if b < 0 else b + 1
            quote = re.sub(r"\s+", " ", flat[a:b]).strip()
            inc.source = replace(src, quote=quote, rule=None, confidence=None, derivation="stated")
    return inc
