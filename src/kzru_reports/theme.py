"""The theme: one description of how documents look, read by every writer.

Fonts (shipped with the package, so nothing depends on system fonts), colours, type
sizes, page size and margins. Writers map model roles to styles built from it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from kzru_reports.errors import ConfigError


@dataclass(frozen=True)
class FontFamily:
    name: str  # the name Word shows and the PDF registers
    regular: str
    bold: str
    italic: str
    bold_italic: str


def _font_dir() -> Path:
    return Path(str(resources.files("kzru_reports"))) / "fonts"


SERIF = FontFamily(
    "Noto Serif",
    "NotoSerif-Regular.ttf",
    "NotoSerif-Bold.ttf",
    "NotoSerif-Italic.ttf",
    "NotoSerif-BoldItalic.ttf",
)
SANS = FontFamily(
    "Noto Sans",
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
    "NotoSans-Italic.ttf",
    "NotoSans-Bold.ttf",
)


@dataclass(frozen=True)
class Theme:
    body_font: FontFamily = SERIF
    heading_font: FontFamily = SANS
    font_dir: Path = field(default_factory=_font_dir)
    page_size: str = "A4"  # or "Letter"
    margin_left: float = 22.0  # millimetres
    margin_right: float = 22.0
    margin_top: float = 24.0
    margin_bottom: float = 22.0
    body_size: float = 10.0  # points
    small_size: float = 8.0
    h1_size: float = 19.0
    h2_size: float = 12.5
    h3_size: float = 10.5
    figure_size: float = 20.0
    leading: float = 1.38  # line height as a multiple of the size
    accent: str = "#1F3A5F"  # headings, key numbers, chart values
    accent_light: str = "#DCE4EE"  # chart targets, group rows
    text: str = "#1A1A1A"
    muted: str = "#5F6B7A"  # labels, footers, notes
    rule: str = "#B8C2CE"
    zebra: str = "#F3F5F8"
    marking: str = "#8B1A1A"  # handling marks

    def font_path(self, file: str) -> Path:
        return self.font_dir / file

    @property
    def page_mm(self) -> tuple[float, float]:
        return {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}[self.page_size]

    @property
    def text_width_mm(self) -> float:
        return self.page_mm[0] - self.margin_left - self.margin_right


@functools.cache
def default_theme() -> Theme:
    return Theme()


def theme_from_mapping(values: dict[str, Any], base: Theme | None = None) -> Theme:
    """A theme with some settings changed; unknown keys are refused by name."""
    base = base or default_theme()
    known = {f.name for f in fields(Theme)} - {"body_font", "heading_font", "font_dir"}
    unknown = set(values) - known
    if unknown:
        raise ConfigError(
            f"unknown theme setting {sorted(unknown)[0]!r} (known: {', '.join(sorted(known))})"
        )
    if values.get("page_size", base.page_size) not in ("A4", "Letter"):
        raise ConfigError("theme page_size is 'A4' or 'Letter'")
    return replace(base, **values)
