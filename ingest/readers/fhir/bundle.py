"""Finding the SmPC in a FHIR ePI Bundle (JSON or XML): the Composition and its sections.

Both serialisations are read into the same small model (:class:`EpiDocument`
with :class:`EpiSection` trees); each section keeps its FHIR path
(``Composition.section[3].section[1]``), its span in the original file, and its
narrative ``div`` parsed with positions, plus a function mapping positions in
the parsed div back to the original text (for JSON the div is an escaped
string, for XML it is inline).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from ingest.errors import NotAnSmPC, UnreadableInput
from ingest.readers.fhir import json_positions, safe_xml
from ingest.readers.fhir import resources as fhir_resources
from ingest.records import Coding
from ingest.scheme import load_json

FHIR_NS = "http://hl7.org/fhir"
XHTML_NS = "http://www.w3.org/1999/xhtml"
_BOM = b"\xef\xbb\xbf"


@dataclass
class EpiSection:
    title: str
    codes: list[str]
    path: str  # "Composition.section[3].section[1]"
    start: int  # span of the section element in the original
    end: int
    div: safe_xml.XNode | None
    div_offset: Callable[[int], int]  # offset in the parsed div -> offset in the original
    children: list["EpiSection"] = field(default_factory=list)


@dataclass
class EpiDocument:
    original: str
    fmt: str
    type_words: list[str]
    title: str | None
    date: str | None
    language: str | None
    sections: list[EpiSection]
    codings: list[Coding] = field(default_factory=list)  # the Bundle's coded resources


def decode(data: bytes, path: str) -> str:
    if not data.strip():
        raise UnreadableInput("file is empty", path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableInput(f"not valid UTF-8 (byte {exc.start}); FHIR requires UTF-8", path, line) from exc


def load(data: bytes, path: str, fmt: str) -> EpiDocument:
    data = data[len(_BOM):] if data.startswith(_BOM) else data
    text = decode(data, path)
    doc = _from_json(text, path) if fmt == "fhir-epi-json" else _from_xml(data, text, path)
    check_kind(doc, path)
    return doc


# ---------------------------------------------------------------- JSON


def _from_json(text: str, path: str) -> EpiDocument:
    value, spans = json_positions.load(text, path)
    if not isinstance(value, dict) or "resourceType" not in value:
        raise NotAnSmPC("JSON is not a FHIR resource (no resourceType)", path)
    rt = value.get("resourceType")
    if rt != "Bundle":
        raise NotAnSmPC(f"JSON is a FHIR {rt}, not a document Bundle holding a Composition", path)
    entries = value.get("entry") if isinstance(value.get("entry"), list) else []
    kinds = [e.get("resource", {}).get("resourceType", "?") if isinstance(e, dict) and isinstance(e.get("resource"), dict)
             else "?" for e in entries]
    check_bundle(value.get("type"), kinds, path)
    comp = entries[0]["resource"]
    base = ("entry", 0, "resource")
    check_status(comp.get("status"), path)

    def sections(items, fhir_path: str, key: tuple) -> list[EpiSection]:
        out = []
        for k, s in enumerate(items if isinstance(items, list) else []):
            if not isinstance(s, dict):
                continue
            p, kk = f"{fhir_path}.section[{k}]", key + ("section", k)
            start, end = spans.get(kk, (0, 0))
            div = (s.get("text") or {}).get("div") if isinstance(s.get("text"), dict) else None
            node, offset = None, (lambda x: start)
            if isinstance(div, str) and div.strip():
                node, offset = _json_div(text, div, spans[kk + ("text", "div")][0], path, f"{p}.text.div")
            title = s.get("title") if isinstance(s.get("title"), str) else ""
            out.append(EpiSection(title, _codes(s.get("code")), p, start, end, node, offset,
                                  sections(s.get("section"), p, kk)))
        return out

    return EpiDocument(
        text, "fhir-epi-json", _type_words(comp.get("type"), comp.get("category"), comp.get("title")),
        comp.get("title"), comp.get("date"), comp.get("language") or value.get("language"),
        sections(comp.get("section"), "Composition", base),
        fhir_resources.read(fhir_resources.json_entries(value, spans, text)[1:], text),
    )


def check_bundle(kind, entry_types: list[str], path: str, line: int | None = None) -> None:
    """An ePI is a FHIR document: a Bundle of type 'document' whose first entry is the Composition."""
    if "Composition" not in entry_types:
        kinds = sorted(set(entry_types))
        raise NotAnSmPC(f"Bundle has no Composition entry (entries: {', '.join(kinds) or 'none'})", path, line)
    if kind != "document":
        raise NotAnSmPC(f"Bundle.type is {kind!r}, not 'document': an ePI is a FHIR document Bundle", path, line)
    if entry_types[0] != "Composition":
        raise NotAnSmPC(f"the Composition is Bundle.entry[{entry_types.index('Composition')}], not the first entry "
                        f"(a document Bundle starts with its Composition; entry[0] holds: {entry_types[0]})", path, line)


def check_status(status, path: str, line: int | None = None) -> None:
    if status == "entered-in-error":
        raise NotAnSmPC("Composition.status is 'entered-in-error': the document was withdrawn as erroneous", path, line)


def _json_div(text: str, div: str, quote_at: int, path: str, where: str):
    raw = json_positions.string_map(text, quote_at)
    line = text.count("\n", 0, quote_at) + 1
    node = safe_xml.parse(div.encode("utf-8"), path, f"XHTML of {where}", line_offset=line - 1)
    check_div(node, where, path, line)
    return node, lambda k: raw[min(k, len(raw) - 1)]


def check_div(node: safe_xml.XNode, where: str, path: str, line: int | None) -> None:
    """FHIR narrative is an XHTML <div> in the XHTML namespace."""
    if node.tag != "div" or node.ns != XHTML_NS:
        raise UnreadableInput(f"{where} is not XHTML: <{node.tag}> in namespace {node.ns or 'none'} "
                              f"(narrative must be a <div> in {XHTML_NS})", path, line)


def _codes(code) -> list[str]:
    if not isinstance(code, dict):
        return []
    out = [c.get("code", "") for c in code.get("coding", []) if isinstance(c, dict)]
    return [c for c in out if c]


def _type_words(*parts) -> list[str]:
    words: list[str] = []
    for p in parts:
        if isinstance(p, str):
            words.append(p)
        elif isinstance(p, list):
            words.extend(_type_words(*p))
        elif isinstance(p, dict):
            words.extend(_type_words(p.get("text"), *p.get("coding", [])) if "coding" in p or "text" in p
                         else [str(p.get(k)) for k in ("display", "code", "system") if p.get(k)])
    return words


# ---------------------------------------------------------------- XML


def _value(node: safe_xml.XNode | None, tag: str) -> str | None:
    c = node.find(tag) if node is not None else None
    return c.attrs.get("value") if c is not None else None


def _xml_concept(node: safe_xml.XNode | None) -> list[str]:
    if node is None:
        return []
    out = [v for v in [_value(node, "text")] if v]
    for c in node.findall("coding"):
        out.extend(v for v in (_value(c, "display"), _value(c, "code"), _value(c, "system")) if v)
    return out


def _from_xml(data: bytes, text: str, path: str) -> EpiDocument:
    root = safe_xml.parse(data, path, "XML")
    if root.ns != FHIR_NS:
        raise NotAnSmPC(f"XML root <{root.tag}> is not in the FHIR namespace ({FHIR_NS})", path, root.line)
    if root.tag != "Bundle":
        raise NotAnSmPC(f"XML is a FHIR {root.tag}, not a document Bundle holding a Composition", path, root.line)
    resources = [r.children[0] if r.children else None for e in root.findall("entry") for r in e.findall("resource")[:1]]
    check_bundle(_value(root, "type"), [r.tag if r is not None else "?" for r in resources], path, root.line)
    comp = resources[0]
    check_status(_value(comp, "status"), path, comp.line)

    def sections(parent: safe_xml.XNode, fhir_path: str) -> list[EpiSection]:
        out = []
        for k, s in enumerate(parent.findall("section")):
            p = f"{fhir_path}.section[{k}]"
            narrative = s.find("text")
            div = narrative.find("div") if narrative is not None else None
            if narrative is not None and div is None and narrative.children:
                check_div(narrative.children[0], f"{p}.text.div", path, narrative.children[0].line)
            if div is not None:
                check_div(div, f"{p}.text.div", path, div.line)
            code = s.find("code")
            codes = [v for c in (code.findall("coding") if code is not None else []) for v in [_value(c, "code")] if v]
            out.append(EpiSection(_value(s, "title") or "", codes, p, s.start, s.end, div, lambda k: k,
                                  sections(s, p)))
        return out

    words = _xml_concept(comp.find("type")) + [w for c in comp.findall("category") for w in _xml_concept(c)]
    title = _value(comp, "title")
    return EpiDocument(text, "fhir-epi-xml", words + ([title] if title else []), title, _value(comp, "date"),
                       _value(comp, "language") or _value(root, "language"), sections(comp, "Composition"),
                       fhir_resources.read(fhir_resources.xml_entries(root, text)[1:], text))


# ---------------------------------------------------------------- document kind


@lru_cache(maxsize=1)
def _kinds() -> tuple[re.Pattern, dict[str, re.Pattern]]:
    data = load_json("epi-document-types.json")

    def rx(words):
        return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.I)

    return rx(data["smpc"]), {k: rx(v) for k, v in data["not_smpc"].items()}


def check_kind(doc: EpiDocument, path: str) -> None:
    """Refuse a Composition whose type says it is a leaflet (or other non-SmPC document)."""
    smpc, others = _kinds()
    typed = " | ".join(w.rsplit("/", 1)[-1] if w.startswith("http") else w for w in doc.type_words)
    if smpc.search(typed):
        return
    for kind, rx in others.items():
        m = rx.search(typed)
        if m:
            raise NotAnSmPC(f"Composition.type says this is a {kind} ('{m.group(0)}'), not an SmPC", path)
