"""Full-text search over label passages (whoosh, BM25F), kept in step with the store.

* :func:`attach` registers the index on a :class:`kb.service.KnowledgeBase`'s
  ``after_store``/``after_remove`` hooks, so every ingest or removal updates the
  index in the same call (one whoosh commit per label version: readers see the
  old passages or the new ones, never a mix).
* A full rebuild (new index, or the search vocabulary file changed) writes a new
  generation directory and then swaps the ``CURRENT`` pointer file with
  ``os.replace`` -- an atomic switch for every reader.
* One marker document per label version records its ingest time, so
  :meth:`SearchIndex.sync` can tell which versions are missing or stale.
"""
from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

from typing import TYPE_CHECKING

from rdflib import Graph

from kb.rdf.base import SMPC
from kb.search.analysis import make_analyzer
from kb.search.backends import BACKENDS, DEFAULT_BACKEND
from kb.search.base import (
    MARKER,
    PAGE_SIZE,
    SearchBase,
    check_request,
    correction,
    facet,
    pages_of,
    resolve_scope,
    stamp,
    words_of,
)
from kb.search.documents import KINDS, documents
from kb.search.latest import read_markers, refresh_latest
from kb.search.results import SearchError, build_response, hit_path, ranked_page

if TYPE_CHECKING:
    from whoosh import query as wq

# whoosh itself is imported where the whoosh backend uses it: `kb ingest` with the default
# backend (tantivy) reaches this module for attach() and index_for() only (whoosh.index, .query
# and .fields took 30 ms of its start)

_stamp = stamp  # the name the benchmarks import
LATEST = "latest"  # a second whoosh index in each generation directory: each label's latest version only


class SearchIndex(SearchBase):
    """The whoosh search index of one knowledge base, in ``index_dir``."""

    backend = "whoosh"

    def __init__(self, index_dir: str | Path, vocabulary_file: str | Path | None = None):
        from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

        super().__init__(index_dir, vocabulary_file)
        text = self.stemmed
        self.schema = Schema(
            id=ID(stored=True, unique=True), graph=ID(stored=True), label=ID(stored=True),
            version=ID(stored=True), label_title=STORED, section=ID(stored=True, sortable=True),
            section_key=ID(stored=True), kind=ID(stored=True, sortable=True), fact=ID(stored=True),
            title=TEXT(analyzer=text, stored=True), section_title=TEXT(analyzer=text, stored=True),
            fact_label=TEXT(analyzer=text, stored=True), terms=TEXT(analyzer=text, stored=True),
            body=TEXT(analyzer=text, stored=True), words=TEXT(analyzer=make_analyzer(self.vocab, stem=False)),
            passage_kind=STORED, order=NUMERIC(stored=True, sortable=True), anchor=STORED, line=STORED,
            stamp=STORED, version_date=STORED,
        )
        self._lock = threading.RLock()
        self._ix = None
        self._latest_ix = None
        self._gen = None
        self._local = threading.local()  # one searcher per thread: whoosh searchers are not thread-safe

    # -- generations ------------------------------------------------------
    def _open(self):
        from whoosh import index as windex

        gen = self._current()
        if gen is None:
            return None
        if self._ix is None or gen != self._gen:
            self._ix = windex.open_dir(str(self.dir / gen), schema=self.schema)
            self._latest_ix = None
            self._gen = gen
        return self._ix

    def _open_latest(self):
        """The latest-versions index of the open generation (made and filled if an older index lacks it)."""
        from whoosh import index as windex

        if self._latest_ix is None:
            path = str(self.dir / self._gen)
            if windex.exists_in(path, indexname=LATEST):
                self._latest_ix = windex.open_dir(path, indexname=LATEST, schema=self.schema)
            else:
                self._latest_ix = windex.create_in(path, self.schema, indexname=LATEST)
                refresh_latest(self._ix, self._latest_ix, self._add_stored)
        return self._latest_ix

    def exists(self) -> bool:
        gen = self._current()
        if gen is None or not gen.endswith(self.vocab.fingerprint):
            return False
        return (self.dir / gen).is_dir()

    def rebuild(self, graphs) -> int:
        """Index ``graphs`` (iterable of rdflib graphs) into a new generation and switch to it."""
        from whoosh import index as windex

        with self._lock:
            gen, target = self._new_generation()
            ix = windex.create_in(str(target), self.schema)
            n = 0
            with ix.writer(limitmb=256) as w:
                for g in graphs:
                    n += self._add_graph(w, g)
            refresh_latest(ix, windex.create_in(str(target), self.schema, indexname=LATEST), self._add_stored)
            self._publish(gen)
            self._open()
            return n

    def _add_graph(self, w, g: Graph) -> int:
        docs = documents(g)
        root = g.identifier if (g.identifier, None, None) in g else next(iter(g.subjects(SMPC.labelId, None)), None)
        at = g.value(root, SMPC.ingestedAt)
        date = g.value(root, SMPC.versionDate)
        label, version = g.value(root, SMPC.labelId), g.value(root, SMPC.version)
        if label is None:
            return 0
        marker = {"graph": str(root), "label": str(label), "version": str(version), "stamp": _stamp(at),
                  "version_date": str(date or "")}
        return self.add_documents(w, marker, docs)

    def add_documents(self, w, marker: dict, docs: list[dict]) -> int:
        """Add one label version's marker and passage documents with an open writer."""
        w.add_document(id=f"{MARKER}:{marker['graph']}", kind=MARKER, label_title=marker["label"], **marker)
        for d in docs:
            w.add_document(words=words_of(d), **{k: v for k, v in d.items() if k in self.schema})
        return len(docs)

    def add_versions(self, versions) -> int:
        """Add (or replace) many label versions, given as (marker, documents) pairs, in one commit."""
        with self._lock:
            if not self.exists():
                self.rebuild([])
            ix = self._open()
            n = 0
            with ix.writer(limitmb=256, timeout=30.0) as w:
                for marker, docs in versions:
                    w.delete_by_term("graph", marker["graph"])
                    n += self.add_documents(w, marker, docs)
            refresh_latest(ix, self._open_latest(), self._add_stored)
            return n

    def _add_stored(self, w, fields: dict) -> None:
        """Add a document copied from the stored fields of another index (``words`` is not stored)."""
        if fields.get("kind") != MARKER:
            fields = {**fields, "words": words_of(fields)}
        w.add_document(**fields)

    # -- updates (hooks) ----------------------------------------------------
    def update_graph(self, graph_iri: str, g: Graph | None) -> None:
        """Replace (or with ``g=None`` remove) one label version's documents in one commit."""
        with self._lock:
            ix = self._open() if self.exists() else None
            if ix is None:
                self.rebuild([g] if g is not None else [])
                return
            with ix.writer(timeout=30.0) as w:
                w.delete_by_term("graph", str(graph_iri))
                if g is not None:
                    self._add_graph(w, g)
            refresh_latest(ix, self._open_latest(), self._add_stored)

    def markers(self) -> dict[str, dict]:
        """Indexed label versions: graph IRI -> {label, version, stamp, version_date} (read once per
        searcher, i.e. once per index change, not per search)."""
        got = self._thread_searcher(None)
        if got is None:
            return {}
        s, memo = got
        if "markers" not in memo:
            memo["markers"] = read_markers(s)
        return memo["markers"]

    def repair(self) -> None:
        with self._lock:  # an update killed between the two indexes' commits is repaired here
            if self._open() is not None:
                refresh_latest(self._ix, self._open_latest(), self._add_stored)

    # -- search ---------------------------------------------------------------
    def searcher(self, latest: bool = False):
        """This thread's searcher (a shared one broke under 50 concurrent requests: "Block tag error")
        of every version, or with ``latest`` of each label's latest version."""
        got = self._thread_searcher(LATEST if latest else None)
        return got[0] if got else None

    def _thread_searcher(self, name: str | None):
        from whoosh import scoring

        with self._lock:
            ix = self._open() if self.exists() else None
            if ix is not None and name == LATEST:
                ix = self._open_latest()
            gen = self._gen
        if ix is None:
            return None
        mine = self._local.__dict__.setdefault("searchers", {})
        hit = mine.get(name)
        if hit is None or hit[0] != gen or not hit[1].up_to_date():
            # a new searcher, not refresh(): whoosh's refresh fails on an empty reader; the old one
            # may still be in use further up this thread's stack, so it is left to the collector
            mine[name] = hit = (gen, ix.searcher(weighting=scoring.BM25F(B=0.75, K1=1.2)), {})
        return hit[1], hit[2]

    def _correct(self, reader, word: str) -> str | None:
        return correction(word, lambda w: reader.doc_frequency("words", w),
                          lambda first: ((t, reader.doc_frequency("words", t))
                                         for t in reader.terms_within("words", word, 3 if len(word) >= 7 else 2, prefix=1)))

    def search(self, text: str | None, *, label: str | None = None, kind: str | None = None,
               section: str | None = None, page: int | str = 1, pagesize: int = PAGE_SIZE,
               all_versions: bool = False) -> dict:
        """Answer ``{"query", "total", "page", "pages", "results", "facets", "corrections"}``."""
        from whoosh import query as wq

        text, page = check_request(text, page, kind)
        if self.searcher() is None:
            raise SearchError("the search index is empty: ingest a label first", 404)
        where = resolve_scope(self.markers(), label, all_versions)  # also checks the label named
        scope: wq.Query | None = None
        if where.latest:
            # the default scope: the latest-versions index, whose size does not grow with old versions
            s = self.searcher(latest=True)
        else:
            s = self.searcher()
            scope = wq.Term("graph", where.graph) if where.graph else None
        if where.label:
            scope = wq.Term("label", where.label)
        units = self.builder.units(text, correct=lambda w: self._correct(s.reader(), w))
        q, terms = self.builder.build(units)
        corrections = {u.text: u.corrected for u in units if u.corrected}
        if q is None:
            raise SearchError("the query has only common words (like 'the', 'and'): add a more specific word", 400)
        try:
            # one pass: every hit in scope scored; facets counted from those hits, then narrowed by
            # kind and section, ranked and paged (whoosh's page total counted documents the phrase
            # check and the mask later rejected: "8 passages" above no result)
            found = list(s.search(q, filter=scope, mask=wq.Term("kind", MARKER), limit=None))
            facets = {name: facet(Counter(h.get(name) for h in found), numeric=name == "section")
                      for name in ("label", "kind", "section")}
            narrowed = [h for h in found if (not kind or h.get("kind") == kind)
                        and (not section or h.get("section") == section)]
            hits = ranked_page(narrowed, page, pagesize)
        except ValueError as exc:  # whoosh page past the end, and the like
            raise SearchError(str(exc), 400) from None
        pages = pages_of(hits.total, page, pagesize)
        return build_response(text, hits, page, pages, facets, corrections, terms, self.builder.stemmed,
                              hit_path, pagesize)



_INDEXES: dict[tuple[str, str], SearchBase] = {}
_INDEXES_LOCK = threading.Lock()


def backend_of(kb, backend: str | None = None) -> str:
    """The search backend: ``backend``, else the knowledge base's ``search_backend`` attribute (set
    from the SEARCH_BACKEND setting), else the default."""
    name = backend or getattr(kb, "search_backend", None) or DEFAULT_BACKEND
    if name not in BACKENDS:
        raise SearchError(f"unknown search backend {name!r} (backends: {', '.join(BACKENDS)})", 400)
    return name


def index_for(kb, backend: str | None = None) -> SearchBase:
    """The (shared, per-directory and backend) search index of a knowledge base."""
    if kb.index_dir is None:
        raise SearchError("this store has no local search index directory", 501)
    backend = backend_of(kb, backend)
    key = (str(Path(kb.index_dir).resolve()), backend)
    with _INDEXES_LOCK:
        if key not in _INDEXES:
            if backend == "tantivy":
                from kb.search.tantivy_index import TantivyIndex

                _INDEXES[key] = TantivyIndex(kb.index_dir)
            else:
                _INDEXES[key] = SearchIndex(kb.index_dir)
        return _INDEXES[key]


class IndexHook:
    """The after-store hook of a knowledge base's search index: called after the version is
    stored, it updates the index; an ingest may call ``prepare`` first, while the store writes
    (kb.service.KnowledgeBase.write_version), and commit the returned update after the write."""

    def __init__(self, idx: SearchBase):
        self.idx = idx

    def __call__(self, _kb, ref, _record, graph) -> None:
        self.idx.update_graph(ref.iri, graph)

    def prepare(self, _kb, ref, _record, graph):
        return self.idx.prepare_update(ref.iri, graph)


def attach(kb, sync: bool = True) -> SearchBase | None:
    """Keep ``kb``'s search index in step with its store through the ingest/remove hooks.

    ``sync`` (once per KnowledgeBase) reconciles the index with the store first: an ingest or
    removal killed between the store write and the index commit leaves the index behind the
    store, and opening the index for a search (``kb search``, ``kb serve`` at start) repairs it."""
    if kb.index_dir is None:
        return None
    idx = index_for(kb)
    if getattr(kb, "_search_attached", False):
        if sync and not getattr(kb, "_search_synced", False):  # attached earlier without reconciling
            idx.sync(kb)
            kb._search_synced = True
        return idx

    def after_remove(_kb, ref):
        idx.update_graph(ref.iri, None)

    kb.after_store.append(IndexHook(idx))
    kb.after_remove.append(after_remove)
    kb._search_attached = True
    if sync:
        idx.sync(kb)
        kb._search_synced = True
    return idx


def search(kb, text: str, **kwargs) -> dict:
    """Search ``kb`` (attaching and syncing its index on first use)."""
    idx = attach(kb)
    return idx.search(text, **kwargs)


__all__ = ["SearchIndex", "SearchError", "IndexHook", "attach", "search", "index_for", "hit_path", "KINDS", "BACKENDS",
           "DEFAULT_BACKEND", "backend_of"]
