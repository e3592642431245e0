"""The truth benchmark (benchmarks/truth.py) against the gold files people wrote.

The bundled labels must keep 100 %: every adverse reaction, indication,
contraindication and dose fact of their gold files. A wrong gold row must
lower the score, so the scorer itself can fail.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def truth():
    spec = importlib.util.spec_from_file_location("truth", ROOT / "benchmarks" / "truth.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("folder", ["blincyto", "methotrexate-uk"])
def test_bundled_labels_score_everything_in_their_gold(truth, folder):
    row = truth.score_folder(ROOT / "labels" / folder)
    assert "error" not in row
    assert row["adverse"]["precision"] == row["adverse"]["recall"] == 1.0
    for part, key in (("indications", "found"), ("contraindications", "found"), ("doses", "right")):
        assert row[part][key] == row[part]["expected"] > 0, (part, row[part]["missing"])


def test_a_wrong_gold_fact_lowers_the_score(truth, tmp_path):
    folder = tmp_path / "blincyto"
    shutil.copytree(ROOT / "labels" / "blincyto", folder)
    facts = json.loads((folder / "gold-facts.json").read_text(encoding="utf-8"))
    facts["dose_facts"][0]["dose"] = 10  # the label prints 9 mcg/day
    facts["contraindications"].append("Severe hepatic impairment.")  # not in the label
    (folder / "gold-facts.json").write_text(json.dumps(facts), encoding="utf-8")
    gold = folder / "gold-adverse-reactions.tsv"
    lines = gold.read_text(encoding="utf-8").splitlines()
    i = next(n for n, ln in enumerate(lines) if ln.startswith("Bacterial infections\t"))
    lines[i] = lines[i].replace("very common", "rare")
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    row = truth.score_folder(folder)
    assert row["doses"]["right"] == row["doses"]["expected"] - 1
    assert row["contraindications"]["found"] == row["contraindications"]["expected"] - 1
    assert row["adverse"]["precision"] < 1.0 and row["adverse"]["recall"] < 1.0
