"""The ontology graph on Virtuoso, the second SPARQL 1.1 server (tests/virtuoso_support.py).

Virtuoso 7.2 answers an ASK (and a COUNT) over ``GRAPH <g>`` as true (1) when ``<g>`` is not in the
protocol's ``named-graph-uri`` list; RemoteStore sends its own graphs as that list, so before the
ontology graph existed the "is it up to date?" ASK said yes and it was never written: the union of
all graphs lacked the whole vocabulary-and-shapes graph (docs/store.md, "the ontology graph on Virtuoso").
"""
from __future__ import annotations

import pytest
import requests

try:  # tests/ as a package or as a plain directory
    from .virtuoso_support import MISSING, VIRTUOSO, clear, virtuoso
except ImportError:
    from virtuoso_support import MISSING, VIRTUOSO, clear, virtuoso

pytestmark = pytest.mark.skipif(VIRTUOSO is None, reason=MISSING)


def test_the_ontology_graph_is_written_to_an_empty_virtuoso_and_kept_when_current():
    from rdflib import RDF

    from kb.linked_data import ONTOLOGY_GRAPH, ensure_ontology_graph, ontology_graph
    from kb.store import open_store

    v = virtuoso()
    store = open_store(v["sparql"], store_url=v["gsp"])
    clear(store)
    try:
        assert ensure_ontology_graph(store) is True
        local = ontology_graph()
        back = store.get_graph(ONTOLOGY_GRAPH)
        assert len(back) == len(local) > 1000
        assert len(list(back.subject_objects(RDF.type))) == len(list(local.subject_objects(RDF.type)))
        assert ensure_ontology_graph(store) is False  # the stamp matches: not written again
    finally:
        clear(store)


def test_the_virtuoso_behaviour_behind_it():
    """Pinned so docs/store.md stays true: with a named-graph list, ASK over an absent graph is true
    while the same pattern as SELECT has no rows (without a dataset, both are right)."""
    v = virtuoso()
    ask = 'ASK { GRAPH <urn:x-smpc-kb:absent> { ?s ?p ?o } }'
    select = 'SELECT * WHERE { GRAPH <urn:x-smpc-kb:absent> { ?s ?p ?o } }'
    dataset = [("default-graph-uri", "urn:x-smpc-kb:no-graph"), ("named-graph-uri", "urn:x-smpc-kb:no-graph")]
    accept = {"Accept": "application/sparql-results+json"}

    def answer(q, extra=()):
        return requests.post(v["sparql"], data=[("query", q), *extra], headers=accept, timeout=30).json()

    assert answer(ask)["boolean"] is False
    assert answer(ask, dataset)["boolean"] is True  # Virtuoso's answer; SPARQL 1.1 says false
    assert answer(select, dataset)["results"]["bindings"] == []
