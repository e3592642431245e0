"""Relevance: questions clinical staff ask, each with the section expected in the top 3.

Expectations are section keys of the bundled label (the numbered section, or
"number/sub-heading"); a hit counts when its section key starts with one of
them. Mean reciprocal rank over all questions is printed (run with -s).
"""
from __future__ import annotations

import pytest

try:  # tests/ as a package or as a plain directory
    from .web_fixtures import *  # noqa: F401,F403
except ImportError:
    from web_fixtures import *  # noqa: F401,F403

QUESTIONS = [
    ("seizure", ["4.4/neurologic-events"]),
    ("siezure", ["4.4/neurologic-events"]),
    ("breastfeeding", ["4.6/breast-feeding"]),
    ("can I breast-feed", ["4.6/breast-feeding"]),
    ("anaemia", ["4.8/tabulated-list", "4.8/summary"]),
    ("CRS", ["4.4/cytokine-release-syndrome"]),
    ("cytokine release syndrome management", ["4.4/cytokine-release-syndrome", "4.2/dose-adjustments"]),
    ("live vaccines", ["4.4/immunizations"]),
    ("infusion interrupted", ["4.2/", "4.9"]),
    ("dexamethasone", ["4.2/premedication", "4.2/dose-adjustments"]),
    ("pregnancy", ["4.6/pregnancy"]),
    ("driving", ["4.7"]),
    ("overdose", ["4.9"]),
    ("storage temperature", ["6.4"]),
    ("flush the line", ["4.2"]),
    ("Down syndrome", ["4.4/neurologic-events"]),
    ("renal impairment", ["4.2/renal-impairment", "5.2/renal-impairment"]),
    ("hepatic impairment", ["4.2/hepatic-impairment", "5.2/hepatic-impairment"]),
    ("pancreatitus", ["4.4/pancreatitis"]),
    ("tumour lysis", ["4.4/tumor-lysis-syndrome"]),
    ("HLH", ["4.4/haemophagocytic"]),
    ("hemophagocytic lymphohistiocytosis", ["4.4/haemophagocytic"]),
    ("ICANS", ["4.4/neurologic-events"]),
    ("neutropenia", ["4.4/neutropenia-and-febrile-neutropenia"]),
    ("medication errors", ["4.4/medication-errors"]),
    ("elevated liver enzymes", ["4.4/elevated-liver-enzymes"]),
    ("contraception", ["4.6/women-of-childbearing", "4.4/contraception"]),
    ("hypersensitivity", ["4.3"]),
    ("elderly", ["4.2/elderly"]),
    ("shelf life", ["6.3"]),
    ("reconstitution", ["6.6/reconstitution", "6.6"]),
    ("excipients", ["6.1", "4.4/excipients"]),
    ("infections", ["4.4/infections"]),
    ("PML", ["4.4/leukoencephalopathy"]),
    ("lineage switch", ["4.4/lineage-switch"]),
]


def _rank(results, expected) -> int | None:
    for i, r in enumerate(results, 1):
        if any(r["section_key"].startswith(e) for e in expected):
            return i
    return None


@pytest.fixture(scope="module", params=["whoosh", "tantivy"])
def answers(web_kb, request):
    """The same questions asked of each search backend."""
    from kb.search.whoosh_index import index_for

    idx = index_for(web_kb, request.param)
    idx.sync(web_kb)
    return {q: idx.search(q, pagesize=10)["results"] for q, _ in QUESTIONS}


def test_mean_reciprocal_rank(answers):
    ranks = {q: _rank(answers[q], exp) for q, exp in QUESTIONS}
    mrr = sum(1 / r for r in ranks.values() if r) / len(ranks)
    print(f"\nsearch relevance: {len(ranks)} questions, MRR = {mrr:.3f}")
    for q, r in ranks.items():
        print(f"  {r or '-':>2}  {q}")
    assert len(QUESTIONS) >= 25
    assert mrr >= 0.75


@pytest.mark.parametrize("question,expected", QUESTIONS, ids=[q for q, _ in QUESTIONS])
def test_expected_section_in_top_3(answers, question, expected):
    top = [r["section_key"] for r in answers[question][:3]]
    assert _rank(answers[question][:3], expected), f"{question!r}: top 3 were {top}, expected one of {expected}"
