"""Chart geometry, computed once for both writers: each bar on its own scale against
its target, every value and target labelled, everything inside the width given."""

from __future__ import annotations

from kzru_reports.model import nodes as n
from kzru_reports.theme import default_theme
from kzru_reports.writers import chart

THEME = default_theme()


def bar(value: float, target: float | None, better: str = "higher", reading: str = "") -> n.Bar:
    target_text = "" if target is None else f"{target:g} t"
    return n.Bar(f"bar {value:g}", value, target, f"{value:g} v", target_text, "", better, reading)


def rects(geo: chart.ChartLayout, fill: str) -> list[chart.Rect]:
    return [s for s in geo.shapes if isinstance(s, chart.Rect) and s.fill == fill]


def labels(geo: chart.ChartLayout) -> list[str]:
    return [s.text for s in geo.shapes if isinstance(s, chart.Label)]


def test_a_value_is_drawn_against_its_target_inside_the_width() -> None:
    geo = chart.layout(n.BarChart((bar(50, 200),), target_label="target"), 400, THEME)
    [value] = rects(geo, THEME.accent)
    [target] = rects(geo, THEME.accent_light)
    assert round(value.w / target.w, 3) == 0.25
    assert value.x >= 0 and target.x + target.w <= 400 and geo.width == 400
    assert {"bar 50", "50 v", "target: 200 t"} <= set(labels(geo))


def test_each_bar_has_its_own_scale() -> None:
    """Figures of different units or periods are never drawn as comparable."""
    geo = chart.layout(n.BarChart((bar(50, 100), bar(5, 10))), 400, THEME)
    first, second = rects(geo, THEME.accent)
    assert first.w == second.w  # both half way to their targets


def test_a_figure_without_a_target_gets_no_bar_only_its_words() -> None:
    geo = chart.layout(n.BarChart((bar(7, None),)), 400, THEME)
    assert not [s for s in geo.shapes if isinstance(s, chart.Rect)]
    assert "7 v" in labels(geo)


def test_a_lower_is_better_figure_above_target_shows_the_excess() -> None:
    geo = chart.layout(n.BarChart((bar(150, 100, better="lower"),)), 400, THEME)
    [excess] = rects(geo, THEME.marking)
    [kept] = rects(geo, THEME.accent)
    assert round(excess.w / kept.w, 3) == 0.5


def test_readings_and_the_note_are_written_under_and_the_chart_grows() -> None:
    one = chart.layout(n.BarChart((bar(1, 2),)), 300, THEME)
    words = "half way to the target of the plan " * 6
    more = chart.layout(
        n.BarChart((bar(1, 2, reading=words), bar(3, 4)), note="How to read it."), 300, THEME
    )
    assert more.height > 2 * one.height > 0
    assert "How to read it." in labels(more)
    read = [t for t in labels(more) if t.startswith("half") or t.endswith("plan")]
    assert len(read) > 1  # a long reading wraps within the width
    assert all(s.y <= more.height for s in more.shapes if isinstance(s, chart.Label))
