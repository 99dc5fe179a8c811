"""Chart geometry, computed once for both writers: bars on one scale, each value
labelled, everything inside the width given."""

from __future__ import annotations

from kzru_reports.model import nodes as n
from kzru_reports.theme import default_theme
from kzru_reports.writers import chart


def bars(*values: tuple[float, float | None]) -> n.BarChart:
    return n.BarChart(
        tuple(
            n.Bar(f"bar {i}", v, t, f"{v:g} units", "" if t is None else f"{t:g} units")
            for i, (v, t) in enumerate(values)
        ),
        "Title",
        "value",
        "target",
    )


def rects(geo: chart.ChartLayout, fill: str) -> list[chart.Rect]:
    return [s for s in geo.shapes if isinstance(s, chart.Rect) and s.fill == fill]


def test_bars_share_one_scale_that_fits_the_width() -> None:
    theme = default_theme()
    geo = chart.layout(bars((50, None), (100, None), (25, None)), 400, theme)
    values = rects(geo, theme.accent)
    assert [round(r.w / values[1].w, 3) for r in values] == [0.5, 1.0, 0.25]
    assert all(r.x >= 0 and r.x + r.w <= 400 for r in values)
    assert geo.width == 400


def test_a_target_above_every_value_sets_the_scale() -> None:
    theme = default_theme()
    geo = chart.layout(bars((50, 200)), 400, theme)
    [value] = rects(geo, theme.accent)
    [target] = rects(geo, theme.accent_light)
    assert round(value.w / target.w, 3) == 0.25
    assert target.x + target.w <= 400


def test_every_bar_is_labelled_and_the_chart_grows_with_its_bars() -> None:
    theme = default_theme()
    one = chart.layout(bars((1, None)), 300, theme)
    three = chart.layout(bars((1, None), (2, 3), (3, None)), 300, theme)
    texts = {s.text for s in three.shapes if isinstance(s, chart.Label)}
    assert {"bar 0", "bar 1", "bar 2", "1 units", "2 units", "3 units"} <= texts
    assert any("3 units" in t and "target" in t for t in texts)  # the target, named
    assert three.height > 2.5 * one.height > 0
    assert all(s.y <= three.height for s in three.shapes if isinstance(s, chart.Label))


def test_a_zero_value_still_shows_a_sliver() -> None:
    theme = default_theme()
    [bar] = rects(chart.layout(bars((0, None)), 300, theme), theme.accent)
    assert bar.w > 0
