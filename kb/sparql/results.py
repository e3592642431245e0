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
from dataclasses import dataclass, field
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


@dataclass
class QueryResult:
    kind: str  # "select" | "ask" | "construct" | "describe"
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node | None]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    @classmethod
    def from_raw(cls, raw: dict) -> "QueryResult":
        kind = raw["kind"]
        if kind == "ask":
            return cls(kind="ask", boolean=raw["boolean"])
        if kind == "select":
            vs = raw["variables"]
            rows = [{v: decode_term(x) for v, x in zip(vs, r)} for r in raw["rows"]]
            return cls(kind="select", variables=list(vs), rows=rows)
        g = bind_prefixes(Graph())
        for s, p, o in raw["triples"]:
            g.add((decode_term(s), decode_term(p), decode_term(o)))
        return cls(kind=kind, graph=g)

    @property
    def is_graph(self) -> bool:
        return self.kind in ("construct", "describe")

    def __len__(self) -> int:
        if self.is_graph:
            return len(self.graph)
        return 1 if self.kind == "ask" else len(self.rows)

    # -- SPARQL results formats -------------------------------------------
    def _need_solutions(self, what: str) -> None:
        if self.is_graph:
            raise ValueError(f"{what} is for SELECT/ASK results; use to_rdf() for a {self.kind} result")

    def to_sparql_json(self) -> bytes:
        self._need_solutions("SPARQL JSON")
        if self.kind == "ask":
            doc = {"head": {}, "boolean": bool(self.boolean)}
        else:
            bindings = []
            for row in self.rows:
                b = {}
                for v in self.variables:
                    t = row.get(v)
                    if t is not None:
                        b[v] = _json_term(t)
                bindings.append(b)
            doc = {"head": {"vars": self.variables}, "results": {"bindings": bindings}}
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
            for row in self.rows:
                r = ET.SubElement(results, q("result"))
                for v in self.variables:
                    t = row.get(v)
                    if t is None:
                        continue
                    b = ET.SubElement(r, q("binding"), name=v)
                    if isinstance(t, URIRef):
                        ET.SubElement(b, q("uri")).text = str(t)
                    elif isinstance(t, BNode):
                        ET.SubElement(b, q("bnode")).text = str(t)
                    else:
                        attrs = {}
                        if t.language:
                            attrs["{http://www.w3.org/XML/1998/namespace}lang"] = t.language
                        elif t.datatype is not None and str(t.datatype) != XSD_STRING:
                            attrs["datatype"] = str(t.datatype)
                        ET.SubElement(b, q("literal"), attrs).text = str(t)
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
            for row in self.rows:
                w.writerow([_csv_value(row.get(v)) for v in self.variables])
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
        out = self.graph.serialize(format=RDF_FORMATS[fmt][0], encoding="utf-8")
        return out

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


def _json_term(t: Node) -> dict:
    if isinstance(t, URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, BNode):
        return {"type": "bnode", "value": str(t)}
    d = {"type": "literal", "value": str(t)}
    if t.language:
        d["xml:lang"] = t.language
    elif t.datatype is not None and str(t.datatype) != XSD_STRING:
        d["datatype"] = str(t.datatype)
    return d


def _csv_value(t: Node | None) -> str:
    if t is None:
        return ""
    if isinstance(t, BNode):
        return f"_:{t}"
    return str(t)


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
