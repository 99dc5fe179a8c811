"""The neutral style sheet (``writers/sheet.py``) as reportlab ``ParagraphStyle``
objects, one per text style of the sheet, under the sheet's names. Nothing is
decided here: each style only translates one ``TextStyle``."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle

from kzru_reports import memo
from kzru_reports.theme import Theme
from kzru_reports.writers.pdf.fonts import font_names
from kzru_reports.writers.sheet import BODY, TextStyle, sheet

ALIGN = {"left": TA_LEFT, "right": TA_RIGHT, "center": TA_CENTER}


@memo.cached(16, files=memo.theme_files)
def styles(theme: Theme) -> dict[str, ParagraphStyle]:
    fonts = {
        BODY: font_names(theme.body_font),
        "heading": font_names(theme.heading_font),
    }
    return {name: paragraph_style(s, fonts) for name, s in sheet(theme).text.items()}


def paragraph_style(s: TextStyle, fonts: dict[str, dict[str, str]]) -> ParagraphStyle:
    face = fonts[s.font]
    weight = {(False, False): "regular", (True, False): "bold", (False, True): "italic"}
    font = face[weight.get((s.bold, s.italic), "bold_italic")]
    return ParagraphStyle(
        s.name,
        fontName=font,
        fontSize=s.size,
        leading=s.leading,
        textColor=colors.HexColor(s.colour),
        spaceBefore=s.before,
        spaceAfter=s.after,
        leftIndent=s.left,
        rightIndent=s.right,
        bulletIndent=s.marker or 0.0,
        bulletFontName=face["regular"],
        bulletFontSize=s.size,
        alignment=ALIGN[s.align],
        # headings are kept with what follows by the translator (``keep_next``), which
        # keeps them with the first lines of it rather than the whole of it
        keepWithNext=0,
        allowWidows=0,
        allowOrphans=0,
        hyphenationLang="",  # words come with soft hyphens: kzru_reports.hyphenate
        # no word is cut where it has no hyphenation point: a column is never
        # narrower than its widest piece (``writers/measure.column_widths``); a word
        # wider than a whole line is still cut rather than lost
        splitLongWords=True,
    )
