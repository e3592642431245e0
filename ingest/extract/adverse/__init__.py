"""Section 4.8 (undesirable effects) as records.

* :mod:`ingest.extract.adverse.reactions` - the extractor (text tables, inline lists, footnotes);
* :mod:`ingest.extract.adverse.records` - the records every reader builds;
* :mod:`ingest.extract.adverse.data` - generic knowledge (MedDRA organ classes, frequency bands);
* :mod:`ingest.extract.adverse.table_html` / :mod:`ingest.extract.adverse.cells` /
  :mod:`ingest.extract.adverse.pdf_inline` - tables of the FHIR and PDF readers;
* :mod:`ingest.extract.adverse.inline`, :mod:`ingest.extract.adverse.footnotes`,
  :mod:`ingest.extract.adverse.incidence`, :mod:`ingest.extract.adverse.infer`,
  :mod:`ingest.extract.adverse.links` - inline lists, footnotes, incidences, inferred frequencies, links;
* :mod:`ingest.extract.adverse.curation` - curation applied by content.
"""

__all__ = ['reactions', 'records', 'data', 'table_html', 'cells', 'pdf_inline', 'inline', 'footnotes', 'incidence', 'infer', 'links', 'curation']
