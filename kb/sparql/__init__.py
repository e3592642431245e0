"""SPARQL: what is allowed, how it runs, what comes back.

* :mod:`kb.sparql.safety` - safety checks, errors and content negotiation;
* :mod:`kb.sparql.vet` - the same verdict on the request path without a second parse;
* :mod:`kb.sparql.cost` - tokens of a query text and its static cost class (heavy or light);
* :mod:`kb.sparql.execution` - one query in pyoxigraph, plain picklable results;
* :mod:`kb.sparql.results` - results as rdflib terms and their W3C serialisations;
* :mod:`kb.sparql.workers` - warm worker processes that can be stopped (time budgets; a lane for heavy queries);
* :mod:`kb.sparql.sandbox` - a worker without network.

Submodules are imported where used (nothing is loaded eagerly here), so a command
loads only what it needs.
"""

__all__ = ['safety', 'vet', 'cost', 'execution', 'results', 'workers', 'sandbox', 'service_description']
