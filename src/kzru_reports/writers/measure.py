"""Text measurement shared by the writers, so both make the same fitting decisions."""

from __future__ import annotations

from typing import Any

from kzru_reports import memo

# The padding of a table's cells, in points (top, right, bottom, left): the PDF's
# cells and the DOCX's cell margins, so a table breaks its lines the same in both.
TABLE_PADDING = (3.5, 5.0, 4.0, 5.0)


@memo.cached(64, files=lambda path: (path,))
def _face(path: str) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(path, 100)


@memo.cached(4096, files=lambda text, font_path, size: (font_path,))
def text_width(text: str, font_path: str, size: float) -> float:
    """Advance width of ``text`` in points at ``size`` points (kept: the same labels,
    column heads and titles are measured in every document)."""
    return float(_face(font_path).getlength(text)) * size / 100


def fit_size(text: str, font_path: str, size: float, width: float, floor: float = 0.6) -> float:
    """The largest size up to ``size`` at which ``text`` fits in ``width`` points on one
    line, but no smaller than ``floor`` times ``size`` (then it wraps)."""
    needed = text_width(text, font_path, size)
    if needed <= width:
        return size
    return max(size * width / needed * 0.98, size * floor)


def ellipsize(text: str, font_path: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` points on one line (a binary
    search, so a very long title costs a few measurements, not one per character)."""
    text = text[:2000]  # far more than any line holds
    if text_width(text, font_path, size) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid] + "…", font_path, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"
