"""Reference documents in encodings other than UTF-8 get the same inspection."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzru_reports.errors import ConfigError
from kzru_reports.refdoc import inspect_reference_docx

from .test_theme import _rewrite, reference_docx

BOMB = '<?xml version="1.0" encoding="{enc}"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
EXTERNAL = (
    '<?xml version="1.0" encoding="{enc}"?><Relationships><Relationship Id="r9" '
    'Type="http://x/image" Target="http://evil.example/p.png" TargetMode="External"/>'
    "</Relationships>"
)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
@pytest.mark.parametrize(
    ("part", "xml", "says"),
    [
        ("word/styles.xml", BOMB, "declares a DOCTYPE"),
        ("word/_rels/document.xml.rels", EXTERNAL, "has an external relationship"),
    ],
)
def test_wide_encodings_do_not_hide_bombs_or_external_links(
    tmp_path: Path, encoding: str, part: str, xml: str, says: str
) -> None:
    data = xml.format(enc=encoding.upper()).encode(encoding)
    bad = _rewrite(reference_docx(tmp_path / "ref.docx"), tmp_path / "bad.docx", {part: data})
    with pytest.raises(ConfigError, match=f"the part {part} {says}"):
        inspect_reference_docx(bad)


def test_a_plain_reference_document_passes(tmp_path: Path) -> None:
    inspect_reference_docx(reference_docx(tmp_path / "ref.docx"))
