"""The DOCX writer: document model to Word with python-docx.

Every paragraph gets a real, named Word style (Heading 1-3, List Bullet, List Number,
Quote, and a few of our own such as "Lead" or "Table Text") so that a reader who
restyles one changes the whole document. The translator (``_Translator``) has one
method per node; the writer (``DocxWriter``) sets up styles, page, header and footer,
properties, and saves reproducibly.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from docx import Document as new_document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import (
    WD_ALIGN_PARAGRAPH,
    WD_LINE_SPACING,
    WD_TAB_ALIGNMENT,
    WD_TAB_LEADER,
)
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.package import Unmarshaller
from docx.opc.part import Part, PartFactory
from docx.opc.pkgreader import PackageReader
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tbl
from docx.package import Package
from docx.shared import Mm, Pt, RGBColor
from docx.styles import BabelFish
from docx.styles.style import StyleFactory
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml.etree import SubElement
from PIL import Image, ImageDraw, ImageFont

from kzru_reports.model import nodes as n
from kzru_reports.theme import Theme
from kzru_reports.writers import chart as chartlib
from kzru_reports.writers import docx_fonts
from kzru_reports.writers.measure import ellipsize, fit_size, text_width

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
}

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


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _set_font(rpr_owner: Any, family: str) -> None:
    """Name the font for every script (Latin, Cyrillic, complex, East Asian), dropping
    theme fonts that would override it."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme"):
            del fonts.attrib[attr]
    for script in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{script}"), family)


def _borders(table: Any, edges: dict[str, tuple[str, float]]) -> None:
    """Table borders: edge name -> (colour, width in points); others none."""
    tblpr = table.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        if edge in edges:
            colour, width = edges[edge]
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), str(int(width * 8)))
            el.set(qn("w:color"), colour.lstrip("#").upper())
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)


# ------------------------------------------------------------------ styles


def _configure_styles(doc: Any, theme: Theme, keep: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Set up every style the translator uses; returns them by name for fast lookup.
    Styles named in ``keep`` (those a reference document defines) stay as they are."""
    styles = doc.styles
    body, head = theme.body_font.name, theme.heading_font.name
    text, accent, muted = _rgb(theme.text), _rgb(theme.accent), _rgb(theme.muted)

    # python-docx finds a style by name by scanning them all, and checks each new one
    # the same way; looked up here once, as ``styles[name]`` would find it
    found: dict[str, Any] = {}
    for st in styles:
        found.setdefault(st.element.name_val, st)

    def para_style(name: str, base: str | None = "Normal") -> Any:
        style = found.get(BabelFish.ui2internal(name))
        if style is None:  # as ``styles.add_style(name, PARAGRAPH)``, without the scan
            internal = BabelFish.ui2internal(name)
            style = StyleFactory(
                styles.element.add_style_of_type(internal, WD_STYLE_TYPE.PARAGRAPH, False)
            )
            found[internal] = style
            if base:
                style.base_style = found[BabelFish.ui2internal(base)]
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
        _set_font(style.element, font)
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
    setup("Table Heading", head, small + 0.5, _rgb("#FFFFFF"), bold=True, after=0, line=1.2)
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
    setup("Header", head, 8.5, _rgb(theme.marking), bold=True, after=0, line=1.0)
    setup("Footer", head, 7.5, muted, after=0, line=1.0)
    for name in ("Header", "Footer"):
        # the template's own stops (centre 4680, right 9360) would take the running
        # footer's tab in LibreOffice; each paragraph sets the stop it needs
        out[name].paragraph_format.tab_stops.clear_all()
    setup("Letterhead", head, small + 0.5, accent, after=0, line=1.2)
    quote = out["Quote"]
    if "Quote" not in keep:
        quote.paragraph_format.right_indent = Mm(4)
        _quote_bar(quote, theme.accent)
    out["Table Heading"].paragraph_format.keep_with_next = False
    try:
        out["Table Grid"] = styles["Table Grid"]
    except KeyError:  # a reference document without it
        out["Table Grid"] = styles.add_style("Table Grid", WD_STYLE_TYPE.TABLE)
    return out


def _quote_bar(style: Any, colour: str) -> None:
    ppr = style.element.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for k, v in (
        ("val", "single"),
        ("sz", "18"),
        ("space", "8"),
        ("color", colour.lstrip("#").upper()),
    ):
        left.set(qn(f"w:{k}"), v)
    bdr.append(left)
    ppr.append(bdr)


# ------------------------------------------------------------------ translator


class _Translator:
    """Writes model blocks straight into the document's XML (lxml elements).

    python-docx's object API looks every style up by name and walks the table grid on
    each call, which makes it quadratic in practice; here each paragraph, row and cell
    is one element made with the style id already known. The XML is the same as the
    object API would make: named styles, header rows that repeat, shading, spans.
    """

    def __init__(self, doc: Any, blank: _Blank, theme: Theme) -> None:
        self.doc = doc
        self.part = doc.part
        self.body = doc.element.body
        self.theme = theme
        try:
            self.numbering = doc.part.numbering_part.element
        except NotImplementedError:  # a reference document without numbering
            self.numbering = None
        self.list_num_id = blank.list_num_id if self.numbering is not None else None
        self.ids = blank.ids
        self.sect = self.body.find(_SECT_PR)
        self.bookmarks: dict[str, str] = {}  # anchor -> Word bookmark name

    def bookmark(self, anchor: str) -> str:
        """The Word bookmark name of an anchor (Word wants short, plain names)."""
        return self.bookmarks.setdefault(anchor, f"_Toc{len(self.bookmarks) + 1:05d}")

    # -- helpers
    def para(self, style: str, container: Any = None, align: str = "left") -> Any:
        """A new ``w:p`` with its style set, at the end of the body or of a cell."""
        if container is None:
            p = SubElement(self.body, _P)
            if self.sect is not None:
                self.sect.addprevious(p)
        else:
            p = SubElement(container, _P)
        _style_p(p, self.ids[style], align)
        return p

    def runs(self, p: Any, children: n.Inlines, bold: bool = False, italic: bool = False) -> None:
        for node in children:
            match node:
                case n.Text(text=t):
                    _run(p, t, bold, italic)
                case n.Strong(children=c):
                    self.runs(p, c, True, italic)
                case n.Emph(children=c):
                    self.runs(p, c, bold, True)
                case n.Link(children=c, url=url):
                    self._link(p, c, url)
                case n.LineBreak():
                    SubElement(SubElement(p, _R), _BR)
                case _:
                    raise TypeError(f"DOCX writer: unknown inline node {type(node).__name__}")

    def _link(self, p: Any, children: n.Inlines, url: str) -> None:
        rid = self.part.relate_to(url, RT.HYPERLINK, is_external=True)
        start = len(p)
        self.runs(p, children)
        made = list(p)[start:]
        link = SubElement(p, _HYPERLINK, {_RID: rid})
        for r in made:
            rpr = r.find(_RPR)
            if rpr is None:
                rpr = SubElement(r, _RPR)
                r.insert(0, rpr)
            SubElement(rpr, _U, {_VAL: "single"})
            link.append(r)

    def _restart(self) -> str | None:
        """A new numbering instance so each ordered list starts again at 1."""
        if self.list_num_id is None:
            return None
        source = self.numbering.num_having_numId(int(self.list_num_id))
        new = self.numbering.add_num(source.abstractNumId.val)
        override = new.add_lvlOverride(ilvl=0)
        override.add_startOverride(1)
        return str(new.numId)

    # -- blocks
    def blocks(self, body: tuple[n.Block, ...]) -> None:
        for block in body:
            method: Callable[[Any], None] | None = getattr(
                self, f"_{type(block).__name__.lower()}", None
            )
            if method is None:
                raise TypeError(f"DOCX writer: unknown block node {type(block).__name__}")
            method(block)

    def _heading(self, h: n.Heading) -> None:
        p = self.para("Cover Title" if h.role == "cover" else f"Heading {min(h.level, 3)}")
        self.runs(p, h.children)
        if h.id:
            _wrap_bookmark(p, self.bookmark(h.id), len(self.bookmarks))
        if h.level == 1:
            _bottom_rule(p, self.theme.accent)

    def contents(self, title: str, entries: tuple[n.ContentsEntry, ...]) -> None:
        """A contents list of links to the headings, with page numbers that show at
        once (cached PAGEREF results) and update in Word like any field."""
        heading = self.para("TOC Heading")
        _run(heading, title, props=False)
        _bottom_rule(heading, self.theme.accent)
        for entry in entries:
            p = self.para("TOC 1" if entry.level == 1 else "TOC 2")
            name = self.bookmark(entry.anchor)
            link = OxmlElement("w:hyperlink")
            link.set(qn("w:anchor"), name)
            link.set(qn("w:history"), "1")
            link.append(_text_run(entry.title))
            link.append(_text_run("\t"))
            _complex_field(link, f" PAGEREF {name} \\h ", str(entry.page or ""))
            p.append(link)

    def _paragraph(self, para: n.Paragraph) -> None:
        p = self.para(ROLE_STYLES.get(para.role, "Normal"))
        self.runs(p, para.children)

    def _list(self, lst: n.List, depth: int = 0) -> None:
        kind = (
            "Sources"
            if lst.role == "sources"
            else ("List Number" if lst.ordered else "List Bullet")
        )
        if depth and kind != "Sources":
            kind += " 2"
        num_id = self._restart() if lst.ordered else None
        for item in lst.items:
            p = self.para(kind)
            if num_id is not None:
                _set_num(p, num_id, depth)
            self.runs(p, item.children)
            if item.sublist:
                self._list(item.sublist, depth + 1)

    def _quote(self, q: n.Quote) -> None:
        for para in q.children:
            self.runs(self.para("Quote"), para.children)
        if q.attribution:
            self.runs(self.para("Attribution"), q.attribution)

    def _fieldlist(self, fl: n.FieldList) -> None:
        label_w = 44.0 if fl.role == "cover" else 32.0
        table, widths = self._table_shell(2, [label_w, self.theme.text_width_mm - label_w])
        _borders(table, {"top": (self.theme.rule, 0.8), "bottom": (self.theme.rule, 0.8)})
        for f in fl.fields:
            label, value = _row(table, widths)
            self.runs(self.para("Field Label", label), (n.Text(_upper(f.label)),))
            self.runs(self.para("Field Value", value), f.value)
        self._gap()

    def _keyfigures(self, kf: n.KeyFigures) -> None:
        cols = 3
        width = self.theme.text_width_mm
        table, widths = self._table_shell(cols, [width / cols] * cols)
        _borders(table, {"insideV": ("#FFFFFF", 6)})
        zebra, accent = _hex(self.theme.zebra), _hex(self.theme.accent)
        for i in range(0, len(kf.items), cols):
            cells = _row(table, widths)
            for tc, item in zip(cells, kf.items[i : i + cols], strict=False):
                tcpr = tc[0]
                _shade_tcpr(tcpr, zebra)
                borders = SubElement(tcpr, _TC_BORDERS)
                SubElement(borders, _TOP, {_VAL: "single", _SZ: "16", _COLOR: accent})
                _run(self.para("Figure Qualifier", tc), item.qualifier, props=False)
                value = _run(self.para("Figure Value", tc), item.value, props=False)
                size = fit_size(
                    item.value,
                    str(self.theme.font_path(self.theme.heading_font.bold)),
                    self.theme.figure_size,
                    width / 3 / 25.4 * 72 - 12,
                )
                if size != self.theme.figure_size:
                    Run(value, None).font.size = Pt(round(size * 2) / 2)  # type: ignore[arg-type]
                _run(self.para("Figure Label", tc), item.label, props=False)
                if item.note:
                    _run(self.para("Figure Note", tc), item.note, props=False)
            for tc in cells[len(kf.items[i : i + cols]) :]:
                SubElement(tc, _P)  # an empty cell still holds one paragraph
        self._gap()

    def _barchart(self, chart: n.BarChart) -> None:
        width_pt = self.theme.text_width_mm / 25.4 * 72
        geo = chartlib.layout(chart, width_pt, self.theme)
        png = chart_png(geo, self.theme)
        p = Paragraph(self.para("Normal"), self.doc._body)
        p.add_run().add_picture(io.BytesIO(png), width=Mm(self.theme.text_width_mm))
        _alt_text(p, chart)

    def _table(self, t: n.Table) -> None:
        ncols = len(t.header) or max(len(r.cells) for r in t.rows)
        weights = t.widths or (1.0,) * ncols
        widths_mm = [self.theme.text_width_mm * w / sum(weights) for w in weights]
        table, widths = self._table_shell(ncols, widths_mm)
        _borders(table, {"insideH": (self.theme.rule, 0.5), "bottom": (self.theme.rule, 0.5)})
        accent, light, zebra_fill = (
            _hex(c) for c in (self.theme.accent, self.theme.accent_light, self.theme.zebra)
        )
        if t.header:
            cells = _row(table, widths, header=True)
            for tc, c in zip(cells, t.header, strict=True):
                _shade_tcpr(tc[0], accent)
                self.runs(self.para("Table Heading", tc, c.align), c.children)
        span = str(sum(int(w) for w in widths))
        zebra = 0
        for r in t.rows:
            if r.role == "group":
                tr = SubElement(table, _TR)
                tc = SubElement(tr, _TC)
                tcpr = SubElement(tc, _TC_PR)
                SubElement(tcpr, _TC_W, {_TYPE: "dxa", _W: span})
                SubElement(tcpr, _GRID_SPAN, {_VAL: str(ncols)})
                _shade_tcpr(tcpr, light)
                self.runs(self.para("Table Group", tc), r.cells[0].children if r.cells else ())
                zebra = 0
                continue
            shade = t.role == "grid" and zebra % 2
            for tc, c in zip(_row(table, widths), r.cells, strict=True):
                if shade:
                    _shade_tcpr(tc[0], zebra_fill)
                self.runs(self.para("Table Text", tc, c.align), c.children)
            zebra += 1
        self._gap()

    def _pagebreak(self, _: n.PageBreak) -> None:
        SubElement(SubElement(self.para("Normal"), _R), _BR, {_TYPE: "page"})

    # -- table helpers
    def _table_shell(self, ncols: int, widths_mm: list[float]) -> tuple[Any, list[str]]:
        """An empty table (properties and grid, no rows) and its column widths in twips."""
        # as ``Document.add_table``, without its style lookup by name
        tbl = CT_Tbl.new_tbl(0, ncols, Mm(self.theme.text_width_mm))
        if self.sect is not None:
            self.sect.addprevious(tbl)
        else:
            self.body.append(tbl)
        table = Table(tbl, self.doc)
        table._tbl.tblStyle_val = self.ids["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        for col, w in zip(table.columns, widths_mm, strict=True):
            col.width = Mm(w)
        tbl = table._tbl
        return tbl, [str(col.get(_W)) for col in tbl.tblGrid.iterchildren(_GRID_COL)]

    def _gap(self) -> None:
        p = self.para("Normal")
        SubElement(p[0], _SPACING, {_AFTER: "80", _LINE: "192", _LINE_RULE: "auto"})


# ------------------------------------------------------------------ XML helpers

_P, _PPR, _PSTYLE, _JC = qn("w:p"), qn("w:pPr"), qn("w:pStyle"), qn("w:jc")
_R, _RPR, _T, _BR, _TAB = qn("w:r"), qn("w:rPr"), qn("w:t"), qn("w:br"), qn("w:tab")
_B, _I, _U = qn("w:b"), qn("w:i"), qn("w:u")
_VAL, _TYPE, _W, _SZ, _COLOR = qn("w:val"), qn("w:type"), qn("w:w"), qn("w:sz"), qn("w:color")
_TR, _TR_PR, _TBL_HEADER = qn("w:tr"), qn("w:trPr"), qn("w:tblHeader")
_TC, _TC_PR, _TC_W, _GRID_SPAN = qn("w:tc"), qn("w:tcPr"), qn("w:tcW"), qn("w:gridSpan")
_SHD, _FILL, _TC_BORDERS, _TOP = qn("w:shd"), qn("w:fill"), qn("w:tcBorders"), qn("w:top")
_GRID_COL, _SECT_PR, _HYPERLINK, _RID = (
    qn("w:gridCol"),
    qn("w:sectPr"),
    qn("w:hyperlink"),
    qn("r:id"),
)
_SPACING, _AFTER, _LINE, _LINE_RULE = (
    qn("w:spacing"),
    qn("w:after"),
    qn("w:line"),
    qn("w:lineRule"),
)
_XML_SPACE = qn("xml:space")
_SPECIAL = re.compile(r"([\t\r\n])")


def _hex(colour: str) -> str:
    return colour.lstrip("#").upper()


def _style_p(p: Any, style_id: str | None, align: str = "left") -> None:
    ppr = SubElement(p, _PPR)
    if style_id is not None:
        SubElement(ppr, _PSTYLE, {_VAL: style_id})
    if align != "left":
        SubElement(ppr, _JC, {_VAL: align})


def _run(p: Any, text: str, bold: bool = False, italic: bool = False, props: bool = True) -> Any:
    """A run as python-docx's ``add_run(text)`` then ``bold``/``italic`` make it: a
    property element (empty when plain; none with ``props=False``, a bare
    ``add_run``), then text; tabs and line ends become ``w:tab`` and ``w:br``."""
    r = SubElement(p, _R)
    if props:
        rpr = SubElement(r, _RPR)
        if bold:
            SubElement(rpr, _B)
        if italic:
            SubElement(rpr, _I)
    if not text:
        return r
    pieces = _SPECIAL.split(text) if ("\t" in text or "\n" in text or "\r" in text) else (text,)
    for piece in pieces:
        if piece == "\t":
            SubElement(r, _TAB)
        elif piece in ("\r", "\n"):
            SubElement(r, _BR)
        elif piece:
            t = SubElement(r, _T)
            t.text = piece
            if len(piece.strip()) < len(piece):
                t.set(_XML_SPACE, "preserve")
    return r


def _row(tbl: Any, widths: list[str], header: bool = False) -> list[Any]:
    """A new row of empty cells (``w:tc`` with its width), as ``table.add_row()``."""
    tr = SubElement(tbl, _TR)
    if header:
        SubElement(SubElement(tr, _TR_PR), _TBL_HEADER, {_VAL: "true"})
    cells = []
    for w in widths:
        tc = SubElement(tr, _TC)
        SubElement(SubElement(tc, _TC_PR), _TC_W, {_TYPE: "dxa", _W: w})
        cells.append(tc)
    return cells


def _shade_tcpr(tcpr: Any, fill: str) -> None:
    SubElement(tcpr, _SHD, {_VAL: "clear", _COLOR: "auto", _FILL: fill})


def _upper(children: n.Inlines) -> str:
    from kzru_reports.model.dump import inline_text

    return inline_text(children).upper()


def _bottom_rule(p: Any, colour: str) -> None:
    ppr = p[0]
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (
        ("val", "single"),
        ("sz", "12"),
        ("space", "4"),
        ("color", colour.lstrip("#").upper()),
    ):
        bottom.set(qn(f"w:{k}"), v)
    bdr.append(bottom)
    ppr.append(bdr)


def _text_run(text: str) -> Any:
    r = OxmlElement("w:r")
    if text == "\t":
        r.append(OxmlElement("w:tab"))
        return r
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    r.append(t)
    return r


def _complex_field(parent: Any, instruction: str, cached: str) -> None:
    """A field Word and LibreOffice show with its cached result until updated."""

    def fld(kind: str) -> Any:
        r = OxmlElement("w:r")
        c = OxmlElement("w:fldChar")
        c.set(qn("w:fldCharType"), kind)
        r.append(c)
        return r

    parent.append(fld("begin"))
    r = OxmlElement("w:r")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = instruction
    r.append(instr)
    parent.append(r)
    parent.append(fld("separate"))
    parent.append(_text_run(cached))
    parent.append(fld("end"))


def _wrap_bookmark(p: Any, name: str, ident: int) -> None:
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(ident))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(ident))
    ppr = p.pPr
    if ppr is not None:
        ppr.addnext(start)
    else:
        p.insert(0, start)
    p.append(end)


def _set_num(p: Any, num_id: str, level: int) -> None:
    ppr = p[0]
    numpr = ppr.get_or_add_numPr()
    numpr.get_or_add_ilvl().val = level
    numpr.get_or_add_numId().val = int(num_id)


def _alt_text(p: Paragraph, chart: n.BarChart) -> None:
    """Describe the chart for screen readers (the picture's alternative text)."""
    doc_pr = p._p.find(".//" + qn("wp:docPr"))
    if doc_pr is not None:
        doc_pr.set(
            "descr",
            " ".join(
                f"{b.label}: {b.value_text}."
                + (f" {chart.target_label}: {b.target_text}." if b.target is not None else "")
                for b in chart.bars
            ),
        )


# ------------------------------------------------------------------ chart picture


@functools.lru_cache(maxsize=16)
def chart_png(geo: chartlib.ChartLayout, theme: Theme, scale: float = 300 / 72) -> bytes:
    """Draw a chart layout as a PNG at print resolution (with Pillow); a pack draws the
    same chart as its fact sheet, so the last few are kept."""
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


@functools.cache
def _pil_font(path: str, size: int) -> Any:
    return ImageFont.truetype(path, size)


# ------------------------------------------------------------------ writer


def _page_setup(doc: Any, theme: Theme) -> Any:
    section = doc.sections[0]
    w, h = theme.page_mm
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(w), Mm(h)
    section.left_margin, section.right_margin = Mm(theme.margin_left), Mm(theme.margin_right)
    section.top_margin, section.bottom_margin = Mm(theme.margin_top), Mm(theme.margin_bottom)
    section.header_distance, section.footer_distance = Mm(10), Mm(8)
    return section


def _field(p: Paragraph, instruction: str, cached: str) -> None:
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = cached
    r.append(t)
    fld.append(r)
    p._p.append(fld)


def _header_footer(
    section: Any, meta: n.Meta, ids: Mapping[str, str | None], theme: Theme, letterhead: bool = True
) -> None:
    """Marking top and bottom, title and "Page X of Y" in the footer; on the first
    page also the theme's logo and letterhead lines (a pack has them on its cover
    only, as in the PDF)."""
    _fill_header(section.header, meta, ids)
    _fill_footer(section.footer, meta, ids, theme)
    if letterhead and theme.has_letterhead:
        section.different_first_page_header_footer = True
        _fill_header(section.first_page_header, meta, ids)
        _letterhead(section.first_page_header, ids, theme)
        _fill_footer(section.first_page_footer, meta, ids, theme)
    elif section.different_first_page_header_footer:  # copied from the section before
        section.different_first_page_header_footer = False
        section.first_page_header.is_linked_to_previous = True
        section.first_page_footer.is_linked_to_previous = True


def _next_paragraph(part: Any) -> Paragraph:
    """The part's first paragraph while it is empty (a new part has one), else a new one."""
    paragraphs = part.paragraphs
    if len(paragraphs) == 1 and not paragraphs[0].text and not paragraphs[0].runs:
        return paragraphs[0]
    return part.add_paragraph()


def _fill_header(header: Any, meta: n.Meta, ids: Mapping[str, str | None]) -> None:
    header.is_linked_to_previous = False
    mark = _next_paragraph(header)
    _style(mark, ids["Header"])
    mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    mark.add_run(meta.marking)


def _fill_footer(
    footer_part: Any, meta: n.Meta, ids: Mapping[str, str | None], theme: Theme
) -> None:
    footer_part.is_linked_to_previous = False
    footer = _next_paragraph(footer_part)
    _style(footer, ids["Footer"])
    footer.paragraph_format.tab_stops.add_tab_stop(Mm(theme.text_width_mm), WD_TAB_ALIGNMENT.RIGHT)
    label = meta.page_label.format(page=999, pages=999)  # room for the widest numbers
    face = str(theme.font_path(theme.heading_font.regular))
    room = theme.text_width_mm / 25.4 * 72 - text_width(label, face, 7.5) - 12
    footer.add_run(ellipsize(meta.footer or meta.title, face, 7.5, room))  # one line
    footer.add_run("\t")
    # "Page {page} of {pages}" with live fields in place of the two names
    for piece in _split_label(meta.page_label):
        if piece == "{page}":
            _field(footer, "PAGE", "1")
        elif piece == "{pages}":
            _field(footer, "NUMPAGES", "1")
        elif piece:
            footer.add_run(piece)
    if meta.marking:
        mark = footer_part.add_paragraph()
        _style(mark, ids["Header"])
        mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
        mark.paragraph_format.space_before = Pt(3)
        mark.add_run(meta.marking)


def _letterhead(header: Any, ids: Mapping[str, str | None], theme: Theme) -> None:
    """Logo on the left, letterhead lines on the right, under the first page's marking."""
    table = header.add_table(1, 2, Mm(theme.text_width_mm))
    table.autofit = False
    left, right = table.rows[0].cells
    left.width = Mm(theme.logo_width + 4)
    right.width = Mm(theme.text_width_mm - theme.logo_width - 4)
    if theme.logo is not None:
        logo = left.paragraphs[0]
        _style(logo, ids["Letterhead"])
        logo.add_run().add_picture(str(theme.logo), width=Mm(theme.logo_width))
    for i, line in enumerate(theme.letterhead):
        p = right.paragraphs[0] if i == 0 else right.add_paragraph()
        _style(p, ids["Letterhead"])
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = p.add_run(line)
        run.bold = i == 0 or None
    gap = header.add_paragraph()  # a header ends with a paragraph
    _style(gap, ids["Letterhead"])
    gap.paragraph_format.space_after = Pt(6)


def _style(p: Paragraph, style_id: str | None) -> None:
    """``p.style = style``, by id: python-docx's setter searches every style for the
    default one each time, which made headers and footers the slow part of a memo."""
    p._p.style = style_id


def _split_label(label: str) -> list[str]:
    out, rest = [], label
    while rest:
        positions = [(rest.find(k), k) for k in ("{page}", "{pages}") if k in rest]
        if not positions:
            out.append(rest)
            break
        i, key = min(positions)
        out += [rest[:i], key]
        rest = rest[i + len(key) :]
    return out


def _prop(text: str) -> str:
    """Core properties hold at most 255 characters (python-docx refuses more)."""
    return text if len(text) <= 255 else text[:254].rstrip() + "…"


def _properties(doc: Any, meta: n.Meta) -> None:
    props = doc.core_properties
    props.title, props.subject = _prop(meta.title), _prop(meta.subject)
    props.keywords = _prop("; ".join(meta.keywords))
    props.author = _prop(meta.author)
    props.last_modified_by = _prop(meta.author)
    props.category = _prop(meta.marking)
    props.comments = ""
    props.language = meta.lang
    props.revision = 1
    stamp = (meta.created or EPOCH).replace(microsecond=0)
    props.created = props.modified = stamp
    props.last_printed = stamp


def normalize_zip(data: bytes, stamp: datetime | None = None) -> bytes:
    """Rewrite a DOCX zip with fixed entry times, so equal content gives equal bytes."""
    when = (stamp or EPOCH).timetuple()[:6]
    when = (max(1980, when[0]), *when[1:])
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


@dataclass(frozen=True)
class _Blank:
    """A theme's starting document, made once per process and theme."""

    data: bytes  # the package: styles and page set up, an empty body
    ids: Mapping[str, str | None]  # style name -> id (None: the default paragraph style)
    list_num_id: str | None  # the numbering of the "List Number" style


@functools.lru_cache(maxsize=8)
def _blank(theme: Theme, reference_state: tuple[int, int] | None) -> _Blank:
    """A document with the theme's styles and page set up and an empty body, made
    once per process and theme (setting up styles by name through python-docx costs
    more than writing a whole memo) and kept in the cache folder between runs; each
    document starts from a copy of it, knowing the ids of the styles the writer uses.
    ``reference_state`` (the reference document's modification time and size) makes
    an edited reference count as new."""
    from kzru_reports import cache

    key = _blank_key(theme)
    kept = _decode_blank(cache.read("docx", key))
    if kept is not None:
        return kept
    blank = _make_blank(theme)
    cache.write("docx", key, _encode_blank(blank))
    return blank


def _blank_key(theme: Theme) -> str:
    """What a blank depends on: the engine's code, the libraries that write it, the
    theme's settings and the reference document's content."""
    import docx
    from lxml import etree

    from kzru_reports import cache
    from kzru_reports.manifest import sha256_file, stable_repr

    reference = "" if theme.reference_docx is None else sha256_file(theme.reference_docx)
    parts = (docx.__version__, etree.__version__, stable_repr(theme), reference)
    return cache.entry_name("docx-blank", *parts)


def _encode_blank(blank: _Blank) -> bytes:
    head = json.dumps({"ids": dict(blank.ids), "list_num_id": blank.list_num_id})
    return head.encode() + b"\n" + blank.data


def _decode_blank(data: bytes | None) -> _Blank | None:
    """A blank read back from the cache, or None if absent or not whole."""
    if data is None:
        return None
    head, _, package = data.partition(b"\n")
    try:
        meta = json.loads(head)
        ids, num = meta["ids"], meta["list_num_id"]
    except (ValueError, KeyError, TypeError):
        return None
    valid = (
        isinstance(ids, dict)
        and all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in ids.items())
        and (num is None or isinstance(num, str))
        and package.startswith(b"PK")
    )
    if not valid:
        return None
    try:  # its directory (entries are written whole, renamed into place)
        zipfile.ZipFile(io.BytesIO(package)).close()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    return _Blank(package, MappingProxyType(ids), num)


def _make_blank(theme: Theme) -> _Blank:
    reference = theme.reference_docx
    word = new_document(str(reference) if reference else None)
    keep = frozenset(st.name for st in word.styles) if reference else frozenset()
    styles = _configure_styles(word, theme, keep)
    ids = {name: (None if st.element.default else st.style_id) for name, st in styles.items()}
    ppr = styles["List Number"].element.pPr
    num = ppr.numPr if ppr is not None else None
    list_num_id = None if num is None or num.numId is None else str(num.numId.val)
    _page_setup(word, theme)
    _clear_body(word)
    buf = io.BytesIO()
    word.save(buf)
    return _Blank(buf.getvalue(), MappingProxyType(ids), list_num_id)


class _StylesAsBytes:
    """The part factory a document is opened with: as python-docx's own, except that
    the style part (hundreds of kilobytes of XML, set up once in ``_blank`` and only
    referred to by id after) stays the bytes it was, neither parsed nor re-serialised."""

    def __new__(
        cls, partname: Any, content_type: str, reltype: str, blob: bytes, package: Any
    ) -> Any:
        if content_type == CT.WML_STYLES:
            return Part.load(partname, content_type, blob, package)
        return PartFactory(partname, content_type, reltype, blob, package)


def _open(blank: _Blank) -> Any:
    """A new document from the theme's blank (``docx.Document(...)``, faster)."""
    package = Package()
    Unmarshaller.unmarshal(PackageReader.from_file(io.BytesIO(blank.data)), package, _StylesAsBytes)
    return package.main_document_part.document


def _file_state(path: Any) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


_REUSE_FROM = 32 * 1024  # parts this large are kept compressed between documents
_DEFLATED: dict[bytes, bytes] = {}  # part bytes -> their raw deflate stream (last few)


class _Replay:
    """Stands in for zipfile's compressor when the compressed bytes are known."""

    def __init__(self, deflated: bytes) -> None:
        self.deflated = deflated

    def compress(self, data: bytes) -> bytes:
        out, self.deflated = self.deflated, b""
        return out

    def flush(self) -> bytes:
        return b""


class _StampedZip:
    """The writer python-docx's ``PackageWriter`` writes parts to: a zip whose entries
    all carry one fixed time and the same mode, so equal content gives equal bytes."""

    def __init__(self, file: io.BytesIO, stamp: datetime | None) -> None:
        when = (stamp or EPOCH).timetuple()[:6]
        self.when = (max(1980, when[0]), *when[1:])
        self.zip = zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED)

    def write(self, pack_uri: Any, blob: bytes) -> None:
        entry = zipfile.ZipInfo(pack_uri.membername, date_time=self.when)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o600 << 16
        if len(blob) < _REUSE_FROM:
            self.zip.writestr(entry, blob)
            return
        # The style parts (some 800 kB of XML) are the same in every document of a
        # theme: they are compressed once, and the same bytes written again after.
        deflated = _DEFLATED.pop(blob, None)
        if deflated is None:
            packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
            deflated = packer.compress(blob) + packer.flush()
        _DEFLATED[blob] = deflated
        while len(_DEFLATED) > 8:
            del _DEFLATED[next(iter(_DEFLATED))]
        entry.file_size = len(blob)
        with self.zip.open(entry, "w") as dest:
            if getattr(dest, "_compressor", None) is not None:
                dest._compressor = _Replay(deflated)  # what zipfile's compressor would give
            dest.write(blob)

    def __enter__(self) -> _StampedZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.zip.close()


class DocxWriter:
    """Writes a ``Document`` or a ``Pack`` as DOCX bytes."""

    extension = "docx"

    @staticmethod
    def count_pages(data: bytes) -> None:
        """A DOCX has no pages of its own: the reader's word processor lays them out."""
        return None

    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        # Set the styles up now (before a build forks its workers); a reference
        # document that fails here fails again, and is reported, when rendering.
        with contextlib.suppress(Exception):
            _blank(theme, _file_state(theme.reference_docx))

    def warm(self) -> None:
        Image.preinit()  # Pillow's image formats, loaded at the first chart otherwise
        docx_fonts.warm(self.theme)

    def _start(self, meta: n.Meta) -> tuple[Any, _Blank, _Translator]:
        blank = _blank(self.theme, _file_state(self.theme.reference_docx))
        word = _open(blank)
        _header_footer(word.sections[0], meta, blank.ids, self.theme)
        _properties(word, meta)
        return word, blank, _Translator(word, blank, self.theme)

    def _save(self, word: Any, meta: n.Meta) -> bytes:
        """The package as a zip with fixed entry times (as ``normalize_zip`` makes it),
        written once rather than saved and rewritten."""
        docx_fonts.embed_fonts(word, self.theme)
        package = word.part.package
        for part in package.parts:
            part.before_marshal()
        buf = io.BytesIO()
        with _StampedZip(buf, meta.created) as out:
            PackageWriter._write_content_types_stream(out, package.parts)
            PackageWriter._write_pkg_rels(out, package.rels)
            PackageWriter._write_parts(out, package.parts)
        return buf.getvalue()

    def render(self, doc: n.Document) -> bytes:
        word, _, translator = self._start(doc.meta)
        translator.blocks(doc.body)
        return self._save(word, doc.meta)

    def render_pack(self, pack: n.Pack) -> bytes:
        """Cover, contents, then each part in its own section (its own header and
        footer), page numbers running on through the whole pack."""
        word, blank, translator = self._start(pack.meta)
        translator.blocks(pack.cover.body)
        translator.blocks((n.PageBreak(),))
        translator.contents(pack.contents_title, pack.contents)
        for part in pack.parts:
            section = word.add_section(WD_SECTION.NEW_PAGE)
            for hf in (section.header, section.footer):
                hf.is_linked_to_previous = True  # drop the copied reference ...
                hf.is_linked_to_previous = False  # ... and give the part its own
            _header_footer(section, part.meta, blank.ids, self.theme, letterhead=False)
            translator.blocks(part.body)
        return self._save(word, pack.meta)


def _clear_body(word: Any) -> None:
    """Remove what the starting document holds (an empty paragraph, or a reference
    document's sample text), keeping its section properties."""
    body = word.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


__all__ = ["DocxWriter", "chart_png", "normalize_zip"]
