"""A curation file applies to the label text it was reviewed for, wherever the input lies:
it is found by the text's content hash among the project's curation files
(labels/**/curation*.json). The same file read from two folders gives the same graph."""
from __future__ import annotations

import shutil
from pathlib import Path

from rdflib.compare import isomorphic

from ingest.pipeline import read_label
from kb.rdf.build import build_graph

ROOT = Path(__file__).resolve().parent.parent
LABEL = ROOT / "labels/blincyto/smpc-il.txt"


def _entry(rec, term):
    hits = [e for e in rec.adverse_reactions.entries if e.term == term]
    assert len(hits) == 1, term
    return hits[0]


def test_bundled_text_elsewhere_keeps_its_curated_cells(tmp_path):
    shutil.copy(LABEL, tmp_path / "smpc-il.txt")
    rec = read_label(tmp_path / "smpc-il.txt")
    # as printed in the label (4.8 table): the uncommon cells of two rows
    for term in ("Speech disorder", "Dyspnea exertional", "Acute respiratory failure"):
        e = _entry(rec, term)
        assert (e.frequency, e.frequency_basis) == ("uncommon", "curated"), term
    assert sum(1 for e in rec.adverse_reactions.entries if e.frequency_basis == "curated") == 20
    assert not [u for u in rec.unresolved if u.kind == "adverse-frequency"]
    assert rec.adverse_reactions.curation == "labels/blincyto/curation.json"


def test_other_file_name_still_matches(tmp_path):
    shutil.copy(LABEL, tmp_path / "my-label.txt")
    rec = read_label(tmp_path / "my-label.txt")
    assert _entry(rec, "Speech disorder").frequency == "uncommon"


def test_a_changed_text_gets_no_curation(tmp_path):
    text = LABEL.read_text(encoding="utf-8") + "\n(a reader's note at the end)\n"
    (tmp_path / "smpc-il.txt").write_text(text, encoding="utf-8")
    rec = read_label(tmp_path / "smpc-il.txt")
    assert not any(e.frequency_basis == "curated" for e in rec.adverse_reactions.entries)
    speech = _entry(rec, "Speech disorder")
    assert speech.frequency is None and speech.frequency_options == ["common", "uncommon"]


def test_same_file_from_two_folders_gives_identical_graphs(tmp_path):
    a, b = tmp_path / "a" / "deep" / "folder", tmp_path / "b"
    a.mkdir(parents=True)
    b.mkdir()
    shutil.copy(LABEL, a / "smpc-il.txt")
    shutil.copy(LABEL, b / "smpc-il.txt")
    ga, gb = build_graph(read_label(a / "smpc-il.txt")), build_graph(read_label(b / "smpc-il.txt"))
    assert len(ga) > 1000 and isomorphic(ga, gb)
    assert not any(str(tmp_path) in str(o) for o in ga.objects())
    # and the same as the bundled file in its own folder
    assert isomorphic(ga, build_graph(read_label(LABEL)))
