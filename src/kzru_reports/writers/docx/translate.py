"""The node translator: model blocks written straight into the document's XML."""

from __future__ import annotations

import io
from typing import Any

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tbl
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml.etree import SubElement

from kzru_reports.model import nodes as n
from kzru_reports.theme import Theme
from kzru_reports.writers import chart as chartlib
from kzru_reports.writers.base import block_rules
from kzru_reports.writers.docx.blank import Blank
from kzru_reports.writers.docx.oxml import (
    R_ID,
    W_AFTER,
    W_BR,
    W_COLOR,
    W_GRID_COL,
    W_GRID_SPAN,
    W_HYPERLINK,
    W_LINE,
    W_LINE_RULE,
    W_P,
    W_R,
    W_RPR,
    W_SECT_PR,
    W_SPACING,
    W_SZ,
    W_TC,
    W_TC_BORDERS,
    W_TC_PR,
    W_TC_W,
    W_TOP,
    W_TYPE,
    W_U,
    W_VAL,
    W_W,
    borders,
    bottom_rule,
    complex_field,
    hex_colour,
    new_tr,
    row,
    run,
    set_num,
    shade_tcpr,
    style_p,
    table_layout,
    text_run,
    wrap_bookmark,
)
from kzru_reports.writers.docx.picture import chart_png
from kzru_reports.writers.docx.styles import WORD_STYLES
from kzru_reports.writers.measure import TABLE_PADDING, fit_size
from kzru_reports.writers.sheet import (
    FIELD_LABEL_MM,
    GROUP_ROW,
    HEADING_STYLES,
    LIST_STYLES,
    PARAGRAPH_STYLES,
    TINTED_ROWS,
)


class Translator:
    """Writes model blocks straight into the document's XML (lxml elements).

    python-docx's object API looks every style up by name and walks the table grid on
    each call, which makes it quadratic in practice; here each paragraph, row and cell
    is one element made with the style id already known. The XML is the same as the
    object API would make: named styles, header rows that repeat, shading, spans.
    """

    def __init__(self, doc: Any, blank: Blank, theme: Theme) -> None:
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
        self.sect = self.body.find(W_SECT_PR)
        self.bookmarks: dict[str, str] = {}  # anchor -> Word bookmark name

    def bookmark(self, anchor: str) -> str:
        """The Word bookmark name of an anchor (Word wants short, plain names)."""
        return self.bookmarks.setdefault(anchor, f"_Toc{len(self.bookmarks) + 1:05d}")

    # -- helpers
    def para(self, style: str, container: Any = None, align: str = "left") -> Any:
        """A new ``w:p`` with its style set, at the end of the body or of a cell."""
        if container is None:
            p = SubElement(self.body, W_P)
            if self.sect is not None:
                self.sect.addprevious(p)
        else:
            p = SubElement(container, W_P)
        style_p(p, self.ids[style], align)
        return p

    def runs(self, p: Any, children: n.Inlines, bold: bool = False, italic: bool = False) -> None:
        for node in children:
            match node:
                case n.Text(text=t):
                    run(p, t, bold, italic)
                case n.Strong(children=c):
                    self.runs(p, c, True, italic)
                case n.Emph(children=c):
                    self.runs(p, c, bold, True)
                case n.Link(children=c, url=url):
                    self._link(p, c, url)
                case n.LineBreak():
                    SubElement(SubElement(p, W_R), W_BR)
                case n.PageRef():
                    self._pageref(p, node)
                case _:
                    raise TypeError(f"DOCX writer: unknown inline node {type(node).__name__}")

    def _link(self, p: Any, children: n.Inlines, url: str) -> None:
        rid = self.part.relate_to(url, RT.HYPERLINK, is_external=True)
        start = len(p)
        self.runs(p, children)
        made = list(p)[start:]
        link = SubElement(p, W_HYPERLINK, {R_ID: rid})
        for r in made:
            rpr = r.find(W_RPR)
            if rpr is None:
                rpr = SubElement(r, W_RPR)
                r.insert(0, rpr)
            SubElement(rpr, W_U, {W_VAL: "single"})
            link.append(r)

    def _pageref(self, p: Any, ref: n.PageRef) -> None:
        """A page reference: a PAGEREF field to the heading's bookmark, linked to it,
        showing the paginator's number until Word or LibreOffice updates it."""
        name = self.bookmark(ref.anchor)
        link = OxmlElement("w:hyperlink")
        link.set(qn("w:anchor"), name)
        link.set(qn("w:history"), "1")
        complex_field(link, f" PAGEREF {name} \\h ", str(ref.page or ""))
        p.append(link)

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
            rule = RULES.get(type(block))
            if rule is None:
                raise TypeError(f"DOCX writer: no rule for block node {type(block).__name__}")
            rule(self, block)

    def _heading(self, h: n.Heading) -> None:
        cover = HEADING_STYLES[h.role] == "cover-title"
        p = self.para("Cover Title" if cover else f"Heading {min(h.level, 3)}")
        self.runs(p, h.children)
        if h.id:
            name = self.bookmark(h.id)
            wrap_bookmark(p, name, int(name.removeprefix("_Toc")))  # ids unique as names
        if h.level == 1:
            bottom_rule(p, self.theme.accent)

    def contents(self, title: str, entries: tuple[n.ContentsEntry, ...]) -> None:
        """A contents list of links to the headings, with page numbers that show at
        once (cached PAGEREF results) and update in Word like any field."""
        heading = self.para("TOC Heading")
        run(heading, title, props=False)
        bottom_rule(heading, self.theme.accent)
        for entry in entries:
            p = self.para("TOC 1" if entry.level == 1 else "TOC 2")
            name = self.bookmark(entry.anchor)
            link = OxmlElement("w:hyperlink")
            link.set(qn("w:anchor"), name)
            link.set(qn("w:history"), "1")
            link.append(text_run(entry.title))
            link.append(text_run("\t"))
            complex_field(link, f" PAGEREF {name} \\h ", str(entry.page or ""))
            p.append(link)

    def _paragraph(self, para: n.Paragraph) -> None:
        style = WORD_STYLES[PARAGRAPH_STYLES[para.role]]
        p = self.para(style)
        if style == "Sources":  # the sources' look, but no item of their numbered list
            set_num(p, "0", 0)
        self.runs(p, para.children)

    def _list(self, lst: n.List, depth: int = 0) -> None:
        kind = (
            "Sources"
            if LIST_STYLES[lst.role] == "sources"
            else ("List Number" if lst.ordered else "List Bullet")
        )
        if depth and kind != "Sources":
            kind += " 2"
        num_id = self._restart() if lst.ordered else None
        for item in lst.items:
            p = self.para(kind)
            if num_id is not None:
                set_num(p, num_id, depth)
            self.runs(p, item.children)
            if item.sublist:
                self._list(item.sublist, depth + 1)

    def _quote(self, q: n.Quote) -> None:
        for para in q.children:
            self.runs(self.para("Quote"), para.children)
        if q.attribution:
            self.runs(self.para("Attribution"), q.attribution)

    def _fieldlist(self, fl: n.FieldList) -> None:
        label_w = FIELD_LABEL_MM[fl.role]
        table, widths = self._table_shell(2, [label_w, self.theme.text_width_mm - label_w])
        borders(table, {"top": (self.theme.rule, 0.8), "bottom": (self.theme.rule, 0.8)})
        for f in fl.fields:
            label, value = row(table, widths)
            self.runs(self.para("Field Label", label), (n.Text(_upper(f.label)),))
            self.runs(self.para("Field Value", value), f.value)
        self._gap()

    def _keyfigures(self, kf: n.KeyFigures) -> None:
        cols = 3
        width = self.theme.text_width_mm
        table, widths = self._table_shell(cols, [width / cols] * cols)
        borders(table, {"insideV": ("#FFFFFF", 6)})
        zebra, accent = hex_colour(self.theme.zebra), hex_colour(self.theme.accent)
        for i in range(0, len(kf.items), cols):
            cells = row(table, widths)
            for tc, item in zip(cells, kf.items[i : i + cols], strict=False):
                tcpr = tc[0]
                shade_tcpr(tcpr, zebra)
                edges = SubElement(tcpr, W_TC_BORDERS)
                SubElement(edges, W_TOP, {W_VAL: "single", W_SZ: "16", W_COLOR: accent})
                run(self.para("Figure Qualifier", tc), item.qualifier, props=False)
                value = run(self.para("Figure Value", tc), item.value, props=False)
                size = fit_size(
                    item.value,
                    str(self.theme.font_path(self.theme.heading_font.bold)),
                    self.theme.figure_size,
                    width / 3 / 25.4 * 72 - 12,
                )
                if size != self.theme.figure_size:
                    Run(value, None).font.size = Pt(round(size * 2) / 2)  # type: ignore[arg-type]
                run(self.para("Figure Label", tc), item.label, props=False)
                if item.note:
                    run(self.para("Figure Note", tc), item.note, props=False)
            for tc in cells[len(kf.items[i : i + cols]) :]:
                SubElement(tc, W_P)  # an empty cell still holds one paragraph
        self._gap()

    def _barchart(self, chart: n.BarChart) -> None:
        width_pt = self.theme.text_width_mm / 25.4 * 72
        for part, geo in chartlib.layouts(chart, width_pt, self.theme):
            png = chart_png(geo, self.theme)
            p = self.para("Normal")
            Paragraph(p, self.doc).add_run().add_picture(
                io.BytesIO(png), width=Mm(self.theme.text_width_mm)
            )
            _alt_text(p, part)

    def _table(self, t: n.Table) -> None:
        ncols = len(t.header) or max(len(r.cells) for r in t.rows)
        weights = t.widths or (1.0,) * ncols
        widths_mm = [self.theme.text_width_mm * w / sum(weights) for w in weights]
        table, widths = self._table_shell(ncols, widths_mm)
        table_layout(table.tblPr, TABLE_PADDING)
        borders(table, {"insideH": (self.theme.rule, 0.5), "bottom": (self.theme.rule, 0.5)})
        accent, light, zebra_fill = (
            hex_colour(c) for c in (self.theme.accent, self.theme.accent_light, self.theme.zebra)
        )
        if t.header:
            cells = row(table, widths, header=True)
            for tc, c in zip(cells, t.header, strict=True):
                shade_tcpr(tc[0], accent)
                self.runs(self.para("Table Heading", tc, c.align), c.children)
        span = str(sum(int(w) for w in widths))
        zebra = 0
        for r in t.rows:
            if r.role == GROUP_ROW:
                tr = new_tr(table)
                tc = SubElement(tr, W_TC)
                tcpr = SubElement(tc, W_TC_PR)
                SubElement(tcpr, W_TC_W, {W_TYPE: "dxa", W_W: span})
                SubElement(tcpr, W_GRID_SPAN, {W_VAL: str(ncols)})
                shade_tcpr(tcpr, light)
                self.runs(self.para("Table Group", tc), r.cells[0].children if r.cells else ())
                zebra = 0
                continue
            shade = TINTED_ROWS[t.role] and zebra % 2
            for tc, c in zip(row(table, widths), r.cells, strict=True):
                if shade:
                    shade_tcpr(tc[0], zebra_fill)
                self.runs(self.para("Table Text", tc, c.align), c.children)
            zebra += 1
        self._gap()

    def _pagebreak(self, _: n.PageBreak) -> None:
        SubElement(SubElement(self.para("Normal"), W_R), W_BR, {W_TYPE: "page"})

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
        tbl.tblStyle_val = self.ids["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        for col, w in zip(table.columns, widths_mm, strict=True):
            col.width = Mm(w)
        return tbl, [str(col.get(W_W)) for col in tbl.tblGrid.iterchildren(W_GRID_COL)]

    def _gap(self) -> None:
        p = self.para("Normal")
        SubElement(p[0], W_SPACING, {W_AFTER: "80", W_LINE: "192", W_LINE_RULE: "auto"})


# block node type -> its rule
RULES = block_rules(Translator)


def _upper(children: n.Inlines) -> str:
    from kzru_reports.model.dump import inline_text

    return inline_text(children).upper()


def _alt_text(p: Any, chart: n.BarChart) -> None:
    """Describe the chart for screen readers (the picture's alternative text)."""
    doc_pr = p.find(".//" + qn("wp:docPr"))
    if doc_pr is not None:
        doc_pr.set(
            "descr",
            " ".join(
                f"{b.label}: {b.value_text}."
                + (f" {chart.target_label}: {b.target_text}." if b.target is not None else "")
                + (f" {b.reading}" if b.reading else "")
                for b in chart.bars
            )
            + (f" {chart.note}" if chart.note else ""),
        )
