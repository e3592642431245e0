"""Read drug labels (SmPC) into typed records. Knows nothing of RDF or the web.

* :mod:`ingest.pipeline` - one label file -> one :class:`ingest.records.LabelRecord` (read, extract, check);
* :mod:`ingest.readers` - text, FHIR ePI and PDF readers;
* :mod:`ingest.extract` - the extractors (clinical facts, adverse reactions, posology, product, statements);
* the document model and records: :mod:`ingest.document`, :mod:`ingest.records`,
  :mod:`ingest.records_document`, :mod:`ingest.dosing_records`;
* shared: :mod:`ingest.text_lines`, :mod:`ingest.quotes`, :mod:`ingest.quantities`, :mod:`ingest.ids`,
  :mod:`ingest.scheme`, :mod:`ingest.errors` (the one error base class, :class:`KbError`) and
  :mod:`ingest.data_location` (the one place that knows where the data files are).
"""

__all__ = ["pipeline", "readers", "extract", "document", "records", "records_document", "dosing_records",
           "text_lines", "quotes", "quantities", "ids", "scheme", "errors", "data_location"]
