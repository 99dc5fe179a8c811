"""Glyph coverage: characters no font of the theme can show are data errors, found at
load time with the field and position; white space and combining marks are not."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from kzru_reports.cli import main
from kzru_reports.data import parse_visit
from kzru_reports.errors import DataError
from kzru_reports.theme import FontFamily, default_theme
from kzru_reports.theme.glyphs import theme_coverage

from .conftest import SUMMIT

MINIMAL = """\
schema: visit/1
id: glyphs
title: Working visit
parties:
  - {id: aa, country: Country A, role: host}
  - {id: bb, country: Country B, role: guest}
"""


def problems(extra: str, theme: object = None) -> list[str]:
    with pytest.raises(DataError) as info:
        parse_visit((MINIMAL + extra).encode(), "v.yaml", theme=theme)
    return [str(p) for p in info.value.items]


@pytest.mark.parametrize(
    "text",
    [
        "Қазақстан Әзірбайжан Ғ Ң Ө Ұ Ү Һ І — «кавычки» „Anführungszeichen“ №5 ₸ ₽ € ½",
        "cafe\u0301 n\u0303 Z\u0351\u0352a\u0353\u0354l\u0355g\u0356o\u0357",  # combining marks
        "tab\there, no-break\u00a0space, em\u2003space, ideographic\u3000space",
        "zero\u200bwidth soft\u00adhyphen",
    ],
)
def test_coverable_text_and_exempt_characters_load(text: str) -> None:
    visit = parse_visit((MINIMAL + f"summary: {json.dumps(text)}\n").encode(), "v.yaml")
    assert visit.summary == text


def test_missing_characters_name_field_position_and_code_points() -> None:
    found = problems(
        "topics:\n  - id: t\n    title: Energy\n    points:\n"
        "      - ok\n      - 'wind 🌬 and sun ☀'\n"
    )
    [line] = found
    assert line.startswith("v.yaml:12:9: topics[0].points[1]: characters '🌬' (U+1F32C), ")
    assert "'☀' (U+2600) cannot be shown by the fonts Noto Serif, Noto Sans" in line


def test_many_missing_characters_are_counted_not_all_listed() -> None:
    [line] = problems("summary: '漢字仮名交じり文です'\n")
    assert "and 4 more cannot be shown" in line


def test_every_string_of_the_file_is_checked_at_once() -> None:
    found = problems("summary: '🙂'\nkind: '🙃'\nlocation: {city: '☃'}\n")
    assert [f.split(": ")[1] for f in found] == ["summary", "kind", "location.city"]


def test_a_field_already_wrong_is_not_reported_twice() -> None:
    [line] = problems("follow_ups: [{text: x, bogus: '😀'}]\n")
    assert "unknown field 'bogus'" in line


def test_control_characters_without_glyphs_are_named_by_code_point() -> None:
    [line] = problems('summary: "C1 control \\x85 is white space, \\x86 is not"\n')
    assert "character U+0086 cannot be shown" in line and "'\x86'" not in line


def test_coverage_is_that_of_the_theme_fonts(tmp_path: Path) -> None:
    """With a heading font that lacks Cyrillic, Cyrillic is refused, naming that font."""
    from fontTools import subset

    options = subset.Options()
    font = subset.load_font(str(default_theme().font_path("NotoSans-Regular.ttf")), options)
    sub = subset.Subsetter(options)
    sub.populate(unicodes=range(0x20, 0x250))
    sub.subset(font)
    font.save(str(tmp_path / "Latin.ttf"))
    font.close()
    latin = FontFamily("Latin Sans", *[str(tmp_path / "Latin.ttf")] * 4)
    theme = replace(default_theme(), heading_font=latin)
    assert 0x049A not in theme_coverage(theme).codepoints  # Қ
    [line] = problems("summary: Қазақстан\n", theme=theme)
    assert "'Қ' (U+049A)" in line and "cannot be shown by the font Latin Sans (" in line
    assert 0x049A in theme_coverage().codepoints


def test_validate_reports_glyphs_with_positions(tmp_path: Path) -> None:
    bad = tmp_path / "v.yaml"
    bad.write_text(MINIMAL + "summary: 'ok'\nevents:\n  - {id: e, title: 'Toast 🥂'}\n")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{bad}:9:13: events[0].title: character '🥂' (U+1F942)")
    assert CliRunner().invoke(main, ["validate", str(SUMMIT)]).exit_code == 0


def test_validate_checks_against_the_workspace_theme(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .test_theme import FONTS, _latin_only

    _latin_only(FONTS / "NotoSans-Regular.ttf", tmp_path / "Latin.ttf")
    (tmp_path / "kzru.toml").write_text(
        '[theme.fonts.heading]\nname = "Latin Sans"\nregular = "Latin.ttf"\n'
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", str(SUMMIT)])
    assert result.exit_code == 1
    assert f"{SUMMIT}:5:1: title: characters 'С' (U+0421)" in result.stderr
    assert "cannot be shown by the font Latin Sans" in result.stderr
