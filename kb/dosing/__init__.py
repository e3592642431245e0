"""The dose calculator: rules read from the label graph, one day's dose for one patient.

* :mod:`kb.dosing.engine` - the public API (dose, regimen, dose modification, indications);
* :mod:`kb.dosing.inputs` - patient input checking shared by the CLI and the web API;
* :mod:`kb.dosing.rules` - label graph -> dosing records (SPARQL);
* :mod:`kb.dosing.day` / :mod:`kb.dosing.plan` - one day, the whole course;
* :mod:`kb.dosing.prose` / :mod:`kb.dosing.forms` - prose dose rules and their forms;
* :mod:`kb.dosing.reasons` - the label's words when it gives no dose;
* :mod:`kb.dosing.words` - doses written for people.

Submodules are imported where used (nothing is loaded eagerly here), so a command
loads only what it needs.
"""

__all__ = ['engine', 'inputs', 'rules', 'day', 'plan', 'prose', 'forms', 'reasons', 'words']
