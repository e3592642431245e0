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
    import kb.store as ks

    store = ks.LocalStore(str(tmp_path / "store"))
    try:
        store.replace_graph("https://example.org/g/1", small_graph("https://example.org/g/1", 10))
        real = ks.ox.parse

        def interrupted(*a, **kw):
            for i, t in enumerate(real(*a, **kw)):
                if i == 500:
                    raise KeyboardInterrupt
                yield t

        monkeypatch.setattr(ks.ox, "parse", interrupted)
        with pytest.raises(KeyboardInterrupt):
            store.replace_graph("https://example.org/g/2", small_graph("https://example.org/g/2", 1000))
        monkeypatch.undo()
        assert store.graphs() == ["https://example.org/g/1"]
        assert len(store.get_graph("https://example.org/g/1")) == 10
        assert store.replace_graph("https://example.org/g/2", small_graph("https://example.org/g/2", 1000)) == 1000
        assert len(store.get_graph("https://example.org/g/2")) == 1000
        # replacing an existing version swaps its content whole
        store.replace_graph("https://example.org/g/2", small_graph("https://example.org/g/2", 3))
        assert len(store.get_graph("https://example.org/g/2")) == 3
    finally:
        store.close()
