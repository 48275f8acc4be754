"""The layers of the README's "Architecture" section hold: imports only go down, and no file imports itself back."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Bottom to top; a package imports only packages of lower layers (and itself). The README's table says the same.
LAYERS = (
    ("config", "complaints"),
    ("router", "sla", "providers"),
    ("store",),
    ("intake", "delivery", "sweep", "reports"),
    ("edges",),
    ("channels", "api"),
    ("media",),
    ("app",),
    ("main",),
)
LAYER_OF = {package: level for level, packages in enumerate(LAYERS) for package in packages}


def modules() -> dict[str, Path]:
    """Every module of the service (not tests, benchmarks or migrations), by dotted name."""
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] not in LAYER_OF or "migrations" in parts:
            continue
        name = ".".join(parts)[:-3].removesuffix(".__init__")
        found[name] = path
    return found


def imports(path: Path, known: set[str]) -> set[str]:
    """The service modules a file imports, at any depth of the file (a function's imports count too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        out.update(name for name in names if name in known)
    return out


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    """File-level import graph of the service."""
    found = modules()
    return {name: imports(path, set(found)) - {name} for name, path in found.items()}


def test_every_package_of_the_service_has_a_layer():
    """A new top-level package must be given a layer here and in the README before it is used."""
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in ("tests", "bench")}
    assert packages <= set(LAYER_OF), f"packages without a layer: {sorted(packages - set(LAYER_OF))}"


def test_no_package_imports_one_above_it_or_beside_it(graph):
    """Imports only go down the layers: no package imports `api`, `app`, `main` or any package at or above its own."""
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        for target in targets
        if (a := module.split(".")[0]) != (b := target.split(".")[0]) and LAYER_OF[b] >= LAYER_OF[a]
    )
    assert wrong == []


def test_no_file_imports_itself_back(graph):
    """The file-level import graph has no cycle (a package's `__init__` importing its own modules is a tree)."""
    edges = defaultdict(set)
    for module, targets in graph.items():
        for target in targets:
            if not module.startswith(target + "."):  # a module reaching its own package's __init__ for a name
                edges[module].add(target)
    seen, on_path, cycles = set(), [], []

    def visit(node: str) -> None:
        seen.add(node)
        on_path.append(node)
        for nxt in sorted(edges[node]):
            if nxt in on_path:
                cycles.append(" -> ".join(on_path[on_path.index(nxt):] + [nxt]))
            elif nxt not in seen:
                visit(nxt)
        on_path.pop()

    for module in sorted(graph):
        if module not in seen:
            visit(module)
    assert cycles == []
