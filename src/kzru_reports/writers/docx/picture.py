"""Charts as pictures: a chart layout drawn as a PNG at print resolution."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from kzru_reports import limits, memo
from kzru_reports.theme import Theme
from kzru_reports.writers import chart as chartlib


@memo.cached(16, files=lambda geo, theme, *_: memo.theme_files(theme))
def chart_png(geo: chartlib.ChartLayout, theme: Theme, scale: float = 300 / 72) -> bytes:
    """Draw a chart layout as a PNG at print resolution (with Pillow); a pack draws the
    same chart as its fact sheet, so the last few are kept. The picture has at most
    ``CHART_PIXELS`` pixels (a page at print resolution), whatever the chart holds."""
    area = max(geo.width * geo.height, 1.0)
    scale = min(scale, (limits.CHART_PIXELS / area) ** 0.5)
    img = Image.new("RGB", (round(geo.width * scale), round(geo.height * scale)), "white")
    draw = ImageDraw.Draw(img)
    fam = theme.heading_font
    for s in geo.shapes:
        match s:
            case chartlib.Rect():
                draw.rectangle(
                    [s.x * scale, s.y * scale, (s.x + s.w) * scale, (s.y + s.h) * scale],
                    fill=s.fill,
                )
            case chartlib.Line():
                draw.line(
                    [s.x1 * scale, s.y1 * scale, s.x2 * scale, s.y2 * scale],
                    fill=s.color,
                    width=max(1, round(s.width * scale)),
                )
            case chartlib.Label():
                font = _pil_font(
                    str(theme.font_path(fam.bold if s.bold else fam.regular)), round(s.size * scale)
                )
                draw.text(
                    (s.x * scale, s.y * scale),
                    s.text,
                    fill=s.color,
                    font=font,
                    anchor="ls" if s.anchor == "start" else "rs",
                )
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False)
    return buf.getvalue()


@memo.cached(64, files=lambda path, size: (path,))
def _pil_font(path: str, size: int) -> Any:
    return ImageFont.truetype(path, size)
