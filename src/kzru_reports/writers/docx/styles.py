"""The neutral style sheet (``writers/sheet.py``) as Word styles: one named paragraph
style per text style of the sheet ("Heading 1", "Lead", "Table Text" ...) and one
table style per table look ("Data Table", "Compact Table" ...), so that a reader who
restyles one changes the whole document. Nothing is decided here: each style only
translates the sheet's."""

from __future__ import annotations

from typing import Any

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import (
    WD_LINE_SPACING,
    WD_TAB_ALIGNMENT,
    WD_TAB_LEADER,
)
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml.etree import SubElement

from kzru_reports.theme import Theme
from kzru_reports.writers.docx.oxml import (
    cell_margins,
    edge_borders,
    hex_colour,
    paragraph_border,
    rgb,
    set_font,
    table_property,
)
from kzru_reports.writers.docx.package import add_paragraph_style, internal_name, styles_by_name
from kzru_reports.writers.sheet import BODY, Sheet, TableLook, TextStyle, sheet

# the sheet's text styles -> the Word paragraph style of each (Word's own names where
# Word has one, so its style gallery, outline and contents know them)
WORD_STYLES = {
    "body": "Normal",
    "picture": "Picture",
    "h1": "Heading 1",
    "h2": "Heading 2",
    "h3": "Heading 3",
    "cover-title": "Cover Title",
    "kicker": "Kicker",
    "cover-kicker": "Cover Kicker",
    "lead": "Lead",
    "dateline": "Dateline",
    "list": "List Bullet",
    "sources": "Sources",
    "quote": "Quote",
    "attribution": "Attribution",
    "field-label": "Field Label",
    "field-value": "Field Value",
    "header-label": "Header Label",
    "header-value": "Header Value",
    "th": "Table Heading",
    "th-compact": "Table Heading Compact",
    "td": "Table Text",
    "group": "Table Group",
    "figure-value": "Figure Value",
    "figure-qualifier": "Figure Qualifier",
    "figure-label": "Figure Label",
    "figure-note": "Figure Note",
    "toc1": "TOC 1",
    "toc2": "TOC 2",
    "running-header": "Header",
    "running-footer": "Footer",
    "letterhead": "Letterhead",
}
# Word styles that take the look of another text style of the sheet
SAME_AS = {
    "Title": "h1",
    "TOC Heading": "h1",
    "List Number": "list",
    "List Bullet 2": "list",
    "List Number 2": "list",
}
# the sheet's table roles -> the Word table style of each
TABLE_STYLES = {"": "Data Table", "grid": "Data Table Banded", "compact": "Compact Table"}
FIELD_STYLES = {"": "Field Table", "header": "Header Table", "cover": "Field Table"}
TILE_STYLE = "Figure Tiles"
PICTURE_STYLE = WORD_STYLES["picture"]  # a paragraph holding a chart


def configure_styles(doc: Any, theme: Theme, keep: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Set up every style the translator uses; returns them by name for fast lookup.
    Styles named in ``keep`` (those a reference document defines) stay as they are."""
    styles = doc.styles
    fonts = {BODY: theme.body_font.name, "heading": theme.heading_font.name}
    sh = sheet(theme)

    # python-docx finds a style by name by scanning them all, and checks each new one
    # the same way; looked up here once, as ``styles[name]`` would find it
    found = styles_by_name(styles)

    def para_style(name: str) -> Any:
        internal = internal_name(name)
        style = found.get(internal)
        if style is None:  # as ``styles.add_style(name, PARAGRAPH)``, without the scan
            style = add_paragraph_style(styles, internal)
            found[internal] = style
            if name != "Normal":
                style.base_style = found[internal_name("Normal")]
            style.quick_style = True
        return style

    out: dict[str, Any] = {}
    names = [(word, key) for key, word in WORD_STYLES.items()] + list(SAME_AS.items())
    for word, key in [("Normal", "body")] + [p for p in names if p[0] != "Normal"]:
        style = para_style(word)
        out[word] = style
        if word not in keep:
            translate(style, sh.text[key], fonts)
    if PICTURE_STYLE not in keep:  # its line as tall as the picture it holds
        out[PICTURE_STYLE].paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    for name in ("TOC 1", "TOC 2"):
        if name not in keep:
            out[name].paragraph_format.tab_stops.add_tab_stop(
                Mm(theme.text_width_mm), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
            )
    for name in ("Header", "Footer"):
        if name not in keep:
            # the template's own stops (centre 4680, right 9360) would take the running
            # footer's tab in LibreOffice; each paragraph sets the stop it needs
            out[name].paragraph_format.tab_stops.clear_all()
    _list_indents(doc, sh, keep)
    for role, name in TABLE_STYLES.items():
        if name not in out:
            out[name] = _table_style(styles, found, name, keep, look=sh.tables[role])
    for role, name in FIELD_STYLES.items():
        fl = sh.fields[role]
        if name not in out:
            out[name] = _table_style(styles, found, name, keep, padding=fl.padding, frame=fl.rule)
    out[TILE_STYLE] = _table_style(
        styles,
        found,
        TILE_STYLE,
        keep,
        padding=sh.tiles.padding,
        fill=sh.tiles.fill,
        inside_v=("#FFFFFF", sh.tiles.gap),
        top=sh.tiles.rule,
    )
    return out


def translate(style: Any, s: TextStyle, fonts: dict[str, str]) -> None:
    """One text style of the sheet as a Word paragraph style."""
    set_font(style.element, fonts[s.font])
    style.font.size, style.font.bold, style.font.italic = Pt(s.size), s.bold, s.italic
    style.font.color.rgb = rgb(s.colour)
    pf = style.paragraph_format
    pf.space_before, pf.space_after = Pt(s.before), Pt(s.after)
    # the leading exactly, as the PDF sets it: Word's "multiple" multiplies the font's
    # own line height (about 1.36 em for Noto), and "at least" grows to it, so either
    # would make every line of a table or a heading taller than in the PDF
    pf.line_spacing = Pt(round(s.leading, 2))
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.keep_with_next = s.keep_with_next
    pf.widow_control = True
    pf.left_indent = Pt(s.left) if s.left else None
    pf.right_indent = Pt(s.right) if s.right else None
    if s.marker is not None:  # a list: its bullet or number hangs left of the text
        pf.first_line_indent = Pt(s.marker - s.left)
    ppr = style.element.get_or_add_pPr()
    contextual = ppr.find(qn("w:contextualSpacing"))
    if contextual is not None:  # Word's list styles drop the space between items
        ppr.remove(contextual)
    if s.align != "left":
        jc = ppr.find(qn("w:jc"))
        if jc is None:
            jc = SubElement(ppr, qn("w:jc"))
        jc.set(qn("w:val"), {"right": "right", "center": "center"}[s.align])
    if s.rule_left:
        colour, weight, gap = s.rule_left
        paragraph_border(ppr, "left", colour, round(weight * 8), round(gap))


def _list_indents(doc: Any, sh: Sheet, keep: frozenset[str]) -> None:
    """The numbering of Word's list styles indented as the sheet's lists: a list
    level's own indentation comes before its paragraph style's in Word."""
    try:
        numbering = doc.part.numbering_part.element
    except NotImplementedError:  # a reference document without numbering
        return
    lst = sh.text["list"]
    styles = doc.styles.element
    for name, depth in (
        ("List Bullet", 0),
        ("List Number", 0),
        ("List Bullet 2", 1),
        ("List Number 2", 1),
    ):
        if name in keep:
            continue
        num = styles.xpath(f'w:style[w:name/@w:val="{internal_name(name)}"]/w:pPr/w:numPr/w:numId')
        if not num:
            continue
        abstract = numbering.xpath(
            f'w:num[@w:numId="{num[0].get(qn("w:val"))}"]/w:abstractNumId/@w:val'
        )
        if not abstract:
            continue
        for lvl in numbering.xpath(f'w:abstractNum[@w:abstractNumId="{abstract[0]}"]/w:lvl'):
            level = depth + int(lvl.get(qn("w:ilvl")))
            left = lst.left * (level + 1)
            ppr = lvl.find(qn("w:pPr"))
            if ppr is None:
                ppr = SubElement(lvl, qn("w:pPr"))
            for old in ppr.findall(qn("w:ind")) + ppr.findall(qn("w:tabs")):
                ppr.remove(old)
            tabs = SubElement(ppr, qn("w:tabs"))
            SubElement(tabs, qn("w:tab"), {qn("w:val"): "num", qn("w:pos"): _tw(left)})
            SubElement(
                ppr,
                qn("w:ind"),
                {qn("w:left"): _tw(left), qn("w:hanging"): _tw(lst.left - (lst.marker or 0.0))},
            )


def _tw(points: float) -> str:
    """Points as twentieths of a point, Word's unit."""
    return str(round(points * 20))


def _table_style(
    styles: Any,
    found: dict[str, Any],
    name: str,
    keep: frozenset[str],
    look: TableLook | None = None,
    padding: tuple[float, float, float, float] = (0, 0, 0, 0),
    frame: tuple[str, float] | None = None,
    fill: str | None = None,
    inside_v: tuple[str, float] | None = None,
    top: tuple[str, float] | None = None,
) -> Any:
    """A Word table style: the table on the text's left edge, its cells' padding and
    rules; for a data table, the header row's fill (conditional formatting of the
    first row) and the band of every other row."""
    internal = internal_name(name)
    if internal in found:
        style = found[internal]
        if name in keep:
            return style
    else:
        style = styles.add_style(name, WD_STYLE_TYPE.TABLE)
        found[internal] = style
    el = style.element
    for old in (
        el.findall(qn("w:tblPr")) + el.findall(qn("w:tblStylePr")) + el.findall(qn("w:tcPr"))
    ):
        el.remove(old)
    for old in el.findall(qn("w:pPr")):
        el.remove(old)
    tblpr = SubElement(el, qn("w:tblPr"))
    if look is not None:
        padding = look.padding
        band = OxmlElement("w:tblStyleRowBandSize")
        band.set(qn("w:val"), "1")
        table_property(tblpr, band)
    # the table's edge on the text's edge, as in the PDF: Word (in the compatibility
    # mode of the documents written here) and LibreOffice measure ``tblInd`` to the
    # first cell's text, not to the table's edge
    ind = OxmlElement("w:tblInd")
    ind.set(qn("w:w"), _tw(padding[3]))
    ind.set(qn("w:type"), "dxa")
    table_property(tblpr, ind)
    edges: dict[str, tuple[str, float]] = {}
    if look is not None and look.rule:
        edges = {"insideH": look.rule, "bottom": look.rule}
    if frame:
        edges = {"top": frame, "bottom": frame}
    if top:  # a rule on each row's top edge (cut by the white gaps between columns)
        edges = {"top": top, "insideH": top}
    if inside_v:
        edges["insideV"] = inside_v
    table_property(tblpr, edge_borders("w:tblBorders", edges))
    table_property(tblpr, cell_margins(padding))
    if fill:
        _shade(SubElement(el, qn("w:tcPr")), fill)
    if look is None:
        return style
    if look.head_fill or look.head_rule:
        first = SubElement(el, qn("w:tblStylePr"), {qn("w:type"): "firstRow"})
        SubElement(first, qn("w:tblPr"))
        tcpr = SubElement(first, qn("w:tcPr"))
        if look.head_rule:
            tcpr.append(edge_borders("w:tcBorders", {"bottom": look.head_rule}, only=True))
        if look.head_fill:
            _shade(tcpr, look.head_fill)
    if look.band:
        # the first body row is band 1 (the header row counts in no band)
        second = SubElement(el, qn("w:tblStylePr"), {qn("w:type"): "band2Horz"})
        SubElement(second, qn("w:tblPr"))
        _shade(SubElement(second, qn("w:tcPr")), look.band)
    return style


def _shade(tcpr: Any, fill: str) -> None:
    SubElement(
        tcpr,
        qn("w:shd"),
        {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): hex_colour(fill)},
    )
