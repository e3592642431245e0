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

import os
import shutil
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from rdflib import Graph
from whoosh import index as windex
from whoosh import query as wq
from whoosh import scoring
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from .rdf_base import SMPC
from .search_analysis import QueryBuilder, load_vocabulary, make_analyzer
from .search_docs import KINDS, documents, set_section_kinds
from .search_latest import latest_markers, read_markers, refresh_latest
from .search_results import SearchError, build_response, damerau, ranked_page

FIELDS = {"title": 3.0, "fact_label": 2.5, "terms": 2.5, "section_title": 1.2, "body": 1.0}
MAX_QUERY_CHARS = 1000
PAGE_SIZE = 10
MARKER = "_label"
LATEST = "latest"  # a second whoosh index in each generation directory: each label's latest version only


def hit_path(label: str, version: str, section: str, anchor: str | None = None) -> str:
    """Web path of a passage: its section page, opened at the passage's anchor."""
    path = f"/labels/{quote(label, safe='')}@{quote(version, safe='')}/sections/{quote(section, safe='')}"
    return path + (f"#{anchor}" if anchor else "")


def _stamp(value) -> str:
    """Ingest time normalised to UTC ISO form (store and graph may print it differently)."""
    if value is None:
        return ""
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat()


class SearchIndex:
    """The search index of one knowledge base, in ``index_dir``."""

    def __init__(self, index_dir: str | Path, vocabulary_file: str | Path | None = None):
        self.dir = Path(index_dir)
        self.vocab = load_vocabulary(vocabulary_file)
        set_section_kinds(self.vocab.section_kinds)
        text = make_analyzer(self.vocab)
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
        self.builder = QueryBuilder(self.vocab, FIELDS)
        self._lock = threading.RLock()
        self._ix = None
        self._latest_ix = None
        self._gen = None
        self._local = threading.local()  # one searcher per thread: whoosh searchers are not thread-safe

    # -- generations ------------------------------------------------------
    def _current(self) -> str | None:
        try:
            return (self.dir / "CURRENT").read_text().strip() or None
        except FileNotFoundError:
            return None

    def _open(self):
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
        with self._lock:
            self.dir.mkdir(parents=True, exist_ok=True)
            gen = f"gen-{time.time_ns()}-{self.vocab.fingerprint}"
            target = self.dir / gen
            target.mkdir()
            ix = windex.create_in(str(target), self.schema)
            n = 0
            with ix.writer(limitmb=256) as w:
                for g in graphs:
                    n += self._add_graph(w, g)
            refresh_latest(ix, windex.create_in(str(target), self.schema, indexname=LATEST), self._add_stored)
            tmp = self.dir / "CURRENT.tmp"
            tmp.write_text(gen)
            os.replace(tmp, self.dir / "CURRENT")
            for old in self.dir.glob("gen-*"):
                if old.name != gen:
                    shutil.rmtree(old, ignore_errors=True)
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
            words = " ".join((d["title"], d["section_title"], d["fact_label"], d["terms"], d["body"]))
            w.add_document(words=words, **{k: v for k, v in d.items() if k in self.schema})
        return len(docs)

    def _add_stored(self, w, fields: dict) -> None:
        """Add a document copied from the stored fields of another index (``words`` is not stored)."""
        if fields.get("kind") != MARKER:
            fields = {**fields, "words": " ".join(str(fields.get(k) or "") for k in
                                                  ("title", "section_title", "fact_label", "terms", "body"))}
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

    def sync(self, kb) -> dict:
        """Bring the index in step with the store: add missing or stale versions, drop removed ones."""
        refs = {r.iri: r for r in kb.labels()}
        if not self.exists():
            self.rebuild(kb.store.get_graph(iri) for iri in refs)
            return {"rebuilt": len(refs), "added": 0, "removed": 0}
        have = self.markers()
        added = removed = 0
        for iri, ref in refs.items():
            if iri not in have or have[iri].get("stamp") != _stamp(ref.ingested_at):
                self.update_graph(iri, kb.store.get_graph(iri))
                added += 1
        for iri in set(have) - set(refs):
            self.update_graph(iri, None)
            removed += 1
        with self._lock:  # an update killed between the two indexes' commits is repaired here
            if self._open() is not None:
                refresh_latest(self._ix, self._open_latest(), self._add_stored)
        return {"rebuilt": 0, "added": added, "removed": removed}

    # -- search ---------------------------------------------------------------
    def searcher(self, latest: bool = False):
        """This thread's searcher (a shared one broke under 50 concurrent requests: "Block tag error")
        of every version, or with ``latest`` of each label's latest version."""
        got = self._thread_searcher(LATEST if latest else None)
        return got[0] if got else None

    def _thread_searcher(self, name: str | None):
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
        if len(word) < 4 or not word.isalpha() or reader.doc_frequency("words", word):
            return None
        maxdist = 2 if len(word) >= 7 else 1
        cands = [(damerau(word, t), -reader.doc_frequency("words", t), t)
                 for t in reader.terms_within("words", word, maxdist + 1, prefix=1)]
        cands = [c for c in cands if c[0] <= maxdist]
        return min(cands)[2] if cands else None

    def _scope(self, markers: dict, label: str | None, all_versions: bool) -> wq.Query | None:
        """Which label versions to search: one named version, a label's latest, or every label's latest."""
        by_label: dict[str, list[dict]] = {}
        for m in markers.values():
            by_label.setdefault(m["label"], []).append(m)
        if label:
            lid, _, version = label.partition("@")
            if lid not in by_label:
                raise SearchError(f"unknown label {lid!r} (known: {', '.join(sorted(by_label)) or 'none'})", 404)
            if version:
                hit = [m for m in by_label[lid] if m["version"] == version]
                if not hit:
                    raise SearchError(f"label {lid!r} has no version {version!r}", 404)
                return wq.Term("graph", hit[0]["graph"])
            by_label = {lid: by_label[lid]}
        if all_versions:
            return wq.Or([wq.Term("label", lid) for lid in by_label]) if label else None
        return wq.Or([wq.Term("graph", m["graph"]) for m in latest_markers(markers, by_label).values()])

    def search(self, text: str | None, *, label: str | None = None, kind: str | None = None,
               section: str | None = None, page: int | str = 1, pagesize: int = PAGE_SIZE,
               all_versions: bool = False) -> dict:
        """Answer ``{"query", "total", "page", "pages", "results", "facets", "corrections"}``."""
        text = (text or "").strip()
        if not text:
            raise SearchError("empty query: type a word or a phrase", 400)
        if len(text) > MAX_QUERY_CHARS:
            raise SearchError(f"query too long ({len(text)} characters; the limit is {MAX_QUERY_CHARS})", 400)
        try:
            page = int(page)
        except (TypeError, ValueError):
            raise SearchError(f"page must be a positive whole number, not {page!r}", 400) from None
        if page < 1:
            raise SearchError(f"page must be 1 or more, not {page}", 400)
        if kind and kind not in KINDS:
            raise SearchError(f"unknown kind {kind!r} (kinds: {', '.join(KINDS)})", 400)
        if self.searcher() is None:
            raise SearchError("the search index is empty: ingest a label first", 404)
        scope = self._scope(self.markers(), label, all_versions)  # also checks the label named
        if not all_versions and "@" not in (label or ""):
            # the default scope: the latest-versions index, whose size does not grow with old versions
            s = self.searcher(latest=True)
            scope = wq.Term("label", label) if label else None
        else:
            s = self.searcher()
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
            facets = {name: _facet(Counter(h.get(name) for h in found), numeric=name == "section")
                      for name in ("label", "kind", "section")}
            narrowed = [h for h in found if (not kind or h.get("kind") == kind)
                        and (not section or h.get("section") == section)]
            hits = ranked_page(narrowed, page, pagesize)
        except ValueError as exc:  # whoosh page past the end, and the like
            raise SearchError(str(exc), 400) from None
        pages = max(1, -(-hits.total // pagesize))
        if page > pages:
            raise SearchError(f"page {page} is past the last page ({pages}) of {hits.total} result(s)", 404)
        return build_response(text, hits, page, pages, facets, corrections, terms, self.builder.stemmed,
                              hit_path, pagesize)


def _facet(counts: Counter, numeric: bool = False) -> list[dict]:
    items = [{"value": k, "count": n} for k, n in counts.items() if k and k != MARKER]
    if numeric:
        return sorted(items, key=lambda i: [int(p) if p.isdigit() else p for p in str(i["value"]).split(".")])
    return sorted(items, key=lambda i: (-i["count"], i["value"]))


_INDEXES: dict[str, SearchIndex] = {}
_INDEXES_LOCK = threading.Lock()


def index_for(kb) -> SearchIndex:
    """The (shared, per-directory) search index of a knowledge base."""
    if kb.index_dir is None:
        raise SearchError("this store has no local search index directory", 501)
    key = str(Path(kb.index_dir).resolve())
    with _INDEXES_LOCK:
        if key not in _INDEXES:
            _INDEXES[key] = SearchIndex(kb.index_dir)
        return _INDEXES[key]


def attach(kb, sync: bool = True) -> SearchIndex | None:
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

    def after_store(_kb, ref, _record, graph):
        idx.update_graph(ref.iri, graph)

    def after_remove(_kb, ref):
        idx.update_graph(ref.iri, None)

    kb.after_store.append(after_store)
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


__all__ = ["SearchIndex", "SearchError", "attach", "search", "index_for", "hit_path", "KINDS"]
