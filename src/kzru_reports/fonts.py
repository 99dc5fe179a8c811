"""Font files: reading them once, and checking they hold a glyph for every character
a document uses, so that a chosen font never prints boxes in place of letters.

The shipped Noto fonts cover Latin, Cyrillic and the Kazakh letters; a font of the
user's is checked against each document before anything is written, and a missing
glyph is an error naming the font file, the character and the document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kzru_reports import memo
from kzru_reports.errors import ConfigError, RenderError
from kzru_reports.model import nodes as n
from kzru_reports.model.dump import dump
from kzru_reports.theme import Theme

KAZAKH = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"
CYRILLIC = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"


@memo.cached(64, files=lambda path: (path,))
def truetype(path: str) -> Any:
    """A TrueType file as reportlab's parsed face, read once per process: the glyph
    check reads its character map and the PDF writer embeds it from the same object.
    ``ConfigError`` if it cannot be used (not TrueType, PostScript outlines, damaged)."""
    from reportlab.pdfbase.ttfonts import TTFError, TTFontFace

    try:
        return TTFontFace(path, validate=1)
    except (TTFError, OSError, ValueError, KeyError, IndexError, AssertionError) as exc:
        raise ConfigError(
            f"the font {Path(path).name} cannot be used: {exc} "
            "(a TrueType .ttf file with glyf outlines is needed)"
        ) from None


@memo.cached(64, files=lambda path: (path,))
def font_face(path: str) -> frozenset[int]:
    """The code points a TrueType file has glyphs for (see ``truetype``)."""
    return frozenset(c for c, g in truetype(path).charToGlyph.items() if g)


def coverage_note(path: str) -> str:
    """What the font lacks of Cyrillic and Kazakh, in words (for error messages)."""
    lacks = [c for c in CYRILLIC + KAZAKH if ord(c) not in font_face(path)]
    if not lacks:
        return "it covers Cyrillic and Kazakh"
    return f"it lacks {len(lacks)} Cyrillic/Kazakh letters ({''.join(lacks[:12])})"


def document_text(doc: n.Document, theme: Theme) -> str:
    meta = doc.meta
    return "".join(
        [
            dump(doc),
            meta.title,
            meta.subject,
            meta.footer,
            meta.marking,
            meta.page_label,
            *meta.keywords,
            *theme.letterhead,
        ]
    )


def check_glyphs(doc: n.Document, theme: Theme) -> None:
    """Refuse a document that uses a character one of the theme's own fonts lacks.

    The visit's text was checked field by field when it was loaded; this covers what
    the templates and labels add. Both use the same coverage (``glyphs``)."""
    if not theme.custom_fonts:
        return
    from kzru_reports.glyphs import describe, theme_coverage

    cov = theme_coverage(theme)
    chars = cov.missing(document_text(doc, theme))
    if not chars:
        return
    files = [
        str(theme.font_path(f))
        for fam in (theme.body_font, theme.heading_font)
        for f in dict.fromkeys(fam.files)
    ]
    file = next(f for f in files if any(ord(c) not in font_face(f) for c in chars))
    raise RenderError(
        f"the {doc.name or 'document'} uses {describe(chars, cov)}; "
        f"{Path(file).name}: {coverage_note(file)}"
    )
