"""IRI minting and the shared patterns (provenance, quantities) every mapper uses.

Conventions
-----------
* Vocabulary: ``smpc:`` = ``https://w3id.org/smpc-kb/ontology#`` (ontology/vocab/*.ttl).
* A label version is the node ``<https://w3id.org/smpc-kb/id/{label}/{version}>``
  (class ``smpc:LabelVersion``), and that same IRI names its named graph.
* Every fact node in a label graph has IRI ``{label-version-iri}/{kind}/{slug}``.
* Provenance: ``fact prov:wasDerivedFrom span``; the span (``smpc:TextSpan``)
  has ``smpc:inSection`` (a ``smpc:Section`` node), ``smpc:startLine``,
  ``smpc:endLine``, ``smpc:startChar``, ``smpc:endChar``, ``smpc:quote`` and
  ``smpc:derivation`` ("stated" | "inferred" | "curated"), optionally
  ``smpc:derivationRule`` and ``smpc:confidence``.
* Quantities: ``node <prop> q``; ``q a smpc:Quantity`` (a schema:QuantitativeValue)
  with ``schema:value`` or ``schema:minValue``/``schema:maxValue`` and
  ``schema:unitCode`` (a UCUM code literal).
"""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from ingest.ids import slugify
from ingest.records import Quantity, Source


@lru_cache(maxsize=4096)
def _term(base: str, name: str) -> URIRef:
    return URIRef(base + name)


class _Vocabulary(Namespace):
    """A namespace whose terms are made once: rdflib's builds and checks a new URIRef on every
    attribute access (16,000 of them, a third of the graph build of one label). An attribute,
    once asked for, is kept on the namespace object: the next ``SMPC.quote`` is a plain attribute
    read (30 ns, not the 1.4 us of rdflib's ``__getattr__`` and a cache look-up)."""

    def term(self, name: str) -> URIRef:
        return _term(str(self), name if isinstance(name, str) else "")

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):  # as rdflib: no special Python names
            raise AttributeError(name)
        term = self.__dict__[name] = self.term(name)
        return term


SMPC = _Vocabulary("https://w3id.org/smpc-kb/ontology#")
SCHEMA = _Vocabulary("https://schema.org/")
FHIR = _Vocabulary("http://hl7.org/fhir/")
SH = _Vocabulary("http://www.w3.org/ns/shacl#")
ID_BASE = "https://w3id.org/smpc-kb/id/"
# the graph naming each label's latest version (kept by kb/rdf/latest_versions.py)
LATEST_GRAPH = "https://w3id.org/smpc-kb/graph/latest"

# rdflib's DefinedNamespace attributes cost ~0.7 us each (a metaclass __getattr__): the hot ones, once
_TYPE, _DERIVED_FROM, _INTEGER, _DECIMAL = RDF.type, PROV.wasDerivedFrom, XSD.integer, XSD.decimal

PREFIXES = {
    "smpc": SMPC,
    "schema": SCHEMA,
    "fhir": FHIR,
    "prov": PROV,
    "rdfs": RDFS,
    "rdf": RDF,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "sh": SH,
}

@lru_cache(maxsize=16384, typed=True)
def typed_literal(value, datatype: URIRef) -> Literal:
    """``Literal(value, datatype=datatype)``, made once per value: rdflib takes about 10 us to make
    a literal from a number (it casts and normalises), and a label has thousands of line and
    character numbers. Literals are immutable, so graphs can share them."""
    return Literal(value, datatype=datatype)


def label_iri(label_id: str, version: str) -> URIRef:
    return URIRef(f"{ID_BASE}{quote(label_id, safe='')}/{quote(version, safe='')}")


def bind_prefixes(g: Graph) -> Graph:
    for p, ns in PREFIXES.items():
        g.bind(p, ns, override=True)
    return g


class GraphBuilder:
    """Collects the triples of one label version graph (in rdflib's default store, or in
    ``store``: :func:`kb.rdf.build.build_graph` gives a :class:`kb.rdf.triple_index.TripleIndex`)."""

    def __init__(self, label_id: str, version: str, store=None):
        self.label_id = label_id
        self.version = version
        self.root = label_iri(label_id, version)
        self.g = bind_prefixes(Graph(store=store if store is not None else "default", identifier=self.root))
        self._spans = 0

    # -- IRIs -------------------------------------------------------------
    def iri(self, kind: str, *parts: str) -> URIRef:
        tail = "/".join(quote(p, safe="-._~") for p in parts)
        return URIRef(f"{self.root}/{kind}/{tail}" if tail else f"{self.root}/{kind}")

    def section_iri(self, key: str) -> URIRef:
        """``4.4`` -> .../section/4.4 ; ``4.4/infections`` -> .../section/4.4/infections."""
        return URIRef(f"{self.root}/section/" + "/".join(quote(p, safe="-._~") for p in key.split("/")))

    # -- patterns -----------------------------------------------------------
    def add(self, s, p, o) -> None:
        self.g.add((s, p, o))

    def lit(self, node: URIRef, prop: URIRef, value, datatype=None) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            self.g.add((node, prop, Literal(value)))
        elif isinstance(value, int):
            self.g.add((node, prop, typed_literal(value, datatype or _INTEGER)))
        elif isinstance(value, float):
            self.g.add((node, prop, typed_literal(repr_decimal(value), datatype or _DECIMAL)))
        else:
            self.g.add((node, prop, Literal(value, datatype=datatype)))

    def source(self, node: URIRef, src: Source | None) -> URIRef | None:
        """Attach provenance: ``node prov:wasDerivedFrom span``."""
        if src is None:
            return None
        self._spans += 1
        span = URIRef(f"{self.root}/span/{self._spans}")
        g = self.g
        g.add((span, _TYPE, SMPC.TextSpan))
        g.add((span, SMPC.inSection, self.section_iri(src.section)))
        integer = _INTEGER
        g.add((span, SMPC.startLine, typed_literal(src.line_start, integer)))
        g.add((span, SMPC.endLine, typed_literal(src.line_end, integer)))
        g.add((span, SMPC.startChar, typed_literal(src.char_start, integer)))
        g.add((span, SMPC.endChar, typed_literal(src.char_end, integer)))
        g.add((span, SMPC.quote, Literal(src.quote)))
        g.add((span, SMPC.derivation, Literal(src.derivation)))
        if src.locator:
            g.add((span, SMPC.locator, Literal(src.locator)))
        if src.page is not None:
            g.add((span, SMPC.page, typed_literal(src.page, _INTEGER)))
        if src.rule:
            g.add((span, SMPC.derivationRule, Literal(src.rule)))
        if src.confidence is not None:
            g.add((span, SMPC.confidence, typed_literal(repr_decimal(src.confidence), _DECIMAL)))
        g.add((node, _DERIVED_FROM, span))
        return span

    def quantity(self, node: URIRef, prop: URIRef, q: Quantity | None, name: str | None = None) -> URIRef | None:
        if q is None:
            return None
        qn = URIRef(f"{node}/q/{slugify(name or str(prop).rsplit('#', 1)[-1])}")
        g = self.g
        g.add((node, prop, qn))
        g.add((qn, _TYPE, SMPC.Quantity))
        if q.value is not None:
            self.lit(qn, SCHEMA.value, float(q.value))
        if q.low is not None:
            self.lit(qn, SCHEMA.minValue, float(q.low))
        if q.high is not None:
            self.lit(qn, SCHEMA.maxValue, float(q.high))
        g.add((qn, SCHEMA.unitCode, Literal(q.unit)))
        if q.comparator:
            g.add((qn, SMPC.comparator, Literal(q.comparator)))
        if q.text:
            g.add((qn, SMPC.printedAs, Literal(q.text)))
        return qn

    def blank(self) -> BNode:
        return BNode()


def repr_decimal(x: float) -> str:
    """Shortest decimal string for a float (0.83 -> '0.83', 28.0 -> '28.0')."""
    r = repr(float(x))
    return r if "e" not in r else format(x, "f")
