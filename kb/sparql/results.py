"""Query results as rdflib terms, and their W3C serialisations.

``QueryResult`` is what ``Store.query`` returns for both local and remote
stores.  The serialisers follow the W3C SPARQL 1.1 Query Results formats:
JSON (application/sparql-results+json), XML (application/sparql-results+xml),
CSV (text/csv: plain values) and TSV (text/tab-separated-values: terms in
Turtle/N-Triples syntax).  Graph results (CONSTRUCT/DESCRIBE) serialise
through rdflib as Turtle, JSON-LD, N-Triples or RDF/XML.
"""
from __future__ import annotations

import csv
import io
import json
import warnings
from functools import lru_cache
from xml.etree import ElementTree as ET

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kb.rdf.base import bind_prefixes

SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

RDF_FORMATS = {  # our name -> (rdflib serializer, media type)
    "turtle": ("turtle", "text/turtle"),
    "json-ld": ("json-ld", "application/ld+json"),
    "n-triples": ("nt", "application/n-triples"),
    "rdf-xml": ("xml", "application/rdf+xml"),
}


def decode_term(t: tuple | None) -> Node | None:
    """Plain tuple (see :mod:`kb.sparql.execution`) -> rdflib term."""
    if t is None:
        return None
    tag = t[0]
    if tag == "u":
        return URIRef(t[1])
    if tag == "b":
        return BNode(t[1])
    _, value, dt, lang = t
    if lang:
        return Literal(value, lang=lang)
    if dt is None or dt == XSD_STRING:
        return Literal(value)
    with warnings.catch_warnings():  # ill-typed literals are legal RDF: keep them as they are
        warnings.simplefilter("ignore")
        return Literal(value, datatype=URIRef(dt))


class QueryResult:
    """A query's result: ``kind`` ("select" | "ask" | "construct" | "describe"), ``variables`` and
    ``rows`` (dicts of rdflib terms, None for an unbound variable), ``boolean`` (ASK), ``graph``
    (CONSTRUCT/DESCRIBE).

    A result made by :meth:`from_raw` keeps the engine's plain rows and makes rdflib terms only
    when ``rows`` is read: the SPARQL JSON, XML and CSV answers are written from the plain rows
    with what the terms would have given (:func:`_plain`), so the endpoint skips a term object
    per value (a third of a 100-row answer's time in the web process)."""

    def __init__(self, kind: str, variables: list[str] | None = None,
                 rows: list[dict[str, Node | None]] | None = None, boolean: bool | None = None,
                 graph: Graph | None = None):
        self.kind = kind
        self.variables = variables if variables is not None else []
        self._rows: list[dict[str, Node | None]] | None = rows if rows is not None else []
        self._raw: list[list[tuple | None]] | None = None  # plain rows not decoded yet
        self.boolean = boolean
        self.graph = graph

    @property
    def rows(self) -> list[dict[str, Node | None]]:
        if self._rows is None:
            vs = self.variables
            self._rows = [{v: decode_term(x) for v, x in zip(vs, r)} for r in self._raw or ()]
            self._raw = None
        return self._rows

    @rows.setter
    def rows(self, rows: list[dict[str, Node | None]]) -> None:
        self._rows, self._raw = rows, None

    def __repr__(self) -> str:
        return (f"QueryResult(kind={self.kind!r}, variables={self.variables!r}, rows={self.rows!r}, "
                f"boolean={self.boolean!r}, graph={self.graph!r})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QueryResult):
            return NotImplemented
        return ((self.kind, self.variables, self.rows, self.boolean, self.graph)
                == (other.kind, other.variables, other.rows, other.boolean, other.graph))

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it was

    @classmethod
    def from_raw(cls, raw: dict) -> "QueryResult":
        kind = raw["kind"]
        if kind == "ask":
            return cls(kind="ask", boolean=raw["boolean"])
        if kind == "select":
            result = cls(kind="select", variables=list(raw["variables"]))
            result._rows, result._raw = None, raw["rows"]
            return result
        g = bind_prefixes(Graph())
        for s, p, o in raw["triples"]:
            g.add((decode_term(s), decode_term(p), decode_term(o)))
        return cls(kind=kind, graph=g)

    def _plain_rows(self) -> list[list[tuple[str, str, str | None, str | None] | None]]:
        """Every row as (type, value, language, datatype) per variable (None: unbound), from the
        plain rows when they were not decoded, else from the terms."""
        if self._raw is not None:
            return [[None if x is None else _plain(x) for x in r] for r in self._raw]
        return [[_term_plain(row.get(v)) for v in self.variables] for row in self.rows]

    @property
    def is_graph(self) -> bool:
        return self.kind in ("construct", "describe")

    def __len__(self) -> int:
        if self.is_graph:
            return len(self.graph)
        if self.kind == "ask":
            return 1
        return len(self._raw) if self._raw is not None else len(self.rows)

    # -- SPARQL results formats -------------------------------------------
    def _need_solutions(self, what: str) -> None:
        if self.is_graph:
            raise ValueError(f"{what} is for SELECT/ASK results; use to_rdf() for a {self.kind} result")

    def to_sparql_json(self) -> bytes:
        self._need_solutions("SPARQL JSON")
        if self.kind == "ask":
            doc = {"head": {}, "boolean": bool(self.boolean)}
        else:
            vs = self.variables
            bindings = []
            for row in self._plain_rows():
                b = {}
                for v, t in zip(vs, row):
                    if t is not None:
                        b[v] = _json_term(t)
                bindings.append(b)
            doc = {"head": {"vars": vs}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")

    def to_sparql_xml(self) -> bytes:
        self._need_solutions("SPARQL XML")
        ET.register_namespace("", SPARQL_RESULTS_NS)
        q = lambda n: f"{{{SPARQL_RESULTS_NS}}}{n}"  # noqa: E731
        root = ET.Element(q("sparql"))
        head = ET.SubElement(root, q("head"))
        if self.kind == "ask":
            ET.SubElement(root, q("boolean")).text = "true" if self.boolean else "false"
        else:
            for v in self.variables:
                ET.SubElement(head, q("variable"), name=v)
            results = ET.SubElement(root, q("results"))
            for row in self._plain_rows():
                r = ET.SubElement(results, q("result"))
                for v, t in zip(self.variables, row):
                    if t is None:
                        continue
                    b = ET.SubElement(r, q("binding"), name=v)
                    kind, value, lang, datatype = t
                    if kind != "literal":
                        ET.SubElement(b, q(kind)).text = value
                    else:
                        attrs = {}
                        if lang:
                            attrs["{http://www.w3.org/XML/1998/namespace}lang"] = lang
                        elif datatype:
                            attrs["datatype"] = datatype
                        ET.SubElement(b, q("literal"), attrs).text = value
        return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)

    def to_csv(self) -> bytes:
        self._need_solutions("CSV")
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        if self.kind == "ask":
            w.writerow(["_askResult"])
            w.writerow(["true" if self.boolean else "false"])
        else:
            w.writerow(self.variables)
            for row in self._plain_rows():
                w.writerow([_csv_value(t) for t in row])
        return buf.getvalue().encode("utf-8")

    def to_tsv(self) -> bytes:
        self._need_solutions("TSV")
        if self.kind == "ask":
            return ("?_askResult\n" + ("true" if self.boolean else "false") + "\n").encode()
        lines = ["\t".join("?" + v for v in self.variables)]
        for row in self.rows:
            lines.append("\t".join(_tsv_value(row.get(v)) for v in self.variables))
        return ("\n".join(lines) + "\n").encode("utf-8")

    # -- graph results --------------------------------------------------------
    def to_rdf(self, fmt: str = "turtle") -> bytes:
        if not self.is_graph:
            raise ValueError(f"to_rdf() is for CONSTRUCT/DESCRIBE results, not {self.kind}")
        if fmt not in RDF_FORMATS:
            raise ValueError(f"unknown RDF format {fmt!r}; use one of {', '.join(RDF_FORMATS)}")
        if fmt == "turtle" and len(self.graph):  # rdflib's Turtle writer shortens typed numbers ("1"^^xsd:decimal
            # as 1.0: another literal); an empty graph keeps rdflib's prefix lines (Oxigraph would write nothing)
            import pyoxigraph as ox

            from kb.rdf.oxigraph_terms import ox_triples

            iris = {str(t) for triple in self.graph for t in triple if isinstance(t, URIRef)}
            prefixes = {p: str(ns) for p, ns in self.graph.namespaces()
                        if p and any(i.startswith(str(ns)) for i in iris)}  # only those the result uses
            return ox.serialize(ox_triples(self.graph), format=ox.RdfFormat.TURTLE, prefixes=prefixes)
        return self.graph.serialize(format=RDF_FORMATS[fmt][0], encoding="utf-8")

    # -- CLI ---------------------------------------------------------------------
    def to_table(self, max_width: int = 60) -> str:
        """Plain-text columns for a terminal."""
        if self.kind == "ask":
            return "true" if self.boolean else "false"
        if self.is_graph:
            return self.to_rdf("turtle").decode("utf-8")
        cells = [[_short(row.get(v), max_width) for v in self.variables] for row in self.rows]
        widths = [len(v) for v in self.variables]
        for r in cells:
            widths = [max(w, len(c)) for w, c in zip(widths, r)]
        fmt_row = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
        out = [fmt_row(self.variables), fmt_row(["-" * w for w in widths])]
        out += [fmt_row(r) for r in cells]
        out.append(f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''})")
        return "\n".join(out)


Plain = tuple  # (type "uri" | "bnode" | "literal", value, language or None, datatype IRI or None)


def _plain(t: tuple) -> Plain:
    """A plain term of the engine (:mod:`kb.sparql.execution`) as its rdflib term would read
    (:func:`_term_plain` of :func:`decode_term`): IRIs, blank nodes, strings and language-tagged
    strings as they are; a literal of another datatype through rdflib, which may normalise its
    lexical form ("01" as an integer reads "1"), remembered per short value."""
    tag = t[0]
    if tag == "u":
        return ("uri", t[1], None, None)
    if tag == "b":
        return ("bnode", t[1], None, None)
    _, value, dt, lang = t
    if lang:
        return ("literal", value, _checked_language(lang), None)
    if dt is None or dt == XSD_STRING:
        return ("literal", value, None, None)
    if len(value) > 100:  # long values are not kept
        return _term_plain(decode_term(t))
    return _typed_plain(value, dt)


@lru_cache(maxsize=256)
def _checked_language(lang: str) -> str:
    Literal("", lang=lang)  # rdflib's check of the tag (ValueError), as decode_term makes it
    return lang


@lru_cache(maxsize=4096)
def _typed_plain(value: str, dt: str) -> Plain:
    return _term_plain(decode_term(("l", value, dt, None)))


def _term_plain(t: Node | None) -> Plain | None:
    if t is None:
        return None
    if isinstance(t, URIRef):
        return ("uri", str(t), None, None)
    if isinstance(t, BNode):
        return ("bnode", str(t), None, None)
    lang = t.language  # type: ignore[attr-defined]
    datatype = t.datatype  # type: ignore[attr-defined]
    if lang or datatype is None or str(datatype) == XSD_STRING:
        return ("literal", str(t), lang or None, None)
    return ("literal", str(t), None, str(datatype))


def _json_term(t: Plain) -> dict:
    kind, value, lang, datatype = t
    d = {"type": kind, "value": value}
    if lang:
        d["xml:lang"] = lang
    elif datatype:
        d["datatype"] = datatype
    return d


def _csv_value(t: Plain | None) -> str:
    if t is None:
        return ""
    return "_:" + t[1] if t[0] == "bnode" else t[1]


def _tsv_value(t: Node | None) -> str:
    if t is None:
        return ""
    if isinstance(t, BNode):
        return f"_:{t}"
    return t.n3().replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _short(t: Node | None, width: int) -> str:
    if t is None:
        return ""
    s = str(t).replace("\n", " ")
    return s if len(s) <= width else s[: width - 1] + "…"
