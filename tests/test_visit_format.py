"""docs/visit-format.md is written from the model that validates visit files."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from kzru_reports.cli import main
from kzru_reports.data.reference import markdown, undocumented

from .conftest import ROOT

DOC = ROOT / "docs" / "visit-format.md"


def test_the_reference_is_current_with_the_model() -> None:
    """Fails when a field is added, renamed or described anew without regenerating:
    python -m kzru_reports.data.reference > docs/visit-format.md"""
    assert DOC.read_text("utf-8") == markdown()


def test_every_field_has_a_meaning_and_an_example() -> None:
    assert undocumented() == []
    rows = [line for line in markdown().splitlines() if line.startswith("| `")]
    assert len(rows) > 60
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert len(cells) == 5 and cells[3] and cells[4], row


def test_allowed_values_and_defaults_come_from_the_model() -> None:
    text = markdown()
    assert (
        "| `kind` | one of `declaration`, `agreement`, `memorandum`, `programme`, `protocol`, "
        "`plan`, `letter`, `other` | `other` |"
    ) in text
    assert "| `classification` | one of `public`, `official`, `restricted` | `official` |" in text
    assert "| `qualifier` | one of `more_than`, `about`, `less_than`, `up_to` | optional |" in text


def test_kzru_schema_carries_the_descriptions() -> None:
    out = CliRunner().invoke(main, ["schema"]).stdout
    schema = json.loads(out)
    level = schema["properties"]["classification"]["description"]
    assert level.startswith("The level of the visit's title") and "\n" not in level
    kinds = schema["$defs"]["Agreement"]["properties"]["kind"]["description"]
    assert "declaration" in kinds


def test_the_reference_links_only_files_of_the_repository() -> None:
    text = DOC.read_text("utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        assert not target.startswith(("http", "/")) and "shared" not in target, target
        assert (DOC.parent / target).resolve().is_file(), target
