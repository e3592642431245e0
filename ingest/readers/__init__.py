"""The readers: one label file -> section records (:mod:`ingest.records`) and the document model
(:mod:`ingest.document`).

* :mod:`ingest.readers.text` - PDF-extracted text labels;
* :mod:`ingest.readers.fhir` - HL7 FHIR ePI bundles (JSON/XML, narrative XHTML);
* :mod:`ingest.readers.pdf` - the EU product-information PDF itself.
"""

__all__ = ['text', 'fhir', 'pdf']
