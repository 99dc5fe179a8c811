"""Figures that cannot mislead: each bar on its own scale, targets with unit and date,
lower-is-better read as what is left to cut, other units never compared, periods
said, and money written one way in a whole document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kzru_reports.errors import TemplateError
from kzru_reports.model import nodes as n
from kzru_reports.templating.markup import parse_blocks
from kzru_reports.theme import default_theme
from kzru_reports.writers import chart

from .conftest import docx_text, pdf_text


def _bars(geo: chart.ChartLayout) -> list[chart.Rect]:
    return [s for s in geo.shapes if isinstance(s, chart.Rect)]


def test_each_bar_has_its_own_scale() -> None:
    theme = default_theme()
    geo = chart.layout(
        n.BarChart(
            (
                n.Bar("Trade", 20e9, 30e9, "USD 20 billion", "USD 30 billion"),
                n.Bar("Students", 60_000, 50_000, "60,000", "50,000"),
            )
        ),
        400,
        theme,
    )
    track = 400 - 4
    trade_target, trade_value, students_target, students_value = _bars(geo)
    # the larger of value and target fills the track, whatever the other bars hold
    assert trade_target.w == pytest.approx(track)
    assert trade_value.w == pytest.approx(track * 2 / 3)
    assert students_value.w == pytest.approx(track)
    assert students_target.w == pytest.approx(track * 5 / 6)


def test_lower_is_better_shows_the_excess_to_cut() -> None:
    theme = default_theme()
    bar = n.Bar("Clearance", 36, 12, "36 hours", "12 hours", better="lower", reading="to cut")
    geo = chart.layout(n.BarChart((bar,)), 400, theme)
    within, excess = _bars(geo)
    track = 400 - 4
    assert within.fill == theme.accent and within.w == pytest.approx(track / 3)
    assert excess.fill == theme.marking and excess.x == pytest.approx(track / 3)
    assert excess.w == pytest.approx(track * 2 / 3)
    assert any(isinstance(s, chart.Label) and s.text == "to cut" for s in geo.shapes)


def test_a_target_that_cannot_be_compared_gets_no_bar() -> None:
    bar = n.Bar("Rail freight", 1_250_000, None, "1,250,000 tonnes", "60% by 2030")
    geo = chart.layout(n.BarChart((bar,)), 400, default_theme())
    assert not _bars(geo)
    assert "1,250,000 tonnes" in [s.text for s in geo.shapes if isinstance(s, chart.Label)]


def test_long_readings_wrap_within_the_chart() -> None:
    theme = default_theme()
    reading = " ".join(["a long reading of the figure"] * 12)
    geo = chart.layout(n.BarChart((n.Bar("X", 1, 2, "1", "2", reading=reading),)), 300, theme)
    from kzru_reports.writers.measure import text_width

    font = str(theme.font_path(theme.heading_font.regular))
    lines = [s for s in geo.shapes if isinstance(s, chart.Label) and len(s.text) > 5]
    assert len(lines) > 2 and " ".join(s.text for s in lines) == reading
    assert all(text_width(s.text, font, s.size) <= 300 - 4 for s in lines)
    assert geo.height > max(s.y for s in lines)


def test_better_must_be_higher_or_lower_in_markup() -> None:
    with pytest.raises(TemplateError, match="higher or lower"):
        parse_blocks('<chart><bar label="x" value="1" better="sideways"/></chart>', "t")


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_factsheet_reads_each_target_honestly(summit_build: Path, fmt: str) -> None:
    data = next(summit_build.glob(f"*-factsheet.{fmt}")).read_bytes()
    text = pdf_text(data) if fmt == "pdf" else docx_text(data)
    # lower is better: what is left to cut, with units and the target's date
    assert "36 hours, target 12 hours by 2027: 24 hours to cut." in text
    if fmt == "pdf":  # in the DOCX the chart is a picture, described by the readings
        assert "Target: 12 hours by 2027" in text
    # higher is better, no period stated for the value: said
    assert "EUR 3.5 billion, target EUR 5 billion by 2030: EUR 1.5 billion to go." in text
    assert "No period stated for the value" in text
    # a target in another unit is named, never compared
    assert "target 60% by 2030, in another unit: not compared" in text
    assert "Each bar has its own scale" in text


def test_a_partial_year_value_is_flagged_against_its_target(shipped_build: Path) -> None:
    text = pdf_text(next(shipped_build.glob("*-factsheet.pdf")).read_bytes())
    assert (
        "USD 20 billion, target USD 30 billion: USD 10 billion to go. "
        "Value for January–September 2025; the target states no date." in text
    )


@pytest.mark.parametrize("doc", ["memo", "factsheet", "agreements", "pack"])
def test_money_is_written_one_way_in_each_document(shipped_build: Path, doc: str) -> None:
    for fmt in ("pdf", "docx"):
        data = next(shipped_build.glob(f"*-{doc}.{fmt}")).read_bytes()
        text = pdf_text(data) if fmt == "pdf" else docx_text(data)
        assert not re.search(r"[$€£₽₸]\s?\d", text), (doc, fmt)
        if doc != "agreements":
            assert "USD 20 billion" in text


def test_a_chart_taller_than_a_page_breaks_between_bars() -> None:
    theme = default_theme()
    reading = "a reading long enough to take two lines under its bar " * 3
    bars = tuple(n.Bar(f"b{i}", i + 1, 20, str(i), "20", reading=reading) for i in range(12))
    parts = chart.layouts(n.BarChart(bars, note="how to read it"), 470, theme)
    text_height = (theme.page_mm[1] - theme.margin_top - theme.margin_bottom) / 25.4 * 72
    assert len(parts) > 1
    assert all(geo.height < text_height for _, geo in parts)
    assert tuple(b for part, _ in parts for b in part.bars) == bars
    assert [part.note for part, _ in parts][-1] == "how to read it"
    assert not any(part.note for part, _ in parts[:-1])
