"""The shortcuts of the /sparql request path give what the long way gave.

* answers written from the engine's plain rows are byte for byte the answers written from
  rdflib terms (rdflib normalises typed literals: "01" as an integer reads "1");
* the store fingerprint that lists the directory only when its mtime moved follows every write,
  and does not trust a listing made too soon after a change (a coarse clock tick);
* the tokenizer that takes white space and comments with the next token gives the tokens of the
  one-match-per-token scan.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from kb.sparql import cost
from kb.sparql.results import QueryResult, decode_term
from kb.store import reader_snapshots
from kb.store.local import LocalStore
from kb.store.reader_snapshots import Fingerprinter, store_fingerprint

XSD = "http://www.w3.org/2001/XMLSchema#"
ROOT = Path(__file__).resolve().parent.parent


def _raw_rows() -> list[list[tuple | None]]:
    lits = [
        ("l", "plain", None, None), ("l", "string", XSD + "string", None), ("l", "colour", None, "en-GB"),
        ("l", "01", XSD + "integer", None), ("l", "1.50", XSD + "decimal", None), ("l", "1e0", XSD + "double", None),
        ("l", "1", XSD + "boolean", None), ("l", "2020-01-01T00:00:00Z", XSD + "dateTime", None),
        ("l", "abc", XSD + "integer", None), ("l", "  a   b ", XSD + "token", None),
        ("l", "x", "http://example.org/dt", None), ("l", "9" * 150, XSD + "integer", None),
        ("l", 'tab\there\nnew "line" <&>', None, "de"), ("l", "é ☃ \U0001F600", None, None),
    ]
    rows = []
    for i, lit in enumerate(lits):
        rows.append([("u", f"http://example.org/s{i}"), ("b", f"b{i}"), lit, None if i % 3 else lit])
    return rows


def test_answers_from_plain_rows_are_the_bytes_the_terms_give():
    variables = ["s", "b", "o", "maybe"]
    raw = _raw_rows()
    fast = QueryResult.from_raw({"kind": "select", "variables": variables, "rows": raw})
    slow = QueryResult(kind="select", variables=variables,
                       rows=[{v: decode_term(x) for v, x in zip(variables, r)} for r in raw])
    assert len(fast) == len(slow) == len(raw)
    for write in (QueryResult.to_sparql_json, QueryResult.to_sparql_xml, QueryResult.to_csv, QueryResult.to_tsv):
        assert write(QueryResult.from_raw({"kind": "select", "variables": variables, "rows": raw})) == write(slow)
    assert fast.rows == slow.rows  # the terms are still there when asked for
    assert fast.to_sparql_json() == slow.to_sparql_json()  # and the answer once they were made
    # what rdflib reads an integer written "01" as, in both
    assert b'"value": "1", "datatype": "http://www.w3.org/2001/XMLSchema#integer"' in slow.to_sparql_json()


def test_a_bad_language_tag_fails_as_the_terms_did():
    raw = {"kind": "select", "variables": ["o"], "rows": [[("l", "x", None, "not a tag")]]}
    with pytest.raises(ValueError):
        QueryResult(kind="select", variables=["o"], rows=[{"o": decode_term(raw["rows"][0][0])}])
    with pytest.raises(ValueError):
        QueryResult.from_raw(raw).to_sparql_json()


@pytest.fixture
def store(tmp_path):
    s = LocalStore(str(tmp_path / "store"), workers=1)
    yield s
    s.close()


def _graph(prefix: str, n: int) -> Graph:
    g = Graph()
    for i in range(n):
        g.add((URIRef(f"http://e/{prefix}/{i}"), URIRef("http://e/p"), Literal(f"{prefix} {i}")))
    return g


def _settle(path: str) -> None:
    """The directory's mtime an hour back: as if nothing had changed in it for that long."""
    old = time.time_ns() - 3600 * 10**9
    os.utime(path, ns=(old, old))


def test_fingerprint_follows_every_write_to_a_settled_directory(store):
    store.replace_graph("http://e/g1", _graph("a", 50))
    with store._use(write=True) as handle:
        handle.flush()
    _settle(store.path)
    fingerprint = Fingerprinter(store.path)
    first = fingerprint()
    assert first == store_fingerprint(store.path)
    assert fingerprint() == first  # nothing changed: the same, without a listing
    assert fingerprint._settled is not None

    mtime = os.stat(store.path).st_mtime_ns
    with store._use(write=True) as handle:  # one quad straight into the write-ahead log: no file made
        handle.add(ox.Quad(ox.NamedNode("http://e/x"), ox.NamedNode("http://e/p"), ox.Literal("more"),
                           ox.NamedNode("http://e/g1")))
    assert os.stat(store.path).st_mtime_ns == mtime  # so only the log's size and time tell
    second = fingerprint()
    assert second != first and second == store_fingerprint(store.path)
    assert fingerprint._settled is not None

    store.replace_graph("http://e/g1", _graph("a2", 60))  # kb's own write (its generation file moves too)
    assert fingerprint() == store_fingerprint(store.path) != second

    store.replace_graph("http://e/g2", _graph("b", 50))
    with store._use(write=True) as handle:
        handle.flush()  # new files: the directory's mtime moves
    assert fingerprint() == store_fingerprint(store.path)


def test_a_listing_made_within_the_settling_time_of_a_change_is_not_trusted(store, monkeypatch):
    monkeypatch.setattr(reader_snapshots, "SETTLED_NS", 3600 * 10**9)
    store.replace_graph("http://e/g1", _graph("a", 20))
    fingerprint = Fingerprinter(store.path)
    seen = os.stat(store.path).st_mtime_ns
    assert fingerprint() == store_fingerprint(store.path)
    # a file made in the same clock tick as the listing leaves the directory's mtime where it was
    Path(store.path, "999999.log").write_bytes(b"x")
    os.utime(store.path, ns=(seen, seen))
    assert any(name == "999999.log" for name, _, _ in fingerprint())
    os.remove(Path(store.path, "999999.log"))


def _one_match_per_token(decoded: str) -> list[tuple[str, str]] | None:
    out = []
    for m in cost.TOKEN.finditer(decoded):
        kind = m.lastgroup or "other"
        if kind == "quote":
            return None
        if kind not in ("ws", "comment"):
            out.append((kind, m.group()))
    return out


@pytest.mark.parametrize("text", [
    *[p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs" / "queries").glob("*.rq"))],
    "", "   \n\t ", "# only a comment", "ASK {} # trailing comment", "ASK {}   \n  ", "SELECT * WHERE { ?s ?p 'open",
    "SELECT ?x WHERE { ?x <a#b> \"\"\"long\n# not a comment\"\"\" }#c\n", "x:p.#c\n?y", "'''a''' \"b\" '' \"\"",
])
def test_the_tokenizer_gives_the_tokens_of_the_one_match_per_token_scan(text):
    assert cost.tokens(text) == _one_match_per_token(text)


try:
    from .web_fixtures import app, client, shared_kb  # noqa: F401
except ImportError:
    from web_fixtures import app, client, shared_kb  # noqa: F401


@pytest.mark.parametrize("host, path, base", [
    ("a.example", "/sparql", "http://a.example/"),
    ("b.example:8080", "/sparql", "http://b.example:8080/"),
    ("a.example", "/sparql/", "http://a.example/sparql/"),
    ("a.example", "/sparql", "http://a.example/"),  # again, after the others
])
def test_relative_iris_resolve_against_each_request_url(client, host, path, base):
    """The protocol's base is the endpoint URL of the request at hand (the work is remembered
    per host and path, so a second host or path must not get the first one's)."""
    r = client.get(path, query_string={"query": "SELECT ?x WHERE { BIND(<rel> AS ?x) }"},
                   headers={"Host": host, "Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    assert r.get_json()["results"]["bindings"][0]["x"]["value"] == base + "rel"
