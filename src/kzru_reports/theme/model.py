"""The theme as plain data: one description of how documents look, read by every writer.

Fonts (shipped with the package, so nothing depends on system fonts, or TrueType
files of the user's), colours, type sizes, page size and margins, a logo and
letterhead lines for the first page, and optionally a reference DOCX whose Word
styles, header and footer the DOCX writer starts from. Writers map model roles to
styles built from it. This module imports nothing of the project.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class FontFamily:
    name: str  # the name Word shows and the PDF registers
    regular: str
    bold: str
    italic: str
    bold_italic: str

    @property
    def files(self) -> tuple[str, str, str, str]:
        return (self.regular, self.bold, self.italic, self.bold_italic)


def _font_dir() -> Path:
    """The font files shipped with the package (the ``fonts`` data folder)."""
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
    logo: Path | None = None  # PNG or JPEG, drawn at the top left of each first page
    logo_width: float = 28.0  # millimetres
    letterhead: tuple[str, ...] = ()  # lines at the top right of each first page
    reference_docx: Path | None = None  # Word styles, header and footer for DOCX

    def font_path(self, file: str) -> Path:
        return self.font_dir / file

    @property
    def page_mm(self) -> tuple[float, float]:
        return {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}[self.page_size]

    @property
    def text_width_mm(self) -> float:
        return self.page_mm[0] - self.margin_left - self.margin_right

    @property
    def has_letterhead(self) -> bool:
        return self.logo is not None or bool(self.letterhead)

    @property
    def custom_fonts(self) -> bool:
        """Whether a font is the user's own (whose coverage must then be checked)."""
        return self.font_dir != _font_dir() or any(
            Path(f).is_absolute() for fam in (self.body_font, self.heading_font) for f in fam.files
        )


@functools.cache
def default_theme() -> Theme:
    return Theme()
