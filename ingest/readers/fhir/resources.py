"""The coded resources of a FHIR ePI Bundle -> :class:`~ingest.records.Coding` values for the product.

An ePI document Bundle carries, beside its Composition, the resources the
Composition is about: the ``MedicinalProductDefinition`` (identifiers, names,
classification - ATC), its ``Ingredient``s and their ``SubstanceDefinition``s
(substance codes), the ``RegulatedAuthorization`` (authorisation number,
holder) and ``Organization``s. Each code becomes a ``Coding`` with a role, the
code system, the code and its display text, and a ``Source`` pointing at the
code in the Bundle (``locator`` = FHIR path, e.g.
``Bundle.entry[3].resource.classification[0].coding[0]``; section ``"1"``, the
section that names the product). :func:`fill_product` attaches them to the
product read from the text and fills what the text did not give (ATC code,
active substance, licence holder, authorisation number).

JSON and XML are read through one small view (:class:`_Node`) so the walk is
written once.
"""
from __future__ import annotations

import bisect
from typing import Iterator

from ingest.readers.fhir.safe_xml import XNode
from ingest.records import Coding, LabelRecord, Source

ACTIVE_ROLE_CODES = {"100000072072"}  # EMA SPOR ingredient role "Active"


class _Node:
    """A FHIR element in either serialisation: children by name, primitive value, span of the value."""

    def __init__(self, value, path: str, key: tuple | None = None, spans: dict | None = None, text: str = ""):
        self.value, self.path, self.key, self.spans, self.text = value, path, key, spans, text

    def kids(self, name: str) -> list["_Node"]:
        v = self.value
        if isinstance(v, XNode):
            found = v.findall(name)
            return [_Node(c, f"{self.path}.{name}[{i}]" if len(found) > 1 or name in _LISTS else f"{self.path}.{name}",
                          text=self.text) for i, c in enumerate(found)]
        if not isinstance(v, dict) or name not in v:
            return []
        c = v[name]
        if isinstance(c, list):
            return [_Node(x, f"{self.path}.{name}[{i}]", self.key + (name, i), self.spans, self.text)
                    for i, x in enumerate(c)]
        return [_Node(c, f"{self.path}.{name}", self.key + (name,), self.spans, self.text)]

    def get(self, *names: str) -> str | None:
        """The primitive at a path of child names (first of each)."""
        node: _Node | None = self
        for n in names:
            ks = node.kids(n) if node else []
            node = ks[0] if ks else None
        return node.primitive() if node else None

    def primitive(self) -> str | None:
        v = self.value
        if isinstance(v, XNode):
            return v.attrs.get("value")
        return v if isinstance(v, str) and v.strip() else None  # codes, ids, names: FHIR strings only

    def span(self) -> tuple[int, int]:
        v = self.value
        if isinstance(v, XNode):
            raw = v.attrs.get("value")
            at = self.text.find(raw, v.start, v.end) if raw else -1
            return (at, at + len(raw)) if at >= 0 else (v.start, v.end)
        start, end = self.spans.get(self.key, (0, 0))
        if isinstance(v, str) and end - start >= 2:
            return start + 1, end - 1
        return start, end


_LISTS = {"identifier", "classification", "name", "code", "coding", "entry", "subject", "holder", "section"}


def json_entries(bundle: dict, spans: dict, text: str) -> list[_Node]:
    root = _Node(bundle, "Bundle", (), spans, text)
    return [r for e in root.kids("entry") for r in e.kids("resource")]


def xml_entries(root: XNode, text: str) -> list[_Node]:
    out = []
    for i, e in enumerate(root.findall("entry")):
        for r in e.findall("resource"):
            if r.children:
                out.append(_Node(r.children[0], f"Bundle.entry[{i}].resource", text=text))
    return out


def _type(r: _Node) -> str:
    return r.value.tag if isinstance(r.value, XNode) else str(r.value.get("resourceType", ""))


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self._newlines = [i for i, ch in enumerate(text) if ch == "\n"]
        self.out: list[Coding] = []

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def add(self, role: str, node: _Node, system: str | None, code: str | None, display: str | None) -> None:
        if not (code or display):
            return
        a, b = node.span()
        src = Source("1", self.line(a), self.line(b), a, b, self.text[a:b] or (code or display or ""), node.path)
        self.out.append(Coding(role, system, code, display, src))

    def codings(self, role: str, concept: _Node, display: str | None = None) -> None:
        """Each coding of a CodeableConcept that has a code (or, failing any, its text alone)."""
        added = False
        for c in concept.kids("coding"):
            code = c.get("code")
            if code:
                self.add(role, c.kids("code")[0], c.get("system"), code, c.get("display") or display or concept.get("text"))
                added = True
        text = concept.kids("text")
        if not added and text and text[0].primitive():
            self.add(role, text[0], None, None, text[0].primitive())

    def identifiers(self, role: str, r: _Node, display: str | None) -> None:
        for ident in r.kids("identifier"):
            value = ident.kids("value")
            if value and value[0].primitive():
                self.add(role, value[0], ident.get("system"), value[0].primitive(), display)


def _refs(r: _Node, *names: str) -> Iterator[str]:
    nodes = [r]
    for n in names:
        nodes = [k for x in nodes for k in x.kids(n)]
    for x in nodes:
        ref = x.get("reference")
        if ref:
            yield ref


def read(entries: list[_Node], text: str) -> list[Coding]:
    """Codings for the product from the Bundle's resources (all but the Composition)."""
    rd = _Reader(text)
    by_type = {t: [r for r in entries if _type(r) == t] for t in
               ("MedicinalProductDefinition", "Ingredient", "SubstanceDefinition", "Organization", "RegulatedAuthorization")}
    active: set[str] = set()
    for ing in by_type["Ingredient"]:
        role = ing.kids("role")
        codes = {c.get("code") for x in role for c in x.kids("coding")}
        is_active = bool(codes & ACTIVE_ROLE_CODES) or any((x.get("text") or "").lower() == "active" for x in role)
        for sub in ing.kids("substance"):
            for code in sub.kids("code"):
                for concept in code.kids("concept"):
                    rd.codings("active-substance" if is_active else "substance", concept)
                if is_active:
                    active.update(_refs(code, "reference"))
    holders = {ref for ra in by_type["RegulatedAuthorization"] for ref in _refs(ra, "holder")}
    for mpd in by_type["MedicinalProductDefinition"]:
        rd.identifiers("product-identifier", mpd, None)
        for cl in mpd.kids("classification"):
            systems = " ".join(c.get("system") or "" for c in cl.kids("coding")).lower()
            rd.codings("atc" if "atc" in systems else "classification", cl)
        for name in mpd.kids("name"):
            pn = name.kids("productName")
            if pn:
                rd.add("product-name", pn[0], None, None, pn[0].primitive())
    for sd in by_type["SubstanceDefinition"]:
        ref = f"SubstanceDefinition/{sd.get('id')}"
        role = "active-substance" if ref in active else "substance"
        name = sd.get("name", "name")
        for n in sd.kids("name")[:1]:
            rd.add(role, (n.kids("name") or [n])[0], None, None, name)
        for code in sd.kids("code"):
            for concept in code.kids("code"):
                rd.codings(role, concept, concept.get("text") or name)
        rd.identifiers(role, sd, name)
    for org in by_type["Organization"]:
        role = "licence-holder" if f"Organization/{org.get('id')}" in holders else "organisation"
        name = org.get("name")
        if name:
            rd.add(role, org.kids("name")[0], None, None, name)
        rd.identifiers(role, org, name)
    for ra in by_type["RegulatedAuthorization"]:
        rd.identifiers("authorisation", ra, None)
    return rd.out


def fill_product(record: LabelRecord) -> None:
    """Attach the Bundle's codings to the product; fill fields the text did not give."""
    prod = record.product
    if prod is None or not record.product_codings:
        return
    prod.codings = list(record.product_codings)

    def first(role: str, need: str) -> Coding | None:
        return next((c for c in prod.codings if c.role == role and getattr(c, need)), None)

    for attr, role, need in (("atc_code", "atc", "code"), ("active_substance", "active-substance", "display"),
                             ("licence_holder", "licence-holder", "display"),
                             ("licence_number", "authorisation", "code")):
        c = first(role, need)
        if getattr(prod, attr) is None and c is not None:
            setattr(prod, attr, getattr(c, need))
            setattr(prod, "atc_source" if attr == "atc_code" else attr + "_source", c.source)
