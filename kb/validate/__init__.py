"""SHACL validation of a label graph (``ontology/shapes/*.ttl``).

* :mod:`kb.validate.shacl` - ``validate_graph`` and the :class:`ValidationReport`;
* :mod:`kb.validate.core_constraints` - SHACL Core constraints as SPARQL in Oxigraph;
* :mod:`kb.validate.sparql_constraints` - SHACL-SPARQL constraints in Oxigraph.

Submodules are imported where used (nothing is loaded eagerly here), so a command
loads only what it needs.
"""

__all__ = ['shacl', 'core_constraints', 'sparql_constraints']
