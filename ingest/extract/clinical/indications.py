"""Indications (4.1): one per bullet or paragraph as the label divides them.

Section 4.1 and its sub-headings are read in order. A sub-heading with no text
of its own heads the sub-headings that follow it ("Juvenile idiopathic
arthritis / Polyarticular juvenile idiopathic arthritis"). A lead-in ending in
a colon heads the list items after it: each item becomes one indication that
carries the lead-in's wording (and the heading's disease where neither names
one). In prose, a sentence that states an indication starts one; the
sentences after it in its paragraph qualify it.
"""
from __future__ import annotations

import re

from ingest.extract.clinical.population import abbreviations, content, population_of, rx, terms
from ingest.ids import IdMaker
from ingest.quotes import cross_refs, locate, sentences
from ingest.records import Indication, Issue, LabelRecord, Section
from ingest.records_document import document
from ingest.scheme import number_for_role


def _words(title: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]{4,}", title)}


def _parts(record: LabelRecord, number: str) -> list[tuple[Section, str | None]]:
    """The section and its sub-headings in order, each with the heading it stands under.

    A sub-heading without text of its own heads the next sub-heading and those after
    it that share a word with it ("Axial spondyloarthritis" heads "Ankylosing
    spondylitis (AS)" and "Axial spondyloarthritis without radiographic evidence of
    AS", not the "Psoriatic arthritis" after them)."""
    out: list[tuple[Section, str | None]] = []
    group: str | None = None
    first = False
    for s in record.sections:
        if s.key == number:
            out.append((s, None))
        elif s.parent == number and s.is_subheading:
            if not content(s):
                group, first = s.title, True
                continue
            if group and not first and not (_words(group) & _words(s.title)):
                group = None
            first = False
            out.append((s, f"{group} / {s.title}" if group else s.title))
    return out


def _groups(paras, cue) -> list[tuple[object, str]]:
    """(paragraph, indication text) pairs in label order."""
    out = []
    lead = ""
    for p in paras:
        if p.kind != "list-item" and p.text.rstrip().endswith(":"):
            lead = p.text.rstrip()[:-1].strip()
            continue
        if p.kind == "list-item" and lead:
            out.append((p, f"{lead} {p.text}"))
            continue
        if p.kind == "list-item" and cue.search(p.text):
            out.append((p, p.text))
            continue
        lead = ""
        texts: list[str] = []
        for sent in sentences(p.text):
            if cue.search(sent):
                texts.append(sent)
            elif texts:
                texts[-1] += " " + sent
        out.extend((p, t) for t in texts)
    return out


def _qualifier_roles(paras, groups) -> list[str]:
    """Therapy roles stated in a sub-heading's paragraphs that state no indication
    ("... can be given as monotherapy in case of intolerance to ..."): they qualify
    every indication under that sub-heading."""
    used = {id(p) for p, _ in groups}
    roles: list[str] = []
    for p in paras:
        if id(p) in used or p.text.rstrip().endswith(":"):
            continue
        for r in terms()["therapy_roles"]:
            if rx(r["pattern"]).search(p.text) and r["role"] not in roles:
                roles.append(r["role"])
    return roles


def extract_indications(record: LabelRecord) -> None:
    number = number_for_role("indications") or "4.1"
    sec = record.section(number)
    make_id = IdMaker()
    abbrev = abbreviations(document(record).text)
    cue = rx(terms()["indication_cues"])
    for part, heading in _parts(record, number):
        groups = _groups(content(part), cue)
        per_para: dict[int, int] = {}
        for p, _ in groups:
            per_para[id(p)] = per_para.get(id(p), 0) + 1
        roles = _qualifier_roles(content(part), groups) if heading else []
        for p, text in groups:
            pop = population_of(text, abbrev, heading)
            pop.therapy_role.extend(r for r in roles if r not in pop.therapy_role)
            name = " ".join([pop.age_group or "patients"] + [s for s in pop.disease_states if s != "complete remission"])
            if pop.disease and (heading or not pop.age_group and not pop.disease_states):
                name = pop.disease[:40]
            src = p.source if per_para[id(p)] == 1 else locate(document(record).text, p.source, text)
            record.indications.append(Indication(make_id(name), text, pop, src, cross_refs(text), heading))
    if not record.indications and sec is not None:
        record.issues.append(Issue("warning", "no indication sentence found in section 4.1", sec.key, sec.source.line_start))
