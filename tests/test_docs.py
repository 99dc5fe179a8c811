"""The guide's worked example builds, and says what it builds (docs/templates.md)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from click.testing import CliRunner

from kzru_reports.cli import main

from .readers import ROOT, docx_text, pdf_text

GUIDE = ROOT / "docs" / "templates.md"
FENCED = re.compile(r"<!-- (file|append): (\S+) -->\s*```\w*\n(.*?)```", re.S)
EXPECT = re.compile(r"<!-- expect: (\w+) ([\w.]+): (.*?) -->")


def test_the_worked_example_builds_as_the_guide_says(tmp_path: Path) -> None:
    text = GUIDE.read_text("utf-8")
    pieces = FENCED.findall(text)
    expectations = EXPECT.findall(text)
    assert len(pieces) == 4 and len(expectations) == 4
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        runner = CliRunner()
        assert runner.invoke(main, ["init", "briefings"]).exit_code == 0
        ws = tmp_path / "briefings"
        for action, name, body in pieces:
            path = ws / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a" if action == "append" else "w", encoding="utf-8") as fh:
                fh.write("\n" + body if action == "append" else body)
        os.chdir(ws)
        listing = runner.invoke(main, ["templates", "list", "-a", "press"])
        assert re.search(r"factsheet\.xml\.j2\s+audience press", listing.stdout)
        for args in (
            ["-a", "ministers"],
            ["-a", "analyst", "-a", "press"],
            ["-a", "analyst", "-l", "ru"],
        ):
            result = runner.invoke(main, ["build", *args])
            assert result.exit_code == 0, result.stderr
    finally:
        os.chdir(old)
    assert sorted(p.name for p in (ws / "build" / "kz-ru-state-visit-2025").iterdir()) == [
        "analyst",
        "ministers",
        "press",
    ]
    for audience, doc, wanted in expectations:
        stem = ws / "build" / "kz-ru-state-visit-2025" / audience / f"kz-ru-state-visit-2025-{doc}"
        texts = (
            pdf_text(Path(f"{stem}.pdf").read_bytes()),
            docx_text(Path(f"{stem}.docx").read_bytes()),
        )
        for phrase in wanted.split(" | "):
            for t in texts:
                assert phrase in t, (audience, doc, phrase)
