"""Label graph -> search documents: one per passage, with its section, kind and fact.

Reads only the graph (``smpc:Passage`` nodes of ``smpc:Section`` nodes, and
facts that point at text spans); the kind of a passage comes from the fact it
belongs to, else from its section number (``section_kinds`` in the search data
file).
"""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from kb.rdf.base import SMPC

# fact class -> search kind; more specific first
FACT_KINDS = {
    SMPC.AdverseReaction: "adverse reaction",
    SMPC.Contraindication: "contraindication",
    SMPC.Indication: "indication",
    SMPC.Warning: "warning",
}
DOSING_CLASSES = {
    SMPC.DosingRegimen, SMPC.DoseStep, SMPC.CyclePhase, SMPC.Premedication, SMPC.HospitalisationAdvice,
    SMPC.DoseModificationTable, SMPC.DoseModificationAction, SMPC.InterruptionRule, SMPC.InfusionOption,
    SMPC.PreparationTable, SMPC.PreparationRow, SMPC.AdministrationSpec, SMPC.DosingLimit, SMPC.WeightGroup,
}
KINDS = ("indication", "contraindication", "warning", "adverse reaction", "dosing", "other")


def anchor_for(section_key: str, order: int) -> str:
    """The HTML id of a passage on its section page: ``p-4-4-infections-3``."""
    return "p-" + "".join(c if c.isalnum() else "-" for c in section_key) + f"-{order}"


def section_anchor(section_key: str) -> str:
    return "s-" + "".join(c if c.isalnum() else "-" for c in section_key)


@dataclass
class _Fact:
    iri: str
    kind: str
    label: str
    section: str
    start: int
    end: int
    chars: tuple[int, int] = (0, 0)


def _lines(g: Graph, span) -> tuple[int, int]:
    s, e = g.value(span, SMPC.startLine), g.value(span, SMPC.endLine)
    return (int(s) if s is not None else 0, int(e) if e is not None else 0)


def _chars(g: Graph, span) -> tuple[int, int]:
    """The span's characters in the source, (0, 0) when it has none."""
    s, e = g.value(span, SMPC.startChar), g.value(span, SMPC.endChar)
    return (int(s), int(e)) if s is not None and e is not None and int(e) > int(s) else (0, 0)


def _fact_label(g: Graph, node) -> str:
    for prop in (SMPC.term, DCTERMS.title, RDFS.label, SMPC.identifier):
        v = g.value(node, prop)
        if v is not None:
            return str(v)
    return ""


def _facts(g: Graph) -> tuple[list[_Fact], dict[str, _Fact], dict[str, list[str]]]:
    """Facts with text spans; warnings by the section they describe; adverse terms per section."""
    facts: list[_Fact] = []
    described: dict[str, _Fact] = {}
    for node, span in g.subject_objects(PROV.wasDerivedFrom):
        types = set(g.objects(node, RDF.type))
        kind = next((k for cls, k in FACT_KINDS.items() if cls in types), None)
        if kind is None and types & DOSING_CLASSES:
            kind = "dosing"
        if kind is None:
            continue
        sec = g.value(span, SMPC.inSection)
        key = g.value(sec, SMPC.sectionKey) if sec is not None else None
        start, end = _lines(g, span)
        f = _Fact(str(node), kind, _fact_label(g, node), str(key) if key else "", start, end, _chars(g, span))
        facts.append(f)
        if kind == "warning":
            for target in g.objects(node, SMPC.describedIn):
                tkey = g.value(target, SMPC.sectionKey)
                if tkey is not None:
                    described[str(tkey)] = f
    return facts, described, {}


def _adverse_terms(g: Graph, fact_iri: str) -> list[str]:
    node = URIRef(fact_iri)
    out = [str(v) for v in g.objects(node, SMPC.term)]
    out += [str(v) for v in g.objects(node, SMPC.includedTerm)]
    return out


def documents(g: Graph) -> list[dict]:
    """Search documents for one label version graph."""
    root = next(iter(g.subjects(RDF.type, SMPC.LabelVersion)), None)
    if root is None:
        return []
    label_id, version = str(g.value(root, SMPC.labelId)), str(g.value(root, SMPC.version))
    label_title = str(g.value(root, DCTERMS.title) or label_id)
    facts, described, _ = _facts(g)
    by_section: dict[str, list[_Fact]] = {}
    for f in facts:
        by_section.setdefault(f.section, []).append(f)
    docs = []
    for sec in g.subjects(RDF.type, SMPC.Section):
        key = str(g.value(sec, SMPC.sectionKey))
        number = str(g.value(sec, SMPC.sectionNumber) or key)
        title = str(g.value(sec, DCTERMS.title) or "")
        parent = g.value(sec, SMPC.parentSection)
        parent_title = str(g.value(parent, DCTERMS.title) or "") if parent is not None else ""
        sec_order = int(g.value(sec, SMPC.order) or 0)
        for p in g.objects(sec, SMPC.hasPassage):
            text = str(g.value(p, SMPC.text) or "")
            if not text.strip():
                continue
            order = int(g.value(p, SMPC.order) or 0)
            span = g.value(p, PROV.wasDerivedFrom)
            start, end = _lines(g, span) if span is not None else (0, 0)
            chars = _chars(g, span) if span is not None else (0, 0)
            fact = _best_fact(by_section.get(key, []), start, end, chars) or described.get(key)
            kind = fact.kind if fact else None
            terms: list[str] = []
            entries = [f for f in by_section.get(key, []) if f.kind == "adverse reaction" and _overlaps(f, start, end, chars)]
            for f in entries:
                terms += _adverse_terms(g, f.iri)
            pkind = str(g.value(p, SMPC.passageKind) or "paragraph")
            if entries and (pkind == "table-row" or len(entries) >= TABLE_ENTRIES):
                # a flattened table row reads as structured rows ("organ class · frequency: terms")
                pkind, text = "table-row", _rows_text(g, entries) or text
            if kind is None:
                kind = _section_kind(number)
            docs.append({
                "id": str(p), "graph": str(root), "label": label_id, "version": version,
                "label_title": label_title, "section": number, "section_key": key,
                "title": title, "section_title": (parent_title or title) if "/" in key else title,
                "kind": kind, "fact": fact.iri if fact else "", "fact_label": fact.label if fact else "",
                "terms": " ; ".join(dict.fromkeys(terms)), "body": text,
                "passage_kind": pkind,
                "order": sec_order * 10000 + order, "anchor": anchor_for(key, order),
                "line": start,
            })
    return docs


# a passage overlapping this many adverse-reaction entries is a (flattened) table row
TABLE_ENTRIES = 3


def _rows_text(g: Graph, entries: list[_Fact]) -> str:
    """Entries as rows: "Nervous system disorders · common: encephalopathy, aphasia | ..."."""
    from ingest.extract.adverse.data import socs

    names = {s.code: s.name for s in socs()}
    rows: dict[tuple[str, str], list[str]] = {}
    for f in sorted(entries, key=lambda f: (f.start, f.label)):
        node = URIRef(f.iri)
        soc = g.value(node, SMPC.systemOrganClass)
        soc_name = names.get(str(soc).rsplit("#soc-", 1)[-1]) if soc is not None else None
        soc_name = soc_name or str(g.value(node, SMPC.socAsPrinted) or "")
        freq = g.value(node, SMPC.frequency)
        freq_name = str(freq).rsplit("#freq-", 1)[-1].replace("-", " ") if freq is not None else ""
        term = str(g.value(node, SMPC.term) or f.label)
        rows.setdefault((soc_name, freq_name), [])
        if term.lower() not in (t.lower() for t in rows[(soc_name, freq_name)]):
            rows[(soc_name, freq_name)].append(term.lower() if term[1:].islower() else term)
    return " | ".join(f"{soc} · {freq}: {', '.join(terms)}" for (soc, freq), terms in rows.items())


_SECTION_KINDS: dict[str, str] = {}


def set_section_kinds(mapping: dict[str, str]) -> None:
    _SECTION_KINDS.clear()
    _SECTION_KINDS.update(mapping)


def _section_kind(number: str) -> str:
    return _SECTION_KINDS.get(number, "other")


def _overlaps(f: _Fact, start: int, end: int, chars: tuple[int, int] = (0, 0)) -> bool:
    """Whether a fact's span and a passage's overlap: by characters when both have them (a
    source whose whole text is one line, like the XHTML of a FHIR ePI in its JSON file, puts every
    passage and fact on the same line), else by lines."""
    if chars[1] and f.chars[1]:
        return f.chars[0] < chars[1] and chars[0] < f.chars[1]
    if not (f.start and start):
        return False
    return f.start <= end and start <= f.end


def _best_fact(candidates: list[_Fact], start: int, end: int, chars: tuple[int, int] = (0, 0)) -> _Fact | None:
    """The most specific fact whose span overlaps the passage's."""
    hits = [f for f in candidates if _overlaps(f, start, end, chars)]
    if not hits:
        return None
    return min(hits, key=lambda f: (f.end - f.start, f.kind != "adverse reaction"))
