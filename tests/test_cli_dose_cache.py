"""`kb dose` keeps the compiled rules of a label version between runs (the fast start), and a
re-ingest of that version is never answered from the old rules."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parent.parent
V1 = ROOT / "labels" / "blincyto" / "smpc-il.txt"
V2 = ROOT / "tests" / "fixtures" / "blincyto-v2.txt"  # 4.2 table 1, < 45 kg, cycle 1 days 1-7: 5 -> 6 mcg/m2/day
CHILD = ["--indication", "pediatric-relapsed-refractory", "--age-years", "8", "--weight-kg", "30",
         "--bsa-m2", "1.0", "--cycle", "1", "--day", "1", "--json"]


def dose(store) -> dict:
    r = CliRunner().invoke(main, ["--store", str(store), "dose", *CHILD])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)["dose"]


def test_rules_cache_follows_a_reingest(tmp_path):
    store = tmp_path / "store"
    ingest = ["--store", str(store), "ingest", "--label-id", "blincyto", "--version", "same"]
    assert CliRunner().invoke(main, [*ingest, str(V1)]).exit_code == 0
    assert dose(store) == {"value": 5, "unit": "ug/d"}  # 5 mcg/m2/day x 1.0 m2 (table 1)
    cached = list((store / "cache").glob("dose-rules-*.pickle"))
    assert len(cached) == 1
    assert dose(store) == {"value": 5, "unit": "ug/d"}  # answered from the cache, same answer
    assert CliRunner().invoke(main, [*ingest, str(V2)]).exit_code == 0  # same name, new content
    assert dose(store) == {"value": 6, "unit": "ug/d"}  # the v2 table, not the cached v1 rules
    assert len(list((store / "cache").glob("dose-rules-*.pickle"))) == 2


def test_a_warm_run_reads_the_kept_rules_instead_of_compiling_again(tmp_path, monkeypatch):
    store = tmp_path / "store"
    assert CliRunner().invoke(main, ["--store", str(store), "ingest", str(V1)]).exit_code == 0
    assert dose(store) == {"value": 5, "unit": "ug/d"}
    (kept,) = (store / "cache").glob("dose-rules-*.pickle")
    written = kept.stat()

    import kb.dosing.rules as dosing_rules

    def no_compile(*a, **k):
        raise AssertionError("the rules were compiled again although a copy was kept")

    monkeypatch.setattr(dosing_rules, "load_dosing", no_compile)
    assert dose(store) == {"value": 5, "unit": "ug/d"}  # from the copy on disk
    assert (kept.stat().st_ino, kept.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)  # not rewritten


def test_a_reingest_in_the_same_second_is_not_answered_from_the_old_rules(tmp_path, monkeypatch):
    """The ingest time has whole seconds: two ingests of different texts under one name within a
    second have the same one, and the cache key must still tell them apart (CI failed on this)."""
    from datetime import datetime, timezone

    import kb.ingest_steps

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)

    monkeypatch.setattr(kb.ingest_steps, "datetime", Frozen)
    store = tmp_path / "store"
    ingest = ["--store", str(store), "ingest", "--label-id", "blincyto", "--version", "same"]
    assert CliRunner().invoke(main, [*ingest, str(V1)]).exit_code == 0
    assert dose(store) == {"value": 5, "unit": "ug/d"}
    assert CliRunner().invoke(main, [*ingest, str(V2)]).exit_code == 0
    assert dose(store) == {"value": 6, "unit": "ug/d"}
