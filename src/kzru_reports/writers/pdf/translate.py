"""The node translator: one method per block node, each returning flowables."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from kzru_reports.model import nodes as n
from kzru_reports.model.dump import inline_text
from kzru_reports.model.levels import levels_in
from kzru_reports.theme import Theme
from kzru_reports.writers import chart as chartlib
from kzru_reports.writers.base import block_rules
from kzru_reports.writers.measure import column_widths, fit_size, label_width
from kzru_reports.writers.pdf.flowables import (
    Heading,
    KeepWithNext,
    PagedTable,
    QuoteBar,
    Row,
    RowGap,
    Rule,
    drawing,
    set_levels,
)
from kzru_reports.writers.pdf.fonts import font_names
from kzru_reports.writers.pdf.styles import styles
from kzru_reports.writers.pdf.text import Para, chunk_inlines, para, short
from kzru_reports.writers.sheet import GROUP_ROW, closing, sheet


class Translator:
    """One method per block node; each returns flowables. Every look comes from the
    neutral sheet (``writers/sheet.py``); this only translates it."""

    def __init__(self, theme: Theme, width: float, in_pack: bool = False, lang: str = "en") -> None:
        self.theme = theme
        self.lang = lang  # hyphenation: see kzru_reports.hyphenate
        self.sheet = sheet(theme)
        self.st = styles(theme)
        self.width = width
        self.in_pack = in_pack  # a part's own title is not a bookmark; its sections nest
        self.count = 0
        self._pieces: dict[tuple[int, bool, bool], tuple[ParagraphStyle, ParagraphStyle]] = {}

    def paras(
        self,
        children: n.Inlines,
        style: ParagraphStyle,
        bullet: str | None = None,
    ) -> list[Flowable]:
        """Inline content as paragraphs: one, or one per piece of a long text, the
        pieces set without space between them so that they read as one paragraph."""
        lang = self.lang if self.sheet.text[style.name].hyphenate else ""
        pieces = chunk_inlines(children, lang)
        if len(pieces) == 1:
            return [para(pieces[0], style, bulletText=bullet)]
        last = len(pieces) - 1
        return [
            para(
                piece,
                self.piece_style(style, i == 0, i == last),
                bulletText=bullet if i == 0 else None,
            )
            for i, piece in enumerate(pieces)
        ]

    def piece_style(self, style: ParagraphStyle, first: bool, last: bool) -> ParagraphStyle:
        key = (id(style), first, last)
        if key not in self._pieces:
            self._pieces[key] = (
                style,  # held so that its id stays unique while cached
                ParagraphStyle(
                    style.name,
                    parent=style,
                    spaceBefore=style.spaceBefore if first else 0,
                    spaceAfter=style.spaceAfter if last else 0,
                    keepWithNext=0,
                ),
            )
        return self._pieces[key][1]

    def blocks(self, body: tuple[n.Block, ...]) -> Iterator[Flowable]:
        """Each block's flowables, each carrying the levels of what it shows as
        ``kz_levels`` (a list item's or a table row's own, else its block's), from
        which every page is marked. A heading waits for what follows it, to be kept
        with its first lines; a short closing list (sources) is kept whole, with the
        last paragraph before its heading."""
        heads: list[Flowable] = []
        before: list[Flowable] = []  # the last block's flowables, not yet given out
        opened = 0  # how many of them are the headings over it (and, first, their keep)
        for block in body:
            rule = RULES.get(type(block))
            if rule is None:
                raise TypeError(f"PDF writer: no rule for block node {type(block).__name__}")
            out = list(levelled(rule(self, block), block))
            heading = isinstance(block, n.Heading)
            if heading and self.sheet.heading(block.role, block.level).keep_with_next:
                heads += out
                continue
            if self._closing(block):
                # its last paragraph goes on with the closing section, and the headings
                # over it too when it is their only paragraph
                keep = len(before) - 1 if len(before) - opened > 1 else min(opened, 1)
                tail = before[keep:] if before and _carried(before[-1]) else []
                if not tail:  # after a table: it keeps its last row for the section
                    _close_table(before, [f for f in out if not isinstance(f, KeepWithNext)])
                yield from before[: len(before) - len(tail)]
                yield KeepTogether(
                    [f for f in (*tail, *heads, *out) if not isinstance(f, KeepWithNext)]
                )
                heads, before, opened = [], [], 0
                continue
            yield from before
            before, opened = out, 0
            if heads:
                before = [KeepWithNext(heads, out[0] if out else None), *heads, *out]
                opened = len(heads) + 1
                heads = []
        yield from before
        yield from heads

    def _closing(self, block: n.Block) -> bool:
        """Whether ``block`` is a short closing list, kept whole with its heading."""
        return closing(block, self.sheet.closing_items)

    def _heading(self, h: n.Heading) -> Iterator[Flowable]:
        self.count += 1
        level = min(h.level, 3)
        key = h.id or f"h{self.count}"
        outline = None if (self.in_pack and level == 1) else level - 1
        style = self.st[self.sheet.heading(h.role, h.level).name]
        title = inline_text(h.children)
        pieces = chunk_inlines(h.children)  # a title is never hyphenated
        if len(pieces) == 1:
            yield Heading(pieces[0], style, outline, title, key)
        else:  # a heading too long for one paragraph: only its first piece is bookmarked
            yield Heading(
                pieces[0], self.piece_style(style, True, False), outline, short(title), key
            )
            for i, piece in enumerate(pieces[1:], 2):
                yield para(piece, self.piece_style(style, False, i == len(pieces)))
        if level == 1:
            yield Rule(self.width, self.theme.accent, 1.6, after=8)

    def _paragraph(self, p: n.Paragraph) -> Iterator[Flowable]:
        name = self.sheet.paragraphs[p.role]
        style = self.st[name]
        if style.spaceBefore and name == "cover-kicker":
            # the first thing on its page, where reportlab drops the space before a
            # paragraph (Word and LibreOffice keep it): a spacer holds it
            yield Spacer(1, style.spaceBefore)
            style = self.piece_style(style, False, True)
        yield from self.paras(p.children, style)

    def _list(self, lst: n.List, depth: int = 0) -> Iterator[Flowable]:
        style = self.st[self.sheet.lists[lst.role]]
        if depth:
            step = self.sheet.text["list"].left
            style = ParagraphStyle(
                f"{style.name}",
                parent=style,
                leftIndent=style.leftIndent + step * depth,
                bulletIndent=style.bulletIndent + step * depth,
            )
        for i, item in enumerate(lst.items, 1):
            bullet = f"{i}." if lst.ordered else "•"
            yield from levelled(self.paras(item.children, style, bullet), item)
            if item.sublist:
                yield from self._list(item.sublist, depth + 1)

    def _quote(self, q: n.Quote) -> Iterator[Flowable]:
        parts: list[Flowable] = []
        for p in q.children:
            parts += self.paras(p.children, self.st["quote"])
        if q.attribution:
            parts += self.paras(q.attribution, self.st["attribution"])
        bar = self.sheet.text["quote"].rule_left
        assert bar is not None
        x = self.st["quote"].leftIndent - bar[2] - bar[1] / 2
        keep = bool(q.attribution) and self.sheet.text["quote"].keep_with_next
        yield QuoteBar(parts, bar[0], bar[1], x, keep)

    def _fieldlist(self, fl: n.FieldList) -> Iterator[Flowable]:
        look = self.sheet.fields[fl.role]
        labels = [inline_text(f.label) for f in fl.fields]
        rows = [
            [
                self.paras((n.Text(label.upper()),), self.st[look.label]),
                self.paras(f.value, self.st[look.value]),
            ]
            for label, f in zip(labels, fl.fields, strict=True)
        ]
        label_w = label_width(labels, look, self.sheet, self.theme)
        table = Table(  # a value taller than a page (a long delegation) goes on over pages
            rows,
            colWidths=[label_w, self.width - label_w],
            hAlign="LEFT",
            splitByRow=1,
            splitInRow=1,
        )
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            *_padding(look.padding),
        ]
        if look.rule:
            colour, weight = colors.HexColor(look.rule[0]), look.rule[1]
            commands += [
                ("LINEABOVE", (0, 0), (-1, 0), weight, colour),
                ("LINEBELOW", (0, -1), (-1, -1), weight, colour),
            ]
        table.setStyle(self._style(commands))
        yield table
        yield Spacer(1, look.space_after)

    def _style(self, commands: list[tuple[Any, ...]]) -> TableStyle:
        """A table style whose cell font is ours (reportlab's default is Helvetica,
        which would be referenced, unembedded, even when no cell uses it)."""
        font = font_names(self.theme.body_font)["regular"]
        return TableStyle([("FONT", (0, 0), (-1, -1), font, self.theme.body_size), *commands])

    def _keyfigures(self, kf: n.KeyFigures) -> Iterator[Flowable]:
        look = self.sheet.tiles
        cols, gap = look.columns, look.gap
        tile_w = (self.width - gap * (cols - 1)) / cols
        qualifier = self.st["figure-qualifier"]
        cells: list[list[Any]] = []
        for i in range(0, len(kf.items), cols):
            row: list[Any] = []
            for item in kf.items[i : i + cols]:
                tile = [
                    para(escape(item.qualifier), qualifier)
                    if item.qualifier
                    else Spacer(1, qualifier.leading),
                    *self.paras(
                        (n.Text(item.value),),
                        self._fitted(item.value, tile_w - look.padding[1] - look.padding[3]),
                    ),
                    *self.paras((n.Text(item.label),), self.st["figure-label"]),
                ]
                if item.note:
                    tile += self.paras((n.Text(item.note),), self.st["figure-note"])
                row.append(tile)
            row += [""] * (cols - len(row))
            cells.append(row)
        widths = []
        for c in range(cols * 2 - 1):
            widths.append(tile_w if c % 2 == 0 else gap)
        grid = [_interleave(row, "") for row in cells]
        table = Table(grid, colWidths=widths, hAlign="LEFT")
        tint, accent = colors.HexColor(look.fill), colors.HexColor(look.rule[0])
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            *_padding(look.padding),
        ]
        for r, row in enumerate(cells):
            for c, cell in enumerate(row):
                if cell:
                    commands += [
                        ("BACKGROUND", (c * 2, r), (c * 2, r), tint),
                        ("LINEABOVE", (c * 2, r), (c * 2, r), look.rule[1], accent),
                    ]
        table.setStyle(self._style(commands))
        yield RowGap(table, gap)

    def _fitted(self, value: str, width: float) -> ParagraphStyle:
        """The key-figure style, made smaller where the number would wrap."""
        style = self.st["figure-value"]
        path = str(self.theme.font_path(self.theme.heading_font.bold))
        size = fit_size(value, path, style.fontSize, width)
        if size == style.fontSize:
            return style
        ratio = style.leading / style.fontSize
        return ParagraphStyle(style.name, parent=style, fontSize=size, leading=size * ratio)

    def _barchart(self, chart: n.BarChart) -> Iterator[Flowable]:
        for _, geo in chartlib.layouts(chart, self.width, self.theme):
            chart = drawing(geo, self.theme)
            chart.__dict__["spaceAfter"] = self.sheet.text["picture"].after  # as set_levels
            yield chart

    def _table(self, t: n.Table) -> Iterator[Flowable]:
        look = self.sheet.tables[t.role]
        ncols = len(t.header) or max(len(r.cells) for r in t.rows)
        col_widths = list(column_widths(t, self.theme, self.width, self.lang))
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            *_padding(look.padding),
        ]
        if look.rule:
            commands.append(
                ("LINEBELOW", (0, 0), (-1, -1), look.rule[1], colors.HexColor(look.rule[0]))
            )
        header: list[Any] | None = None
        if t.header:
            header = [self._cell(c, look.head) for c in t.header]
            if look.head_fill:
                commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(look.head_fill)))
            if look.head_rule:
                colour, weight = look.head_rule
                commands.append(("LINEBELOW", (0, 0), (-1, 0), weight, colors.HexColor(colour)))
        rows: list[Row] = []
        # every other row banded, group rows counted (as a Word table style bands)
        for zebra, row in enumerate(t.rows):
            if row.role == GROUP_ROW:
                group: list[tuple[Any, ...]] = [
                    ("SPAN", 0, -1),
                    ("TOPPADDING", 0, -1, look.group_padding_top),
                ]
                if look.group_fill:
                    group.append(("BACKGROUND", 0, -1, colors.HexColor(look.group_fill)))
                rows.append(
                    Row(
                        functools.partial(self._group_cells, row, ncols, look.group),
                        tuple(group),
                        keep_with_next=True,
                        handling=row.handling,
                    )
                )
                continue
            shade = look.band and zebra % 2
            rows.append(
                Row(
                    functools.partial(self._row_cells, row, look.text),
                    (("BACKGROUND", 0, -1, colors.HexColor(look.band)),) if shade else (),
                    handling=row.handling,
                )
            )
        yield PagedTable(col_widths, header, rows, self._style(commands))
        yield Spacer(1, look.space_after)

    def _group_cells(self, row: n.Row, ncols: int, style: str) -> list[Any]:
        first = self.paras(row.cells[0].children, self.st[style]) if row.cells else ""
        return [first] + [""] * (ncols - 1)

    def _row_cells(self, row: n.Row, style: str) -> list[Any]:
        return [self._cell(c, style) for c in row.cells]

    def _cell(self, cell: n.Cell, style: str) -> list[Flowable]:
        st = self.st[style]
        if cell.align != "left":
            st = self.aligned(style, cell.align)
        return self.paras(cell.children, st)

    @functools.cached_property
    def _aligned(self) -> dict[tuple[str, str], ParagraphStyle]:
        return {}

    def aligned(self, style: str, align: str) -> ParagraphStyle:
        key = (style, align)
        if key not in self._aligned:
            self._aligned[key] = ParagraphStyle(
                style,
                parent=self.st[style],
                alignment={"right": TA_RIGHT, "center": TA_CENTER}[align],
            )
        return self._aligned[key]

    def _pagebreak(self, _: n.PageBreak) -> Iterator[Flowable]:
        yield PageBreak()


def _padding(padding: tuple[float, float, float, float]) -> list[tuple[Any, ...]]:
    """Cell padding (top, right, bottom, left) as table style commands."""
    names = ("TOPPADDING", "RIGHTPADDING", "BOTTOMPADDING", "LEFTPADDING")
    return [(name, (0, 0), (-1, -1), pts) for name, pts in zip(names, padding, strict=True)]


def _close_table(before: list[Flowable], closing: list[Flowable]) -> None:
    """Give the table that ends ``before`` (spacers after it aside) the closing section
    that follows, so that its last row shares a page with it."""
    for i in range(len(before) - 1, -1, -1):
        if isinstance(before[i], PagedTable):
            before[i].closing = [*before[i + 1 :], *closing]
            return
        if not isinstance(before[i], Spacer):
            return


def _carried(f: Flowable) -> bool:
    """Whether a flowable may go on to the next page with a closing list after it: a
    paragraph or a quotation, not a table or a chart."""
    return isinstance(f, Para | QuoteBar)


# block node type -> its rule
RULES = block_rules(Translator)


def _interleave(items: list[Any], sep: Any) -> list[Any]:
    out: list[Any] = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out.append(item)
    return out


def levelled(flowables: Iterable[Flowable], node: Any) -> Iterator[Flowable]:
    """``flowables`` made from ``node``, each given the levels ``node`` holds unless it
    knows its own (a list item's paragraphs, a table that is marked row by row)."""
    levels = frozenset(levels_in(node))
    for f in flowables:
        yield f if getattr(f, "kz_levels", None) is not None else set_levels(f, levels)
