"""The shape of the code: no import cycle, each module importable on its own."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import kzru_reports

PACKAGE = Path(kzru_reports.__file__).parent


def _modules() -> dict[str, Path]:
    out = {}
    for file in sorted(PACKAGE.rglob("*.py")):
        parts = list(file.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = file
    return out


MODULES = _modules()


def _imports(name: str, file: Path) -> set[str]:
    """The project modules that importing ``name`` may run: every import statement,
    at the top or inside a function (a cycle closed by a late import is still one),
    with the packages each passes through (their ``__init__`` runs first), except the
    packages ``name`` is itself inside."""
    named: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            named.add(node.module)
            named.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            named.update(a.name for a in node.names)
    out = set()
    for dotted in named:
        parts = dotted.split(".")
        for i in range(1, len(parts) + 1):
            module = ".".join(parts[:i])
            if module in MODULES and module != name and not name.startswith(module + "."):
                out.add(module)
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_through_others() -> None:
    graph = {name: _imports(name, file) for name, file in MODULES.items()}
    assert _cycles(graph) == []


def test_the_cycle_check_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a"}}
    assert _cycles(graph) == []
    graph["c"] = {"a"}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_a_package_counts_as_imported_by_whoever_imports_its_modules() -> None:
    graph = _imports("kzru_reports.engine.plan", MODULES["kzru_reports.engine.plan"])
    assert {"kzru_reports.data", "kzru_reports.data.load"} <= graph  # data/__init__ runs
    inside = _imports("kzru_reports.data.load", MODULES["kzru_reports.data.load"])
    assert "kzru_reports.data" not in inside and "kzru_reports.data.schema" in inside


def test_each_module_imports_alone() -> None:
    """Every module imports first, with no other module of the project loaded (one
    interpreter, the project's modules forgotten before each import)."""
    code = """
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m.split(".")[0] == "kzru_reports"]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc(limit=1).splitlines()[-1])
print("\\n".join(failed))
"""
    names = [m for m in MODULES if m != "kzru_reports.__main__"]
    done = subprocess.run(
        [sys.executable, "-c", code, *names], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
