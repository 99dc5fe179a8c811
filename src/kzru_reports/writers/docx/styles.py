"""Word styles: the theme as named paragraph styles ("Heading 1", "Lead", "Table
Text" ...), so that a reader who restyles one changes the whole document."""

from __future__ import annotations

from typing import Any

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import (
    WD_LINE_SPACING,
    WD_TAB_ALIGNMENT,
    WD_TAB_LEADER,
)
from docx.shared import Mm, Pt, RGBColor

from kzru_reports.theme import Theme
from kzru_reports.writers.docx.oxml import (
    paragraph_border,
    rgb,
    set_font,
)
from kzru_reports.writers.docx.package import add_paragraph_style, internal_name, styles_by_name

# role (or node) -> Word paragraph style
ROLE_STYLES = {
    "": "Normal",
    "body": "Normal",
    "lead": "Lead",
    "kicker": "Kicker",
    "dateline": "Dateline",
    "sources": "Sources",
    "cover-kicker": "Cover Kicker",
}


def configure_styles(doc: Any, theme: Theme, keep: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Set up every style the translator uses; returns them by name for fast lookup.
    Styles named in ``keep`` (those a reference document defines) stay as they are."""
    styles = doc.styles
    body, head = theme.body_font.name, theme.heading_font.name
    text, accent, muted = rgb(theme.text), rgb(theme.accent), rgb(theme.muted)

    # python-docx finds a style by name by scanning them all, and checks each new one
    # the same way; looked up here once, as ``styles[name]`` would find it
    found = styles_by_name(styles)

    def para_style(name: str, base: str | None = "Normal") -> Any:
        internal = internal_name(name)
        style = found.get(internal)
        if style is None:  # as ``styles.add_style(name, PARAGRAPH)``, without the scan
            style = add_paragraph_style(styles, internal)
            found[internal] = style
            if base:
                style.base_style = found[internal_name(base)]
            style.quick_style = True
        return style

    def setup(
        name: str,
        font: str,
        size: float,
        colour: RGBColor,
        bold: bool = False,
        italic: bool = False,
        before: float = 0,
        after: float = 4,
        line: float = theme.leading,
        keep_next: bool = False,
        base: str | None = "Normal",
        indent: float = 0,
    ) -> None:
        style = para_style(name, base)
        out[name] = style
        if name in keep:
            return
        set_font(style.element, font)
        style.font.size, style.font.bold, style.font.italic = Pt(size), bold, italic
        style.font.color.rgb = colour
        pf = style.paragraph_format
        pf.space_before, pf.space_after = Pt(before), Pt(after)
        # Word multiplies a "multiple" by the font's own line height (about 1.36 em for
        # Noto), so the leading is given in points, as the PDF sets it; "at least", so
        # a picture in the line still fits.
        pf.line_spacing = Pt(round(size * line, 1))
        pf.line_spacing_rule = WD_LINE_SPACING.AT_LEAST
        pf.keep_with_next = keep_next
        pf.widow_control = True
        if indent:
            pf.left_indent = Mm(indent)

    out: dict[str, Any] = {}
    small = theme.small_size
    setup("Normal", body, theme.body_size, text, base=None)
    setup("Title", head, theme.h1_size, accent, bold=True, after=6, line=1.1)
    setup("Heading 1", head, theme.h1_size, accent, bold=True, after=8, line=1.15, keep_next=True)
    setup(
        "Heading 2",
        head,
        theme.h2_size,
        accent,
        bold=True,
        before=12,
        after=5,
        line=1.15,
        keep_next=True,
    )
    setup(
        "Heading 3",
        head,
        theme.h3_size,
        text,
        bold=True,
        before=8,
        after=3,
        line=1.15,
        keep_next=True,
    )
    setup("Kicker", head, small + 0.5, muted, bold=True, after=2, line=1.2)
    setup("Cover Kicker", head, small + 3, muted, bold=True, before=150, after=6, line=1.3)
    setup("Lead", body, theme.body_size + 1, text, after=8)
    setup("Dateline", head, theme.body_size, muted, after=8)
    setup("List Bullet", body, theme.body_size, text, after=3)
    setup("List Number", body, theme.body_size, text, after=3)
    setup("List Bullet 2", body, theme.body_size, text, after=3)
    setup("List Number 2", body, theme.body_size, text, after=3)
    setup("Sources", body, small + 0.5, text, after=2, base="List Number")
    setup("Quote", body, theme.body_size, text, italic=True, after=2, indent=6)
    setup("Attribution", head, small + 0.5, muted, after=9, indent=6)
    setup("Field Label", head, small + 0.5, muted, bold=True, after=0)
    setup("Field Value", body, theme.body_size, text, after=0)
    setup("Figure Value", head, theme.figure_size, accent, bold=True, after=2, line=1.05)
    setup("Figure Qualifier", head, small, accent, bold=True, after=0, line=1.1)
    setup("Figure Label", head, small + 1, text, bold=True, after=1, line=1.2)
    setup("Figure Note", head, small, muted, after=0, line=1.2)
    setup("Table Heading", head, small + 0.5, rgb("#FFFFFF"), bold=True, after=0, line=1.2)
    setup("Table Text", head, small + 0.5, text, after=0, line=1.25)
    # keep-with-next in a table row keeps that row on the page of the row after it
    setup("Table Group", head, small + 1, accent, bold=True, after=0, line=1.2, keep_next=True)
    setup("Cover Title", head, theme.h1_size * 1.5, accent, bold=True, after=14, line=1.1)
    setup("TOC Heading", head, theme.h1_size, accent, bold=True, after=8, line=1.15)
    setup("TOC 1", head, theme.body_size + 0.5, text, bold=True, before=9, after=2)
    setup("TOC 2", head, theme.body_size - 0.5, text, after=2, indent=4)
    for name in ("TOC 1", "TOC 2"):
        out[name].paragraph_format.tab_stops.add_tab_stop(
            Mm(theme.text_width_mm), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
        )
    setup("Header", head, 8.5, rgb(theme.marking), bold=True, after=0, line=1.0)
    setup("Footer", head, 7.5, muted, after=0, line=1.0)
    for name in ("Header", "Footer"):
        # the template's own stops (centre 4680, right 9360) would take the running
        # footer's tab in LibreOffice; each paragraph sets the stop it needs
        out[name].paragraph_format.tab_stops.clear_all()
    setup("Letterhead", head, small + 0.5, accent, after=0, line=1.2)
    quote = out["Quote"]
    if "Quote" not in keep:
        quote.paragraph_format.right_indent = Mm(4)
        paragraph_border(quote.element.get_or_add_pPr(), "left", theme.accent, 18, 8)
    out["Table Heading"].paragraph_format.keep_with_next = False
    try:
        out["Table Grid"] = styles["Table Grid"]
    except KeyError:  # a reference document without it
        out["Table Grid"] = styles.add_style("Table Grid", WD_STYLE_TYPE.TABLE)
    return out
