"""Precision and recall of section 4.8 extraction against a gold TSV (term, soc, frequency).

Usage: python benchmarks/adverse_precision_recall.py [label] [gold.tsv]
Defaults: labels/blincyto/smpc-il.txt and labels/blincyto/gold-adverse-reactions.tsv.
A hit needs the same term (case-insensitive), the same SOC and the same frequency.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.pipeline import read_label  # noqa: E402


def load_gold(path: Path) -> set[tuple[str, str, str]]:
    rows = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("term\t"):
            continue
        term, soc, freq = line.split("\t")[:3]
        rows.add((term.strip().lower(), soc.strip(), freq.strip()))
    return rows


def score(label: Path, gold_path: Path) -> dict:
    rec = read_label(label)
    ars = rec.adverse_reactions
    got = {(e.term.lower(), e.soc or "", e.frequency) for e in (ars.entries if ars else [])}
    gold = load_gold(gold_path)
    tp = len(got & gold)
    return {
        "gold": len(gold), "extracted": len(got), "true_positives": tp,
        "precision": tp / len(got) if got else 0.0, "recall": tp / len(gold) if gold else 0.0,
        "missing": sorted(gold - got), "spurious": sorted(got - gold),
        "curated": sum(1 for e in ars.entries if e.frequency_basis == "curated") if ars else 0,
    }


def main(argv: list[str]) -> int:
    label = Path(argv[1]) if len(argv) > 1 else ROOT / "labels/blincyto/smpc-il.txt"
    gold = Path(argv[2]) if len(argv) > 2 else ROOT / "labels/blincyto/gold-adverse-reactions.tsv"
    r = score(label, gold)
    print(f"gold {r['gold']}  extracted {r['extracted']}  true positives {r['true_positives']}  "
          f"(of which curated frequency: {r['curated']})")
    print(f"precision {r['precision']:.1%}  recall {r['recall']:.1%}")
    for m in r["missing"]:
        print("missing ", *m, sep="\t")
    for s in r["spurious"]:
        print("spurious", *s, sep="\t")
    return 0 if r["precision"] == r["recall"] == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
