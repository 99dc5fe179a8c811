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

from kzru_reports.hyphenate import soft_hyphens
from kzru_reports.model import nodes as n
from kzru_reports.theme import Theme
from kzru_reports.writers import chart as chartlib
from kzru_reports.writers.base import block_rules
from kzru_reports.writers.docx.blank import Blank
from kzru_reports.writers.docx.oxml import (
    R_ID,
    W_AFTER,
    W_BR,
    W_GRID_COL,
    W_GRID_SPAN,
    W_HYPERLINK,
    W_KEEP_NEXT,
    W_LINE,
    W_LINE_RULE,
    W_P,
    W_R,
    W_RPR,
    W_SECT_PR,
    W_SPACING,
    W_TC,
    W_TC_BORDERS,
    W_TC_PR,
    W_TC_W,
    W_TOP,
    W_TYPE,
    W_U,
    W_VAL,
    W_W,
    bottom_rule,
    complex_field,
    hex_colour,
    new_tr,
    row,
    run,
    set_num,
    shade_tcpr,
    style_p,
    table_look,
    text_run,
    wrap_bookmark,
)
from kzru_reports.writers.docx.picture import chart_png
from kzru_reports.writers.docx.styles import (
    FIELD_STYLES,
    PICTURE_STYLE,
    TABLE_STYLES,
    TILE_STYLE,
    WORD_STYLES,
)
from kzru_reports.writers.measure import column_widths, fit_size, label_width
from kzru_reports.writers.sheet import GROUP_ROW, MM, closing, sheet


class Translator:
    """Writes model blocks straight into the document's XML (lxml elements).

    python-docx's object API looks every style up by name and walks the table grid on
    each call, which makes it quadratic in practice; here each paragraph, row and cell
    is one element made with the style id already known. The XML is the same as the
    object API would make: named styles, header rows that repeat, shading, spans.
    """

    def __init__(self, doc: Any, blank: Blank, theme: Theme, lang: str = "en") -> None:
        self.doc = doc
        self.lang = lang  # hyphenation points, the PDF's: see kzru_reports.hyphenate
        self.sheet = sheet(theme)
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
        """A new ``w:p`` with its style set (a Word style name, or the name of a text
        style of the sheet), at the end of the body or of a cell."""
        style = WORD_STYLES.get(style, style)
        if container is None:
            p = SubElement(self.body, W_P)
            if self.sect is not None:
                self.sect.addprevious(p)
        else:
            p = SubElement(container, W_P)
        style_p(p, self.ids[style], align)
        return p

    def runs(
        self,
        p: Any,
        children: n.Inlines,
        bold: bool = False,
        italic: bool = False,
        lang: str = "",
    ) -> None:
        """Inline nodes as runs; with ``lang``, long words get the soft hyphens the
        PDF breaks them at (so both break lines alike, with or without a hyphenation
        dictionary for the language on the reader's machine)."""
        for node in children:
            match node:
                case n.Text(text=t):
                    run(p, soft_hyphens(t, lang) if lang else t, bold, italic)
                case n.Strong(children=c):
                    self.runs(p, c, True, italic, lang)
                case n.Emph(children=c):
                    self.runs(p, c, bold, True, lang)
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
    def text(
        self, style: str, children: n.Inlines, container: Any = None, align: str = "left"
    ) -> Any:
        """A paragraph of ``style`` (a text style of the sheet) holding ``children``,
        hyphenated where the style is."""
        p = self.para(style, container, align)
        lang = self.lang if self.sheet.text[style].hyphenate else ""
        self.runs(p, children, lang=lang)
        return p

    def blocks(self, body: tuple[n.Block, ...]) -> None:
        last: Any = None  # the last paragraph before a run of headings
        for block in body:
            rule = RULES.get(type(block))
            if rule is None:
                raise TypeError(f"DOCX writer: no rule for block node {type(block).__name__}")
            if not isinstance(block, n.Heading):
                if closing(block, self.sheet.closing_items) and last is not None:
                    _keep_next(last)  # the last lines before it go on with a closing list
                last = None
            elif last is None:
                tail = self.body[-2] if self.sect is not None and len(self.body) > 1 else None
                last = tail if tail is not None and tail.tag == W_P else None
            rule(self, block)

    def _heading(self, h: n.Heading) -> None:
        p = self.para(self.sheet.heading(h.role, h.level).name)
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
        self.text(self.sheet.paragraphs[para.role], para.children)

    def _list(self, lst: n.List, depth: int = 0) -> None:
        if lst.role:
            kind = WORD_STYLES[self.sheet.lists[lst.role]]
        else:
            kind = "List Number" if lst.ordered else "List Bullet"
            kind += " 2" if depth else ""
        lang = self.lang if self.sheet.text[self.sheet.lists[lst.role]].hyphenate else ""
        num_id = self._restart() if lst.ordered else None
        whole = closing(lst, self.sheet.closing_items)
        for i, item in enumerate(lst.items):
            p = self.para(kind)
            if num_id is not None:
                set_num(p, num_id, depth)
            if whole and i < len(lst.items) - 1:
                _keep_next(p)  # a short closing list stays whole
            self.runs(p, item.children, lang=lang)
            if item.sublist:
                self._list(item.sublist, depth + 1)

    def _quote(self, q: n.Quote) -> None:
        for para in q.children:
            self.text("quote", para.children)
        if q.attribution:
            self.text("attribution", q.attribution)

    def _fieldlist(self, fl: n.FieldList) -> None:
        look = self.sheet.fields[fl.role]
        labels = [_text(f.label) for f in fl.fields]
        label_w = label_width(labels, look, self.sheet, self.theme) / MM
        table, widths = self._table_shell(
            FIELD_STYLES[fl.role], [label_w, self.theme.text_width_mm - label_w]
        )
        for label, f in zip(labels, fl.fields, strict=True):
            left, right = row(table, widths)
            self.text(look.label, (n.Text(label.upper()),), left)
            self.text(look.value, f.value, right)
        self._gap(look.space_after)

    def _keyfigures(self, kf: n.KeyFigures) -> None:
        look = self.sheet.tiles
        cols = look.columns
        width = self.theme.text_width_mm
        table, widths = self._table_shell(TILE_STYLE, [width / cols] * cols)
        tile_pt = width * MM / cols - look.padding[1] - look.padding[3]
        for i in range(0, len(kf.items), cols):
            cells = row(table, widths)
            for tc, item in zip(cells, kf.items[i : i + cols], strict=False):
                run(self.para("figure-qualifier", tc), item.qualifier, props=False)
                value = run(self.para("figure-value", tc), item.value, props=False)
                size = fit_size(
                    item.value,
                    str(self.theme.font_path(self.theme.heading_font.bold)),
                    self.theme.figure_size,
                    tile_pt,
                )
                if size != self.theme.figure_size:
                    Run(value, None).font.size = Pt(round(size * 2) / 2)  # type: ignore[arg-type]
                run(self.para("figure-label", tc), item.label, props=False)
                if item.note:
                    run(self.para("figure-note", tc), item.note, props=False)
            for tc in cells[len(kf.items[i : i + cols]) :]:
                # an empty place in the grid: no tile drawn (an empty cell still
                # holds one paragraph)
                SubElement(SubElement(tc[0], W_TC_BORDERS), W_TOP, {W_VAL: "nil"})
                # white, not "nil": LibreOffice keeps the style's fill under a "nil"
                shade_tcpr(tc[0], "FFFFFF")  # (after the borders: the schema's order)
                SubElement(tc, W_P)
        self._gap(look.gap)

    def _barchart(self, chart: n.BarChart) -> None:
        width_pt = self.theme.text_width_mm / 25.4 * 72
        for part, geo in chartlib.layouts(chart, width_pt, self.theme):
            png = chart_png(geo, self.theme)
            p = self.para(PICTURE_STYLE)
            Paragraph(p, self.doc).add_run().add_picture(
                io.BytesIO(png), width=Mm(self.theme.text_width_mm)
            )
            _alt_text(p, part)
            inline = p.find(".//" + qn("wp:inline"))
            for side in ("distT", "distB", "distL", "distR"):
                # LibreOffice sets an inline picture 9 pt off the text where these
                # are missing, pushing a text-wide chart past the right margin
                inline.set(side, "0")

    def _table(self, t: n.Table) -> None:
        look = self.sheet.tables[t.role]
        ncols = len(t.header) or max(len(r.cells) for r in t.rows)
        widths_pt = column_widths(t, self.theme, self.theme.text_width_mm * MM, self.lang)
        table, widths = self._table_shell(
            TABLE_STYLES[t.role], [w / MM for w in widths_pt], header=bool(t.header)
        )
        if t.header:
            cells = row(table, widths, header=True)
            for tc, c in zip(cells, t.header, strict=True):
                self.text(look.head, c.children, tc, c.align)
        span = str(sum(int(w) for w in widths))
        for r in t.rows:
            if r.role == GROUP_ROW:
                tr = new_tr(table)
                tc = SubElement(tr, W_TC)
                tcpr = SubElement(tc, W_TC_PR)
                SubElement(tcpr, W_TC_W, {W_TYPE: "dxa", W_W: span})
                SubElement(tcpr, W_GRID_SPAN, {W_VAL: str(ncols)})
                if look.group_fill:
                    # a group's heading row: a table style colours only first and last
                    # rows and bands, so this one fill is the cell's own
                    shade_tcpr(tcpr, hex_colour(look.group_fill))
                # and its own room above, as the PDF pads a group row
                mar = SubElement(tcpr, qn("w:tcMar"))
                top = str(round(look.group_padding_top * 20))
                SubElement(mar, qn("w:top"), {W_W: top, W_TYPE: "dxa"})
                self.text(look.group, r.cells[0].children if r.cells else (), tc)
                continue
            for tc, c in zip(row(table, widths), r.cells, strict=True):
                self.text(look.text, c.children, tc, c.align)
        self._gap(look.space_after)

    def _pagebreak(self, _: n.PageBreak) -> None:
        SubElement(SubElement(self.para("Normal"), W_R), W_BR, {W_TYPE: "page"})

    # -- table helpers
    def _table_shell(
        self, style: str, widths_mm: list[float], header: bool = False
    ) -> tuple[Any, list[str]]:
        """An empty table of a Word table style (properties and grid, no rows) and
        its column widths in twips."""
        # as ``Document.add_table``, without its style lookup by name
        tbl = CT_Tbl.new_tbl(0, len(widths_mm), Mm(self.theme.text_width_mm))
        if self.sect is not None:
            self.sect.addprevious(tbl)
        else:
            self.body.append(tbl)
        table = Table(tbl, self.doc)
        tbl.tblStyle_val = self.ids[style]
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        table_look(tbl.tblPr, header)
        for col, w in zip(table.columns, widths_mm, strict=True):
            col.width = Mm(w)
        return tbl, [str(col.get(W_W)) for col in tbl.tblGrid.iterchildren(W_GRID_COL)]

    def _gap(self, points: float) -> None:
        """The space under a table: an empty paragraph exactly that tall (it also keeps
        two tables in a row from running into one)."""
        p = self.para("Normal")
        twips = str(round(points * 20))
        SubElement(p[0], W_SPACING, {W_AFTER: "0", W_LINE: twips, W_LINE_RULE: "exact"})


# block node type -> its rule
RULES = block_rules(Translator)


def _text(children: n.Inlines) -> str:
    from kzru_reports.model.dump import inline_text

    return inline_text(children)


def _keep_next(p: Any) -> None:
    """Keep a paragraph (``w:p`` made by ``style_p``) on the page of the next one."""
    ppr = p[0]
    style = ppr.find(qn("w:pStyle"))
    el = ppr.makeelement(W_KEEP_NEXT, {})
    if style is not None:
        style.addnext(el)
    else:
        ppr.insert(0, el)


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
