"""The knowledge base as one object: ingest, list, resolve, validate, export, query.

The CLI and the web layer both use :class:`KnowledgeBase`; neither touches the
store or the graph code directly. Paths and settings are passed in; nothing
here reads the environment.
"""
from __future__ import annotations

import errno
import json
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from rdflib import Graph

from ingest.collector import collection_paused, with_collection_paused
from ingest.data_location import labels_dir, queries_dir
from ingest.errors import IngestError, KbError
from ingest.records import LabelRecord
from kb.ingest_steps import (
    DEFAULT_MAX_INPUT_MB,
    MAX_INPUT_HELP,
    IngestResult,
    LabelRef,
    check_file,
    check_input,
    check_record,
    failure_reason,
    index_warning,
    stamp_ingested,
    write_beside_index,
)
from kb.rdf import latest_versions
from kb.rdf.latest_versions import version_order

from .version_cache import VersionCache

if TYPE_CHECKING:  # reading and validating load pyshacl and the readers: only when used (kb dose starts fast)
    from kb.validate.shacl import ValidationReport

LABELS_DIR = labels_dir()
log = logging.getLogger("smpc_kb")


class StoreWriteFailed(KbError, OSError):
    """The store could not be written (e.g. a full disk); the previous content is intact."""

    status = 507


class LabelNotFound(KbError, LookupError):
    """A label or label version named by the user is not in the store."""

    status = 404


def default_store() -> str:
    """The per-user data directory for the store (used when no --store / KB_STORE is given)."""
    from platformdirs import user_data_dir

    return str(Path(user_data_dir("smpc-kb", appauthor=False)) / "store")


def bundled_labels() -> list[Path]:
    """The labels shipped with the project (``labels/bundled.json``); the first is the default."""
    data = json.loads((LABELS_DIR / "bundled.json").read_text(encoding="utf-8"))
    return [LABELS_DIR / p for p in data["labels"]]


def default_label() -> Path:
    return bundled_labels()[0]


_LABELS_QUERY = """
PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?g ?id ?version ?title ?date ?reader ?at ?basis WHERE {
  GRAPH ?g { ?g a smpc:LabelVersion ; smpc:labelId ?id ; smpc:version ?version .
    OPTIONAL { ?g dcterms:title ?title } OPTIONAL { ?g smpc:versionDate ?date }
    OPTIONAL { ?g smpc:reader ?reader } OPTIONAL { ?g smpc:ingestedAt ?at } OPTIONAL { ?g smpc:versionBasis ?basis } }
}"""


class KnowledgeBase:
    """One store (a directory or a SPARQL endpoint URL) and the services over it."""

    def __init__(self, store_location: str | Path, *, index_dir: str | Path | None = None,
                 store_options: dict | None = None, max_input_mb: float | None = DEFAULT_MAX_INPUT_MB):
        self.location = str(store_location)
        self.max_input_mb = max_input_mb  # see MAX_INPUT_HELP
        self.store_options = dict(store_options or {})
        self.index_dir = Path(index_dir) if index_dir else (
            None if self.location.startswith(("http://", "https://")) else Path(self.location) / "search-index"
        )
        self._store = None
        # label resolution cache: (store generation token, refs sorted, refs by label id, ref by
        # "label@version"); see _catalogue
        self._catalogue_cache: tuple | None = None
        self._catalogue_lock = threading.Lock()
        self._versions = VersionCache()  # answers read from one version's graph; see per_version
        # called after a label version is stored: (kb, ref, record, graph); used by the search index
        self.after_store: list[Callable] = []
        self.after_remove: list[Callable] = []

    # -- store ------------------------------------------------------------
    @property
    def store(self):
        if self._store is None:
            from kb.store import open_store

            self._store = open_store(self.location, **self.store_options)
        return self._store

    def close(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            try:
                store.close()
            except OSError as e:  # e.g. the final flush on a full disk: what was committed is in the WAL
                log.warning("closing the store: %s", e)

    # -- ingest -----------------------------------------------------------
    @with_collection_paused
    def read(self, path: str | Path, label_id: str | None = None, version: str | None = None) -> IngestResult:
        """Read, build and validate without storing."""
        from ingest.pipeline import read_label

        t0 = time.perf_counter()
        check_input(path, self.max_input_mb)
        return check_record(read_label(path, label_id, version), t0)

    @with_collection_paused
    def read_all(self, path: str | Path, label_id: str | None = None,
                 version: str | None = None) -> tuple[list[IngestResult], list[str]]:
        """Every label of a file (a product-information PDF holds one SmPC per presentation group),
        each built and validated, and what was skipped (annexes)."""
        return check_file(path, label_id, version, self.max_input_mb)

    @with_collection_paused
    def ingest_all(self, path: str | Path, label_id: str | None = None,
                   version: str | None = None) -> tuple[list[IngestResult], list[str]]:
        """Read every label of a file; store each that conforms (one label version each)."""
        results, skipped = self.read_all(path, label_id, version)
        return [self._store_result(r) for r in results], skipped

    @with_collection_paused
    def ingest_records(self, records: list[LabelRecord]) -> list[IngestResult]:
        """Build, validate and store records already read (each that conforms)."""
        t0 = time.perf_counter()
        return [self._store_result(check_record(r, t0)) for r in records]

    @with_collection_paused
    def ingest(self, path: str | Path, label_id: str | None = None, version: str | None = None) -> IngestResult:
        """Read, validate and, only if the graph conforms, replace that label version in the store."""
        return self._store_result(self.read(path, label_id, version))

    def _store_result(self, result: IngestResult) -> IngestResult:
        if not result.report.conforms:
            return result
        stamp = stamp_ingested(result.graph)
        if result.triples is not None:
            from kb.rdf.oxigraph_terms import ox_triples

            result.triples.extend(ox_triples([stamp]))
        result.report.warnings.extend(self.write_version(result.ref, graph=result.graph, record=result.record,
                                                         timings=result.timings, triples=result.triples))
        result.stored = True
        return result

    @with_collection_paused
    def write_version(self, ref: LabelRef, *, graph: Graph | None = None, ntriples: str | None = None,
                      record: LabelRecord | None = None, timings: dict | None = None,
                      triples: list | None = None) -> list[str]:
        """Replace one label version in the store (one transaction) from a graph or N-Triples text,
        then run the after-store hooks (the search index). The one write path of every ingest:
        a failed write raises :class:`StoreWriteFailed` and leaves every version as it was; a
        failed hook is a returned warning (the index catches up when next opened).

        A local store given the validated ``triples`` and the ``graph`` loads them in a thread
        (Oxigraph's bulk loader runs without the GIL) while this thread analyses the search
        documents (hooks with a ``prepare``); the index is written and committed only after the
        store write succeeded, and not at all if it failed or was interrupted."""
        from .linked_data import ensure_ontology_graph

        t0 = time.perf_counter()
        pending: list = [None] * len(self.after_store)
        warnings: list[str] = []
        prepared_s = write_s = 0.0
        try:
            ensure_ontology_graph(self.store)  # the vocabulary and shapes as their own named graph
            if ntriples is not None:  # last: a failure before it changes no version
                self.store.replace_graph_nt(ref.iri, ntriples)
            elif triples is not None and graph is not None and self._loads_in_bulk():
                pending, warnings, write_s, prepared_s = write_beside_index(self, ref, triples, record, graph)
            elif triples is not None:  # the graph as the validation converted it (see check_record)
                self.store.replace_graph_triples(ref.iri, triples)
            else:
                self.store.replace_graph(ref.iri, graph)
        except OSError as e:
            if e.errno not in (None, errno.ENOSPC, errno.EDQUOT, errno.EIO) and "space" not in str(e).lower():
                raise
            raise StoreWriteFailed(f"cannot write {ref.name} to the store ({failure_reason(e)}); "
                                   "the store is unchanged") from None
        finally:
            self._catalogue_cache = None  # the label list changed (or may have)
            self._versions.clear()
        warnings += self._refresh_latest(ref.label_id)
        t1 = time.perf_counter()
        for i, hook in enumerate(self.after_store):
            try:
                if pending[i] is not None:
                    pending[i].commit()
                    continue
                if graph is None:
                    graph = self.store.get_graph(ref.iri)
                hook(self, ref, record, graph)
            except OSError as e:  # the store holds the version; the index is reconciled when next opened
                warnings.append(index_warning(e))
        if timings is not None:  # with a thread, the store's own time and the index's own time
            elapsed = t1 - t0
            timings["store"] = elapsed - prepared_s if not write_s else elapsed - max(prepared_s, write_s) + write_s
            timings["index"] = time.perf_counter() - t1 + prepared_s
        return warnings

    def _loads_in_bulk(self) -> bool:
        from kb.store.local import LocalStore

        return isinstance(self.store, LocalStore) and any(hasattr(h, "prepare") for h in self.after_store)

    def _refresh_latest(self, label_id: str) -> list[str]:
        """Rewrite the label's entry in the store's latest-versions graph (kb/rdf/latest_versions.py);
        a warning if it failed."""
        try:
            latest_versions.refresh(self, label_id)
        except Exception as e:  # noqa: BLE001 - the version is stored; a server may refuse the update form
            return [f"warning: the latest-versions graph was not updated ({failure_reason(e) if isinstance(e, OSError) else e}); "
                    "the next ingest or removal of the label rewrites it"]
        return []

    def remove(self, spec: str) -> LabelRef:
        ref = self.resolve(spec)
        try:
            self.store.remove_graph(ref.iri)
        finally:
            self._catalogue_cache = None
            self._versions.clear()
        self._refresh_latest(ref.label_id)
        for hook in self.after_remove:
            hook(self, ref)
        return ref

    def ensure_default(self) -> IngestResult | None:
        """Ingest the bundled labels (``labels/bundled.json``) when the store holds no label yet.

        Returns the result for the default (first) label, or None when nothing was done."""
        if self.labels():
            return None
        results = [self.ingest(path) for path in bundled_labels()]
        return results[0]

    # -- labels -----------------------------------------------------------
    def labels(self) -> list[LabelRef]:
        """Every stored label version, by label id, each label's versions oldest first."""
        return list(self._catalogue()[0])

    def per_version(self, ref: LabelRef, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()``'s answer about one stored version (``name`` says which answer), computed once
        while the version and the store stay as they are (see kb/version_cache.py). A store without a
        generation token (a remote server) is keyed by the version's ingest time alone. The answer is
        shared: copy what you change."""
        generation = getattr(self.store, "generation", None)
        token = generation() if generation is not None else None
        return self._versions.get((token, ref.iri, ref.ingested_at, name), compute)

    def _catalogue(self) -> tuple[list[LabelRef], dict[str, list[LabelRef]], dict[str, LabelRef]]:
        """The label versions, cached until the store changes: the store's generation token (a file
        replaced after every write, by this or another process) is read before the query, so a
        write during the query only makes the next request query again. A store without a token
        (a remote SPARQL server) is queried every time. Also by label id (oldest first) and by
        ``label@version`` name, so that resolving costs a dict look-up at any number of versions."""
        generation = getattr(self.store, "generation", None)
        token = generation() if generation is not None else None
        cached = self._catalogue_cache
        if token is not None and cached is not None and cached[0] == token:
            return cached[1], cached[2], cached[3]
        refs = self._query_labels()
        by_id: dict[str, list[LabelRef]] = {}
        for r in refs:
            by_id.setdefault(r.label_id, []).append(r)
        by_name = {r.name: r for r in refs}
        if token is not None:
            with self._catalogue_lock:
                self._catalogue_cache = (token, refs, by_id, by_name)
        return refs, by_id, by_name

    def _query_labels(self) -> list[LabelRef]:
        rows = self.store.query(_LABELS_QUERY, trusted=True).rows
        refs = [
            LabelRef(str(r["id"]), str(r["version"]), str(r["g"]),
                     str(r["title"]) if r.get("title") else None,
                     str(r["date"]) if r.get("date") else None,
                     str(r["reader"]) if r.get("reader") else None,
                     str(r["at"]) if r.get("at") else None,
                     version_basis=str(r["basis"]) if r.get("basis") else None)
            for r in rows
        ]
        # oldest first, so a label's last entry is its default (see version_order)
        return sorted(refs, key=lambda r: (r.label_id, *version_order(r.version_date, r.version, r.ingested_at)))

    def resolve(self, spec: str | None) -> LabelRef:
        """``label@version`` -> that version; ``label`` -> its latest; None -> the only label, or the default."""
        refs, by_id, by_name = self._catalogue()
        hit = by_name.get(spec) if spec else None
        if hit is not None:
            return hit
        if not refs:
            raise LabelNotFound("the store holds no label yet (run `kb ingest`)")
        if not spec:
            ids = sorted(by_id)
            spec = ids[0] if len(ids) == 1 else self._default_id(refs, ids)
        label_id, _, version = spec.partition("@")
        same = by_id.get(label_id)
        if not same:
            known = ", ".join(sorted(by_id))
            raise LabelNotFound(f"unknown label {label_id!r} (known: {known})")
        if not version:
            return same[-1]
        raise LabelNotFound(
            f"label {label_id!r} has no version {version!r} (versions: {', '.join(r.version for r in same)})"
        )

    def _default_id(self, refs: list[LabelRef], ids: list[str]) -> str:
        return ids[0]

    # -- services ---------------------------------------------------------
    def graph(self, spec: str | None = None) -> Graph:
        return self.store.get_graph(self.resolve(spec).iri)

    def validate_stored(self, spec: str | None = None) -> tuple[LabelRef, ValidationReport]:
        from kb.validate.shacl import validate_graph

        ref = self.resolve(spec)
        report = validate_graph(self.store.get_graph(ref.iri))
        report.unresolved.extend(u["text"] for u in self.unresolved(ref))
        return ref, report

    def unresolved(self, ref: "LabelRef | str | None" = None) -> list[dict]:
        """The unresolved items stored with a label version (see :mod:`kb.unresolved_query`)."""
        from .unresolved_query import unresolved_items

        ref = ref if isinstance(ref, LabelRef) else self.resolve(ref)
        return unresolved_items(self.store, ref.iri)

    def export(self, fmt: str, spec: str | None = None) -> bytes:
        if fmt == "fhir":  # a FHIR R5 document Bundle of one label version
            from .fhir_export import fhir_json

            return fhir_json(self.store, self.resolve(spec))
        iri = self.resolve(spec).iri if spec else None
        return self.store.serialize(fmt, iri)

    def sparql(self, query: str, **kwargs):
        return self.store.query(query, **kwargs)


__all__ = ["queries_dir", "DEFAULT_MAX_INPUT_MB", "MAX_INPUT_HELP", "check_input", "collection_paused", "check_file", "check_record", "stamp_ingested", "KnowledgeBase", "LabelRef", "IngestResult", "LabelNotFound", "IngestError", "KbError",
           "default_label", "bundled_labels"]
