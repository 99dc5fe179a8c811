"""The limits module: every limit documented with its number, and the operating
system's memory bound applied in a process that renders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kzru_reports import limits

DOCS = Path(__file__).resolve().parents[1] / "docs" / "security.md"


def _shown(value: int | float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def test_every_limit_is_documented_with_its_number() -> None:
    rows = {
        m["name"]: m["value"]
        for m in re.finditer(
            r"^\| `(?P<name>[A-Z_]+)` \| (?P<value>[^|]+) \|", DOCS.read_text(), re.M
        )
    }
    numbers = {n: getattr(limits, n) for n in limits.__all__ if n.isupper()}
    assert set(rows) == set(numbers)
    for name, value in numbers.items():
        assert rows[name].split()[0] == _shown(value), (name, rows[name], value)


# a child that bounds itself, then asks for far more than the bound
_CHILD = """
import resource, sys
from kzru_reports.limits import apply_worker_limits, memory_limit_mib
apply_worker_limits(256 * 1024 * 1024)
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
assert soft == 256 * 1024 * 1024, soft
assert memory_limit_mib() == 256
try:
    b = bytearray(1024 * 1024 * 1024)
except MemoryError:
    print("refused")
apply_worker_limits(1024 * 1024 * 1024)  # never raised again by a later call
assert resource.getrlimit(resource.RLIMIT_AS)[0] == 256 * 1024 * 1024
"""


def test_worker_limits_bound_the_address_space() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused"


# ------------------------------------------------------------------ runaway templates
# Each case runs as a user runs it, in its own process under an address-space cap of
# 1 GiB (so that a regression fails here instead of taking the machine down), and
# must end as one error naming the template and a limit, quickly.

CAP = 1024 * 1024 * 1024


def run_capped(
    args: list[str], cwd: Path, memory: int = CAP, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    """``kzru ARGS`` in ``cwd``, its address space bounded by ``memory`` bytes."""
    import os
    import resource

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src, "KZRU_CACHE_DIR": ""}
    return subprocess.run(
        [sys.executable, "-m", "kzru_reports", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=cap,
    )


RUNAWAY = {
    "namespace string doubled with ~": (
        "{% set ns = namespace(s='x' * 100000) %}"
        "{% for i in range(20) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
        "joining with ~ would make",
    ),
    "namespace string doubled with +": (
        "{% set ns = namespace(s='x' * 100000) %}"
        "{% for i in range(20) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}",
        "+ would make",
    ),
    "join of a long separator": ("{{ range(30000)|join('x' * 100000) }}", "join would make"),
    "list doubled with +": (
        "{% set ns = namespace(l=[1] * 100000) %}"
        "{% for i in range(30) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}",
        "+ would make",
    ),
    "replace growing a string": (
        "{{ ('a' * 100000)|replace('a', 'b' * 100000) }}",
        "replace would make",
    ),
    "lipsum of a million paragraphs": ("{{ lipsum(10**6) }}", "lipsum of 1,000,000"),
    "a tower of powers": (
        "{{ ((((10**64)**64)**64)**64)**64 > 1 }}",
        "an integer of more than 4,096 bits",
    ),
    "sum of lists": ("{{ [[1] * 1000] * 1000|sum(start=[]) }}", "sum adds numbers"),
    "a million paragraphs through safe": (
        "{% for i in range(1000) %}{% for j in range(1000) %}{{ '<p>x</p>'|safe }}"
        "{% endfor %}{% endfor %}",
        "more than 200,000 elements",
    ),
    "what no check names ends at the memory limit": (
        "{{ (['x' * 100000] * 100000)|string|length }}",
        "memory limit of 1,024 MiB",
    ),
}


def _workspace(tmp_path: Path, body: str) -> Path:
    (tmp_path / "templates").mkdir()
    (tmp_path / "kzru.toml").write_text('templates = "templates"\n')
    (tmp_path / "templates" / "memo.xml.j2").write_text(
        f'<document title="t">\n{body}\n</document>\n'
    )
    return tmp_path


@pytest.mark.parametrize("case", sorted(RUNAWAY))
def test_runaway_templates_end_at_a_limit(tmp_path: Path, case: str) -> None:
    body, says = RUNAWAY[case]
    ws = _workspace(tmp_path, body)
    result = run_capped(["build", "-d", "memo", "-f", "pdf", "-a", "analyst", "-o", "out"], ws)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "memo.xml.j2" in line and says in line, line


# ------------------------------------------------------------------ data at the limits


def _visit_at_the_limits() -> str:
    """A valid visit with as many figures (all with targets) and delegation members
    as the limits allow, and figures of the largest magnitude allowed."""
    lines = ["schema: visit/1", "id: at-the-limits", "title: At the limits", "parties:"]
    for party in ("aa", "bb"):
        lines += [f"  - id: {party}", f"    country: Country {party}", "    delegation:"]
        lines += [
            f"      - {{name: Delegate {i} With A Long Name, title: Deputy Minister of Trade}}"
            for i in range(limits.DELEGATION)
        ]
    lines.append("figures:")
    big = limits.NUMBER_ABS
    lines += [
        f"  - {{id: f{i}, label: Figure {i}, value: {big if i % 2 else -big}, unit: USD,"
        f" target: {{value: {big}, unit: USD, by: '2030'}}}}"
        for i in range(limits.FIGURES)
    ]
    return "\n".join(lines) + "\n"


def test_a_visit_at_every_limit_builds_under_the_memory_cap(tmp_path: Path) -> None:
    """validate and build agree: what validate passes at the limits lays out (a
    delegation over several pages), charts show a bounded number of bars (the rest
    in a table) and the DOCX chart picture is sized by the page, in bounded memory."""
    import zipfile

    from PIL import Image

    (tmp_path / "visit.yaml").write_text(_visit_at_the_limits())
    assert run_capped(["validate", "visit.yaml"], tmp_path).returncode == 0
    args = ["build", "visit.yaml", "-a", "analyst", "-d", "memo", "-d", "factsheet", "-o", "out"]
    result = run_capped(args, tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "out" / "at-the-limits" / "analyst"
    with zipfile.ZipFile(folder / "at-the-limits-factsheet.docx") as z:
        # a chart taller than a page is drawn in parts, broken between bars
        pictures = [n for n in z.namelist() if n.startswith("word/media/")]
        assert 1 <= len(pictures) <= 3
        for picture in pictures:
            with Image.open(z.open(picture)) as img:
                assert img.width * img.height <= limits.CHART_PIXELS
        text = z.read("word/document.xml").decode()
    assert f"Figure {limits.CHART_BARS}<" in text  # listed in the table after the chart
    assert f"Figure {limits.FIGURES - 1}<" in text


def test_charts_keep_a_bounded_number_of_bars() -> None:
    from kzru_reports.model import nodes as n
    from kzru_reports.templating.markup import parse_document

    bars = "".join(f'<bar label="b{i}" value="{i}" value-text="{i} t"/>' for i in range(40))
    doc = parse_document(f'<document title="t"><chart>{bars}</chart></document>', "t")
    chart, table = doc.body
    assert isinstance(chart, n.BarChart) and len(chart.bars) == limits.CHART_BARS
    assert isinstance(table, n.Table) and len(table.rows) == 40 - limits.CHART_BARS
    assert table.rows[0].cells[0].children == (n.Text(f"b{limits.CHART_BARS}"),)
