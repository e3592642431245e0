"""The dose calculator: rules read from the label graph, compiled once per label
version, then one day's dose for one patient. No dose number lives here.

Public API (plain arguments in, JSON-ready dicts out, :class:`DoseInputError`
-> HTTP 422 / CLI exit 2):

* ``DosingService(kb)`` with ``.dose(params)``, ``.regimen(params)``,
  ``.modification(params)``, ``.indications(label)``, and ``.answer_json(question, params)``
  (the answer as JSON bytes, kept per rules and inputs: the web API's path);
* ``compute_dose(rules, params)`` on :class:`Rules` (``Rules.from_graph(g)``).
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from ingest import dosing_records as dr
from kb.dosing.answer import compute_dose
from kb.dosing.inputs import DoseInputError, text
from kb.dosing.patient import Rules, patient, round_bsa, round_half_up, src
from kb.dosing.plan import dose_modification, regimen_plan
from kb.dosing.prose import describe
from kb.version_cache import VersionCache

ANSWER_ENTRIES, ANSWER_BYTES = 4096, 32 * 2**20  # JSON answers kept: at most 4096, and 32 MB in all

__all__ = ["DoseInputError", "Rules", "DosingService", "compute_dose", "patient", "src", "round_half_up", "round_bsa"]


class DosingService:
    """Dosing over a :class:`kb.service.KnowledgeBase`; rules cached per label version, JSON answers
    per (rules, question, inputs)."""

    def __init__(self, kb):
        self.kb = kb
        self._cache: dict[Any, Rules] = {}
        self._answers = VersionCache(ANSWER_ENTRIES, size=len, max_size=ANSWER_BYTES)

    def _ref(self, label: str | None):
        from kb.service import LabelNotFound

        try:
            return self.kb.resolve(label)
        except LabelNotFound as exc:
            raise DoseInputError(str(exc), "label") from None

    @staticmethod
    def rules_key(ref) -> tuple:
        """What a version's compiled rules are kept under: its graph and ingest time (a version
        ingested again gets new rules), e.g. for a copy on disk."""
        return (ref.iri, ref.ingested_at)

    def adopt(self, ref, rules: Rules) -> None:
        """Use ``rules`` (compiled earlier, e.g. read back from disk) for ``ref``'s version."""
        self._cache = {k: v for k, v in self._cache.items() if k[0] != ref.iri}
        self._cache[self.rules_key(ref)] = rules

    def compiled(self, ref) -> Rules | None:
        """The rules compiled (or adopted) for ``ref``'s version in this service, if any."""
        return self._cache.get(self.rules_key(ref))

    def rules(self, label: str | None, ref=None) -> Rules:
        ref = ref or self._ref(label)
        key = self.rules_key(ref)
        hit = self._cache.get(key)
        if hit is None:
            from kb.dosing.rules import load_dosing, runner_for_store

            run = runner_for_store(self.kb.store)
            hit = Rules.compile(ref.name, load_dosing(run, ref.iri)).with_reasons(run, ref.iri)
            self._cache = {k: v for k, v in self._cache.items() if k[0] != ref.iri}
            self._cache[key] = hit
        return hit

    def _answer(self, fn, params: Mapping[str, Any]) -> dict:
        """Every answer names the label version it was computed from (``label_version``)."""
        ref = self._ref(text(params, "label", required=False))
        return self._computed(fn, ref, self.rules(None, ref), params)

    @staticmethod
    def _computed(fn, ref, rules: Rules, params: Mapping[str, Any]) -> dict:
        out = fn(rules, params)
        out["label_version"] = ref.naming()
        return out

    def dose(self, params: Mapping[str, Any]) -> dict:
        return self._answer(compute_dose, params)

    def regimen(self, params: Mapping[str, Any]) -> dict:
        return self._answer(regimen_plan, params)

    def modification(self, params: Mapping[str, Any]) -> dict:
        return self._answer(dose_modification, params)

    def answer_json(self, question: str, params: Mapping[str, Any]) -> bytes:
        """The answer to ``question`` ("dose", "regimen", "dose-modification") as compact UTF-8 JSON,
        computed once per (label version's rules, question, inputs): the same inputs get the same
        bytes until the version is ingested again or removed (its rules are then read again, so the
        key changes). A refused input raises :class:`DoseInputError` and is not kept. Inputs are keyed
        with their types (``1``, ``1.0``, ``"1"`` and ``True`` are different inputs)."""
        fn = QUESTIONS[question]
        ref = self._ref(text(params, "label", required=False))
        rules = self.rules(None, ref)
        try:
            inputs = tuple(sorted((k, type(v).__name__, v) for k, v in params.items()))
            hash(inputs)
        except TypeError:  # a JSON body's list or object: an input error below, never kept
            return _dumps(self._computed(fn, ref, rules, params))
        return self._answers.get((ref.iri, ref.ingested_at, question, inputs),
                                 lambda: _dumps(self._computed(fn, ref, rules, params)))

    def indications(self, label: str | None) -> list[dict]:
        rules = self.rules(label)
        hours = [o.hours.value for o in rules.record.administration.options]
        return [{"id": use.indication_id, "kind": "regimen", "regimen": reg.id, "regimen_title": reg.title,
                 "age_group": use.age_group, "min_age_years": use.min_age.value if use.min_age else None,
                 "weight_groups": [g.label or g.id for g in reg.weight_groups], "text": " ".join(use.source.quote.split()),
                 "needs": _regimen_needs(reg, hours, rules.record.general_hospitalisation), "infusion_hours": hours,
                 "cycles": reg.max_cycles, "cycle_days": reg.cycle_days}
                for ind, (reg, use) in sorted(rules.by_indication.items())] + _rule_rows(rules)


QUESTIONS = {"dose": compute_dose, "regimen": regimen_plan, "dose-modification": dose_modification}


def _dumps(answer: dict) -> bytes:
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _regimen_needs(reg: dr.Regimen, hours: list, general: list) -> list[str]:
    """The inputs a page asks for this regimen (fields appear only when the rule needs them)."""
    needs = ["weight_kg", "age_years", "cycle", "day"]
    if any(g.basis == "bsa" for g in reg.weight_groups):
        needs += ["height_cm", "bsa_m2"]
    if hours:
        needs.append("infusion_hours")
    if any(h.condition for h in reg.hospitalisations + general):
        needs.append("cns_history")
    return needs


RULE_NEEDS = {"weight": ["weight_kg", "age_years"], "bsa": ["height_cm", "weight_kg", "bsa_m2", "age_years"],
              "fixed": ["age_years"]}


def _rule_rows(rules: Rules) -> list[dict]:
    return [{**describe(rule), "needs": _rule_needs(rule)} for rule in rules.record.dose_rules]


def _rule_needs(rule: dr.DoseRule) -> list[str]:
    """The inputs a rule's answer depends on: its basis's, a weight for bands or a printed minimum weight."""
    return sorted(set(RULE_NEEDS.get(rule.basis, ["age_years"])) | ({"weight_kg"} if rule.bands or rule.min_weight else set()))

