"""The FHIR ePI reader: a FHIR document Bundle -> section records.

* :mod:`ingest.readers.fhir.epi` - the reader (Composition sections, narrative);
* :mod:`ingest.readers.fhir.bundle` - the Bundle checked and walked;
* :mod:`ingest.readers.fhir.resources` - product resources (MedicinalProductDefinition ...);
* :mod:`ingest.readers.fhir.json_positions` - JSON with the position of every string;
* :mod:`ingest.readers.fhir.xhtml` / :mod:`ingest.readers.fhir.xhtml_active` - narrative XHTML -> blocks;
* :mod:`ingest.readers.fhir.safe_xml` - XML parsing without entities or network.
"""

__all__ = ['epi', 'bundle', 'resources', 'json_positions', 'xhtml', 'xhtml_active', 'safe_xml']
