"""Filling a store to N label versions cheaply, for benchmarks/growth.py.

Two kinds of versions:

* **real** ones: the files go through ``kb ingest --jobs 2`` (cli/batch.py: read, build and
  SHACL-validate in two worker processes, the parent writes each version and indexes it), so
  their per-version time is the batch path's own;
* **generated revisions** of the stored real versions: the stored version's N-Triples with the
  graph IRI (and every node IRI under it) and its ``smpc:version`` literal rewritten to a new
  version id, so every revision is distinct data of the real size and shape. They are written
  many at once, the way the batch path writes one: Oxigraph's bulk loader (new SST files, no
  write-ahead log) into the store, one tantivy commit for their search documents (the real
  version's documents with the ids rewritten), then the store's generation token is replaced
  so readers see the change and the latest-versions graph is rewritten. This is the cheap part:
  no reading or validation of copies.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMPC_VERSION = "<https://w3id.org/smpc-kb/ontology#version>"


def ingest_files(store_dir: Path, files: list[Path], jobs: int = 2) -> float:
    """``kb ingest --jobs N FILES`` (nice 10: the machine is shared); returns the wall seconds."""
    t = time.perf_counter()
    argv = ["nice", "-n", "10", sys.executable, "-m", "cli", "--store", str(store_dir), "ingest",
            "--jobs", str(jobs), *map(str, files)]
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode not in (0, 3):  # 3: some label did not conform (reported, not stored)
        raise SystemExit(f"kb ingest failed ({proc.returncode}): {proc.stderr[-2000:]}")
    print(proc.stdout[-3000:], flush=True)
    return time.perf_counter() - t


class Templates:
    """The stored real versions, as N-Triples and search documents, to derive revisions from."""

    def __init__(self, kb):
        from kb.search.documents import documents

        self.items = []
        for ref in kb.labels():
            if "-g" in ref.version:  # a generated revision itself
                continue
            graph = kb.store.get_graph(ref.iri)
            nt = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
            self.items.append((ref, nt, documents(graph)))
        if not self.items:
            raise SystemExit("no real label version stored to derive revisions from")

    def revision(self, k: int) -> tuple:
        """(iri, N-Quads text, search marker, search documents) of generated revision k."""
        from kb.rdf.base import label_iri
        from kb.search.base import stamp

        ref, nt, docs = self.items[k % len(self.items)]
        version = f"{ref.version}-g{k:05d}"
        iri = str(label_iri(ref.label_id, version))
        body = nt.replace(f"<{ref.iri}", f"<{iri}")
        body = body.replace(f'<{iri}> {SMPC_VERSION} "{ref.version}" .',
                            f'<{iri}> {SMPC_VERSION} "{version}" .')
        if f'"{version}"' not in body:
            raise SystemExit(f"could not rewrite the version literal of {ref.iri}")
        g = f" <{iri}> .\n"
        quads = "".join(line[:-2] + g for line in body.splitlines() if line.endswith(" ."))
        marker = {"graph": iri, "label": ref.label_id, "version": version,
                  "stamp": stamp(ref.ingested_at), "version_date": ref.version_date or ""}
        out_docs = [{**d, "id": d["id"].replace(ref.iri, iri), "graph": iri, "version": version} for d in docs]
        return iri, quads, marker, out_docs


def add_revisions(store_dir: Path, templates: Templates, start: int, count: int, chunk: int = 50) -> float:
    """Write generated revisions ``start .. start+count-1``; returns the wall seconds."""
    import pyoxigraph as ox

    from kb.search.whoosh_index import index_for
    from kb.service import KnowledgeBase
    from kb.store.local import LocalStore

    t = time.perf_counter()
    kb = KnowledgeBase(store_dir)
    idx = index_for(kb)
    kb.close()
    k = start
    while k < start + count:
        n = min(chunk, start + count - k)
        revs = [templates.revision(i) for i in range(k, k + n)]
        raw = ox.Store(str(store_dir))
        raw.bulk_load("".join(r[1] for r in revs).encode("utf-8"), ox.RdfFormat.N_QUADS)
        raw.flush()
        del raw
        idx.add_versions((r[2], r[3]) for r in revs)
        k += n
        print(f"  {k} revisions written ({time.perf_counter() - t:.0f} s)", flush=True)
    s = LocalStore(str(store_dir))
    s._bump()  # readers (label cache, kb serve) see the new versions
    s.close()
    mark_latest(store_dir)
    return time.perf_counter() - t


def mark_latest(store_dir: Path) -> int:
    """Rewrite the latest-versions graph (kb/rdf/latest_versions.py), as every ingest does."""
    from kb.rdf.latest_versions import refresh
    from kb.service import KnowledgeBase

    kb = KnowledgeBase(store_dir)
    try:
        return refresh(kb)
    finally:
        kb.close()


def dir_bytes(path: Path) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
