"""A reviewed curation file per label version fixes cells the text cannot settle.

``curation.json`` sits next to the label file.  It names the label file's
SHA-256 it was reviewed against; for another version it is not applied (a
warning says so).  Each fix names the organ class, the term as printed (markers
removed), the frequency and the curator's reason; curated entries say so in
their provenance (derivation "curated", rule = the reason).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

from .adverse_data import fold
from .adverse_records import FREQUENCY_NAMES, AdverseReactionSet
from .records import Issue, LabelRecord


def curation_path(record: LabelRecord) -> Path:
    return Path(record.source_path).parent / "curation.json"


def apply(record: LabelRecord, ars: AdverseReactionSet, path: Path | None = None) -> None:
    path = path or curation_path(record)
    if not path.is_file():
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        record.issues.append(Issue("warning", f"curation file {path.name} unreadable: {exc}", "4.8", None,
                                   "adverse.curation-unreadable"))
        return
    sha = hashlib.sha256(record.original.encode("utf-8")).hexdigest()
    want = (data.get("applies_to") or {}).get("sha256")
    if want and want != sha:
        record.issues.append(Issue("warning", f"curation file {path.name} was reviewed for another version "
                                   f"(sha256 {want[:12]}…, this text {sha[:12]}…); not applied", "4.8", None,
                                   "adverse.curation-version"))
        return
    ars.curation = str(path)
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
        options = getattr(e, "_options", [e.frequency])
        if freq not in options:
            record.issues.append(Issue("warning", f"curation sets '{e.term}' to {freq}, against the label's "
                                       f"evidence ({', '.join(options)})", e.source.section, e.source.line_start,
                                       "adverse.curation-conflict"))
        reason = fix.get("reason") or "curated"
        e.frequency, e.frequency_basis, e.frequency_rule, e.confidence = freq, "curated", reason, 1.0
        e.source = replace(e.source, derivation="curated", rule=reason, confidence=1.0)
        e.frequency_source = e.source
