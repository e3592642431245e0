"""What every search backend shares: the vocabulary and query builder, request checks, the
scope of a request, typo correction and keeping an index in step with the store.

A backend (:class:`kb.search.whoosh_index.SearchIndex` for whoosh, :class:`kb.search.tantivy_index.TantivyIndex`)
implements ``exists``, ``rebuild``, ``update_graph``, ``markers`` and ``search``; the web layer,
the CLI and the ingest hooks only use those.
"""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from kb.search.analysis import QueryBuilder, load_vocabulary, make_analyzer
from kb.search.documents import KINDS, set_section_kinds
from kb.search.latest import latest_markers
from kb.search.results import SearchError, damerau

FIELDS = {"title": 3.0, "fact_label": 2.5, "terms": 2.5, "section_title": 1.2, "body": 1.0}
TEXT_FIELDS = tuple(FIELDS)
MAX_QUERY_CHARS = 1000
PAGE_SIZE = 10
MARKER = "_label"


def stamp(value) -> str:
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


def words_of(fields: dict) -> str:
    """The text of a passage's weighted fields, for the unstemmed ``words`` field (typo correction)."""
    return " ".join(str(fields.get(k) or "") for k in TEXT_FIELDS)


@dataclass(frozen=True)
class Scope:
    """Which label versions a request searches: one ``graph``; or every version (``latest`` false)
    or each label's latest version (``latest`` true), of one ``label`` or of all labels."""

    graph: str | None = None
    label: str | None = None
    latest: bool = False


def resolve_scope(markers: dict[str, dict], label: str | None, all_versions: bool) -> Scope:
    """The scope of a request, checking the label (and version) it names against the index."""
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
            return Scope(graph=hit[0]["graph"])
        return Scope(label=lid, latest=not all_versions)
    return Scope(latest=not all_versions)


MAX_PAGE = 100_000  # the highest page number asked of a search engine


def check_request(text: str | None, page, kind: str | None) -> tuple[str, int]:
    """The query text and page number, or a SearchError saying what is wrong with them."""
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
    if page > MAX_PAGE:  # past any index's last page; the engines' offsets are bounded integers
        raise SearchError(f"page {page} is past the last page (at most {MAX_PAGE})", 404)
    if kind and kind not in KINDS:
        raise SearchError(f"unknown kind {kind!r} (kinds: {', '.join(KINDS)})", 400)
    return text, page


def pages_of(total: int, page: int, pagesize: int) -> int:
    pages = max(1, -(-total // pagesize))
    if page > pages:
        raise SearchError(f"page {page} is past the last page ({pages}) of {total} result(s)", 404)
    return pages


def correction(word: str, known, candidates) -> str | None:
    """The indexed word nearest ``word`` (1 edit, 2 from 7 letters), when ``word`` itself is not
    indexed: ``known(word)`` is its document frequency, ``candidates(first letter)`` yields
    (word, document frequency) pairs."""
    if len(word) < 4 or not word.isalpha() or known(word):
        return None
    maxdist = 2 if len(word) >= 7 else 1
    cands = [(d, -freq, t) for t, freq in candidates(word[0])
             if abs(len(t) - len(word)) <= maxdist and (d := damerau(word, t)) <= maxdist]
    return min(cands)[2] if cands else None


def facet(counts: dict, numeric: bool = False) -> list[dict]:
    items = [{"value": k, "count": n} for k, n in counts.items() if k and k != MARKER]
    if numeric:
        return sorted(items, key=lambda i: [int(p) if p.isdigit() else p for p in str(i["value"]).split(".")])
    return sorted(items, key=lambda i: (-i["count"], i["value"]))


class PendingUpdate:
    """An index update prepared and not yet written: ``commit()`` writes it (once);
    ``discard()`` drops it (the index stays as it was)."""

    def __init__(self, write):
        self._write = write

    def commit(self) -> None:
        write, self._write = self._write, None
        if write is not None:
            write()

    def discard(self) -> None:
        self._write = None


class SearchBase:
    """Vocabulary, analyzers and query builder of one index directory; store reconciliation."""

    backend = ""

    def __init__(self, index_dir: str | Path, vocabulary_file: str | Path | None = None):
        self.dir = Path(index_dir)
        self.vocab = load_vocabulary(vocabulary_file)
        set_section_kinds(self.vocab.section_kinds)
        self.builder = QueryBuilder(self.vocab, FIELDS)
        self.stemmed = make_analyzer(self.vocab)
        self.plain = make_analyzer(self.vocab, stem=False)

    # -- generations: one directory per full rebuild, switched atomically through CURRENT --------
    def _current(self) -> str | None:
        try:
            return (self.dir / "CURRENT").read_text().strip() or None
        except FileNotFoundError:
            return None

    def _new_generation(self) -> tuple[str, Path]:
        """A fresh, empty generation directory (named for this vocabulary), not yet current."""
        self.dir.mkdir(parents=True, exist_ok=True)
        gen = f"gen-{time.time_ns()}-{self.vocab.fingerprint}"
        (self.dir / gen).mkdir()
        return gen, self.dir / gen

    def _publish(self, gen: str) -> None:
        """Make ``gen`` the current generation (one atomic rename) and delete the others."""
        tmp = self.dir / "CURRENT.tmp"
        tmp.write_text(gen)
        os.replace(tmp, self.dir / "CURRENT")
        for old in self.dir.glob("gen-*"):
            if old.name != gen:
                shutil.rmtree(old, ignore_errors=True)

    def exists(self) -> bool:
        raise NotImplementedError

    def rebuild(self, graphs) -> int:
        raise NotImplementedError

    def update_graph(self, graph_iri: str, g) -> None:
        raise NotImplementedError

    def prepare_update(self, graph_iri: str, g) -> PendingUpdate:
        """:meth:`update_graph`, deferred to the returned update's ``commit()`` (a backend that can
        analyse the documents beforehand does so here)."""
        return PendingUpdate(lambda: self.update_graph(graph_iri, g))

    def markers(self) -> dict[str, dict]:
        raise NotImplementedError

    def search(self, text: str | None, *, label: str | None = None, kind: str | None = None,
               section: str | None = None, page: int | str = 1, pagesize: int = PAGE_SIZE,
               all_versions: bool = False) -> dict:
        raise NotImplementedError

    def latest_graphs(self, label: str | None = None) -> list[str]:
        """The graph IRI of each label's latest indexed version (of ``label`` only, if given)."""
        markers = self.markers()
        if label:
            markers = {k: m for k, m in markers.items() if m["label"] == label}
        return sorted(m["graph"] for m in latest_markers(markers).values())

    def repair(self) -> None:
        """Mend what an update killed half-way may have left (nothing to do by default)."""

    def sync(self, kb) -> dict:
        """Bring the index in step with the store: add missing or stale versions, drop removed ones."""
        refs = {r.iri: r for r in kb.labels()}
        if not self.exists():
            self.rebuild(kb.store.get_graph(iri) for iri in refs)
            return {"rebuilt": len(refs), "added": 0, "removed": 0}
        have = self.markers()
        added = removed = 0
        for iri, ref in refs.items():
            if iri not in have or have[iri].get("stamp") != stamp(ref.ingested_at):
                self.update_graph(iri, kb.store.get_graph(iri))
                added += 1
        for iri in set(have) - set(refs):
            self.update_graph(iri, None)
            removed += 1
        self.repair()
        return {"rebuilt": 0, "added": added, "removed": removed}
