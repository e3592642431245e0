"""The knowledge base: records -> RDF, SHACL validation, store, services.

* :mod:`kb.service` - :class:`KnowledgeBase`, the one object the CLI and the web layer use;
* :mod:`kb.rdf` - records -> RDF; :mod:`kb.validate` - SHACL validation;
* :mod:`kb.store` - the quad store (local Oxigraph or a SPARQL server); :mod:`kb.sparql` - queries;
* :mod:`kb.search` - full-text search; :mod:`kb.dosing` - the dose calculator; :mod:`kb.diff` - label diff;
* :mod:`kb.adverse_query`, :mod:`kb.unresolved_query`, :mod:`kb.label_queries` - read facts back;
* :mod:`kb.linked_data`, :mod:`kb.fhir_export` - linked data and FHIR export;
* :mod:`kb.accept` - HTTP preference headers; :mod:`kb.version_cache` - answers cached per version.
"""

__all__ = ["service", "rdf", "validate", "store", "sparql", "search", "dosing", "diff", "adverse_query",
           "unresolved_query", "label_queries", "linked_data", "fhir_export", "accept", "version_cache"]
