"""Product particulars from sections 1, 2, 3, 5.1, 6.1 and 7-9."""
from __future__ import annotations

import re

from ingest.extract.identity import product_name
from ingest.ids import IdMaker
from ingest.quantities import first_quantity
from ingest.quotes import locate
from ingest.readers.fhir.resources import fill_product
from ingest.records import Excipient, Issue, LabelRecord, Paragraph, Product, Section, Source
from ingest.records_document import document
from ingest.scheme import load_json


def _content(sec: Section | None) -> list[Paragraph]:
    return [p for p in (sec.paragraphs if sec else []) if not p.artefact and p.text]


def _first(sec: Section | None) -> Paragraph | None:
    paras = _content(sec)
    return paras[0] if paras else None


def _line_sources(original: str, p: Paragraph) -> list[tuple[str, Source]]:
    """Each printed line of a paragraph, cleaned, with its own source."""
    out = []
    for raw in p.source.quote.split("\n"):
        text = re.sub(r"\s+", " ", raw.replace("\uf0b7", " ")).strip()
        if text:
            out.append((text, locate(original, p.source, text)))
    return out


def _section_by_title(record: LabelRecord, word: str) -> Section | None:
    for s in record.sections:
        if s.level == 1 and word in s.title.lower():
            return s
    return None


def _is_component(text: str) -> bool:
    return bool(re.match(load_json("excipient-components.json")["components"], text.strip(), re.I))


def _excipients(record: LabelRecord, sec: Section | None) -> list[Excipient]:
    if sec is None:
        return []
    make_id = IdMaker()
    out: list[Excipient] = []
    paras = _content(sec)
    component = None
    for i, p in enumerate(paras):
        nxt = paras[i + 1] if i + 1 < len(paras) else None
        lines = _line_sources(document(record).text, p)
        single = len(lines) == 1 and not p.text.endswith(".")
        if single and nxt is not None and len(p.text.split()) <= 5 and p.kind != "list-item" and not re.search(r"\d", p.text):
            component = p.text.rstrip(":")
            continue
        if len(lines) == 1 and re.search(r"[,;]", p.text) and not re.search(r"\(.*[,;].*\)", p.text):
            items = [(t.strip(" ."), locate(document(record).text, p.source, t.strip(" ."))) for t in re.split(r"[,;]\s*", p.text)]
        else:
            items = [(t.strip(" ."), s) for t, s in lines]
        for name, src in items:
            if name and len(items) > 1 and _is_component(name):
                component = name.rstrip(":")
                continue
            if name:
                out.append(Excipient(make_id((component + " " if component else "") + name), name, component, src))
    return out


def extract(record: LabelRecord) -> None:
    s1 = record.section("1")
    first = _first(s1)
    if first is None:
        record.issues.append(Issue("warning", "section 1 gives no product name", "1", s1.source.line_start if s1 else None))
        return
    name = product_name(record) or first.text
    prod = Product(name=name, source=first.source)
    strength_text = first.text[len(name):]
    q = first_quantity(strength_text)
    if q is not None:
        prod.strength = q
        prod.strength_source = locate(document(record).text, first.source, q.text or "")
    # active substance: "contains <quantity> <substance>" in section 2
    for p in _content(record.section("2")):
        m = re.search(r"\bcontains?\s+(?:[\d.,]+\s*\S+\s+(?:of\s+)?)?([A-Za-z][\w-]*(?:\s+[a-z][\w-]*)?)", p.text)
        if m:
            substance = m.group(1)
            substance = re.split(r"\s+(?:as|in|per|and|which)\b", substance)[0].strip(" .")
            prod.active_substance = substance
            prod.active_substance_source = locate(document(record).text, p.source, m.group(0))
            break
    form = _first(record.section("3"))
    if form is not None:
        prod.pharmaceutical_form = form.text.rstrip(".")
        prod.form_source = form.source
    for s in record.sections:
        for p in _content(s):
            m = re.search(r"ATC code:?\s*([A-Z]\d{2}[A-Z]{0,2}\d{0,2})", p.text)
            if m and prod.atc_code is None:
                prod.atc_code = m.group(1)
                prod.atc_source = locate(document(record).text, p.source, m.group(0))
    prod.excipients = _excipients(record, record.section("6.1"))
    for attr, word in (("licence_holder", "holder"), ("manufacturer", "manufacturer"), ("licence_number", "number")):
        sec = _section_by_title(record, word)
        p = _first(sec)
        if p is not None:
            value = p.text if attr == "licence_number" else _line_sources(document(record).text, p)[0][0]
            setattr(prod, attr, value)
            setattr(prod, attr + "_source", p.source if attr == "licence_number" else _line_sources(document(record).text, p)[0][1])
    record.product = prod
    fill_product(record)  # a FHIR Bundle's coded resources: codes, and what the text did not give
