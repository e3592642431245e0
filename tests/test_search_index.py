"""Search behaviour: variants, synonyms, phrases, typos, snippets, facets, paging, bad input,
and the index staying in step with the store (ingest, re-ingest, remove, rebuild)."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

try:  # tests/ as a package or as a plain directory
    from .web_fixtures import *  # noqa: F401,F403
except ImportError:
    from web_fixtures import *  # noqa: F401,F403

from kb.rdf.base import SMPC
from kb.search.tantivy_index import TantivyIndex
from kb.search.whoosh_index import BACKENDS, SearchError, SearchIndex, index_for

INDEX_CLASSES = {"whoosh": SearchIndex, "tantivy": TantivyIndex}


@pytest.fixture(scope="module", params=BACKENDS)
def idx(web_kb, request):
    """Every test below runs against each search backend, over the same store."""
    index = index_for(web_kb, request.param)
    index.sync(web_kb)
    return index


def keys(answer):
    return [r["section_key"] for r in answer["results"]]


@pytest.mark.parametrize("a,b", [
    ("anaemia", "anemia"), ("oedema", "edema"), ("haemophagocytic", "hemophagocytic"),
    ("paraesthesia", "paresthesia"), ("leukaemia", "leukemia"), ("tumour", "tumor"),
    ("breast-feeding", "breastfeeding"), ("Breast feeding", "BREAST-FEEDING"), ("hospitalisation", "hospitalization"),
])
def test_spelling_hyphen_and_case_variants_find_the_same_passages(idx, a, b):
    ra, rb = idx.search(a), idx.search(b)
    assert ra["total"] > 0
    assert ra["total"] == rb["total"] and keys(ra) == keys(rb)


@pytest.mark.parametrize("abbr,words", [
    ("CRS", "cytokine release syndrome"), ("TLS", "tumor lysis syndrome"), ("CSF", "cerebrospinal fluid"),
    ("HLH", "lymphohistiocytosis"), ("IEC-HS", "haemophagocytic"), ("CNS", "central nervous system"),
])
def test_abbreviations_from_the_data_file(idx, abbr, words):
    top = idx.search(abbr)["results"][0]
    assert "<mark>" in top["snippet"]
    assert any(w.lower() in (top["snippet"] + top["title"] + (top["heading"] or "")).lower() for w in words.split())


@pytest.mark.parametrize("query,word", [("fever", "pyrexia"), ("seizure", "convulsion"), ("lactation", "milk"),
                                        # lay words a clinician's patient uses: "pins and needles" was corrected to "pens"
                                        ("pins and needles", "paresthesia"), ("shortness of breath", "dyspnea")])
def test_synonyms_bring_passages_with_the_other_word(idx, query, word):
    snippets = " ".join(r["snippet"].lower() for r in idx.search(query, pagesize=50)["results"])
    assert f"<mark>{word}" in snippets


def test_typos_are_corrected_and_reported(idx):
    a = idx.search("pancreatitus")
    assert a["corrections"] == {"pancreatitus": "pancreatitis"}
    assert a["results"][0]["section_key"] == "4.4/pancreatitis"
    assert idx.search("siezure")["corrections"] == {"siezure": "seizure"}


def test_phrase_query_is_stricter_than_words(idx):
    words, phrase = idx.search("live vaccines"), idx.search('"live virus vaccines"')
    assert 0 < phrase["total"] < words["total"]
    assert all("<mark>live</mark> <mark>virus</mark> <mark>vaccines</mark>" in r["snippet"].lower()
               for r in phrase["results"])


def test_result_shape_facets_and_url(idx, label_ref):
    a = idx.search("infusion", pagesize=5)
    assert set(a) >= {"query", "total", "results", "facets"}
    r = a["results"][0]
    assert set(r) >= {"label", "version", "section", "title", "kind", "snippet", "score", "url"}
    assert r["label"] == label_ref.label_id and r["version"] == label_ref.version
    assert r["url"].startswith(f"/labels/{label_ref.label_id}@") and f"/sections/{r['section']}#p-" in r["url"]
    kinds = {f["value"]: f["count"] for f in a["facets"]["kind"]}
    assert sum(kinds.values()) == a["total"] and {"dosing", "warning"} <= set(kinds)
    assert sum(f["count"] for f in a["facets"]["section"]) == a["total"]
    only = idx.search("infusion", kind="warning")
    assert only["total"] == kinds["warning"] and {x["kind"] for x in only["results"]} == {"warning"}
    assert all(x["section"] == "4.4" for x in idx.search("infusion", section="4.4", pagesize=50)["results"])


def test_kind_comes_from_facts(idx):
    assert idx.search("pancreatitis", kind="warning")["results"][0]["fact"].endswith("pancreatitis")
    ar = idx.search("pyrexia", kind="adverse reaction")["results"]
    assert ar and all(r["section"] == "4.8" for r in ar)


def test_paging(idx):
    first, second = idx.search("patients", page=1), idx.search("patients", page=2)
    assert first["pages"] >= 2 and len(first["results"]) == 10
    assert not {r["url"] for r in first["results"]} & {r["url"] for r in second["results"]}
    with pytest.raises(SearchError) as e:
        idx.search("patients", page=first["pages"] + 1)
    assert e.value.status == 404 and "past the last page" in e.value.message


@pytest.mark.parametrize("query,kw,status", [
    ("", {}, 400), ("   ", {}, 400), ("x" * 10_000, {}, 400), ("seizure", {"page": "abc"}, 400),
    ("seizure", {"page": 0}, 400), ("seizure", {"kind": "nonsense"}, 400), ("seizure", {"label": "nope"}, 404),
    ("seizure", {"label": "blincyto@nope"}, 404), ("the and of", {}, 400),
])
def test_bad_input_is_a_4xx_with_a_message(idx, query, kw, status):
    with pytest.raises(SearchError) as e:
        idx.search(query, **kw)
    assert e.value.status == status and e.value.message


@pytest.mark.parametrize("query", ['"unbalanced', 'seizure"', '((', 'AND OR NOT', '*', 'a:b', '\\', '"" ""x'])
def test_odd_syntax_never_crashes(idx, query):
    try:
        idx.search(query)
    except SearchError as e:
        assert 400 <= e.status < 500


def _tiny_graph(label: str, version: str, text: str) -> Graph:
    root = URIRef(f"https://w3id.org/smpc-kb/id/{label}/{version}")
    g = Graph(identifier=root)
    sec, p = URIRef(f"{root}/section/4.4"), URIRef(f"{root}/section/4.4/p1")
    g.add((root, RDF.type, SMPC.LabelVersion))
    g.add((root, SMPC.labelId, Literal(label)))
    g.add((root, SMPC.version, Literal(version)))
    g.add((sec, RDF.type, SMPC.Section))
    g.add((sec, SMPC.sectionKey, Literal("4.4")))
    g.add((sec, SMPC.sectionNumber, Literal("4.4")))
    g.add((sec, DCTERMS.title, Literal("Special warnings")))
    g.add((sec, SMPC.hasPassage, p))
    g.add((p, SMPC.order, Literal(1)))
    g.add((p, SMPC.text, Literal(text)))
    return g


@pytest.mark.parametrize("backend", BACKENDS)
def test_snippets_escape_the_label_text(tmp_path, backend):
    idx = INDEX_CLASSES[backend](tmp_path / "ix")
    idx.update_graph("https://w3id.org/smpc-kb/id/demo/1",
                     _tiny_graph("demo", "1", 'Risk of <script>alert("x")</script> seizure & fits'))
    snip = idx.search("seizure")["results"][0]["snippet"]
    assert "<script>" not in snip and "&lt;script&gt;" in snip and "&amp;" in snip
    assert snip.count("<mark>") == 2  # seizure, fits (a synonym); nothing else is markup


@pytest.mark.parametrize("backend", BACKENDS)
def test_index_follows_the_store(tmp_path, backend):
    """Ingest, re-ingest, remove: the hooks keep the index in step; sync repairs a missed change."""
    from kb.search.whoosh_index import attach
    from kb.service import KnowledgeBase

    kb = KnowledgeBase(tmp_path / "store")
    kb.search_backend = backend
    try:
        idx = attach(kb)
        g1 = _tiny_graph("demo", "1", "Pancreatitis was reported.")
        g1.add((g1.identifier, SMPC.ingestedAt, Literal("2024-01-01T00:00:00Z")))
        kb.store.replace_graph(str(g1.identifier), g1)  # behind the hooks' back
        assert idx.sync(kb)["added"] == 1
        assert idx.search("pancreatitis")["total"] == 1
        gen = idx._current()
        for hook in kb.after_remove:
            hook(kb, kb.resolve("demo@1"))
        kb.store.remove_graph(str(g1.identifier))
        with pytest.raises(SearchError):
            idx.search("pancreatitis", label="demo")
        assert idx._current() == gen  # an update is a commit, not a rebuild
        idx.rebuild([_tiny_graph("demo", "2", "Overdose was reported.")])
        assert idx._current() != gen and idx.search("overdose")["total"] == 1
        assert len(list(idx.dir.glob("gen-*"))) == 1 and idx.dir.is_relative_to(tmp_path / "store" / "search-index")
    finally:
        kb.close()


def test_ingest_updates_the_index_through_the_hook(web_kb, idx, label_ref):
    before = idx.search("dexamethasone")["total"]
    assert before > 0
    assert idx.markers()[label_ref.iri]["version"] == label_ref.version


def test_index_tokens_are_the_analyzer_chain_tokens_on_every_text_of_the_label():
    """The tantivy index is fed tokens made in one loop (kb.search.analysis.index_tokens); a query is
    analysed by the whoosh chain: both must give the same tokens, positions and offsets, on every
    text the index holds for the bundled label and on hyphenated, case-folded and stop-word text."""
    from ingest.pipeline import read_label
    from kb.rdf.build import build_graph
    from kb.search.analysis import index_tokens, load_vocabulary, make_analyzer
    from kb.search.base import TEXT_FIELDS, words_of
    from kb.search.documents import documents
    from kb.service import default_label

    docs = documents(build_graph(read_label(default_label())))
    texts = {str(d.get(k) or "") for d in docs for k in TEXT_FIELDS} | {words_of(d) for d in docs}
    texts |= {"breast-feeding and re-treatment, non-Hodgkin--lymphoma; X-ray of the", "A-B-C the of a an",
              "- -- a- -b", "co-trimoxazole/anti-CD19 T-cell \u2010hyphen\u2011ated", "\u0130stanbul \u0130-x", ""}
    assert len(texts) > 500
    vocab = load_vocabulary()
    for analyzer in (make_analyzer(vocab), make_analyzer(vocab, stem=False)):
        for text in texts:
            chain = [(t.text, t.pos, t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True)]
            assert index_tokens(analyzer, text) == chain, text
