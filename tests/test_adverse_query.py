"""Reading adverse reactions back (the JSON list of the CLI and web API)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from ingest.pipeline import read_label
from kb.adverse_query import GraphStore, adverse_reactions
from kb.rdf.adverse import add
from kb.rdf.base import GraphBuilder

ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=None)
def _store():
    rec = read_label(ROOT / "labels/blincyto/smpc-il.txt")
    b = GraphBuilder(rec.label_id, rec.version)
    add(b, rec)
    return GraphStore(b.g), str(b.root)


def test_json_shape_and_values():
    store, iri = _store()
    rows = adverse_reactions(store, iri)
    assert len(rows) == 70
    fungal = next(r for r in rows if r["term"] == "Fungal infections")
    assert fungal["soc"] == "Infections and infestations"
    assert fungal["frequency"] == "common" and fungal["frequency_basis"] == "inferred"
    assert fungal["incidence_percent"] == 9.6
    assert fungal["footnotes"] == ["a", "b"]
    assert fungal["source"] == {"section": "4.8/tabulated-list-of-adverse-reactions", "lines": [1484, 1484],
                                "quote": "Fungal infectionsa, b"}
    anemia = next(r for r in rows if r["term"] == "Anemia")
    assert anemia["included_terms"] == ["anemia", "hemoglobin decreased"]
    sepsis = next(r for r in rows if r["term"] == "Sepsis")
    assert sepsis["incidence_percent"] is None  # only a pediatric serious rate, not the table's population
    assert {"term", "soc", "frequency", "frequency_basis", "incidence_percent", "footnotes", "included_terms",
            "source"} <= set(rows[0])


def test_filters():
    store, iri = _store()
    rows = adverse_reactions(store, iri, soc="Nervous system disorders", frequency="uncommon")
    assert [r["term"] for r in rows] == ["Immune effector cell-associated neurotoxicity syndrome (ICANS)",
                                         "Speech disorder"]
    assert all(r["frequency_basis"] == "curated" for r in rows)
    assert len(adverse_reactions(store, iri, frequency="very common")) == 29
    with pytest.raises(ValueError):
        adverse_reactions(store, iri, frequency="often")
