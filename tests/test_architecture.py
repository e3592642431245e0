"""Dependencies point one way: web -> kb -> ingest; ingest has no rdflib; kb reads no
Flask globals and no environment; the library never imports click."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def files(pkg: str):
    return sorted((ROOT / pkg).rglob("*.py"))


def test_ingest_knows_nothing_of_rdf_storage_or_web():
    for f in files("ingest"):
        bad = imports(f) & {"rdflib", "pyoxigraph", "pyshacl", "kb", "web", "flask", "click", "whoosh"}
        assert not bad, f"{f.relative_to(ROOT)} imports {bad}"


def test_kb_never_imports_the_web_layer_or_reads_the_environment():
    for f in files("kb"):
        if f.relative_to(ROOT).parts[:2] == ("kb", "cli"):
            continue  # the CLI is the outermost layer: `kb serve` starts the web app
        bad = imports(f) & {"web", "flask"}
        assert not bad, f"{f.relative_to(ROOT)} imports {bad}"
        text = f.read_text(encoding="utf-8")
        if "cli" not in f.relative_to(ROOT).parts:
            assert not re.search(r"os\.environ|getenv\(", text), f"{f.relative_to(ROOT)} reads the environment"
            assert "click" not in imports(f), f"{f.relative_to(ROOT)} imports click (only kb/cli may)"


def test_web_calls_kb_not_ingest():
    for f in files("web"):
        assert "ingest" not in imports(f), f"{f.relative_to(ROOT)} imports ingest directly"


def test_no_product_names_in_code():
    """Labels' facts come from labels: no bundled product name appears in pipeline code."""
    names = {"blincyto", "blinatumomab", "methotrexate", "zentavir"}
    for pkg in ("ingest", "kb", "web"):
        for f in files(pkg):
            text = f.read_text(encoding="utf-8").lower()
            for n in names:
                assert n not in text, f"{f.relative_to(ROOT)} mentions {n!r}"
