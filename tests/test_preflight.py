"""kzru validate's pre-flight warnings: located, exit 0, errors with --strict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kzru_reports.cli import main
from kzru_reports.data.preflight import unit_problem

VISIT = """\
schema: visit/1
id: preflight
title: Working visit
parties:
  - id: aa
    country: Country A
    role: host
    leader: {name: Anna Alpha, title: President}
    delegation:
      - {name: Boris Beta, title: Minister}
  - {id: bb, country: Country B, role: guest}
figures:
  - {id: trade, label: Trade, value: 20, unit: $, period: "2024", source: s}
  - {id: cargo, label: Cargo, value: 5, unit: tonnes, source: s,
     target: {value: 9, unit: usd}}
  - {id: flow, label: Flow, value: 1, unit: m3/s, period: "2025"}
agreements:
  - id: deal
    title: Deal
    status: signed
    source: s
    signatories:
      - Anna Alpha, President
      - Boris Beta
      - Carl Gamma, Ambassador
sources:
  - {id: s, title: Press release}
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def visit(tmp_path: Path) -> Path:
    path = tmp_path / "visit.yaml"
    path.write_text(VISIT)
    return path


def test_warnings_are_located_and_do_not_fail(visit: Path) -> None:
    code, out, err = run("validate", str(visit))
    assert code == 0 and "ok" in out
    lines = err.splitlines()
    expected = [
        ":13:42: figures[0].unit: warning: unit '$' is not an ISO 4217 code (did you mean USD?)",
        ":14:5: figures[1]: warning: figure 'cargo' has no period",
        ":15:25: figures[1].target.unit: warning: unit 'usd' is not an ISO 4217 code "
        "(did you mean USD?)",
        ":16:5: figures[2]: warning: figure 'flow' names no source",
        ":16:39: figures[2].unit: warning: unit 'm3/s' is not an ISO 4217 code, '%' or a",
        ":25:9: agreements[0].signatories[2]: warning: signatory 'Carl Gamma' is none of the",
    ]
    for part in expected:
        assert any(f"{visit}{part}" in line for line in lines), (part, err)
    assert not [x for x in lines if "signatories[0]" in x or "signatories[1]" in x]
    assert len(lines) == len(expected)


def test_strict_makes_warnings_errors(visit: Path) -> None:
    code, out, err = run("validate", "--strict", str(visit))
    assert code == 1 and "ok" not in out
    assert "did you mean USD" in err and "warning:" not in err


def test_warnings_in_json_and_github_formats(visit: Path) -> None:
    code, out, _ = run("validate", "--json", str(visit))
    assert code == 0
    report = json.loads(out)
    assert report["errors"] == [] and len(report["warnings"]) == 6
    assert all(w["line"] and w["path"] for w in report["warnings"])
    code, out, _ = run("validate", "--format", "github", str(visit))
    assert code == 0 and out.count("::warning file=") == 6


@pytest.mark.parametrize(
    ("unit", "problem"),
    [
        ("USD", None),
        ("KZT", None),
        ("%", None),
        ("students", None),
        ("cubic metres", None),
        ("тонн", None),
        ("€", "did you mean EUR?"),
        ("eur", "did you mean EUR?"),
        ("₸", "did you mean KZT?"),
        ("km/h", "not an ISO 4217 code, '%' or a plain word"),
    ],
)
def test_units(unit: str, problem: str | None) -> None:
    got = unit_problem(unit)
    assert (got is None) if problem is None else (got is not None and problem in got)


def test_shipped_visit_validates_without_warnings() -> None:
    code, out, err = run("validate")
    assert code == 0 and "ok" in out
    assert err == ""
