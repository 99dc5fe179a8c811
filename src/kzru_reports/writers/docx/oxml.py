"""OpenXML helpers: WordprocessingML elements made directly with lxml (paragraphs,
runs, rows, shading, borders, bookmarks, fields), as python-docx's object API would
make them, without its lookups by name."""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor
from lxml.etree import SubElement

from kzru_reports import memo
from kzru_reports.memo import BoundedCache


def rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def set_font(rpr_owner: Any, family: str) -> None:
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


def edge_borders(tag: str, edges: dict[str, tuple[str, float]], only: bool = False) -> Any:
    """Borders (``w:tblBorders`` or ``w:tcBorders``): edge name -> (colour, width in
    points); the other edges none, or left out with ``only``."""
    el = OxmlElement(tag)
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        if edge in edges:
            colour, width = edges[edge]
            line = SubElement(el, qn(f"w:{edge}"))
            line.set(qn("w:val"), "single")
            line.set(qn("w:sz"), str(max(2, round(width * 8))))
            line.set(qn("w:space"), "0")
            line.set(qn("w:color"), colour.lstrip("#").upper())
        elif not only:
            SubElement(el, qn(f"w:{edge}")).set(qn("w:val"), "nil")
    return el


def cell_margins(padding: tuple[float, float, float, float]) -> Any:
    """``w:tblCellMar``: the cells' padding (top, right, bottom, left, in points)."""
    mar = OxmlElement("w:tblCellMar")
    for side, pts in zip(("top", "left", "bottom", "right"), _sides(padding), strict=True):
        el = SubElement(mar, qn(f"w:{side}"))
        el.set(qn("w:w"), str(round(pts * 20)))
        el.set(qn("w:type"), "dxa")
    return mar


def _sides(padding: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """(top, right, bottom, left) in the schema's order: top, left, bottom, right."""
    top, right, bottom, left = padding
    return top, left, bottom, right


TBL_PR_ORDER = (
    "tblStyle",
    "tblpPr",
    "tblOverlap",
    "bidiVisual",
    "tblStyleRowBandSize",
    "tblStyleColBandSize",
    "tblW",
    "jc",
    "tblCellSpacing",
    "tblInd",
    "tblBorders",
    "shd",
    "tblLayout",
    "tblCellMar",
    "tblLook",
)


def table_property(tblpr: Any, el: Any) -> None:
    """Put ``el`` into ``w:tblPr`` at its place in the schema's order (replacing one of
    its kind): Word refuses table properties out of order."""
    order = [qn(f"w:{t}") for t in TBL_PR_ORDER]
    old = tblpr.find(el.tag)
    if old is not None:
        tblpr.remove(old)
    rank = order.index(el.tag)
    for i, child in enumerate(tblpr):
        if child.tag in order and order.index(child.tag) > rank:
            tblpr.insert(i, el)
            return
    tblpr.append(el)


def table_look(tblpr: Any, header: bool) -> None:
    """Which of its table style's conditional formats a table takes (``w:tblLook``):
    the first row's when it has a header row, and the bands the style defines."""
    look = OxmlElement("w:tblLook")
    flags = {
        "firstRow": header,
        "lastRow": False,
        "firstColumn": False,
        "lastColumn": False,
        "noHBand": False,
        "noVBand": True,
    }
    value = sum(
        bit
        for bit, on in zip((0x20, 0x40, 0x80, 0x100, 0x200, 0x400), flags.values(), strict=True)
        if on
    )
    look.set(qn("w:val"), f"{value:04X}")
    for name, on in flags.items():
        look.set(qn(f"w:{name}"), "1" if on else "0")
    table_property(tblpr, look)


# ------------------------------------------------------------------ XML helpers

W_P, W_PPR, W_PSTYLE, W_JC = qn("w:p"), qn("w:pPr"), qn("w:pStyle"), qn("w:jc")
W_R, W_RPR, W_T, W_BR, W_TAB = qn("w:r"), qn("w:rPr"), qn("w:t"), qn("w:br"), qn("w:tab")
W_B, W_I, W_U = qn("w:b"), qn("w:i"), qn("w:u")
W_VAL, W_TYPE, W_W, W_SZ, W_COLOR = qn("w:val"), qn("w:type"), qn("w:w"), qn("w:sz"), qn("w:color")
W_TR, W_TR_PR, W_TBL_HEADER = qn("w:tr"), qn("w:trPr"), qn("w:tblHeader")
W_CANT_SPLIT, W_KEEP_NEXT = qn("w:cantSplit"), qn("w:keepNext")
W_SOFT_HYPHEN = qn("w:softHyphen")
W_TC, W_TC_PR, W_TC_W, W_GRID_SPAN = qn("w:tc"), qn("w:tcPr"), qn("w:tcW"), qn("w:gridSpan")
W_SHD, W_FILL, W_TC_BORDERS, W_TOP = qn("w:shd"), qn("w:fill"), qn("w:tcBorders"), qn("w:top")
W_GRID_COL, W_SECT_PR, W_HYPERLINK, R_ID = (
    qn("w:gridCol"),
    qn("w:sectPr"),
    qn("w:hyperlink"),
    qn("r:id"),
)
W_SPACING, W_AFTER, W_LINE, W_LINE_RULE = (
    qn("w:spacing"),
    qn("w:after"),
    qn("w:line"),
    qn("w:lineRule"),
)
XML_SPACE = qn("xml:space")
_SPECIAL = re.compile("([\t\r\n\u00ad])")


def hex_colour(colour: str) -> str:
    return colour.lstrip("#").upper()


def style_p(p: Any, style_id: str | None, align: str = "left") -> None:
    ppr = SubElement(p, W_PPR)
    if style_id is not None:
        SubElement(ppr, W_PSTYLE, {W_VAL: style_id})
    if align != "left":
        SubElement(ppr, W_JC, {W_VAL: align})


# Documents repeat their runs (a pack holds its parts' text, audiences share a visit's
# text), and a hyphenated run is dozens of elements: each run is made once per process
# and copied (six times faster than making it).
MADE_RUNS = 1024
_RUNS: BoundedCache[Any] = BoundedCache("docx runs", MADE_RUNS)
memo.register("writers.docx.oxml.runs", _RUNS)


def run(p: Any, text: str, bold: bool = False, italic: bool = False, props: bool = True) -> Any:
    """A run as python-docx's ``add_run(text)`` then ``bold``/``italic`` make it: a
    property element (empty when plain; none with ``props=False``, a bare
    ``add_run``), then text; tabs and line ends become ``w:tab`` and ``w:br``. The
    run is the caller's own (a copy of the one kept)."""
    made = _RUNS.get_or_make((text, bold, italic, props), lambda: _run(text, bold, italic, props))
    r = deepcopy(made)
    p.append(r)
    return r


def _run(text: str, bold: bool, italic: bool, props: bool) -> Any:
    r = OxmlElement("w:r")
    if props:
        rpr = SubElement(r, W_RPR)
        if bold:
            SubElement(rpr, W_B)
        if italic:
            SubElement(rpr, W_I)
    if not text:
        return r
    pieces = _SPECIAL.split(text) if _SPECIAL.search(text) else (text,)
    for piece in pieces:
        if piece == "\t":
            SubElement(r, W_TAB)
        elif piece == "\u00ad":  # a hyphenation point: Word's optional hyphen
            SubElement(r, W_SOFT_HYPHEN)
        elif piece in ("\r", "\n"):
            SubElement(r, W_BR)
        elif piece:
            t = SubElement(r, W_T)
            t.text = piece
            if len(piece.strip()) < len(piece):
                t.set(XML_SPACE, "preserve")
    return r


def new_tr(tbl: Any, header: bool = False) -> Any:
    """A new empty row that is never split across pages (as in the PDF); a header row
    repeats on each page the table runs onto."""
    tr = SubElement(tbl, W_TR)
    trpr = SubElement(tr, W_TR_PR)
    SubElement(trpr, W_CANT_SPLIT)
    if header:
        SubElement(trpr, W_TBL_HEADER, {W_VAL: "true"})
    return tr


def row(tbl: Any, widths: list[str], header: bool = False) -> list[Any]:
    """A new row of empty cells (``w:tc`` with its width), as ``table.add_row()``."""
    tr = new_tr(tbl, header)
    cells = []
    for w in widths:
        tc = SubElement(tr, W_TC)
        SubElement(SubElement(tc, W_TC_PR), W_TC_W, {W_TYPE: "dxa", W_W: w})
        cells.append(tc)
    return cells


def shade_tcpr(tcpr: Any, fill: str) -> None:
    SubElement(tcpr, W_SHD, {W_VAL: "clear", W_COLOR: "auto", W_FILL: fill})


def paragraph_border(ppr: Any, edge: str, colour: str, size: int, space: int) -> None:
    """A single line on one edge of a paragraph (``w:pPr``): ``size`` in eighths of a
    point, ``space`` between it and the text in points."""
    bdr = OxmlElement("w:pBdr")
    line = OxmlElement(f"w:{edge}")
    for k, v in (("val", "single"), ("sz", str(size)), ("space", str(space))):
        line.set(qn(f"w:{k}"), v)
    line.set(qn("w:color"), hex_colour(colour))
    bdr.append(line)
    ppr.append(bdr)


def bottom_rule(p: Any, colour: str) -> None:
    """The rule under a title (a paragraph made by ``style_p``)."""
    paragraph_border(p[0], "bottom", colour, 12, 4)


def text_run(text: str) -> Any:
    r = OxmlElement("w:r")
    if text == "\t":
        r.append(OxmlElement("w:tab"))
        return r
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    r.append(t)
    return r


def complex_field(parent: Any, instruction: str, cached: str) -> None:
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
    parent.append(text_run(cached))
    parent.append(fld("end"))


def wrap_bookmark(p: Any, name: str, ident: int) -> None:
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


def set_num(p: Any, num_id: str, level: int) -> None:
    ppr = p[0]
    numpr = ppr.get_or_add_numPr()
    numpr.get_or_add_ilvl().val = level
    numpr.get_or_add_numId().val = int(num_id)
