"""Full-text search over label passages, kept in step with the store.

* :mod:`kb.search.backends` - the backend names (imports no search library);
* :mod:`kb.search.base` - what every backend shares (queries, scope, updates);
* :mod:`kb.search.whoosh_index` / :mod:`kb.search.tantivy_index` - the two backends;
* :mod:`kb.search.analysis` - tokens, spelling variants, synonyms, typo correction;
* :mod:`kb.search.documents` - label graph -> search documents;
* :mod:`kb.search.latest` - the latest-versions index;
* :mod:`kb.search.results` - JSON-ready answers with safe snippets.

Submodules are imported where used (nothing is loaded eagerly here), so a command
loads only what it needs.
"""

__all__ = ['backends', 'base', 'whoosh_index', 'tantivy_index', 'analysis', 'documents', 'latest', 'results']
