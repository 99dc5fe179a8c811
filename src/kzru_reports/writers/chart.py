"""Chart geometry, computed once and drawn by each writer in its own medium.

``layout`` turns a ``BarChart`` node into primitive shapes (in points, origin at the
top left) so the PDF (vector) and the DOCX (picture) show exactly the same chart.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kzru_reports.model import nodes as n
from kzru_reports.theme import Theme
from kzru_reports.writers.measure import text_width


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float  # baseline
    text: str
    size: float
    color: str
    bold: bool = False
    anchor: str = "start"  # start, end


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    color: str
    width: float


@dataclass(frozen=True)
class ChartLayout:
    width: float
    height: float
    shapes: tuple[Rect | Label | Line, ...]


BAR = 14.0
GAP = 14.0  # between one bar's block and the next


def layout(chart: n.BarChart, width: float, theme: Theme) -> ChartLayout:
    """Horizontal bars, each value against its target, labelled directly (no legend).

    Each bar has its own scale (the larger of its value and target fills the track):
    bars of different figures, units or periods are never drawn as comparable to one
    another, and a figure whose target cannot be compared with it (another unit) gets
    no bar at all, only its words. A lower-is-better figure above its target shows
    the excess to cut in the marking colour. Under each bar, its reading in words."""
    label_size = theme.small_size + 1
    font = str(theme.font_path(theme.heading_font.regular))
    bold = str(theme.font_path(theme.heading_font.bold))
    shapes: list[Rect | Label | Line] = []
    y = 0.0
    track = width - 4
    for bar in chart.bars:
        shapes.append(Label(0, y + label_size, bar.label, label_size, theme.text, bold=True))
        top = y + label_size + 6
        if bar.target is None or bar.target <= 0 or bar.value < 0:
            shapes.append(
                Label(0, top + BAR - 4, bar.value_text, label_size, theme.accent, bold=True)
            )
            y = top + BAR
        else:
            y = _bar(shapes, bar, chart, top, track, theme, label_size, bold)
        for line in _wrap(bar.reading, font, theme.small_size, track):
            y += theme.small_size + 3
            shapes.append(Label(0, y, line, theme.small_size, theme.muted))
        y += GAP
    for line in _wrap(chart.note, font, theme.small_size, track):
        y += theme.small_size + 3
        shapes.append(Label(0, y, line, theme.small_size, theme.muted))
    return ChartLayout(width, y + 4, tuple(shapes))


def layouts(chart: n.BarChart, width: float, theme: Theme) -> list[tuple[n.BarChart, ChartLayout]]:
    """The chart as one or more drawings, each no taller than half the page's text
    area allows (so none overflows a page, and a long chart breaks between bars),
    the note under the last; each with the part of the chart it draws."""
    limit = (theme.page_mm[1] - theme.margin_top - theme.margin_bottom) / 25.4 * 72 * 0.8
    parts: list[tuple[n.BarChart, ChartLayout]] = []
    bars = list(chart.bars)
    while bars:
        count = len(bars)
        while True:
            last = count == len(bars)
            part = replace(chart, bars=tuple(bars[:count]), note=chart.note if last else "")
            geo = layout(part, width, theme)
            if geo.height <= limit or count == 1:
                break
            count = max(1, count * 2 // 3)
        parts.append((part, geo))
        bars = bars[count:]
    return parts


def _bar(
    shapes: list[Rect | Label | Line],
    bar: n.Bar,
    chart: n.BarChart,
    top: float,
    track: float,
    theme: Theme,
    label_size: float,
    bold: str,
) -> float:
    """One bar on its own scale; returns the baseline of its target label."""
    target = bar.target or 0.0
    scale = max(bar.value, target) or 1.0
    tw = track * target / scale
    vw = max(track * bar.value / scale, 1.0)
    if bar.better == "lower":
        shapes.append(Rect(0, top, min(vw, tw), BAR, theme.accent))
        if vw > tw:  # the part to cut
            shapes.append(Rect(tw, top, vw - tw, BAR, theme.marking))
    else:
        shapes.append(Rect(0, top, tw, BAR, theme.accent_light))
        shapes.append(Rect(0, top, vw, BAR, theme.accent))
    shapes.append(Line(tw, top - 3, tw, top + BAR + 3, theme.text, 1.2))
    value_w = text_width(bar.value_text, bold, label_size)
    inside = vw - 10 >= value_w and (vw + 5 + value_w > track or vw > 90)
    shapes.append(
        Label(
            vw - 5 if inside else vw + 5,
            top + BAR - 4,
            bar.value_text,
            label_size,
            "#FFFFFF" if inside else theme.accent,
            bold=True,
            anchor="end" if inside else "start",
        )
    )
    text = f"{chart.target_label}: {bar.target_text}" if chart.target_label else bar.target_text
    text_w = text_width(text, bold, theme.small_size)
    at_end = tw - 4 >= text_w
    shapes.append(
        Label(
            tw - 4 if at_end else min(tw + 4, track - text_w),
            top + BAR + 11,
            text,
            theme.small_size,
            theme.muted,
            anchor="end" if at_end else "start",
        )
    )
    return top + BAR + 11


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` broken into lines of at most ``width`` points, at spaces."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if line and text_width(candidate, font, size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines
