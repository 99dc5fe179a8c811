"""The node translator: one method per block node, each returning flowables."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import mm
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    CondPageBreak,
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
from kzru_reports.writers.measure import TABLE_PADDING, fit_size
from kzru_reports.writers.pdf.flowables import (
    Heading,
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
from kzru_reports.writers.pdf.text import chunk_inlines, para, short
from kzru_reports.writers.sheet import (
    FIELD_LABEL_MM,
    GROUP_ROW,
    HEADING_STYLES,
    LIST_STYLES,
    PARAGRAPH_STYLES,
    TINTED_ROWS,
)


class Translator:
    """One method per block node; each returns flowables."""

    def __init__(self, theme: Theme, width: float, in_pack: bool = False, lang: str = "en") -> None:
        self.theme = theme
        self.lang = lang  # hyphenation: see kzru_reports.hyphenate
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
        pieces = chunk_inlines(children, self.lang)
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
        which every page is marked."""
        for block in body:
            rule = RULES.get(type(block))
            if rule is None:
                raise TypeError(f"PDF writer: no rule for block node {type(block).__name__}")
            yield from levelled(rule(self, block), block)

    def _heading(self, h: n.Heading) -> Iterator[Flowable]:
        self.count += 1
        level = min(h.level, 3)
        if level > 1:
            # room for the heading and a few lines, so no heading ends a page alone
            yield CondPageBreak(90 if level == 2 else 60)
        key = h.id or f"h{self.count}"
        outline = None if (self.in_pack and level == 1) else level - 1
        style = self.st["cover_title" if HEADING_STYLES[h.role] == "cover-title" else f"h{level}"]
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
        if p.role == "cover-kicker":
            yield Spacer(1, 55 * mm)  # a cover's title sits a third of the way down
        yield from self.paras(p.children, self.st[PARAGRAPH_STYLES[p.role]])

    def _list(self, lst: n.List, depth: int = 0) -> Iterator[Flowable]:
        style = self.st[LIST_STYLES[lst.role]]
        if depth:
            style = ParagraphStyle(
                f"list{depth}",
                parent=style,
                leftIndent=style.leftIndent + 14 * depth,
                bulletIndent=style.bulletIndent + 14 * depth,
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
        yield QuoteBar(parts, self.theme.accent)

    def _fieldlist(self, fl: n.FieldList) -> Iterator[Flowable]:
        rows = [
            [
                self.paras((n.Text(inline_text(f.label).upper()),), self.st["field_label"]),
                self.paras(f.value, self.st["field_value"]),
            ]
            for f in fl.fields
        ]
        label_w = FIELD_LABEL_MM[fl.role] * mm
        table = Table(  # a value taller than a page (a long delegation) goes on over pages
            rows,
            colWidths=[label_w, self.width - label_w],
            hAlign="LEFT",
            splitByRow=1,
            splitInRow=1,
        )
        rule = colors.HexColor(self.theme.rule)
        table.setStyle(
            self._style(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                    ("LINEABOVE", (0, 0), (-1, 0), 0.8, rule),
                    ("LINEBELOW", (0, -1), (-1, -1), 0.8, rule),
                ]
            )
        )
        yield table
        yield Spacer(1, 10)

    def _style(self, commands: list[tuple[Any, ...]]) -> TableStyle:
        """A table style whose cell font is ours (reportlab's default is Helvetica,
        which would be referenced, unembedded, even when no cell uses it)."""
        font = font_names(self.theme.body_font)["regular"]
        return TableStyle([("FONT", (0, 0), (-1, -1), font, self.theme.body_size), *commands])

    def _keyfigures(self, kf: n.KeyFigures) -> Iterator[Flowable]:
        cols = 3
        gap = 6
        tile_w = (self.width - gap * (cols - 1)) / cols
        cells: list[list[Any]] = []
        for i in range(0, len(kf.items), cols):
            row: list[Any] = []
            for item in kf.items[i : i + cols]:
                tile = [
                    para(escape(item.qualifier), self.st["figure_qualifier"])
                    if item.qualifier
                    else Spacer(1, self.st["figure_qualifier"].leading),
                    *self.paras((n.Text(item.value),), self._fitted(item.value, tile_w - 16)),
                    *self.paras((n.Text(item.label),), self.st["figure_label"]),
                ]
                if item.note:
                    tile += self.paras((n.Text(item.note),), self.st["figure_note"])
                row.append(tile)
            row += [""] * (cols - len(row))
            cells.append(row)
        widths = []
        for c in range(cols * 2 - 1):
            widths.append(tile_w if c % 2 == 0 else gap)
        grid = [_interleave(row, "") for row in cells]
        table = Table(grid, colWidths=widths, hAlign="LEFT")
        tint, accent = colors.HexColor(self.theme.zebra), colors.HexColor(self.theme.accent)
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 7),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ]
        for r, row in enumerate(cells):
            for c, cell in enumerate(row):
                if cell:
                    commands += [
                        ("BACKGROUND", (c * 2, r), (c * 2, r), tint),
                        ("LINEABOVE", (c * 2, r), (c * 2, r), 2, accent),
                    ]
            if r:
                commands.append(("TOPPADDING", (0, r), (-1, r), 7))
        table.setStyle(self._style(commands))
        yield RowGap(table, 6)

    def _fitted(self, value: str, width: float) -> ParagraphStyle:
        """The key-figure style, made smaller where the number would wrap."""
        style = self.st["figure_value"]
        path = str(self.theme.font_path(self.theme.heading_font.bold))
        size = fit_size(value, path, style.fontSize, width)
        if size == style.fontSize:
            return style
        return ParagraphStyle("figure_value_fit", parent=style, fontSize=size, leading=size * 1.15)

    def _barchart(self, chart: n.BarChart) -> Iterator[Flowable]:
        for _, geo in chartlib.layouts(chart, self.width, self.theme):
            yield KeepTogether([drawing(geo, self.theme), Spacer(1, 6)])

    def _table(self, t: n.Table) -> Iterator[Flowable]:
        ncols = len(t.header) or max(len(r.cells) for r in t.rows)
        weights = t.widths or (1.0,) * ncols
        col_widths = [self.width * w / sum(weights) for w in weights]
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), TABLE_PADDING[0]),
            ("RIGHTPADDING", (0, 0), (-1, -1), TABLE_PADDING[1]),
            ("BOTTOMPADDING", (0, 0), (-1, -1), TABLE_PADDING[2]),
            ("LEFTPADDING", (0, 0), (-1, -1), TABLE_PADDING[3]),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor(self.theme.rule)),
        ]
        header: list[Any] | None = None
        if t.header:
            header = [self._cell(c, "th") for c in t.header]
            commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(self.theme.accent)))
        rows: list[Row] = []
        zebra = 0
        for row in t.rows:
            if row.role == GROUP_ROW:
                rows.append(
                    Row(
                        functools.partial(self._group_cells, row, ncols),
                        (
                            ("SPAN", 0, -1),
                            ("BACKGROUND", 0, -1, colors.HexColor(self.theme.accent_light)),
                            ("TOPPADDING", 0, -1, 5),
                        ),
                        keep_with_next=True,
                        handling=row.handling,
                    )
                )
                zebra = 0
                continue
            shade = TINTED_ROWS[t.role] and zebra % 2
            rows.append(
                Row(
                    functools.partial(self._row_cells, row),
                    (("BACKGROUND", 0, -1, colors.HexColor(self.theme.zebra)),) if shade else (),
                    handling=row.handling,
                )
            )
            zebra += 1
        yield PagedTable(col_widths, header, rows, self._style(commands))
        yield Spacer(1, 10)

    def _group_cells(self, row: n.Row, ncols: int) -> list[Any]:
        first = self.paras(row.cells[0].children, self.st["group"]) if row.cells else ""
        return [first] + [""] * (ncols - 1)

    def _row_cells(self, row: n.Row) -> list[Any]:
        return [self._cell(c, "td") for c in row.cells]

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
                f"{style}-{align}",
                parent=self.st[style],
                alignment={"right": TA_RIGHT, "center": TA_CENTER}[align],
            )
        return self._aligned[key]

    def _pagebreak(self, _: n.PageBreak) -> Iterator[Flowable]:
        yield PageBreak()


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
