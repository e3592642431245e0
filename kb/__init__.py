"""The knowledge base: records -> RDF, SHACL validation, store, services."""
