"""Contraindications (4.3): one per item.

An item is a list item, or a sentence where the section is prose. A lead-in
ending in a colon, a heading, a page number or a cross-reference line is never
an item; a cross-reference sentence stays with the item before it.
"""
from __future__ import annotations

import re

from ingest.extract.clinical.population import content, rx, terms
from ingest.ids import IdMaker
from ingest.quantities import find_quantities
from ingest.quotes import cross_refs, locate, sentences
from ingest.records import Contraindication, LabelRecord, Source
from ingest.records_document import document
from ingest.scheme import number_for_role


def _not_an_item(text: str) -> bool:
    return any(rx(p).match(text.strip()) for p in terms()["not_an_item"])


def _items(record: LabelRecord, number: str) -> list[tuple[str, Source]]:
    marks = rx(terms()["item_marks"])
    out: list[tuple[str, Source]] = []
    for s in record.sections:
        if s.key != number and not (s.parent == number and s.is_subheading):
            continue
        for p in content(s):
            text = p.text.strip()
            if p.kind == "heading" or _not_an_item(text):
                continue
            if text.endswith(":") and p.kind != "list-item":
                continue
            if p.kind == "list-item" or p.kind == "table-row":
                parts = [text]
            elif marks.match(text):  # a list the reader kept as one paragraph
                parts = [x for x in re.split(r"(?:^|\s)[•▪●■◦○‒–—·∙⁃-]\s+", text) if x.strip()]
            else:
                parts = []
                for sent in sentences(text):
                    if parts and (_not_an_item(sent) or not re.match(r"[A-Z(]", sent)):
                        parts[-1] += " " + sent
                    else:
                        parts.append(sent)
            for part in parts:
                part = part.strip()
                src = p.source if len(parts) == 1 else locate(document(record).text, p.source, part)
                out.append((part, src))
    return out


def extract_contraindications(record: LabelRecord) -> None:
    number = number_for_role("contraindications") or "4.3"
    sec = record.section(number)
    if sec is None:
        return
    make_id = IdMaker()
    excipient_ids = [e.id for e in record.product.excipients] if record.product else []
    for text, src in _items(record, number):
        hyper = re.search(r"\bhypersensitivity\b", text, re.I)
        condition = re.split(r"\s*\(see|\.\s|\.$", text)[0].strip(" .")
        ci = Contraindication(
            make_id(condition, 40), text, "hypersensitivity" if hyper else "condition", src,
            condition=condition, cross_refs=cross_refs(text),
        )
        if hyper and re.search(r"\bexcipients?\b", text, re.I):
            ci.excipient_ids = list(excipient_ids)
        keyword = "hypersensitivity" if hyper else condition.lower()
        ci.mentioned_in = [
            s.key for s in record.sections
            if s.key != sec.key and s.level >= 2 and keyword and keyword in " ".join(x.text for x in content(s)).lower()
        ]
        if not hyper:
            _time_window(record, ci)
        record.contraindications.append(ci)


def _time_window(record: LabelRecord, ci: Contraindication) -> None:
    """Find 'X is contraindicated during and for at least 48 hours after ...' where the label says it."""
    t = terms()
    word = (ci.condition or "").lower()
    for s in record.sections:
        for p in content(s):
            for sent in sentences(p.text):
                low = sent.lower()
                if word and word in low and rx(t["contraindicated"]).search(sent):
                    m = rx(t["window"]).search(sent)
                    if m:
                        ci.time_window = m.group(1).strip()
                        q = next((q for q, _, _ in find_quantities(m.group(1)) if q.unit in ("h", "d", "wk", "mo")), None)
                        ci.window_after = q
                        ci.window_source = locate(document(record).text, p.source, sent)
                        if s.key not in ci.mentioned_in:
                            ci.mentioned_in.append(s.key)
                        return
