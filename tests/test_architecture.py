"""Dependencies point one way: cli -> web -> kb -> ingest, for every package, with no exemption.

* each layer imports only the layers below it (any import, function-level ones included);
* ingest has no rdflib, storage, search or web libraries; kb reads no Flask globals and no
  environment; only the CLI imports click; the web layer calls kb's services, not rdflib;
* no import cycle between modules (module-level imports);
* no module imports another module's private (``_name``) names;
* no bundled product name appears in code."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# the layers, bottom first: each may import only the ones listed before it
LAYERS = ("ingest", "kb", "web", "cli")
# libraries a layer must not import (besides the layers above it)
FORBIDDEN = {
    "ingest": {"rdflib", "pyoxigraph", "pyshacl", "flask", "click", "whoosh", "tantivy"},
    "kb": {"flask", "click"},
    "web": {"click", "rdflib"},
    "cli": set(),
}


def imports(path: Path) -> set[str]:
    """Top-level names of every absolute import in the file (function-level ones included)."""
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


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_package_is_a_layer():
    """No top-level package escapes the layer rules (the tests and benchmarks are not shipped)."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages - {"tests", "benchmarks", "scripts"} == set(LAYERS)


def test_each_layer_imports_only_the_layers_below():
    for i, layer in enumerate(LAYERS):
        above = set(LAYERS[i + 1:])
        for f in files(layer):
            bad = imports(f) & (above | FORBIDDEN[layer])
            assert not bad, f"{f.relative_to(ROOT)} imports {bad}"


def test_only_the_cli_reads_the_environment():
    for layer in ("ingest", "kb"):
        for f in files(layer):
            text = f.read_text(encoding="utf-8")
            assert not re.search(r"os\.environ|getenv\(", text), f"{f.relative_to(ROOT)} reads the environment"


def test_web_calls_kb_not_ingest():
    for f in files("web"):
        assert "ingest" not in imports(f), f"{f.relative_to(ROOT)} imports ingest directly"


def _run_time_imports(path: Path, known: set[str]) -> set[str]:
    """Project modules the module imports at run time: at load or inside a function (a cycle hidden
    behind a function-level import is still a cycle), not under ``if TYPE_CHECKING``."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # annotations only: nothing is imported at run time
            if isinstance(child, ast.Import):
                out.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[:len(base) - (child.level - 1)]
                    mod = ".".join(base + ([child.module] if child.module else []))
                else:
                    mod = child.module or ""
                for a in child.names:
                    out.add(f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in out if m in known and m != name}


def test_no_import_cycles_between_modules():
    paths = {module_name(f): f for layer in LAYERS for f in files(layer)}
    known = set(paths)
    graph = {m: _run_time_imports(p, known) for m, p in paths.items()}
    # Tarjan's strongly connected components
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    assert not cycles, f"import cycles: {cycles}"


def test_no_module_imports_private_names_of_another():
    """A helper two modules share is public in its package (no ``from kb.dosing.engine.x import _r``)."""
    bad = []
    for layer in LAYERS:
        for f in files(layer):
            for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom):
                    bad += [f"{f.relative_to(ROOT)}: {node.module}.{a.name}" for a in node.names
                            if a.name.startswith("_") and not a.name.startswith("__")]
    assert not bad, bad


def test_packages_name_what_they_offer():
    """Each package's __init__ has a docstring and an ``__all__``."""
    for layer in LAYERS:
        for init in (ROOT / layer).rglob("__init__.py"):
            tree = ast.parse(init.read_text(encoding="utf-8"))
            assert ast.get_docstring(tree), f"{init.relative_to(ROOT)} has no docstring"
            names = {t.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                     for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                     if isinstance(t, ast.Name)}
            assert "__all__" in names, f"{init.relative_to(ROOT)} has no __all__"


def test_no_modules_named_for_their_size():
    """Modules are named for what they hold: no ``_more``, ``_support``, ``utils``, ``misc``, ``helpers``."""
    for layer in LAYERS:
        for f in files(layer):
            assert not re.search(r"(_more|_support|utils|misc|helpers)$", f.stem), f"{f.relative_to(ROOT)}"


def test_no_product_names_in_code():
    """Labels' facts come from labels: no bundled product name appears in pipeline code."""
    names = {"blincyto", "blinatumomab", "methotrexate", "zentavir"}
    for pkg in LAYERS:
        for f in files(pkg):
            text = f.read_text(encoding="utf-8").lower()
            for n in names:
                assert n not in text, f"{f.relative_to(ROOT)} mentions {n!r}"
