"""Warnings (4.4) as facts, with at-risk populations, monitoring and cross-references.

A label that divides 4.4 under sub-headings (own-line titles, bold or
underlined lead-ins the reader turned into sub-headings) gives one warning per
sub-heading. Where 4.4 has none, each paragraph is a warning (list items stay
with the paragraph before them), titled by its lead-in ("Hyperkalaemia: ...")
or else by its first words.
"""
from __future__ import annotations

import re

from .ids import slugify
from .population import content, rx, terms
from .quotes import cross_refs, locate, sentences
from .records import LabelRecord, Paragraph, Warning


def _facts(record: LabelRecord, w: Warning, paras: list[Paragraph]) -> Warning:
    t = terms()
    for p in paras:
        for sent in sentences(p.text):
            for m in rx(t["risk_subject"]).finditer(sent):
                if rx(t["risk_cues"]).search(sent[m.start():]):
                    who = re.sub(r"\s*\((?:such as|e\.g\.)[^)]*\)", "", m.group(1)).strip()
                    who = re.sub(r"\s+(?:who|that)$", "", who)
                    w.at_risk.append((who, locate(record.original, p.source, m.group(1))))
            for pattern in t["risk_phrases"]:
                for m in rx(pattern).finditer(sent):
                    w.at_risk.append((m.group(1).strip(), locate(record.original, p.source, m.group(1))))
            for m in rx(t["limited_experience"]).finditer(sent):
                who = re.sub(r"\s*\((?:such as|e\.g\.)[^)]*\)", "", m.group(1)).strip(" ,")
                w.at_risk.append((who, locate(record.original, p.source, m.group(1))))
            if rx(t["monitoring_cues"]).search(sent):
                w.monitoring.append((sent, locate(record.original, p.source, sent)))
    return w


def _title(text: str) -> str:
    t = terms()
    m = rx(t["lead_in"]).match(text)
    if m:
        return m.group(1).strip()
    words = sentences(text)[0].split()
    head = " ".join(words[: t["title_words"]]).rstrip(" .,;:")
    return head + (" …" if len(words) > t["title_words"] else "")


def _paragraph_warnings(record: LabelRecord, key: str, paras: list[Paragraph]) -> list[Warning]:
    groups: list[list[Paragraph]] = []
    for p in paras:
        if any(rx(x).match(p.text.strip()) for x in terms()["not_an_item"]):
            continue
        if groups and (p.kind == "list-item" or groups[-1][-1].text.rstrip().endswith(":")):
            groups[-1].append(p)
        else:
            groups.append([p])
    out = []
    used: set[str] = set()
    for g in groups:
        title = _title(g[0].text)
        ident = base = slugify(title) or "warning"
        n = 1
        while ident in used:
            n += 1
            ident = f"{base}-{n}"
        used.add(ident)
        text = "\n\n".join(p.text for p in g)
        src = g[0].source
        w = Warning(ident, title, text, key, src, cross_refs=cross_refs(text))
        out.append(_facts(record, w, g))
    return out


def extract_warnings(record: LabelRecord, number: str) -> bool:
    """Warnings of section ``number``; False when it has no sub-headings (warnings then
    come from its paragraphs)."""
    sec = record.section(number)
    if sec is None:
        return True
    subs = [s for s in record.sections if s.parent == number and s.is_subheading]
    for sub in subs:
        paras = content(sub)
        if not paras:
            continue
        text = "\n\n".join(p.text for p in paras)
        w = Warning(sub.key.split("/", 1)[1], sub.title, text, sub.key, sub.source, cross_refs=cross_refs(text))
        record.warnings.append(_facts(record, w, paras))
    if subs:
        return True
    record.warnings.extend(_paragraph_warnings(record, sec.key, content(sec)))
    return False
