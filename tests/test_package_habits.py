"""Developer habits: a licence, ruff clean, and a mypy error count that may only go down."""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tests" / "mypy-baseline.txt"


def test_licence_file_matches_the_package_metadata():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert text.startswith(f"{meta['license']['text']} License")


def test_ruff_is_clean():
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


@pytest.mark.slow
def test_mypy_error_count_does_not_grow():
    """tests/mypy-baseline.txt holds the count when typing was introduced; lower it as errors are fixed."""
    r = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    last = (r.stdout.strip().splitlines() or [""])[-1]
    m = re.search(r"Found (\d+) errors?", last)
    count = int(m.group(1)) if m else 0
    assert m or last.startswith("Success"), r.stdout[-2000:] + r.stderr[-2000:]
    baseline = int(BASELINE.read_text().split()[0])
    assert count <= baseline, (
        f"mypy reports {count} errors, more than the recorded {baseline}; new ones:\n"
        + "\n".join(ln for ln in r.stdout.splitlines() if ": error:" in ln)[-4000:])
