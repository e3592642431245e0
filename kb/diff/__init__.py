"""Label-update diff: what changed between two versions of one product's label.

* :mod:`kb.diff.compare` - ``diff_graphs`` / ``diff_store``: the :class:`LabelDiff`;
* :mod:`kb.diff.model` - plain data (facts, changes, text keys);
* :mod:`kb.diff.core_facts` / :mod:`kb.diff.adverse_dosing_facts` - comparable facts of a graph;
* :mod:`kb.diff.match` - matching facts by meaning;
* :mod:`kb.diff.text` - passage-level text diff;
* :mod:`kb.diff.graph` - a fast read-only view of a stored graph;
* :mod:`kb.diff.changeset` - a diff as RDF;
* :mod:`kb.diff.report` - JSON, terminal and HTML formats.

Submodules are imported where used (nothing is loaded eagerly here), so a command
loads only what it needs.
"""

__all__ = ['compare', 'model', 'core_facts', 'adverse_dosing_facts', 'match', 'text', 'graph', 'changeset', 'report']
