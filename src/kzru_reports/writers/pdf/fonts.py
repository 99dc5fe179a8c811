"""Fonts for reportlab: the theme's TrueType faces registered once a process, under
names of their own, and embedded (subset) in every PDF that uses them."""

from __future__ import annotations

import fnmatch
import hashlib
import re
import weakref
from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTEncoding, TTFont

from kzru_reports import memo
from kzru_reports.manifest import sha256_file
from kzru_reports.theme import FontFamily, Theme
from kzru_reports.theme.fonts import truetype


def font_names(family: FontFamily) -> dict[str, str]:
    """The names a family's faces are registered under; a user's font files get a
    name of their own, made from their contents, so two themes never mix up fonts of
    the same family name, and a font file changed in place is registered anew."""
    base = re.sub(r"[^A-Za-z0-9]", "", family.name) or "Font"
    if any(Path(f).is_absolute() for f in family.files):
        digests = "|".join(sha256_file(Path(f)) for f in family.files)
        base += "-" + hashlib.sha256(digests.encode()).hexdigest()[:8]
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


def _register(font: ParsedTTFont) -> None:
    """``pdfmetrics.registerFont``, replacing what this name was registered with
    before (reportlab keeps the first font of each name; after the caches were emptied
    the name must hold the face the glyph check reads). A font whose file gives the
    face name of one registered already shares that one, as reportlab has it: one
    document never holds two subsets of one face name."""
    old = pdfmetrics._fonts.pop(font.fontName, None)
    if old is not None and pdfmetrics._dynFaceNames.get(font.face.name) is old:
        del pdfmetrics._dynFaceNames[font.face.name]
    pdfmetrics.registerFont(font)


@memo.cached(16, files=memo.theme_files)
def register_fonts(theme: Theme) -> None:
    """Register the theme's fonts with reportlab once per process (again after the
    caches were emptied, so that reportlab holds the face the glyph check reads);
    they are embedded (subset) in every PDF that uses them."""
    for family in (theme.body_font, theme.heading_font):
        names = font_names(family)
        for face, name in names.items():
            path = str(theme.font_path(getattr(family, face)))
            known = pdfmetrics._fonts.get(name)
            if getattr(known, "face", None) is not truetype(path):
                _register(ParsedTTFont(name, path))
        pdfmetrics.registerFontFamily(
            names["regular"],
            normal=names["regular"],
            bold=names["bold"],
            italic=names["italic"],
            boldItalic=names["bold_italic"],
        )
