"""A new label version is written in one transaction: an interrupted write leaves nothing behind."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef


def small_graph(iri: str, n: int) -> Graph:
    g = Graph(identifier=URIRef(iri))
    for i in range(n):
        g.add((URIRef(f"{iri}/s{i}"), URIRef("https://example.org/p"), Literal(i)))
    return g


def test_an_interrupted_write_of_a_new_version_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    import kb.store.local as ks

    store = ks.LocalStore(str(tmp_path / "store"))
    try:
        store.replace_graph("https://example.org/g/1", small_graph("https://example.org/g/1", 10))
        real = ks.ox.Quad
        made = {"n": 0}

        def interrupted(*a, **kw):  # Ctrl-C while the bulk loader reads the 500th quad
            made["n"] += 1
            if made["n"] == 500:
                raise KeyboardInterrupt
            return real(*a, **kw)

        monkeypatch.setattr(ks.ox, "Quad", interrupted)
        with pytest.raises(KeyboardInterrupt):
            store.replace_graph("https://example.org/g/2", small_graph("https://example.org/g/2", 1000))
        monkeypatch.undo()
        assert made["n"] == 500
        assert store.graphs() == ["https://example.org/g/1"]
        assert len(store.get_graph("https://example.org/g/1")) == 10
        assert store.replace_graph("https://example.org/g/2", small_graph("https://example.org/g/2", 1000)) == 1000
        assert len(store.get_graph("https://example.org/g/2")) == 1000
        # replacing an existing version swaps its content whole
        store.replace_graph("https://example.org/g/2", small_graph("https://example.org/g/2", 3))
        assert len(store.get_graph("https://example.org/g/2")) == 3
    finally:
        store.close()


def test_a_bad_line_in_a_batch_version_leaves_the_store_as_it_was(tmp_path):
    """The N-Triples path of `kb ingest` with several files: a version whose text breaks off
    half-way is refused whole, the versions stored before stay as they were."""
    import kb.store.local as ks

    store = ks.LocalStore(str(tmp_path / "store"))
    try:
        store.replace_graph("https://example.org/g/1", small_graph("https://example.org/g/1", 10))
        text = small_graph("https://example.org/g/2", 1000).serialize(format="nt")
        with pytest.raises(SyntaxError):
            store.replace_graph_nt("https://example.org/g/2", text + "<https://example.org/broken")
        assert store.graphs() == ["https://example.org/g/1"]
        assert len(store.get_graph("https://example.org/g/1")) == 10
        store.replace_graph_nt("https://example.org/g/2", text)
        assert len(store.get_graph("https://example.org/g/2")) == 1000
    finally:
        store.close()


def test_a_version_is_written_as_the_triples_validation_used(tmp_path):
    """The store holds exactly the graph's triples (literals with datatypes and languages, blank
    nodes) when written from the pyoxigraph triples of the validation."""
    from rdflib import BNode
    from rdflib.namespace import XSD

    import kb.store.local as ks
    from kb.rdf.oxigraph_terms import ox_triples

    g = small_graph("https://example.org/g/3", 5)
    b = BNode()
    g.add((URIRef("https://example.org/g/3/s0"), URIRef("https://example.org/q"), b))
    g.add((b, URIRef("https://example.org/r"), Literal("bonjour", lang="fr")))
    g.add((b, URIRef("https://example.org/r"), Literal("2.5", datatype=XSD.decimal)))
    g.add((b, URIRef("https://example.org/r"), Literal('a "quoted"\nline')))
    store = ks.LocalStore(str(tmp_path / "store"))
    try:
        assert store.replace_graph_triples("https://example.org/g/3", ox_triples(g)) == len(g)
        back = store.get_graph("https://example.org/g/3")
        assert len(back) == len(g)
        assert {t for t in back if not isinstance(t[0], BNode) and not isinstance(t[2], BNode)} == {
            t for t in g if not isinstance(t[0], BNode) and not isinstance(t[2], BNode)}
        assert set(back.objects(None, URIRef("https://example.org/r"))) == {
            Literal("bonjour", lang="fr"), Literal("2.5", datatype=XSD.decimal), Literal('a "quoted"\nline')}
    finally:
        store.close()


def test_a_remote_store_writes_the_validated_triples_its_own_way():
    """A store without the bulk loader (a SPARQL server) gets the triples as a graph, through its
    own replace_graph (a GSP PUT or chunked updates for Virtuoso), not one large INSERT DATA."""
    from kb.rdf.oxigraph_terms import ox_triples
    from kb.store.interface import Store

    class Remote(Store):
        location = "https://sparql.example.org/"

        def __init__(self):
            self.written: tuple | None = None

        def replace_graph(self, iri, graph):
            self.written = (iri, set(graph))
            return len(graph)

    g = small_graph("https://example.org/g/4", 5)
    remote = Remote()
    assert remote.replace_graph_triples("https://example.org/g/4", ox_triples(g)) == 5
    assert remote.written == ("https://example.org/g/4", set(g))
