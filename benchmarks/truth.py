"""Score what the readers extract against gold files written by reading the labels.

Usage: python benchmarks/truth.py [--json] [--only NAME]

Every folder under ``labels/`` that holds a gold file is scored:

* ``gold-adverse-reactions.tsv`` (term, soc, frequency[, population, table]):
  adverse-reaction precision and recall for (term, SOC, frequency); terms are
  compared case-insensitively with whitespace normalised;
* ``gold-facts.json``: indications and contraindications found of expected (an
  extracted fact whose quote holds at least 80 % of the gold quote's words), and
  dose facts right (an extracted dose quantity with the gold number whose
  quote shares at least half of the gold quote's words);
* the number of unresolved items the reader reported for that label.

The label file scored is the one label file in the folder (text, FHIR ePI or
PDF). A file holding several SmPCs is scored on the SmPC that the gold file
names (``"smpc"`` in gold-facts.json, matched against the product name read from
section 1), else on the first. The script prints one table; the README shows it.
Gold files are written by people reading the PDF; nothing here knows a product.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest import pipeline  # noqa: E402

LABEL_SUFFIXES = (".txt", ".json", ".xml", ".pdf")
NUMBER = re.compile(r"(?<![A-Za-z\d.])\d+(?:,\d{3})*(?:\.\d+)?")  # not the 2 of "m2"
WORD = re.compile(r"[0-9a-zà-ÿµ]+(?:[.,][0-9]+)?", re.IGNORECASE)


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(plain(text))]


def norm_term(term: str) -> str:
    """Case, spacing and bracket spacing as printed do not make a different term."""
    t = re.sub(r"\s*\(\s*", " (", " ".join((term or "").split()))
    t = re.sub(r"\s+\)", ")", t)
    return t.strip(" .;,").lower()


def contains_most(candidate: str, gold: str, share: float) -> bool:
    """True when ``share`` of the gold quote's words occur in the candidate."""
    g = words(gold)
    if not g:
        return False
    c = set(words(candidate))
    return sum(1 for w in g if w in c) / len(g) >= share


TAG = re.compile(r"<[^>]+>")
UNIT_WORDS = {"micrograms": "ug", "microgram": "ug", "mcg": "ug", "µg": "ug", "μg": "ug",
              "milligrams": "mg", "units": "U", "unit": "U", "iu": "U", "/day": "/d", "/week": "/wk"}


def _count_words() -> dict[str, str]:
    """Count units spelled as words ("dose steps") -> their code, from the dosing data."""
    data = json.loads((ROOT / "ontology" / "data" / "dosing.json").read_text(encoding="utf-8"))
    return {w.replace(" ", ""): c for w, c in sorted(data["units"]["count_dose"].items(), key=lambda kv: -len(kv[0]))
            if " " in w}  # compared as norm_unit compares: spaces removed first


UNIT_WORDS = {**_count_words(), **UNIT_WORDS}


def plain(text: str) -> str:
    """Quote text without markup: ``m<sup>2</sup>`` reads as ``m2``."""
    return TAG.sub("", text or "")


def norm_unit(unit: str) -> str:
    u = (unit or "").replace(" ", "")
    for word, code in UNIT_WORDS.items():
        u = u.replace(word, code)
    return u.lower()


def same_unit(qty_unit: str, gold_unit: str | None) -> bool:
    """The quantity's unit is the gold unit, or the gold unit per some period ("mg" ~ "mg/wk")."""
    if not gold_unit:
        return True
    q, g = norm_unit(qty_unit), norm_unit(gold_unit)
    if q == g:
        return True
    per_body = ("/kg", "/m2")
    if any(b in q for b in per_body) != any(b in g for b in per_body):
        return False
    return q.startswith(g + "/") or g.startswith(q + "/")


def numbers(text: str) -> set[float]:
    return {float(n.replace(",", "")) for n in NUMBER.findall(plain(text))}


def same_numbers(candidate: str, gold: str) -> bool:
    """Every number printed in the gold quote is printed in the candidate quote."""
    return numbers(gold) <= numbers(candidate)


def read_records(path: Path) -> list:
    read_labels = getattr(pipeline, "read_labels", None)
    if read_labels is not None:
        return list(read_labels(path))
    return [pipeline.read_label(path)]


def pick(records: list, facts: dict | None):
    """The SmPC the gold file was written for: its label id if the gold names it, else the record
    whose name words all occur in the gold's SmPC name (then the one covering most of it)."""
    facts = facts or {}
    hint = facts.get("label_id_hint")
    for r in records:
        if hint and r.label_id == hint:
            return r
    wanted = facts.get("smpc")
    if wanted and len(records) > 1:
        want = set(words(wanted))
        return max(records, key=lambda r: _overlap(want, r))
    return records[0]


def _overlap(want: set[str], record) -> tuple[float, float]:
    name = " ".join(filter(None, [getattr(record.product, "name", None) if record.product else None,
                                  record.title]))
    got = set(words(name.replace("-", " ")))
    common = len(want & got)
    return common / (len(got) or 1), common / (len(want) or 1)


def load_gold_ar(path: Path) -> set[tuple[str, str, str]]:
    rows = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("term\t"):
            continue
        cols = line.split("\t")
        if len(cols) < 3:
            continue
        rows.add((norm_term(cols[0]), cols[1].strip(), cols[2].strip().lower()))
    return rows


def score_ar(record, gold_path: Path) -> dict:
    ars = record.adverse_reactions
    got = {(norm_term(e.term), e.soc or "", e.frequency) for e in (ars.entries if ars else [])}
    gold = load_gold_ar(gold_path)
    tp = len(got & gold)
    return {"gold": len(gold), "extracted": len(got), "tp": tp,
            "precision": tp / len(got) if got else 0.0,
            "recall": tp / len(gold) if gold else 0.0,
            "missing": sorted(gold - got), "spurious": sorted(got - gold)}


def _quotes(facts) -> list[str]:
    """Each fact's text and its source quote, as separate candidates."""
    out = []
    for f in facts:
        src = getattr(f, "source", None)
        out.extend(t for t in (getattr(f, "text", None), getattr(src, "quote", None)) if t)
    return out


def same_fact(candidate: str, gold: str) -> bool:
    """The candidate holds 80 % of the gold quote's words and is not several facts run together
    (at most twice the gold's length plus a few words: a lead-in, a cross-reference)."""
    return contains_most(candidate, gold, 0.8) and len(words(candidate)) <= 2 * len(words(gold)) + 8


def found_of(expected: list, extracted: list[str], key: str | None = None) -> tuple[int, list[str]]:
    missing = []
    for item in expected:
        quote = item.get(key) if key and isinstance(item, dict) else item
        if not any(same_fact(c, quote) for c in extracted):
            missing.append(quote)
    return len(expected) - len(missing), missing


def _walk_quantities(obj, quote: str | None, out: list, seen: set) -> None:
    """Every Quantity reachable from ``obj`` with the quote of the nearest source."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return
    if type(obj).__name__ == "Quantity":  # a leaf: one quantity may be quoted in several places
        out.append((obj, quote or ""))
        return
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, dict):
        for v in obj.values():
            _walk_quantities(v, quote, out, seen)
        return
    if isinstance(obj, (list, tuple, set)):
        for v in obj:
            _walk_quantities(v, quote, out, seen)
        return
    if not dataclasses.is_dataclass(obj):
        return
    src = getattr(obj, "source", None)
    q = getattr(src, "quote", None) or quote
    names = [f.name for f in dataclasses.fields(obj)]
    stems = [n[: -len("_source")] for n in names if n.endswith("_source")]
    for name in names:
        # records pair a value with its own source: ``max_dose`` / ``max_dose_source``,
        # ``max_period_dose`` / ``max_period_source``, ``bag_volume`` / ``volume_source``
        stem = max((s for s in stems if s in name), key=len, default=None)
        own = getattr(getattr(obj, stem + "_source", None), "quote", None) if stem else None
        _walk_quantities(getattr(obj, name), own or q, out, seen)


def score_doses(record, expected: list[dict]) -> tuple[int, list[str]]:
    quantities: list = []
    _walk_quantities(record.dosing, None, quantities, set())
    missing = []
    for fact in expected:  # facts without a number ("determined by the physician") are not scored here
        number = fact.get("dose")
        quote = fact.get("quote", "")
        ok = False
        for qty, q in quantities:
            values = [v for v in (qty.value, qty.low, qty.high) if v is not None]
            same_number = number is not None and any(abs(v - float(number)) < 1e-9 for v in values) \
                and same_unit(qty.unit, fact.get("unit"))
            if same_number and same_numbers(q, quote) and (contains_most(q, quote, 0.5) or contains_most(quote, q, 0.9)):
                ok = True
                break
        if not ok:
            missing.append(quote)
    return len(expected) - len(missing), missing


def unresolved_count(record) -> int:
    items = getattr(record, "unresolved", None)
    if items is not None:
        return len(items)
    return sum(1 for i in record.issues if i.severity in ("error", "warning"))


def label_file(folder: Path) -> Path | None:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in LABEL_SUFFIXES
                   and not p.name.startswith("gold") and not p.name.startswith("curation"))
    return files[0] if files else None


def score_folder(folder: Path) -> dict:
    path = label_file(folder)
    facts_path = folder / "gold-facts.json"
    facts = json.loads(facts_path.read_text(encoding="utf-8")) if facts_path.exists() else None
    labels = ROOT / "labels"
    name = str(folder.relative_to(labels)) if folder.is_relative_to(labels) else folder.name
    row: dict = {"label": name, "file": path.name if path else None}
    if path is None:
        row["error"] = "no label file"
        return row
    try:
        records = read_records(path)
    except Exception as exc:  # a refused label is a score of nothing, reported as such
        row["error"] = f"{type(exc).__name__}: {exc}"
        return row
    record = pick(records, facts)
    row["label_id"] = record.label_id
    row["smpcs"] = len(records)
    ar_gold = folder / "gold-adverse-reactions.tsv"
    if ar_gold.exists():
        row["adverse"] = score_ar(record, ar_gold)
    if facts:
        ind = facts.get("indications", [])
        n, miss = found_of(ind, _quotes(record.indications), "text")
        row["indications"] = {"expected": len(ind), "found": n, "missing": miss}
        ci = facts.get("contraindications", [])
        n, miss = found_of(ci, _quotes(record.contraindications))
        row["contraindications"] = {"expected": len(ci), "found": n, "missing": miss}
        doses = [d for d in facts.get("dose_facts", []) if d.get("dose") is not None]
        n, miss = score_doses(record, doses)
        row["doses"] = {"expected": len(doses), "right": n, "missing": miss}
    row["unresolved"] = unresolved_count(record)
    return row


def gold_folders() -> list[Path]:
    found = {p.parent for p in (ROOT / "labels").rglob("gold-*") if p.is_file()}
    return sorted(found)


def _cell(part: dict | None, a: str, b: str) -> str:
    return f"{part[a]}/{part[b]}" if part else "-"


def print_table(rows: list[dict]) -> None:
    head = f"{'label':<22} {'AR P':>6} {'AR R':>6} {'AR tp/gold':>10} {'ind':>6} {'contra':>7} {'doses':>6} {'unres':>6}"
    print(head)
    print("-" * len(head))
    for r in rows:
        if "error" in r:
            print(f"{r['label']:<22} refused: {r['error']}")
            continue
        ar = r.get("adverse")
        p = f"{ar['precision']:.2f}" if ar else "-"
        rc = f"{ar['recall']:.2f}" if ar else "-"
        print(f"{r['label']:<22} {p:>6} {rc:>6} {_cell(ar, 'tp', 'gold'):>10} "
              f"{_cell(r.get('indications'), 'found', 'expected'):>6} "
              f"{_cell(r.get('contraindications'), 'found', 'expected'):>7} "
              f"{_cell(r.get('doses'), 'right', 'expected'):>6} {r['unresolved']:>6}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print every score with what was missed")
    ap.add_argument("--only", help="score only the label folder whose path contains this")
    args = ap.parse_args(argv)
    rows = [score_folder(f) for f in gold_folders() if not args.only or args.only in str(f)]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False, default=list))
    else:
        print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
