"""SHACL shapes of section 4.8: the bundled label conforms; each constraint catches a broken graph."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF

from ingest.pipeline import read_label
from kb.rdf import adverse as rdf_adverse
from kb.rdf.base import SMPC, GraphBuilder

ROOT = Path(__file__).resolve().parent.parent
ONT = ROOT / "ontology"


@lru_cache(maxsize=None)
def _shapes() -> Graph:
    return Graph().parse(ONT / "shapes/adverse.ttl")


@lru_cache(maxsize=None)
def _vocab() -> Graph:
    g = Graph()
    for f in sorted((ONT / "vocab").glob("*.ttl")):
        g.parse(f)
    return g


@lru_cache(maxsize=None)
def _record():
    return read_label(ROOT / "labels/blincyto/smpc-il.txt")


def build() -> Graph:
    rec = _record()
    b = GraphBuilder(rec.label_id, rec.version)
    rdf_adverse.add(b, rec)
    return b.g


def violations(g: Graph) -> list[str]:
    conforms, report, _ = pyshacl.validate(g, shacl_graph=_shapes(), ont_graph=_vocab(), inference="none",
                                           advanced=True)
    sh = "http://www.w3.org/ns/shacl#"
    return [str(m) for m in report.objects(None, _uri(sh + "resultMessage"))]


def _uri(s):
    from rdflib import URIRef

    return URIRef(s)


def node(g: Graph, term: str):
    return next(s for s in g.subjects(RDF.type, SMPC.AdverseReaction) if str(g.value(s, SMPC["term"])) == term)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build()


def test_bundled_label_conforms(graph):
    assert violations(graph) == []
    assert len(set(graph.subjects(RDF.type, SMPC.AdverseReaction))) == 70


def test_missing_soc_is_caught(graph):
    g = Graph() + graph
    g.remove((node(g, "Sepsis"), SMPC.systemOrganClass, None))
    assert any("system organ class" in m for m in violations(g))


def test_soc_outside_the_official_list_is_caught(graph):
    g = Graph() + graph
    n = node(g, "Sepsis")
    g.remove((n, SMPC.systemOrganClass, None))
    g.add((n, SMPC.systemOrganClass, SMPC["soc-00000000"]))
    assert any("official MedDRA list" in m for m in violations(g))


def test_two_frequencies_are_caught(graph):
    g = Graph() + graph
    g.add((node(g, "Sepsis"), SMPC.frequency, SMPC["freq-rare"]))
    assert any("exactly one frequency category" in m for m in violations(g))


def test_incidence_inconsistent_with_category_is_caught(graph):
    g = Graph() + graph
    n = node(g, "Cytokine release syndrome")  # 13.8% in the summary
    g.remove((n, SMPC.frequency, None))
    g.add((n, SMPC.frequency, SMPC["freq-common"]))
    msgs = violations(g)
    assert any("13.8" in m and "contradicts" in m for m in msgs)


def test_included_term_listed_in_another_soc_is_caught(graph):
    g = Graph() + graph
    g.add((node(g, "Anemia"), SMPC.includedTerm, Literal("Pyrexia")))
    assert any("included term 'Pyrexia'" in m for m in violations(g))


def test_vocabulary_socs_match_the_data_file():
    from ingest.extract.adverse.data import socs

    v = _vocab()
    codes = {str(v.value(s, _uri("http://www.w3.org/2004/02/skos/core#notation")))
             for s in v.subjects(RDF.type, SMPC.SystemOrganClass)}
    assert codes == {s.code for s in socs()} and len(codes) == 27
