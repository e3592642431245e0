"""Warnings (4.4) as facts, with at-risk populations, monitoring and cross-references.

A label that divides 4.4 under sub-headings (own-line titles, bold or
underlined lead-ins the reader turned into sub-headings) gives one warning per
sub-heading. Where 4.4 has none, and for the paragraphs printed before its first
sub-heading, each paragraph is a warning (list items, and a line cut
mid-sentence, stay with the paragraph before them), titled by its lead-in
("Hyperkalaemia: ...") or else by its first words. Page numbers,
cross-reference-only lines and boilerplate (``warning_boilerplate`` of
``clinical-terms.json``) are never warnings.
"""
from __future__ import annotations

import re

from ingest.extract.clinical.population import content, rx, terms
from ingest.ids import slugify
from ingest.quotes import cross_refs, locate, sentences
from ingest.records import LabelRecord, Paragraph, Warning
from ingest.records_document import document


def _facts(record: LabelRecord, w: Warning, paras: list[Paragraph]) -> Warning:
    t = terms()
    for p in paras:
        for sent in sentences(p.text):
            for m in rx(t["risk_subject"]).finditer(sent):
                if rx(t["risk_cues"]).search(sent[m.start():]):
                    who = re.sub(r"\s*\((?:such as|e\.g\.)[^)]*\)", "", m.group(1)).strip()
                    who = re.sub(r"\s+(?:who|that)$", "", who)
                    w.at_risk.append((who, locate(document(record).text, p.source, m.group(1))))
            for pattern in t["risk_phrases"]:
                for m in rx(pattern).finditer(sent):
                    w.at_risk.append((m.group(1).strip(), locate(document(record).text, p.source, m.group(1))))
            for m in rx(t["limited_experience"]).finditer(sent):
                who = re.sub(r"\s*\((?:such as|e\.g\.)[^)]*\)", "", m.group(1)).strip(" ,")
                w.at_risk.append((who, locate(document(record).text, p.source, m.group(1))))
            if rx(t["monitoring_cues"]).search(sent):
                w.monitoring.append((sent, locate(document(record).text, p.source, sent)))
    return w


def _title(text: str) -> str:
    t = terms()
    m = rx(t["lead_in"]).match(text)
    if m:
        return m.group(1).strip()
    words = sentences(text)[0].split()
    head = " ".join(words[: t["title_words"]]).rstrip(" .,;:")
    return head + (" …" if len(words) > t["title_words"] else "")


def _not_a_warning(text: str) -> bool:
    """A page number, a cross-reference line, or boilerplate (``warning_boilerplate``)."""
    t = terms()
    return any(rx(x).match(text.strip()) for x in [*t["not_an_item"], *t["warning_boilerplate"]])


def _paragraph_warnings(record: LabelRecord, key: str, paras: list[Paragraph],
                        used: set[str] | None = None) -> list[Warning]:
    groups: list[list[Paragraph]] = []
    for p in paras:
        if _not_a_warning(p.text):
            continue
        prev = groups[-1][-1].text.rstrip() if groups else ""
        # a list item, or the line after a lead-in or after a line cut mid-sentence, goes on the same warning
        if groups and (p.kind == "list-item" or prev.endswith(":") or not prev.endswith((".", "!", "?", ")", ";"))):
            groups[-1].append(p)
        else:
            groups.append([p])
    out = []
    used = set() if used is None else used
    for g in groups:
        title = _title(g[0].text)
        ident = base = slugify(title) or "warning"
        n = 1
        while ident in used:
            n += 1
            ident = f"{base}-{n}"
        used.add(ident)
        text = g[0].text
        for a, b in zip(g, g[1:]):  # a line cut mid-sentence goes on with a space
            text += ("\n\n" if a.text.rstrip().endswith((".", "!", "?", ")", ";", ":")) else " ") + b.text
        src = g[0].source
        w = Warning(ident, title, text, key, src, cross_refs=cross_refs(text))
        out.append(_facts(record, w, g))
    return out


def _intro(sec, subs) -> list[Paragraph]:
    """The section's own paragraphs printed before its first sub-heading (a reader may also list
    the sub-sections' paragraphs under the numbered section: those are not its own)."""
    first = min((s.source.line_start for s in subs if s.source), default=None)
    theirs = {" ".join(p.text.split()) for s in subs for p in content(s)}
    return [p for p in content(sec) if " ".join(p.text.split()) not in theirs
            and (first is None or p.source is None or p.source.line_start <= first)]


def extract_warnings(record: LabelRecord, number: str) -> bool:
    """Warnings of section ``number``; False when it has no sub-headings (warnings then
    come from its paragraphs)."""
    sec = record.section(number)
    if sec is None:
        return True
    subs = [s for s in record.sections if s.parent == number and s.is_subheading]
    if subs:  # paragraphs before the first sub-heading are warnings of their own, titled by their lead words
        record.warnings.extend(_paragraph_warnings(record, sec.key, _intro(sec, subs),
                                                   {s.key.split("/", 1)[1] for s in subs}))
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
