"""Chart geometry, computed once and drawn by each writer in its own medium.

``layout`` turns a ``BarChart`` node into primitive shapes (in points, origin at the
top left) so the PDF (vector) and the DOCX (picture) show exactly the same chart.
"""

from __future__ import annotations

from dataclasses import dataclass

from kzru_reports.model import nodes as n
from kzru_reports.theme import Theme


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


ROW = 46.0  # height of one bar's block: label line, bar, gap
BAR = 14.0


def layout(chart: n.BarChart, width: float, theme: Theme) -> ChartLayout:
    """Horizontal bars, each value against its target, labelled directly (no legend)."""
    scale_max = max([b.value for b in chart.bars] + [b.target or 0 for b in chart.bars]) or 1.0
    label_size = theme.small_size + 1
    shapes: list[Rect | Label | Line] = []
    y = 0.0
    track = width - 4
    for bar in chart.bars:
        shapes.append(Label(0, y + label_size, bar.label, label_size, theme.text, bold=True))
        top = y + label_size + 6
        if bar.target is not None:
            tw = track * bar.target / scale_max
            shapes.append(Rect(0, top, tw, BAR, theme.accent_light))
            shapes.append(Line(tw, top - 3, tw, top + BAR + 3, theme.accent, 1.2))
            text = (
                f"{chart.target_label}: {bar.target_text}"
                if chart.target_label
                else bar.target_text
            )
            shapes.append(
                Label(tw - 4, top + BAR + 11, text, theme.small_size, theme.muted, anchor="end")
            )
        vw = max(track * bar.value / scale_max, 1.0)
        shapes.append(Rect(0, top, vw, BAR, theme.accent))
        inside = vw > 90
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
        y += ROW + (8 if bar.target is not None else 0)
    return ChartLayout(width, y, tuple(shapes))
