"""The steps of an ingest around the knowledge base object (:class:`kb.service.KnowledgeBase`):
the input limits checked before a byte is read, the collector pause, one record built and
validated (:func:`check_record`), every label of a file (:func:`check_file`, also run by the
batch's worker processes), the ingest-time stamp, what a version is called (:class:`LabelRef`)
and what an ingest gives back (:class:`IngestResult`), and the words of a failed write.
"""
from __future__ import annotations

import errno
import os
import stat
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Graph, Literal
from rdflib.namespace import XSD

from ingest.collector import with_collection_paused
from ingest.errors import UnreadableInput
from ingest.records import LabelRecord
from kb.rdf.base import SMPC, label_iri

if TYPE_CHECKING:  # reading and validating load pyshacl and the readers: only when used (kb dose starts fast)
    from kb.validate.shacl import ValidationReport

DEFAULT_MAX_INPUT_MB = 20.0
MAX_INPUT_HELP = ("Largest label file ingest reads, in MB (an SmPC is 0.1-5 MB as text, PDF or FHIR); a larger "
                  "file, or anything that is not a regular file (a device, a pipe, a directory), is refused "
                  "before a byte is read.")


def check_input(path: str | Path, max_mb: float | None) -> None:
    """Refuse, before reading, what is not a regular file or is larger than ``max_mb``."""
    try:
        st = os.stat(path)  # follows symlinks: a link to /dev/zero is a device
    except OSError as e:
        raise UnreadableInput(f"cannot read: {e.strerror or e}", str(path)) from None
    if not stat.S_ISREG(st.st_mode):
        raise UnreadableInput("not a regular file (a device, pipe, socket or directory); refused", str(path))
    if max_mb is not None and st.st_size > max_mb * 2**20:
        raise UnreadableInput(
            f"{st.st_size / 2**20:.1f} MB is over the input limit of {max_mb:g} MB "
            "(raise it with --max-input-mb / KB_MAX_INPUT_MB if this really is one label)", str(path))


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
    version_basis: str | None = None  # what the version date is (smpc:versionBasis): revision, renewal, ...

    @property
    def name(self) -> str:
        return f"{self.label_id}@{self.version}"

    def naming(self) -> dict:
        """The label and version an answer comes from, for people (``text``) and programs. A version
        date that is not a date of revision says what it is ("version date 2006-04-30, date of renewal")."""
        date = f", version date {self.version_date}" if self.version_date else ""
        if date and self.version_basis in BASIS_WORDS:
            date += f", {BASIS_WORDS[self.version_basis]}"
        return {"label": self.label_id, "version": self.version, "name": self.name, "title": self.title,
                "version_date": self.version_date, "version_basis": self.version_basis,
                "text": f"{self.title or self.label_id} ({self.name}{date})"}

    def as_dict(self) -> dict:
        return {
            "label": self.label_id, "version": self.version, "name": self.name, "graph": self.iri,
            "title": self.title, "version_date": self.version_date, "version_basis": self.version_basis,
            "reader": self.reader, "ingested_at": self.ingested_at,
        }


# how a version date that is not the text's date of revision is named for people
BASIS_WORDS = {"renewal": "date of renewal of the authorisation",
               "first-authorisation": "date of first authorisation"}


@dataclass
class IngestResult:
    record: LabelRecord
    graph: Graph
    report: ValidationReport
    stored: bool
    timings: dict[str, float] = field(default_factory=dict)
    triples: list | None = None  # the graph as pyoxigraph triples (validated; written as they are)

    @property
    def ref(self) -> LabelRef:
        r = self.record
        return LabelRef(r.label_id, r.version, str(label_iri(r.label_id, r.version)), r.title, r.version_date, r.reader,
                        version_basis=r.version_basis)


def check_record(record: LabelRecord, t0: float) -> IngestResult:
    """Build and validate one record read from a file (``t0``: when the read started)."""
    from kb.rdf.build import build_graph
    from kb.rdf.oxigraph_terms import ox_triples
    from kb.validate.shacl import validate_triples

    t1 = time.perf_counter()
    graph = build_graph(record)
    t2 = time.perf_counter()
    triples = ox_triples(graph)
    report = validate_triples(graph, triples)
    t3 = time.perf_counter()
    report.warnings.extend(
        f"{i.severity}: {i.message}" + (f" (section {i.section}" if i.section else "") +
        (f", line {i.line})" if i.line else (")" if i.section else ""))
        for i in record.issues
    )
    report.unresolved.extend(u.describe() for u in record.unresolved)
    return IngestResult(record, graph, report, False, {"parse": t1 - t0, "graph": t2 - t1, "shacl": t3 - t2},
                        triples)


@with_collection_paused
def check_file(path: str | Path, label_id: str | None = None, version: str | None = None,
               max_input_mb: float | None = DEFAULT_MAX_INPUT_MB) -> tuple[list[IngestResult], list[str]]:
    """Every label of one file, built and validated (nothing stored), and what was skipped.

    The one read-and-check path of every ingest (one file, or a batch worker process):
    the input is refused before reading when it is not a regular file or over the limit."""
    from ingest.pipeline import read_labels_with_skipped

    t0 = time.perf_counter()
    check_input(path, max_input_mb)
    read = read_labels_with_skipped(path, label_id, version)
    return [check_record(r, t0) for r in read.records], read.skipped


def stamp_ingested(graph: Graph) -> tuple:
    """When this version was written (the label version node is the graph's name); the triple added."""
    triple = (graph.identifier, SMPC.ingestedAt,
              Literal(datetime.now(timezone.utc).replace(microsecond=0), datatype=XSD.dateTime))
    graph.add(triple)
    return triple


def write_beside_index(kb: Any, ref: LabelRef, triples: list, record, graph) -> tuple[list, list[str], float, float]:
    """Load the version into ``kb``'s store with the bulk loader in a thread and prepare the index updates here;
    (pending updates, warnings, seconds the write took, seconds the preparation took). The
    write is waited for whatever happens here (Ctrl-C included), so the version is stored
    whole or not at all; a failed write drops the prepared updates and raises."""
    import pyoxigraph as ox

    text = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    outcome: dict = {}

    def write() -> None:
        t = time.perf_counter()
        try:
            kb.store.replace_graph_nt(ref.iri, text)
        except BaseException as e:  # noqa: BLE001 - raised again in the calling thread
            outcome["error"] = e
        outcome["seconds"] = time.perf_counter() - t

    thread = threading.Thread(target=write, name="kb-store-write", daemon=True)
    thread.start()
    t0 = time.perf_counter()
    pending: list = [None] * len(kb.after_store)
    warnings: list[str] = []
    try:
        for i, hook in enumerate(kb.after_store):
            prepare = getattr(hook, "prepare", None)
            if prepare is None:
                continue
            try:
                pending[i] = prepare(kb, ref, record, graph)
            except OSError as e:
                pending[i] = NOTHING
                warnings.append(index_warning(e))
    finally:
        prepared_s = time.perf_counter() - t0
        interrupted = None
        while thread.is_alive():
            try:
                thread.join()
            except BaseException as e:  # noqa: BLE001 - Ctrl-C: the write ends first
                interrupted = e
        if interrupted is not None:
            raise interrupted
    if "error" in outcome:
        for p in pending:
            if p is not None:
                p.discard()
        raise outcome["error"]
    return pending, warnings, outcome["seconds"], prepared_s


class Nothing:
    """A prepared update that failed: nothing to commit (its warning is already given)."""

    def commit(self) -> None:
        pass

    def discard(self) -> None:
        pass


NOTHING = Nothing()


def index_warning(e: OSError) -> str:
    return (f"warning: the search index was not updated ({failure_reason(e)}); "
            "it catches up with the store when next opened")


def failure_reason(e: OSError) -> str:
    text = str(e)
    if "space left" in text.lower() or e.errno == errno.ENOSPC:
        return "no space left on device"
    if "read-only file system" in text.lower() or e.errno == errno.EROFS:
        return "Read-only file system"
    return text[:200]
