"""Guards for the structural speed-ups. None of these measures time: they check the
shapes that make the engine fast (what is imported, how big tables are written),
so they pass on any machine, however slow."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kzru_reports.model import nodes as n
from kzru_reports.theme import default_theme

from .readers import unhyphenate

ROOT = Path(__file__).resolve().parents[1]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HEAVY = ("reportlab", "docx", "PIL")


ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "SOURCE_DATE_EPOCH": "1700000000"}


def _loaded(code: str, cwd: Path) -> set[str]:
    """Every module loaded by running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=cwd, env=ENV, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _modules_after(code: str, cwd: Path) -> set[str]:
    """The top-level packages loaded by running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    env = ENV
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    return {m.split(".")[0] for m in json.loads(last)}


def test_importing_the_cli_loads_no_writer_library(tmp_path: Path) -> None:
    loaded = _modules_after("import kzru_reports.cli", tmp_path)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize(
    "args",
    [["--help"], ["build", "--help"], ["schema"]],
    ids=["help", "build-help", "schema"],
)
def test_commands_that_write_nothing_load_no_writer_library(
    tmp_path: Path, args: list[str]
) -> None:
    code = (
        "import sys\nfrom kzru_reports.cli import main\n"
        f"sys.argv = ['kzru', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
    )
    loaded = _modules_after(code, tmp_path)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_validate_loads_no_layout_library(tmp_path: Path) -> None:
    """``validate`` reads the theme's fonts (reportlab's TrueType reader, to check
    every character has a glyph) but lays nothing out and writes no DOCX."""
    code = (
        "import sys\nfrom kzru_reports.cli import main\nsys.argv = ['kzru', 'validate']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
    )
    loaded = _loaded(code, tmp_path)
    layout = {m for m in loaded if m.startswith(("reportlab.platypus", "reportlab.graphics"))}
    assert not layout, sorted(layout)
    assert not {m for m in loaded if m == "docx" or m.startswith("docx.")}


def test_a_build_with_nothing_to_do_loads_no_writer_library(tmp_path: Path) -> None:
    command = ["build", "-o", "out", "--json", "-d", "memo"]
    first = subprocess.run(
        [sys.executable, "-m", "kzru_reports", *command],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert first.returncode == 0, first.stderr
    code = (
        "import contextlib, io, json, sys\nfrom kzru_reports.cli import main\n"
        f"sys.argv = ['kzru', *{command!r}]\nout = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n    try:\n        main()\n"
        "    except SystemExit as e:\n        assert not e.code, e.code\n"
        "report = json.loads(out.getvalue())\n"
        "assert {o['status'] for o in report['outputs']} == {'unchanged'}, report\n"
        "from kzru_reports.data.schema import Visit\n"
        "assert not Visit.__pydantic_complete__, 'the visit validator was built'\n"
    )
    loaded = _modules_after(code, tmp_path)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_fingerprints_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    """A second build rebuilds nothing, whatever order a process keeps sets in."""
    code = (
        "from kzru_reports.manifest import stable_repr\n"
        "from kzru_reports.audiences import Audience\n"
        "print(stable_repr(Audience('x', sections=frozenset('abcdefghij'), "
        "templates={'b': '2', 'a': '1'})))"
    )
    seen = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        seen.add(done.stdout)
    assert len(seen) == 1, seen


# ------------------------------------------------------------------ big tables


def _agreements_table(rows: int) -> n.Document:
    header = (
        n.Cell((n.Text("#"),), "right"),
        n.Cell((n.Text("Title"),)),
        n.Cell((n.Text("Summary"),)),
    )
    body: list[n.Row] = []
    for i in range(rows):
        if i % 500 == 0:
            body.append(n.Row((n.Cell((n.Text(f"Group {i // 500}"),)),), "group"))
        body.append(
            n.Row(
                (
                    n.Cell((n.Text(str(i + 1)),), "right"),
                    n.Cell((n.Strong((n.Text(f"Agreement {i}"),)),)),
                    n.Cell((n.Text("A summary long enough to wrap in a narrow column. " * 2),)),
                )
            )
        )
    table = n.Table(header, tuple(body), (0.4, 3.0, 4.0), "grid")
    return n.Document(n.Meta(title="Agreements"), (n.Heading(2, (n.Text("All"),)), table), "x")


@pytest.fixture(scope="module")
def big_docx() -> bytes:
    from kzru_reports.writers.docx.writer import DocxWriter

    return DocxWriter(default_theme()).render(_agreements_table(2_000))


def test_a_big_docx_table_keeps_its_structure(big_docx: bytes) -> None:
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(big_docx)) as z:
        root = etree.fromstring(z.read("word/document.xml"))
        styles = z.read("word/styles.xml").decode()
    table = root.find(f".//{W}tbl")
    assert table is not None
    rows = table.findall(f"{W}tr")
    assert len(rows) == 1 + 2_000 + 4  # header, agreements, group headings
    # the header row repeats on every page, and only the header row
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
    assert all(r.find(f"{W}trPr/{W}tblHeader") is None for r in rows[1:])
    # named styles, not direct formatting
    assert table.find(f"{W}tblPr/{W}tblStyle").get(f"{W}val") == "DataTableBanded"
    used = {p.get(f"{W}val") for p in table.iter(f"{W}pStyle")}
    assert used == {"TableHeading", "TableText", "TableGroup"}
    for style_id in (*used, "DataTableBanded"):
        assert f'w:styleId="{style_id}"' in styles
    # shading: the header's fill and the bands come from the table style; only the
    # group rows across the table carry their own
    assert not list(rows[0].iter(f"{W}shd"))
    group = rows[1].find(f"{W}tc/{W}tcPr/{W}gridSpan")
    assert group is not None and group.get(f"{W}val") == "3"
    assert all(
        r.find(f".//{W}shd") is None for r in rows[2:12] if r.find(f".//{W}gridSpan") is None
    )
    # every cell's width is set, as Word needs for a fixed layout
    assert all(tc.find(f"{W}tcPr/{W}tcW") is not None for tc in table.iter(f"{W}tc"))


def test_a_big_docx_opens_in_python_docx(big_docx: bytes) -> None:
    from docx import Document

    doc = Document(io.BytesIO(big_docx))
    table = doc.tables[0]
    assert len(table.rows) == 2_005
    assert table.rows[2].cells[1].paragraphs[0].style.name == "Table Text"
    assert table.rows[2].cells[1].paragraphs[0].runs[0].bold


def test_a_long_pdf_table_keeps_every_row_and_repeats_its_header() -> None:
    from pypdf import PdfReader

    from kzru_reports.writers.pdf.writer import PdfWriter

    rows = 450
    data = PdfWriter(default_theme()).render(_agreements_table(rows))
    reader = PdfReader(io.BytesIO(data))
    pages = [unhyphenate(p.extract_text()) for p in reader.pages]
    text = "\n".join(pages)
    for i in range(rows):
        assert f"Agreement {i}" in text, i
    assert len(pages) > 3
    assert all("Summary" in page for page in pages[1:])  # the header on every page


def test_a_font_file_is_parsed_once_for_the_glyph_check_and_the_pdf() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from kzru_reports import memo
    from kzru_reports.theme.fonts import truetype
    from kzru_reports.theme.glyphs import theme_coverage
    from kzru_reports.writers.pdf.fonts import ParsedTTFont, font_names, register_fonts

    memo.clear()  # as a fresh process (other tests' fonts may have filled the caches)
    theme = default_theme()
    theme_coverage(theme)
    register_fonts(theme)
    for family in (theme.body_font, theme.heading_font):
        for face, name in font_names(family).items():
            path = str(theme.font_path(getattr(family, face)))
            assert pdfmetrics.getFont(name).face is truetype(path)
    # the shortcut sets what reportlab's own constructor sets, no more and no less
    path = str(theme.font_path(theme.body_font.regular))
    assert vars(ParsedTTFont("Probe", path)).keys() == vars(TTFont("Probe", path)).keys()


def test_workers_forked_after_the_warm_up_load_and_compile_nothing(tmp_path: Path) -> None:
    """What a resident engine loads before forking its workers is all they need:
    rendering every job afterwards imports no library module, compiles no template and
    sets up no DOCX styles (each worker would otherwise do it again). A build leaves
    only the font subsetter to a worker that meets characters no kept subset holds
    (here, with no cache folder, every one)."""
    code = """
import sys
import jinja2
from kzru_reports.audiences import BUILTIN
from kzru_reports.data import find_visit_files
from kzru_reports.engine import Engine, Report, render_formats, shipped_visits, warm
from kzru_reports.engine.plan import plan
from kzru_reports.manifest import Manifest
from kzru_reports.writers.docx import blank

engine = Engine(workers=0)
options = engine.options(out="out", audiences=tuple(BUILTIN.values()))
files = find_visit_files([shipped_visits()])
jobs = list(plan(files, options, Manifest.load("out"), Report(), engine._loader(options)))
warm(options, [job for job, _ in jobs], resident=sys.argv[1] == "resident")
before = set(sys.modules)
compiled = []
real = jinja2.Environment.compile
jinja2.Environment.compile = lambda self, *a, **k: compiled.append(a[1]) or real(self, *a, **k)
blanks = blank.blank_for.cache_info().misses
for job, visit in jobs:
    render_formats(visit, job.audience, job.document, job.formats, options)
new = sorted(m for m in set(sys.modules) - before if not m.startswith("kzru_reports"))
assert all(m.startswith("fontTools.") for m in new), new
assert not new or sys.argv[1] == "build", new
assert not compiled, compiled
assert blank.blank_for.cache_info().misses == blanks
print("ok", len(jobs))
"""
    for kind in ("resident", "build"):
        done = subprocess.run(
            [sys.executable, "-c", code, kind],
            cwd=tmp_path,
            env=ENV,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["ok", "12"]
