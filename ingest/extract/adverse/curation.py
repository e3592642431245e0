"""A reviewed curation file fixes cells of section 4.8 the text cannot settle.

A curation file (``curation*.json``) names the SHA-256 of the decoded label text
it was reviewed against (``applies_to.sha256``).  It is found by that content
hash, wherever the label file lies: among the project's curation files
(``labels/**/curation*.json``) and the curation files next to the input file.
A curation file next to the input that was reviewed for another text is not
applied (a warning says so); one without a hash applies only to the label file
beside it.  Each fix names the organ class, the term as printed (markers
removed), the frequency and the curator's reason; curated entries say so in
their provenance (derivation "curated", rule = the reason).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from ingest.data_location import labels_dir as bundled_labels_dir
from ingest.extract.adverse.data import fold_spelling as fold
from ingest.extract.adverse.records import FREQUENCY_NAMES, AdverseReactionSet
from ingest.records import Issue, LabelRecord
from ingest.records_document import document

PROJECT_LABELS = bundled_labels_dir()
PATTERN = "curation*.json"


def text_sha256(record: LabelRecord) -> str:
    return hashlib.sha256(document(record).text.encode("utf-8")).hexdigest()


def _read(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@lru_cache(maxsize=4)
def _project_index(labels_dir: Path, stamp: tuple) -> dict[str, Path]:
    """sha256 -> curation file, over the project's curation files (``stamp`` invalidates)."""
    out: dict[str, Path] = {}
    for path in sorted(labels_dir.glob(f"**/{PATTERN}")):
        data = _read(path)
        sha = ((data or {}).get("applies_to") or {}).get("sha256")
        if isinstance(sha, str) and sha:
            out.setdefault(sha.lower(), path)
    return out


def project_curations(labels_dir: Path | None = None) -> dict[str, Path]:
    labels_dir = labels_dir or PROJECT_LABELS
    files = sorted(labels_dir.glob(f"**/{PATTERN}")) if labels_dir.is_dir() else []
    stamp = tuple((str(f), f.stat().st_mtime_ns) for f in files)
    return _project_index(labels_dir, stamp)


def find(record: LabelRecord, labels_dir: Path | None = None) -> tuple[Path | None, list[Issue]]:
    """The curation file reviewed for this label text, and warnings about near misses."""
    sha = text_sha256(record)
    issues: list[Issue] = []
    here = Path(record.source_path).parent
    siblings = sorted(here.glob(PATTERN)) if record.source_path and here.is_dir() else []
    mismatched = []
    for path in siblings:
        data = _read(path)
        if data is None:
            issues.append(Issue("warning", f"curation file {path.name} unreadable", "4.8", None,
                                "adverse.curation-unreadable"))
            continue
        want = (data.get("applies_to") or {}).get("sha256")
        if not want or want.lower() == sha:
            return path, issues
        mismatched.append((path, want))
    hit = project_curations(labels_dir).get(sha)
    if hit is not None:
        return hit, issues
    for path, want in mismatched:
        issues.append(Issue("warning", f"curation file {path.name} was reviewed for another version "
                            f"(sha256 {want[:12]}…, this text {sha[:12]}…); not applied", "4.8", None,
                            "adverse.curation-version"))
    return None, issues


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_LABELS.parent))
    except ValueError:
        return path.name


def apply(record: LabelRecord, ars: AdverseReactionSet, path: Path | None = None) -> None:
    if path is None:
        path, issues = find(record)
        record.issues.extend(issues)
        if path is None:
            return
    data = _read(path)
    if data is None:
        record.issues.append(Issue("warning", f"curation file {path.name} unreadable", "4.8", None,
                                   "adverse.curation-unreadable"))
        return
    ars.curation = _shown(path)
    for fix in data.get("adverse_reactions", []):
        freq = fix.get("frequency")
        hits = [e for e in ars.entries if fold(e.term) == fold(fix.get("term", ""))
                and (not fix.get("soc") or fold(e.soc or "") == fold(fix["soc"]))]
        if freq not in FREQUENCY_NAMES or len(hits) != 1:
            record.issues.append(Issue("warning", f"curation entry {fix.get('term')!r} ({fix.get('soc')}) matches "
                                       f"{len(hits)} entries or has an unknown frequency {freq!r}; not applied",
                                       "4.8", None, "adverse.curation-mismatch"))
            continue
        e = hits[0]
        options = e.frequency_options or [e.frequency]
        if freq not in options:
            record.issues.append(Issue("warning", f"curation sets '{e.term}' to {freq}, against the label's "
                                       f"evidence ({', '.join(o for o in options if o)})", e.source.section,
                                       e.source.line_start, "adverse.curation-conflict"))
        reason = fix.get("reason") or "curated"
        e.frequency, e.frequency_basis, e.frequency_rule, e.confidence = freq, "curated", reason, 1.0
        e.source = replace(e.source, derivation="curated", rule=reason, confidence=1.0)
        e.frequency_source = e.source
