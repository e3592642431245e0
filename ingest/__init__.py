"""Read drug labels (SmPC) into typed records. Knows nothing of RDF or the web."""
