"""Indications (4.1), contraindications (4.3) and warnings (4.4) as records.

The readers live in ``indications``, ``contraindications`` and ``warnings``;
the population of a fact in ``population``. The wording cues (age groups,
weights, biomarker status, disease states, criteria, risk and monitoring
phrases) are generic and live in ``ontology/data/clinical-terms.json``.
"""
from __future__ import annotations

from ingest.extract import fact_checks
from ingest.extract.clinical.contraindications import extract_contraindications
from ingest.extract.clinical.indications import extract_indications
from ingest.extract.clinical.population import population_of, terms
from ingest.extract.clinical.warnings import extract_warnings as _warnings
from ingest.records import Issue, LabelRecord
from ingest.scheme import number_for_role

__all__ = ["extract", "extract_contraindications", "extract_indications", "extract_warnings", "population_of", "terms"]


def extract_warnings(record: LabelRecord) -> None:
    number = number_for_role("warnings") or "4.4"
    if not _warnings(record, number):
        sec = record.section(number)
        record.issues.append(Issue("info", "section 4.4 has no named sub-headings; one warning per paragraph, "
                                   "titled by its lead words", number, sec.source.line_start))


def extract(record: LabelRecord) -> None:
    extract_indications(record)
    extract_contraindications(record)
    extract_warnings(record)
    fact_checks.clinical(record)
