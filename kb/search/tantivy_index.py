"""The tantivy search backend: the same documents, analysis, queries and answers as the whoosh
index (:mod:`kb.search.whoosh_index`), in an index whose cost does not grow with the stored versions.

* Text is analysed in Python by the same analyzer chain as whoosh (spelling variants, hyphen
  compounds, stems) and handed to tantivy pre-tokenized, so both backends match the same words;
  the user's query is built by the same :class:`~kb.search.analysis.QueryBuilder` and translated.
* The default scope (each label's latest version) is a set of graph terms intersected with the
  query inside tantivy, so old versions' postings are skipped, not walked. Facets and the count
  come from one aggregation pass over the matches; the page from one top-k pass.
* One generation directory per full rebuild, switched atomically through ``CURRENT`` as in the
  whoosh index; an update is one tantivy commit (readers see the old passages or the new ones).
  Another process's commit is seen at the next search (the reader reloads when ``meta.json``
  changes).
"""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import tantivy

from kb.search.base import (
    MARKER,
    PAGE_SIZE,
    TEXT_FIELDS,
    PendingUpdate,
    SearchBase,
    check_request,
    correction,
    facet,
    pages_of,
    resolve_scope,
    stamp,
    words_of,
)
from kb.search.analysis import index_tokens
from kb.search.documents import documents
from kb.search.latest import latest_markers
from kb.search.results import SearchError, build_response, hit_path

SUBDIR = "tantivy"
Q = tantivy.Query
MUST, SHOULD, MUST_NOT = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot
TABLE_ROW_WEIGHT = 0.5  # as PASSAGE_WEIGHT in kb.search.results: a table entry ranks below a paragraph


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    for name in ("graph", "label", "kind", "section"):
        sb.add_text_field(name, fast=True, tokenizer_name="raw")
    sb.add_text_field("passage_kind", tokenizer_name="raw")
    for name in (*TEXT_FIELDS, "words"):
        sb.add_text_field(name, tokenizer_name="raw")  # given pre-tokenized
    sb.add_bytes_field("data", stored=True)  # the document's stored fields, as JSON
    return sb.build()


class _Hit:
    def __init__(self, fields: dict, score: float):
        self._fields, self.score = fields, score

    def fields(self) -> dict:
        return self._fields


class TantivyIndex(SearchBase):
    """The tantivy search index of one knowledge base, in ``index_dir/tantivy``."""

    backend = "tantivy"

    def __init__(self, index_dir: str | Path, vocabulary_file: str | Path | None = None):
        super().__init__(Path(index_dir) / SUBDIR, vocabulary_file)
        self.schema = _schema()
        self._lock = threading.RLock()
        self._state: tuple | None = None  # (generation, meta.json mtime, index, searcher, memo)

    # -- generations and readers ---------------------------------------------
    def exists(self) -> bool:
        gen = self._current()
        return gen is not None and gen.endswith(self.vocab.fingerprint) and (self.dir / gen).is_dir()

    def _reader(self):
        """(searcher, memo) of the current commit, reloaded when this or another process committed."""
        gen = self._current()
        if gen is None or not gen.endswith(self.vocab.fingerprint):
            return None
        try:
            mtime = os.stat(self.dir / gen / "meta.json").st_mtime_ns
        except FileNotFoundError:
            return None
        with self._lock:
            st = self._state
            if st is None or st[0] != gen:
                ix = tantivy.Index(self.schema, path=str(self.dir / gen), reuse=True)
            elif st[1] != mtime:
                ix = st[2]
                ix.reload()
            else:
                return st[3], st[4]
            self._state = st = (gen, mtime, ix, ix.searcher(), {})
            return st[3], st[4]

    def searcher(self, latest: bool = False):
        got = self._reader()
        return got[0] if got else None

    # -- writing ----------------------------------------------------------------
    def _writer(self, ix, heap: int = 50_000_000, timeout: float = 30.0):
        """The index writer (one process at a time: wait for another's commit to end)."""
        stop = time.monotonic() + timeout
        while True:
            try:
                return ix.writer(heap, 1)
            except ValueError as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > stop:
                    raise
                time.sleep(0.05)

    def _tokens(self, analyzer, text: str, memo: dict) -> tantivy.PreTokenizedString:
        key = (id(analyzer), text)
        got = memo.get(key)
        if got is None:
            toks = [tantivy.Token(*t) for t in index_tokens(analyzer, text)]
            got = memo[key] = toks
        return tantivy.PreTokenizedString(text, got)

    def _add(self, w, marker: dict, docs: list[dict], memo: dict) -> int:
        for doc in self._documents(marker, docs, memo):
            w.add_document(doc)
        return len(docs)

    def _documents(self, marker: dict, docs: list[dict], memo: dict) -> list[tantivy.Document]:
        """The marker and passage documents of one label version, analysed (the Python part of
        indexing: no writer, no lock)."""
        m = tantivy.Document()
        for k in ("graph", "label"):
            m.add_text(k, marker[k])
        m.add_text("kind", MARKER)
        m.add_bytes("data", json.dumps({**marker, "kind": MARKER}).encode())
        out = [m]
        for d in docs:
            doc = tantivy.Document()
            for k in ("graph", "label", "kind", "section"):
                doc.add_text(k, str(d.get(k) or ""))
            doc.add_text("passage_kind", str(d.get("passage_kind") or ""))
            for k in TEXT_FIELDS:
                doc.add_pre_tokenized_text(k, self._tokens(self.stemmed, str(d.get(k) or ""), memo))
            doc.add_pre_tokenized_text("words", self._tokens(self.plain, words_of(d), memo))
            doc.add_bytes("data", json.dumps(d).encode())
            out.append(doc)
        return out

    @staticmethod
    def _marker(g) -> tuple[dict | None, list[dict]]:
        from kb.rdf.base import SMPC

        root = g.identifier if (g.identifier, None, None) in g else next(iter(g.subjects(SMPC.labelId, None)), None)
        label, version = g.value(root, SMPC.labelId), g.value(root, SMPC.version)
        if label is None:
            return None, []
        return ({"graph": str(root), "label": str(label), "version": str(version),
                 "stamp": stamp(g.value(root, SMPC.ingestedAt)),
                 "version_date": str(g.value(root, SMPC.versionDate) or "")}, documents(g))

    def rebuild(self, graphs) -> int:
        """Index ``graphs`` (iterable of rdflib graphs) into a new generation and switch to it."""
        with self._lock:
            gen, target = self._new_generation()
            ix = tantivy.Index(self.schema, path=str(target))
            w = self._writer(ix, heap=200_000_000)
            n, memo = 0, {}  # type: tuple[int, dict]
            for g in graphs:
                marker, docs = self._marker(g)
                if marker is not None:
                    n += self._add(w, marker, docs, memo)
            w.commit()
            w.wait_merging_threads()
            self._publish(gen)
            return n

    def add_versions(self, versions) -> int:
        """Add (or replace) many label versions, given as (marker, documents) pairs, in one commit."""
        with self._lock:
            if not self.exists():
                self.rebuild([])
            ix = tantivy.Index(self.schema, path=str(self.dir / str(self._current())), reuse=True)
            w = self._writer(ix, heap=200_000_000)
            n, memo = 0, {}  # type: tuple[int, dict]
            for marker, docs in versions:
                w.delete_documents_by_term("graph", marker["graph"])
                n += self._add(w, marker, docs, memo)
            w.commit()
            w.wait_merging_threads()
            return n

    def update_graph(self, graph_iri: str, g) -> None:
        """Replace (or with ``g=None`` remove) one label version's documents in one commit."""
        self.prepare_update(graph_iri, g).commit()

    def prepare_update(self, graph_iri: str, g) -> PendingUpdate:
        """:meth:`update_graph` in two steps: the documents are analysed now (pure Python: an
        ingest does it while the store writes the version), and written and committed by the
        returned update's ``commit()``; until then the index is untouched and no lock is held."""
        marker, docs = self._marker(g) if g is not None else (None, [])
        prepared = self._documents(marker, docs, {}) if marker is not None else []
        return PendingUpdate(lambda: self._write(str(graph_iri), prepared))

    def _write(self, graph_iri: str, prepared: list) -> None:
        with self._lock:
            if not self.exists():  # as rebuild(): a new generation, switched to after the commit
                gen, target = self._new_generation()
                w = self._writer(tantivy.Index(self.schema, path=str(target)), heap=200_000_000)
            else:
                gen = None
                ix = tantivy.Index(self.schema, path=str(self.dir / str(self._current())), reuse=True)
                w = self._writer(ix)
                w.delete_documents_by_term("graph", graph_iri)
            for doc in prepared:
                w.add_document(doc)
            w.commit()
            w.wait_merging_threads()
            if gen is not None:
                self._publish(gen)

    # -- reading -----------------------------------------------------------------
    def markers(self) -> dict[str, dict]:
        """Indexed label versions: graph IRI -> marker fields (read once per commit, not per search)."""
        got = self._reader()
        return self._markers(*got) if got else {}

    def _markers(self, s, memo: dict) -> dict[str, dict]:
        if "markers" not in memo:
            q = Q.term_query(self.schema, "kind", MARKER)
            n = s.doc_freq("kind", MARKER)
            docs = [json.loads(s.doc(a)["data"][0]) for _, a in s.search(q, max(1, n), count=False).hits]
            memo["markers"] = {d["graph"]: d for d in docs}
        return memo["markers"]

    def _translate(self, q):
        """A whoosh query from the QueryBuilder as the tantivy query that matches the same terms."""
        from whoosh import query as wq

        if isinstance(q, wq.Term):
            out = Q.term_query(self.schema, q.fieldname, q.text)
        elif isinstance(q, wq.Phrase):  # whoosh's slop 1 is adjacent words; tantivy's is 0
            out = Q.phrase_query(self.schema, q.fieldname, list(q.words), max(0, q.slop - 1))
        elif isinstance(q, (wq.And, wq.Or)):
            occur = MUST if isinstance(q, wq.And) else SHOULD
            out = Q.boolean_query([(occur, self._translate(sub)) for sub in q.subqueries])
        else:
            raise TypeError(f"no tantivy form for {type(q).__name__}")
        boost = getattr(q, "boost", 1.0)
        return Q.boost_query(out, boost) if boost != 1.0 else out

    def _term(self, field: str, value: str):
        return Q.const_score_query(Q.term_query(self.schema, field, value), 0.0)

    def search(self, text: str | None, *, label: str | None = None, kind: str | None = None,
               section: str | None = None, page: int | str = 1, pagesize: int = PAGE_SIZE,
               all_versions: bool = False) -> dict:
        """Answer ``{"query", "total", "page", "pages", "results", "facets", "corrections"}``."""
        text, page = check_request(text, page, kind)
        got = self._reader()
        if got is None:
            raise SearchError("the search index is empty: ingest a label first", 404)
        s, memo = got
        markers = self._markers(s, memo)
        where = resolve_scope(markers, label, all_versions)  # also checks the label named
        units = self.builder.units(text, correct=lambda w: correction(
            w, lambda t: s.doc_freq("words", t), lambda first: s.terms_with_prefix("words", first)))
        q, terms = self.builder.build(units)
        corrections = {u.text: u.corrected for u in units if u.corrected}
        if q is None:
            raise SearchError("the query has only common words (like 'the', 'and'): add a more specific word", 400)
        clauses = [(MUST, self._translate(q)), (MUST_NOT, self._term("kind", MARKER))]
        if where.graph:
            clauses.append((MUST, self._term("graph", where.graph)))
        elif where.latest:
            key = ("latest", where.label)
            if key not in memo:
                memo[key] = [m["graph"] for m in latest_markers(markers).values()
                             if not where.label or m["label"] == where.label]
            graphs = Q.term_set_query(self.schema, "graph", memo[key])
            clauses.append((MUST, Q.const_score_query(graphs, 0.0)))
        elif where.label:
            clauses.append((MUST, self._term("label", where.label)))
        matched = Q.boolean_query(clauses)
        agg = {name: {"terms": {"field": name, "size": 100_000}} for name in ("label", "kind", "section")}
        buckets = s.aggregate(matched, agg)
        facets = {name: facet({b["key"]: b["doc_count"] for b in buckets.get(name, {}).get("buckets", [])},
                              numeric=name == "section") for name in agg}
        narrowed = clauses + [(MUST, self._term(k, v)) for k, v in (("kind", kind), ("section", section)) if v]
        table_row = self._term("passage_kind", "table-row")
        ranked = Q.boolean_query([
            (SHOULD, Q.boolean_query(narrowed + [(MUST_NOT, table_row)])),
            (SHOULD, Q.boost_query(Q.boolean_query(narrowed + [(MUST, table_row)]), TABLE_ROW_WEIGHT)),
        ])
        found = s.search(ranked, pagesize, count=True, offset=(page - 1) * pagesize)
        pages = pages_of(found.count, page, pagesize)
        hits = [_Hit(json.loads(s.doc(a)["data"][0]), score) for score, a in found.hits]
        hits_page = _Page(hits, found.count)
        return build_response(text, hits_page, page, pages, facets, corrections, terms, self.builder.stemmed,
                              hit_path, pagesize)


class _Page(list):
    def __init__(self, hits, total: int):
        super().__init__(hits)
        self.total = total
