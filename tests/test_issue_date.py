"""Which date is which: the cover's date of issue against SOURCE_DATE_EPOCH's stamp."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from kzru_reports.cli import main

from .conftest import SHIPPED, pdf_text

EPOCH = "1700000000"  # 14 November 2023, 22:13 UTC


def build_cover(tmp_path: Path, *options: str) -> tuple[str, str]:
    """The pack's first page as text, and its PDF creation date."""
    result = CliRunner(env={"SOURCE_DATE_EPOCH": EPOCH}).invoke(
        main,
        [
            "build",
            str(SHIPPED),
            "-o",
            str(tmp_path),
            "-d",
            "pack",
            "-f",
            "pdf",
            "-a",
            "press",
            *options,
        ],
    )
    assert result.exit_code == 0, result.output
    data = next(tmp_path.rglob("*-pack.pdf")).read_bytes()
    reader = PdfReader(io.BytesIO(data))
    first = pdf_text(_first_page(data))
    return first, str(reader.metadata.get("/CreationDate"))


def _first_page(data: bytes) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(data)).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def test_cover_says_today_not_the_commit_date(tmp_path: Path) -> None:
    cover, created = build_cover(tmp_path)
    assert _words(date.today()) in cover
    assert "14 November 2023" not in cover
    assert created.startswith("D:20231114")  # the reproducibility stamp is the commit's


def test_issue_date_given_or_the_commit_s(tmp_path: Path) -> None:
    cover, created = build_cover(tmp_path / "a", "--issue-date", "2025-11-10")
    assert "10 November 2025" in cover and created.startswith("D:20231114")
    cover, _ = build_cover(tmp_path / "b", "--issue-date", "commit")
    assert "14 November 2023" in cover


@pytest.mark.parametrize("value", ["2025-02-30", "10.11.2025", "20251110", "yesterday"])
def test_bad_issue_date_is_a_usage_error(tmp_path: Path, value: str) -> None:
    result = CliRunner().invoke(
        main, ["build", str(SHIPPED), "-o", str(tmp_path), "--issue-date", value]
    )
    assert result.exit_code == 2
    assert "--issue-date" in result.stderr and not list(tmp_path.rglob("*.pdf"))


def test_issue_date_commit_needs_source_date_epoch(tmp_path: Path) -> None:
    result = CliRunner(env={"SOURCE_DATE_EPOCH": None}).invoke(
        main, ["build", str(SHIPPED), "-o", str(tmp_path), "--issue-date", "commit"]
    )
    assert result.exit_code == 2 and "SOURCE_DATE_EPOCH" in result.stderr
