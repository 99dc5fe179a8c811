"""Fonts for reportlab: the theme's TrueType faces registered once a process, under
names of their own, and embedded (subset) in every PDF that uses them."""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import re
import weakref
from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTEncoding, TTFont

from kzru_reports.theme import FontFamily, Theme
from kzru_reports.theme.fonts import truetype


def font_names(family: FontFamily) -> dict[str, str]:
    """The names a family's faces are registered under; a user's font files get a
    name of their own, so two themes never mix up fonts of the same family name."""
    base = re.sub(r"[^A-Za-z0-9]", "", family.name) or "Font"
    if any(Path(f).is_absolute() for f in family.files):
        base += "-" + hashlib.sha256("|".join(family.files).encode()).hexdigest()[:8]
    return {
        "regular": base,
        "bold": f"{base}-Bold",
        "italic": f"{base}-Italic",
        "bold_italic": f"{base}-BoldItalic",
    }


class ParsedTTFont(TTFont):
    """reportlab's ``TTFont`` made from the face the glyph check parsed already
    (``fonts.truetype``), so a font file is parsed once a process, not twice. It sets
    what ``TTFont.__init__`` sets, after its parsing step."""

    def __init__(self, name: str, path: str) -> None:
        self.fontName = name
        self.face = truetype(path)
        self.encoding = TTEncoding()
        self.state = weakref.WeakKeyDictionary()
        self._asciiReadable = rl_config.ttfAsciiReadable
        self.shapable = not any(fnmatch.fnmatch(name, g) for g in rl_config.unShapedFontGlob)


@functools.cache
def register_fonts(theme: Theme) -> None:
    """Register the theme's fonts with reportlab once per process; they are embedded
    (subset) in every PDF that uses them."""
    for family in (theme.body_font, theme.heading_font):
        names = font_names(family)
        for face, name in names.items():
            if name not in pdfmetrics.getRegisteredFontNames():
                font = ParsedTTFont(name, str(theme.font_path(getattr(family, face))))
                pdfmetrics.registerFont(font)
        pdfmetrics.registerFontFamily(
            names["regular"],
            normal=names["regular"],
            bold=names["bold"],
            italic=names["italic"],
            boldItalic=names["bold_italic"],
        )
