"""The knowledge base as one object: ingest, list, resolve, validate, export, query.

The CLI and the web layer both use :class:`KnowledgeBase`; neither touches the
store or the graph code directly. Paths and settings are passed in; nothing
here reads the environment.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from rdflib import Graph, Literal
from rdflib.namespace import XSD

from ingest.data_location import labels_dir, queries_dir
from ingest.errors import IngestError
from ingest.records import LabelRecord

from .rdf_base import SMPC, label_iri

if TYPE_CHECKING:  # reading and validating load pyshacl and the readers: only when used (kb dose starts fast)
    from .validate import ValidationReport

LABELS_DIR = labels_dir()


class LabelNotFound(LookupError):
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


@dataclass
class LabelRef:
    label_id: str
    version: str
    iri: str
    title: str | None = None
    version_date: str | None = None
    reader: str | None = None
    ingested_at: str | None = None
    triples: int | None = None

    @property
    def name(self) -> str:
        return f"{self.label_id}@{self.version}"

    def as_dict(self) -> dict:
        return {
            "label": self.label_id, "version": self.version, "name": self.name, "graph": self.iri,
            "title": self.title, "version_date": self.version_date, "reader": self.reader,
            "ingested_at": self.ingested_at,
        }


@dataclass
class IngestResult:
    record: LabelRecord
    graph: Graph
    report: ValidationReport
    stored: bool
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ref(self) -> LabelRef:
        r = self.record
        return LabelRef(r.label_id, r.version, str(label_iri(r.label_id, r.version)), r.title, r.version_date, r.reader)


_LABELS_QUERY = """
PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?g ?id ?version ?title ?date ?reader ?at WHERE {
  GRAPH ?g { ?g a smpc:LabelVersion ; smpc:labelId ?id ; smpc:version ?version .
    OPTIONAL { ?g dcterms:title ?title } OPTIONAL { ?g smpc:versionDate ?date }
    OPTIONAL { ?g smpc:reader ?reader } OPTIONAL { ?g smpc:ingestedAt ?at } }
}"""


class KnowledgeBase:
    """One store (a directory or a SPARQL endpoint URL) and the services over it."""

    def __init__(self, store_location: str | Path, *, index_dir: str | Path | None = None,
                 store_options: dict | None = None):
        self.location = str(store_location)
        self.store_options = dict(store_options or {})
        self.index_dir = Path(index_dir) if index_dir else (
            None if self.location.startswith(("http://", "https://")) else Path(self.location) / "search-index"
        )
        self._store = None
        # called after a label version is stored: (kb, ref, record, graph); used by the search index
        self.after_store: list[Callable] = []
        self.after_remove: list[Callable] = []

    # -- store ------------------------------------------------------------
    @property
    def store(self):
        if self._store is None:
            from .store import open_store

            self._store = open_store(self.location, **self.store_options)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    # -- ingest -----------------------------------------------------------
    def read(self, path: str | Path, label_id: str | None = None, version: str | None = None) -> IngestResult:
        """Read, build and validate without storing."""
        from ingest.pipeline import read_label

        from .rdf_build import build_graph
        from .validate import validate_graph

        t0 = time.perf_counter()
        record = read_label(path, label_id, version)
        t1 = time.perf_counter()
        graph = build_graph(record)
        t2 = time.perf_counter()
        report = validate_graph(graph)
        t3 = time.perf_counter()
        report.warnings.extend(
            f"{i.severity}: {i.message}" + (f" (section {i.section}" if i.section else "") +
            (f", line {i.line})" if i.line else (")" if i.section else ""))
            for i in record.issues
        )
        return IngestResult(record, graph, report, False, {"parse": t1 - t0, "graph": t2 - t1, "shacl": t3 - t2})

    def ingest(self, path: str | Path, label_id: str | None = None, version: str | None = None) -> IngestResult:
        """Read, validate and, only if the graph conforms, replace that label version in the store."""
        result = self.read(path, label_id, version)
        if not result.report.conforms:
            return result
        ref = result.ref
        result.graph.add((result.graph.identifier, SMPC.ingestedAt,
                          Literal(datetime.now(timezone.utc).replace(microsecond=0), datatype=XSD.dateTime)))
        t0 = time.perf_counter()
        self.store.replace_graph(ref.iri, result.graph)
        result.timings["store"] = time.perf_counter() - t0
        result.stored = True
        for hook in self.after_store:
            hook(self, ref, result.record, result.graph)
        return result

    def remove(self, spec: str) -> LabelRef:
        ref = self.resolve(spec)
        self.store.remove_graph(ref.iri)
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
        rows = self.store.query(_LABELS_QUERY, trusted=True).rows
        refs = [
            LabelRef(str(r["id"]), str(r["version"]), str(r["g"]),
                     str(r["title"]) if r.get("title") else None,
                     str(r["date"]) if r.get("date") else None,
                     str(r["reader"]) if r.get("reader") else None,
                     str(r["at"]) if r.get("at") else None)
            for r in rows
        ]
        return sorted(refs, key=lambda r: (r.label_id, r.version_date or "", r.ingested_at or "", r.version))

    def resolve(self, spec: str | None) -> LabelRef:
        """``label@version`` -> that version; ``label`` -> its latest; None -> the only label, or the default."""
        refs = self.labels()
        if not refs:
            raise LabelNotFound("the store holds no label yet (run `kb ingest`)")
        if not spec:
            ids = sorted({r.label_id for r in refs})
            spec = ids[0] if len(ids) == 1 else self._default_id(refs, ids)
        label_id, _, version = spec.partition("@")
        same = [r for r in refs if r.label_id == label_id]
        if not same:
            known = ", ".join(sorted({r.label_id for r in refs}))
            raise LabelNotFound(f"unknown label {label_id!r} (known: {known})")
        if not version:
            return same[-1]
        for r in same:
            if r.version == version:
                return r
        raise LabelNotFound(
            f"label {label_id!r} has no version {version!r} (versions: {', '.join(r.version for r in same)})"
        )

    def _default_id(self, refs: list[LabelRef], ids: list[str]) -> str:
        return ids[0]

    # -- services ---------------------------------------------------------
    def graph(self, spec: str | None = None) -> Graph:
        return self.store.get_graph(self.resolve(spec).iri)

    def validate_stored(self, spec: str | None = None) -> tuple[LabelRef, ValidationReport]:
        from .validate import validate_graph

        ref = self.resolve(spec)
        return ref, validate_graph(self.store.get_graph(ref.iri))

    def export(self, fmt: str, spec: str | None = None) -> bytes:
        iri = self.resolve(spec).iri if spec else None
        return self.store.serialize(fmt, iri)

    def sparql(self, query: str, **kwargs):
        return self.store.query(query, **kwargs)


__all__ = ["queries_dir", "KnowledgeBase", "LabelRef", "IngestResult", "LabelNotFound", "IngestError", "default_label", "bundled_labels"]
