"""Records -> RDF, following ``ontology/vocab/*.ttl``.

* :mod:`kb.rdf.build` - a label record -> the graph of its label version (all mappers);
* :mod:`kb.rdf.base` - IRI minting and shared patterns (provenance, quantities);
* :mod:`kb.rdf.core`, :mod:`kb.rdf.adverse`, :mod:`kb.rdf.dosing`, :mod:`kb.rdf.unresolved` - the mappers;
* :mod:`kb.rdf.standard_types` - schema.org / FHIR / PROV-O / SKOS types;
* :mod:`kb.rdf.oxigraph_terms` - rdflib <-> pyoxigraph terms;
* :mod:`kb.rdf.latest_versions` - the latest-versions graph (each label's latest version, as data).

Submodules are imported where used (nothing is loaded eagerly here), so a command
loads only what it needs.
"""

__all__ = ['build', 'base', 'core', 'adverse', 'dosing', 'unresolved', 'standard_types', 'oxigraph_terms', 'latest_versions']
