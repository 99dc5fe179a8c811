"""The command line contract: options, output paths, the --json report, exit codes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from kzru_reports.cli import main

from .readers import SHIPPED, SUMMIT


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_build_json_report_matches_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, _ = run(
        "build",
        str(SHIPPED),
        "--out",
        str(out),
        "--doc",
        "memo",
        "-f",
        "pdf",
        "-a",
        "analyst",
        "--json",
    )
    assert code == 0
    report = json.loads(stdout)
    assert report["errors"] == []
    [entry] = report["outputs"]
    assert entry["path"] == str(
        out / "kz-ru-state-visit-2025" / "analyst" / "kz-ru-state-visit-2025-memo.pdf"
    )
    data = Path(entry["path"]).read_bytes()
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert entry["bytes"] == len(data)
    assert (
        entry["visit"],
        entry["audience"],
        entry["document"],
        entry["format"],
        entry["status"],
    ) == ("kz-ru-state-visit-2025", "analyst", "memo", "pdf", "built")


def test_build_without_paths_uses_the_shipped_visit(tmp_path: Path) -> None:
    code, stdout, _ = run("build", "--out", str(tmp_path), "-d", "factsheet", "--json")
    assert code == 0
    built = sorted((o["audience"], o["format"]) for o in json.loads(stdout)["outputs"])
    assert built == [
        (audience, fmt)
        for audience in ("analyst", "leadership", "press")
        for fmt in ("docx", "pdf")
    ]


def test_bad_visit_fails_with_exit_1_and_others_still_build(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: visit/1\nid: bad\ntitle: x\nparties: [{id: a, country: A}]\n")
    code, stdout, stderr = run(
        "build", str(bad), str(SUMMIT), "--out", str(tmp_path / "o"), "-d", "memo", "--json"
    )
    assert code == 1
    report = json.loads(stdout)
    assert {o["visit"] for o in report["outputs"]} == {"astana-summit-2026"}
    [error] = report["errors"]
    assert (error["file"], error["line"], error["path"]) == (str(bad), 4, "parties")
    assert f"{bad}:4:1: parties: needs at least 2 entries" in stderr
    assert not (tmp_path / "o" / "bad").exists()
    assert "Traceback" not in stderr


def test_wrong_command_line_is_exit_2() -> None:
    assert run("build", "--doc", "nonsense")[0] == 2
    assert run("frobnicate")[0] == 2


def test_invalid_source_date_epoch_is_a_clear_usage_error(tmp_path: Path) -> None:
    result = CliRunner(env={"SOURCE_DATE_EPOCH": "1e9"}).invoke(
        main, ["build", str(SHIPPED), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "SOURCE_DATE_EPOCH must be a whole number" in result.stderr


def test_validate_reports_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "v.yaml"
    bad.write_text(
        "schema: visit/1\nid: Bad\ntitle: x\nparties: [{id: a, country: A}, "
        "{id: b, country: B, rol: host}]\n"
    )
    code, _, stderr = run("validate", str(bad))
    assert code == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 2 and "did you mean 'role'?" in lines[1]
    assert run("validate", str(SHIPPED))[:2] == (0, "ok\n")


def test_schema_is_json_schema() -> None:
    code, stdout, _ = run("schema")
    schema = json.loads(stdout)
    assert code == 0 and schema["title"] == "kzru-reports visit, format 1"
    assert "parties" in schema["required"]


def test_version() -> None:
    code, stdout, _ = run("--version")
    assert code == 0 and "kzru" in stdout


def test_the_program_ends_with_the_command_exit_code_and_all_its_output(tmp_path: Path) -> None:
    """``kzru`` ends its process without the interpreter's teardown: the exit code
    and every byte written to a pipe must still come through."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}

    def kzru(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kzru_reports", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
        )

    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n")
    failed = kzru("build", str(bad), "-o", "out", "--json")
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["errors"][0]["file"] == str(bad)

    usage = kzru("build", "--no-such-option")
    assert usage.returncode == 2 and "No such option" in usage.stderr

    done = kzru("build", str(SHIPPED), "-o", "out", "-d", "memo", "-a", "analyst", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [(tmp_path / o["path"]).exists() for o in report["outputs"]] == [True, True]
    assert kzru("--version").returncode == 0
