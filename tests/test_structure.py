"""The shape of the code: no import cycle, each module importable on its own."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import get_args

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


# ------------------------------------------------------------------ node dispatch


def _rule_tables() -> dict[str, dict[type, object]]:
    modules = {
        "dump": "kzru_reports.model.dump",  # (the package exports a function of that name)
        "pdf": "kzru_reports.writers.pdf.translate",
        "docx": "kzru_reports.writers.docx.translate",
    }
    return {name: importlib.import_module(m).RULES for name, m in modules.items()}


def test_every_block_node_type_has_a_rule_in_every_writer_and_in_dump() -> None:
    from kzru_reports.model import nodes as n

    blocks = set(get_args(n.Block))
    assert len(blocks) > 5
    for name, rules in _rule_tables().items():
        assert set(rules) == blocks, name


def test_a_document_of_every_node_type_is_written_by_every_writer() -> None:
    """Inline nodes too: each writer (and dump) handles every one, nested."""
    from kzru_reports.model import nodes as n
    from kzru_reports.model.dump import dump
    from kzru_reports.theme import default_theme
    from kzru_reports.writers import FORMATS, get_writer

    inlines = (
        n.Text("plain "),
        n.Strong((n.Emph((n.Text("both"),)),)),
        n.LineBreak(),
        n.Link((n.Text("link"),), "https://example.org"),
        n.PageRef("top", 1),
    )
    assert {type(i) for i in inlines} | {n.Emph, n.Strong} == set(get_args(n.Inline))
    body: tuple[n.Block, ...] = (
        n.Heading(1, inlines, "top"),
        n.Paragraph(inlines),
        n.List((n.ListItem(inlines, n.List((n.ListItem(inlines),), ordered=True)),)),
        n.Quote((n.Paragraph(inlines),), inlines),
        n.FieldList((n.Field((n.Text("Label"),), inlines),)),
        n.KeyFigures((n.KeyFigure("42", "answers", "note", "about"),)),
        n.BarChart((n.Bar("bar", 3.0, 4.0, "3", "4"),), "chart", "value", "target"),
        n.Table((n.Cell(inlines),), (n.Row((n.Cell(inlines, "right"),)),)),
        n.PageBreak(),
    )
    assert {type(b) for b in body} == set(get_args(n.Block))
    doc = n.Document(n.Meta(title="Every node"), body)
    assert "both" in dump(doc) and "answers" in dump(doc)
    for fmt in FORMATS:
        assert get_writer(fmt, default_theme()).render(doc), fmt


def test_the_readme_names_every_folder_and_module_of_the_package() -> None:
    # the repository's own tree, not the installed copy (CI installs a wheel)
    root = Path(__file__).resolve().parents[1]
    source = root / "src" / "kzru_reports"
    readme = (root / "README.md").read_text("utf-8")
    section = readme.split("## How it is built", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([\w.]+/?)`", section))
    present = {
        p.name + ("/" if p.is_dir() else "")
        for p in source.iterdir()
        if p.name not in ("__init__.py", "py.typed") and not p.name.startswith((".", "__pyc"))
    }
    missing = sorted(present - named)
    assert not missing, f"README 'How it is built' should say what these are: {missing}"
    anywhere = {q.name + ("/" if q.is_dir() else "") for q in source.rglob("*")}
    anywhere.add("templates/")  # the repository's, packaged with the code
    gone = sorted(n for n in named if n.endswith((".py", "/")) and n not in anywhere)
    assert not gone, f"README 'How it is built' names what is no longer there: {gone}"


def test_the_readme_names_every_module_of_each_package() -> None:
    """Each package's row in 'How it is built' names its modules (``engine/`` lists
    ``core``, ``pool`` ...), so a reader finds where each part lives."""
    root = Path(__file__).resolve().parents[1]
    source = root / "src" / "kzru_reports"
    readme = (root / "README.md").read_text("utf-8")
    section = readme.split("## How it is built", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            first, rest = line[1:].split("|", 1)
            rows.update({name: rest for name in re.findall(r"`(\w+/)`", first)})
    missing = []
    for package in sorted(p for p in source.iterdir() if (p / "__init__.py").exists()):
        row = rows.get(package.name + "/", "")
        named = set(re.findall(r"`([\w.]+)`", row))
        missing += [
            f"{package.name}/{m.name}"
            for m in sorted(package.glob("*.py"))
            if m.stem != "__init__" and m.stem not in named and m.name not in named
        ]
    assert not missing, (
        f"README 'How it is built' should name these in their package's row: {missing}"
    )


def test_the_style_sheet_gives_every_role_a_look() -> None:
    """Every role a template may give has a look in the one neutral sheet, and every
    text style of the sheet is translated by both writers."""
    from kzru_reports.model import nodes as n
    from kzru_reports.theme import default_theme
    from kzru_reports.writers.docx.styles import FIELD_STYLES, TABLE_STYLES, WORD_STYLES
    from kzru_reports.writers.pdf.styles import styles
    from kzru_reports.writers.sheet import GROUP_ROW, sheet

    sh = sheet(default_theme())
    for node, table in (
        (n.Paragraph, sh.paragraphs),
        (n.Heading, sh.headings),
        (n.List, sh.lists),
        (n.Table, sh.tables),
        (n.FieldList, sh.fields),
    ):
        assert set(table) == set(n.ROLES[node]), node.__name__
    assert n.ROLES[n.Row] == ("", GROUP_ROW)
    assert set(TABLE_STYLES) == set(sh.tables) and set(FIELD_STYLES) == set(sh.fields)
    assert set(WORD_STYLES) == set(sh.text)
    assert set(styles(default_theme())) == set(sh.text)
    named = {*sh.paragraphs.values(), *sh.lists.values(), *(v for v in sh.headings.values() if v)}
    for look in sh.tables.values():
        named |= {look.head, look.text, look.group}
    for fl in sh.fields.values():
        named |= {fl.label, fl.value}
    assert named <= set(sh.text)
    # the roles that once had no look of their own: a compact table, a memo's header
    assert sh.tables["compact"] != sh.tables[""] and sh.fields["header"] != sh.fields[""]
