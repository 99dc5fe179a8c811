"""The PDF writer: document model to PDF with reportlab's platypus.

The translator (``_Translator``) turns each node into flowables; the writer
(``PdfWriter``) sets up fonts, page frames, running header and footer, bookmarks
and document info, and saves. Text always reaches reportlab escaped: data is never
read as reportlab markup.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import io
import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from reportlab import rl_config
from reportlab.graphics.shapes import Drawing
from reportlab.graphics.shapes import Line as RLine
from reportlab.graphics.shapes import Rect as RRect
from reportlab.graphics.shapes import String as RString
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import mm
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTEncoding, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from kzru_reports.fonts import truetype
from kzru_reports.model import nodes as n
from kzru_reports.model.dump import inline_text
from kzru_reports.theme import FontFamily, Theme
from kzru_reports.writers import chart as chartlib
from kzru_reports.writers.measure import ellipsize, fit_size

# ------------------------------------------------------------------ fonts and styles


def _font_names(family: FontFamily) -> dict[str, str]:
    """The names a family's faces are registered under; a user's font files get a
    name of their own, so two themes never mix up fonts of the same family name."""
    base = re.sub(r"[^A-Za-z0-9]", "", family.name) or "Font"
    if any(Path(f).is_absolute() for f in family.files):
        base += "-" + hashlib.sha256("|".join(family.files).encode()).hexdigest()[:8]
    return {
        "regular": base,
        "bold": f"{base}-Bold",
        "italic": f"{base}-Italic",
        "bold_italic": f"{base}-BoldItalic",
    }


class _ParsedTTFont(TTFont):
    """reportlab's ``TTFont`` made from the face the glyph check parsed already
    (``fonts.truetype``), so a font file is parsed once a process, not twice. It sets
    what ``TTFont.__init__`` sets, after its parsing step."""

    def __init__(self, name: str, path: str) -> None:
        self.fontName = name
        self.face = truetype(path)
        self.encoding = TTEncoding()
        self.state = weakref.WeakKeyDictionary()
        self._asciiReadable = rl_config.ttfAsciiReadable
        self.shapable = not any(fnmatch.fnmatch(name, g) for g in rl_config.unShapedFontGlob)


@functools.cache
def register_fonts(theme: Theme) -> None:
    """Register the theme's fonts with reportlab once per process; they are embedded
    (subset) in every PDF that uses them."""
    for family in (theme.body_font, theme.heading_font):
        names = _font_names(family)
        for face, name in names.items():
            if name not in pdfmetrics.getRegisteredFontNames():
                font = _ParsedTTFont(name, str(theme.font_path(getattr(family, face))))
                pdfmetrics.registerFont(font)
        pdfmetrics.registerFontFamily(
            names["regular"],
            normal=names["regular"],
            bold=names["bold"],
            italic=names["italic"],
            boldItalic=names["bold_italic"],
        )


@functools.cache
def styles(theme: Theme) -> dict[str, ParagraphStyle]:
    body = _font_names(theme.body_font)
    head = _font_names(theme.heading_font)
    accent, text, muted = (colors.HexColor(c) for c in (theme.accent, theme.text, theme.muted))
    lead = theme.leading
    base = ParagraphStyle(
        "body",
        fontName=body["regular"],
        fontSize=theme.body_size,
        leading=theme.body_size * lead,
        textColor=text,
        spaceAfter=5,
        allowWidows=0,
        allowOrphans=0,
        hyphenationLang="",
        splitLongWords=True,
        bulletFontName=body["regular"],
    )

    def derive(name: str, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **kw)

    def heading(
        name: str, size: float, before: float, after: float, color: Any = accent, **kw: Any
    ) -> ParagraphStyle:
        return derive(
            name,
            fontName=head["bold"],
            fontSize=size,
            leading=size * 1.22,
            textColor=color,
            spaceBefore=before,
            spaceAfter=after,
            keepWithNext=0,  # CondPageBreak before each heading keeps it off page ends
            **kw,
        )

    small = theme.small_size
    return {
        "body": base,
        "h1": heading("h1", theme.h1_size, 0, 8),
        "h2": heading("h2", theme.h2_size, 12, 5),
        "h3": heading("h3", theme.h3_size, 8, 3, color=text),
        "kicker": derive(
            "kicker",
            fontName=head["bold"],
            fontSize=small + 0.5,
            leading=small * 1.5,
            textColor=muted,
            spaceAfter=2,
        ),
        "lead": derive(
            "lead", fontSize=theme.body_size + 1, leading=(theme.body_size + 1) * lead, spaceAfter=8
        ),
        "dateline": derive("dateline", fontName=head["regular"], textColor=muted, spaceAfter=8),
        "list": derive("list", leftIndent=14, bulletIndent=2, spaceAfter=3),
        "sources": derive(
            "sources",
            fontSize=small + 0.5,
            leading=(small + 0.5) * lead,
            leftIndent=16,
            bulletIndent=0,
            bulletFontSize=small + 0.5,
            spaceAfter=2,
        ),
        "quote": derive(
            "quote",
            fontName=body["italic"],
            leftIndent=16,
            rightIndent=10,
            spaceAfter=2,
            borderPadding=0,
        ),
        "attribution": derive(
            "attribution",
            fontName=head["regular"],
            fontSize=small + 0.5,
            leading=(small + 0.5) * lead,
            textColor=muted,
            leftIndent=16,
            spaceAfter=9,
        ),
        "field_label": derive(
            "field_label",
            fontName=head["bold"],
            fontSize=small + 0.5,
            leading=theme.body_size * lead,
            textColor=muted,
            spaceAfter=0,
        ),
        "field_value": derive("field_value", spaceAfter=0),
        "th": derive(
            "th",
            fontName=head["bold"],
            fontSize=small + 0.5,
            leading=(small + 0.5) * 1.3,
            textColor=colors.white,
            spaceAfter=0,
        ),
        "td": derive(
            "td",
            fontName=head["regular"],
            fontSize=small + 0.5,
            leading=(small + 0.5) * 1.35,
            spaceAfter=0,
        ),
        "group": derive(
            "group",
            fontName=head["bold"],
            fontSize=small + 1,
            leading=(small + 1) * 1.3,
            textColor=accent,
            spaceAfter=0,
        ),
        "figure_value": derive(
            "figure_value",
            fontName=head["bold"],
            fontSize=theme.figure_size,
            leading=theme.figure_size * 1.15,
            textColor=accent,
            spaceAfter=3,
        ),
        "figure_qualifier": derive(
            "figure_qualifier",
            fontName=head["bold"],
            fontSize=small,
            leading=small * 1.25,
            textColor=accent,
            spaceAfter=0,
        ),
        "figure_label": derive(
            "figure_label",
            fontName=head["bold"],
            fontSize=small + 1,
            leading=(small + 1) * 1.3,
            spaceAfter=1,
        ),
        "figure_note": derive(
            "figure_note",
            fontName=head["regular"],
            fontSize=small,
            leading=small * 1.3,
            textColor=muted,
            spaceAfter=0,
        ),
        "chart_title": derive("chart_title", fontName=head["bold"], textColor=muted),
        "cover_title": heading("cover_title", theme.h1_size * 1.5, 0, 14),
        "cover-kicker": derive(
            "cover-kicker",
            fontName=head["bold"],
            fontSize=small + 3,
            leading=(small + 3) * 1.4,
            textColor=muted,
            spaceBefore=150,
            spaceAfter=6,
        ),
        "toc1": derive(
            "toc1",
            fontName=head["bold"],
            fontSize=theme.body_size + 0.5,
            leading=(theme.body_size + 0.5) * 1.3,
            spaceAfter=0,
        ),
        "toc2": derive(
            "toc2",
            fontName=head["regular"],
            fontSize=theme.body_size - 0.5,
            leading=(theme.body_size - 0.5) * 1.3,
            leftIndent=12,
            spaceAfter=0,
        ),
    }


# ------------------------------------------------------------------ inlines


def markup(children: n.Inlines) -> str:
    """Inline nodes as reportlab paragraph markup; every text is escaped."""
    out: list[str] = []
    for node in children:
        match node:
            case n.Text(text=t):
                out.append(escape(t))
            case n.Strong(children=c):
                out.append(f"<b>{markup(c)}</b>")
            case n.Emph(children=c):
                out.append(f"<i>{markup(c)}</i>")
            case n.Link(children=c, url=url):
                out.append(f"<a href={quoteattr(url)}>{markup(c)}</a>")
            case n.LineBreak():
                out.append("<br/>")
            case _:
                raise TypeError(f"PDF writer: unknown inline node {type(node).__name__}")
    return "".join(out)


class _Para(Paragraph):
    """A paragraph that remembers its last layout: reportlab asks a table cell's
    paragraphs for their size several times per page at the same width."""

    _wrapped: tuple[float, tuple[float, float]] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._wrapped is not None and self._wrapped[0] == availWidth:
            return self._wrapped[1]
        size = super().wrap(availWidth, availHeight)
        self._wrapped = (availWidth, size)
        return size

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self._wrapped = None  # splitting drops (or replaces) the layout
        return super().split(availWidth, availHeight)  # type: ignore[no-any-return]


def _para(text: str, style: ParagraphStyle, **kw: Any) -> Paragraph:
    return _Para(text, style, **kw)


# reportlab lays a paragraph out in time that grows with the square of its length
# (every page split re-wraps what is left), so long text is cut into pieces of about
# this many characters, each its own paragraph, at a space where there is one.
CHUNK = 2000
_SEEK = 200  # how far back from a cut to look for a space


@dataclass(frozen=True, slots=True)
class _Atom:
    """A run of text with its formatting, or a line break (``text`` is None)."""

    text: str | None
    bold: bool = False
    italic: bool = False
    url: str | None = None


def _atoms(
    children: n.Inlines, bold: bool = False, italic: bool = False, url: str | None = None
) -> Iterator[_Atom]:
    for node in children:
        match node:
            case n.Text(text=t):
                yield _Atom(t, bold, italic, url)
            case n.Strong(children=c):
                yield from _atoms(c, True, italic, url)
            case n.Emph(children=c):
                yield from _atoms(c, bold, True, url)
            case n.Link(children=c, url=u):
                yield from _atoms(c, bold, italic, u)
            case n.LineBreak():
                yield _Atom(None)
            case _:
                raise TypeError(f"PDF writer: unknown inline node {type(node).__name__}")


def _atom_markup(atom: _Atom) -> str:
    if atom.text is None:
        return "<br/>"
    out = escape(atom.text)
    if atom.bold:
        out = f"<b>{out}</b>"
    if atom.italic:
        out = f"<i>{out}</i>"
    if atom.url:
        out = f"<a href={quoteattr(atom.url)}>{out}</a>"
    return out


def _cut(text: str, limit: int) -> int:
    """Where to cut ``text`` to keep at most ``limit`` characters: after a space near
    the limit if there is one, else exactly at the limit (inside a very long word)."""
    space = text.rfind(" ", max(0, limit - _SEEK), limit)
    return space + 1 if space > 0 else limit


def chunk_inlines(children: n.Inlines, size: int = CHUNK) -> list[str]:
    """Inline content as one or more pieces of paragraph markup of at most about
    ``size`` characters of text each; short content is one piece."""
    if len(inline_text(children)) <= size:
        return [markup(children)]
    pieces: list[str] = []
    current: list[str] = []
    room = size
    for atom in _atoms(children):
        text = atom.text
        while text is not None and len(text) > room:
            at = _cut(text, room)
            current.append(_atom_markup(_Atom(text[:at], atom.bold, atom.italic, atom.url)))
            pieces.append("".join(current))
            current, room, text = [], size, text[at:]
        if text is None:
            current.append("<br/>")
        elif text:
            current.append(_atom_markup(_Atom(text, atom.bold, atom.italic, atom.url)))
            room -= len(text)
    if current:
        pieces.append("".join(current))
    return pieces


# ------------------------------------------------------------------ blocks


class _Heading(_Para):
    """A heading that is also a link target and, unless ``level`` is None, a bookmark."""

    def __init__(self, text: str, style: ParagraphStyle, level: int | None, title: str, key: str):
        super().__init__(text, style)
        self.outline = (level, title, key)


class _PartStart(Flowable):
    """Marks where a part of a pack begins: its running header and footer apply from
    this page on, and it is the part's bookmark (outline level 0)."""

    def __init__(self, meta: n.Meta, anchor: str = "", title: str = "") -> None:
        super().__init__()
        self.meta = meta
        self.outline = (0, title, anchor) if anchor else None

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._kz_meta = self.meta


class _PageRef(Flowable):
    """The page number of an anchor, drawn when the whole document is laid out."""

    def __init__(self, anchor: str, font: str, size: float, color: str) -> None:
        super().__init__()
        self.anchor, self.font, self.size, self.color = anchor, font, size, color

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        return aw, self.size * 1.2

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(self.width, self.size * 0.25)
        self.canv._kz_late.append((self.canv.getPageNumber(), x, y, self))


class _Translator:
    """One method per block node; each returns flowables."""

    def __init__(self, theme: Theme, width: float, in_pack: bool = False) -> None:
        self.theme = theme
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
        pieces = chunk_inlines(children)
        if len(pieces) == 1:
            return [_para(pieces[0], style, bulletText=bullet)]
        last = len(pieces) - 1
        return [
            _para(
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
        for block in body:
            method = getattr(self, f"_{type(block).__name__.lower()}", None)
            if method is None:
                raise TypeError(f"PDF writer: unknown block node {type(block).__name__}")
            yield from method(block)

    def _heading(self, h: n.Heading) -> Iterator[Flowable]:
        self.count += 1
        level = min(h.level, 3)
        if level > 1:
            # room for the heading and a few lines, so no heading ends a page alone
            yield CondPageBreak(90 if level == 2 else 60)
        key = h.id or f"h{self.count}"
        outline = None if (self.in_pack and level == 1) else level - 1
        style = self.st["cover_title" if h.role == "cover" else f"h{level}"]
        title = inline_text(h.children)
        pieces = chunk_inlines(h.children)
        if len(pieces) == 1:
            yield _Heading(pieces[0], style, outline, title, key)
        else:  # a heading too long for one paragraph: only its first piece is bookmarked
            yield _Heading(
                pieces[0], self.piece_style(style, True, False), outline, _short(title), key
            )
            for i, piece in enumerate(pieces[1:], 2):
                yield _para(piece, self.piece_style(style, False, i == len(pieces)))
        if level == 1:
            yield _Rule(self.width, self.theme.accent, 1.6, after=8)

    def _paragraph(self, p: n.Paragraph) -> Iterator[Flowable]:
        if p.role == "cover-kicker":
            yield Spacer(1, 55 * mm)  # a cover's title sits a third of the way down
        yield from self.paras(p.children, self.st.get(p.role, self.st["body"]))

    def _list(self, lst: n.List, depth: int = 0) -> Iterator[Flowable]:
        style = self.st["sources" if lst.role == "sources" else "list"]
        if depth:
            style = ParagraphStyle(
                f"list{depth}",
                parent=style,
                leftIndent=style.leftIndent + 14 * depth,
                bulletIndent=style.bulletIndent + 14 * depth,
            )
        for i, item in enumerate(lst.items, 1):
            bullet = f"{i}." if lst.ordered else "•"
            yield from self.paras(item.children, style, bullet)
            if item.sublist:
                yield from self._list(item.sublist, depth + 1)

    def _quote(self, q: n.Quote) -> Iterator[Flowable]:
        parts: list[Flowable] = []
        for p in q.children:
            parts += self.paras(p.children, self.st["quote"])
        if q.attribution:
            parts += self.paras(q.attribution, self.st["attribution"])
        yield _QuoteBar(parts, self.theme.accent)

    def _fieldlist(self, fl: n.FieldList) -> Iterator[Flowable]:
        rows = [
            [
                self.paras((n.Text(inline_text(f.label).upper()),), self.st["field_label"]),
                self.paras(f.value, self.st["field_value"]),
            ]
            for f in fl.fields
        ]
        label_w = (42 if fl.role == "cover" else 30) * mm
        table = Table(rows, colWidths=[label_w, self.width - label_w], hAlign="LEFT")
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
        font = _font_names(self.theme.body_font)["regular"]
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
                    _para(escape(item.qualifier), self.st["figure_qualifier"])
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
        yield _RowGap(table, 6)

    def _fitted(self, value: str, width: float) -> ParagraphStyle:
        """The key-figure style, made smaller where the number would wrap."""
        style = self.st["figure_value"]
        path = str(self.theme.font_path(self.theme.heading_font.bold))
        size = fit_size(value, path, style.fontSize, width)
        if size == style.fontSize:
            return style
        return ParagraphStyle("figure_value_fit", parent=style, fontSize=size, leading=size * 1.15)

    def _barchart(self, chart: n.BarChart) -> Iterator[Flowable]:
        geo = chartlib.layout(chart, self.width, self.theme)
        yield KeepTogether([_drawing(geo, self.theme), Spacer(1, 6)])

    def _table(self, t: n.Table) -> Iterator[Flowable]:
        ncols = len(t.header) or max(len(r.cells) for r in t.rows)
        weights = t.widths or (1.0,) * ncols
        col_widths = [self.width * w / sum(weights) for w in weights]
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor(self.theme.rule)),
        ]
        header: list[Any] | None = None
        if t.header:
            header = [self._cell(c, "th") for c in t.header]
            commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(self.theme.accent)))
        rows: list[_Row] = []
        zebra = 0
        for row in t.rows:
            if row.role == "group":
                rows.append(
                    _Row(
                        functools.partial(self._group_cells, row, ncols),
                        (
                            ("SPAN", 0, -1),
                            ("BACKGROUND", 0, -1, colors.HexColor(self.theme.accent_light)),
                            ("TOPPADDING", 0, -1, 5),
                        ),
                        keep_with_next=True,
                    )
                )
                zebra = 0
                continue
            shade = t.role == "grid" and zebra % 2
            rows.append(
                _Row(
                    functools.partial(self._row_cells, row),
                    (("BACKGROUND", 0, -1, colors.HexColor(self.theme.zebra)),) if shade else (),
                )
            )
            zebra += 1
        yield _PagedTable(col_widths, header, rows, self._style(commands))
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


def _interleave(items: list[Any], sep: Any) -> list[Any]:
    out: list[Any] = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out.append(item)
    return out


class _Rule(Flowable):
    def __init__(self, width: float, color: str, thickness: float, after: float = 0) -> None:
        super().__init__()
        self.width, self.color, self.thickness, self.after = width, color, thickness, after

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.width, self.thickness + self.after

    def draw(self) -> None:
        self.canv.setStrokeColor(colors.HexColor(self.color))
        self.canv.setLineWidth(self.thickness)
        self.canv.line(0, self.after, self.width, self.after)


class _RowGap(Flowable):
    """A tile grid with vertical gaps between its rows (as separate tables)."""

    def __init__(self, table: Table, gap: float) -> None:
        super().__init__()
        self.table, self.gap = table, gap

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        w, h = self.table.wrap(aw, ah)
        return w, h + self.gap

    def split(self, aw: float, ah: float) -> list[Flowable]:
        return self.table.split(aw, ah)

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        self.table.drawOn(canvas, x, y + self.gap, _sW)


class _Row:
    """A table row: its cells and its own style commands, as (command, first column,
    last column, *arguments), the row being filled in when a page's table is made.

    The cells are made when a page first needs them and dropped once the row is laid
    out, so a table of 10,000 rows holds a few pages of paragraphs at a time, not all
    of them."""

    __slots__ = ("_cells", "_make", "commands", "keep_with_next")

    def __init__(
        self,
        make: Callable[[], list[Any]],
        commands: tuple[tuple[Any, ...], ...] = (),
        keep_with_next: bool = False,
    ) -> None:
        self._make, self.commands = make, commands
        self.keep_with_next = keep_with_next  # a group's heading row: never last on a page
        self._cells: list[Any] | None = None

    @property
    def cells(self) -> list[Any]:
        if self._cells is None:
            self._cells = self._make()
        return self._cells

    def release(self) -> None:
        self._cells = None


WINDOW = 32  # rows a long table first tries to fit on a page


class _PagedTable(Flowable):
    """A table made a page at a time.

    reportlab re-measures every remaining row of a table each time it splits one over
    a page, so a table of n rows costs n²; this flowable hands reportlab only the rows
    one page can take (a window that doubles until it overflows the page), so a table
    of any length costs about one measurement per row. The header row repeats on every
    page; a row taller than a page is split inside (``splitInRow``), its remainder
    carried over as the first row of the next page.
    """

    MAX_WINDOW = 512

    def __init__(
        self,
        widths: list[float],
        header: list[Any] | None,
        rows: list[_Row],
        style: TableStyle,
        start: int = 0,
        lead: list[Any] | None = None,
        window: int = WINDOW,
    ) -> None:
        super().__init__()
        self.widths, self.header, self.rows, self.style = widths, header, rows, style
        self.start, self.lead = start, lead
        self.window = window  # rows to try first: twice what the last page took
        self._table: Table | None = None
        self._count = 0
        self._deferred = False

    def _make(self, count: int) -> Table:
        window = self.rows[self.start : self.start + count]
        first = 1 if self.header else 0
        data: list[list[Any]] = [self.header] if self.header else []
        commands: list[tuple[Any, ...]] = []
        for i, row in enumerate(window):
            r = first + i
            data.append(self.lead if i == 0 and self.lead is not None else row.cells)
            commands += [(name, (c0, r), (c1, r), *args) for name, c0, c1, *args in row.commands]
        table = Table(
            data,
            colWidths=self.widths,
            repeatRows=first,
            hAlign="LEFT",
            splitByRow=1,
            splitInRow=1,
        )
        table.setStyle(self.style)
        if commands:
            table.setStyle(TableStyle(commands))
        return table

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        count = self.window
        while True:
            table = self._make(count)
            w, h = table.wrap(aw, ah)
            if h > ah or self.start + count >= len(self.rows):
                break
            if count >= self.MAX_WINDOW:
                # Asked with more room than any page has (reportlab probes a heading
                # kept with its table that way): say "taller than that" rather than
                # measure every row of the table.
                h = ah + 1
                break
            count *= 2
        self._table, self._count = table, min(count, len(self.rows) - self.start)
        self.width, self.height = w, h
        return w, h

    def split(self, aw: float, ah: float) -> list[Flowable]:
        if self._table is None:
            self.wrap(aw, ah)
        assert self._table is not None
        if self._table.wrap(aw, ah)[1] <= ah:  # the whole window fits: the rest follows
            count, table = self._count, self._table
            last = self.start + count - 1
            if count > 1 and last + 1 < len(self.rows) and self.rows[last].keep_with_next:
                count -= 1  # a group heading row goes on with the row it heads
                table = self._make(count)
                table.wrap(aw, ah)
            rest = _PagedTable(self.widths, self.header, self.rows, self.style, self.start + count)
            self._release(count)
            return [table, rest]
        parts = self._table.split(aw, ah)
        if len(parts) < 2:
            return parts
        head, tail = parts[0], parts[-1]
        first = 1 if self.header else 0
        done = head._nrows - first  # rows on this page, the last possibly in part
        left = tail._nrows - first
        lead = None
        if done + left > self._count:  # the last row on this page continues on the next
            done -= 1
            lead = tail._cellvalues[first]
        elif 0 < done < self._count and self.rows[self.start + done - 1].keep_with_next:
            # a group heading would end the page alone: it moves on with its first row
            done -= 1
            if done == 0:
                if self._deferred:  # already moved once: on a fresh page, keep it
                    done = 1
                else:
                    self._deferred = True
                    return []  # the whole rest starts on the next page
            head = self._make(done)
            head.wrap(aw, ah)
        rest = _PagedTable(
            self.widths,
            self.header,
            self.rows,
            self.style,
            self.start + done,
            lead,
            max(8, 2 * done),
        )
        self._release(done)
        return [head, rest]

    def _release(self, done: int) -> None:
        """Forget the cells of the rows this page took (its table keeps what it draws)."""
        for row in self.rows[self.start : self.start + done]:
            row.release()

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        assert self._table is not None
        self._table.drawOn(canvas, x, y, _sW)


class _QuoteBar(Flowable):
    """Paragraphs with an accent bar on their left; splits across pages like text."""

    def __init__(self, parts: list[Flowable], color: str) -> None:
        super().__init__()
        self.parts, self.color = parts, color
        self._heights: list[float] = []

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self._heights = [p.wrap(aw, ah)[1] + p.getSpaceAfter() for p in self.parts]
        self.width = aw
        return aw, sum(self._heights)

    def split(self, aw: float, ah: float) -> list[Flowable]:
        head: list[Flowable] = []
        used = 0.0
        for i, part in enumerate(self.parts):
            h = part.wrap(aw, ah - used)[1] + part.getSpaceAfter()
            if used + h <= ah:
                head.append(part)
                used += h
                continue
            # the space after a piece counts too, or the head overflows the frame
            pieces = part.split(aw, ah - used - part.getSpaceAfter())
            if len(pieces) > 1:
                head.append(pieces[0])
                tail = pieces[1:] + self.parts[i + 1 :]
            else:
                tail = self.parts[i:]
            if not head:
                return []
            return [_QuoteBar(head, self.color), _QuoteBar(tail, self.color)]
        return [self]

    def draw(self) -> None:
        y = sum(self._heights)
        for part, h in zip(self.parts, self._heights, strict=True):
            y -= h
            part.drawOn(self.canv, 0, y + part.getSpaceAfter())
        quote_h = sum(
            h for p, h in zip(self.parts, self._heights, strict=True) if p.style.name == "quote"
        )
        total = sum(self._heights)
        self.canv.setStrokeColor(colors.HexColor(self.color))
        self.canv.setLineWidth(2.2)
        self.canv.line(4, total - quote_h + 2, 4, total - 1)


def _drawing(geo: chartlib.ChartLayout, theme: Theme) -> Drawing:
    d = Drawing(geo.width, geo.height)
    head = _font_names(theme.heading_font)
    d.initialFontName = head["regular"]  # else the renderer selects Helvetica first
    for s in geo.shapes:
        match s:
            case chartlib.Rect():
                d.add(
                    RRect(
                        s.x,
                        geo.height - s.y - s.h,
                        s.w,
                        s.h,
                        fillColor=colors.HexColor(s.fill),
                        strokeColor=None,
                    )
                )
            case chartlib.Line():
                d.add(
                    RLine(
                        s.x1,
                        geo.height - s.y1,
                        s.x2,
                        geo.height - s.y2,
                        strokeColor=colors.HexColor(s.color),
                        strokeWidth=s.width,
                    )
                )
            case chartlib.Label():
                d.add(
                    RString(
                        s.x,
                        geo.height - s.y,
                        s.text,
                        fontSize=s.size,
                        fontName=head["bold" if s.bold else "regular"],
                        fillColor=colors.HexColor(s.color),
                        textAnchor=s.anchor,
                    )
                )
    return d


# ------------------------------------------------------------------ pages


class _DocTemplate(BaseDocTemplate):
    """Records the page of every anchor and builds the bookmark tree as it goes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page_map: dict[str, int] = {}
        self._outline_level = -1

    def afterFlowable(self, flowable: Flowable) -> None:
        outline = getattr(flowable, "outline", None)
        if outline is None:
            return
        level, title, key = outline
        self.canv._kz_pages = self.page_map
        page = self.canv.getPageNumber()
        self.page_map.setdefault(key, page)
        # The canvas holds pages back until the end, so destinations are set then,
        # on the real page; the outline itself is built now, in order.
        top = self.frame._y + flowable.height + 4
        self.canv._kz_marks.append((page, key, top))
        if level is None:
            return
        level = min(level, self._outline_level + 1)
        self._outline_level = level
        self.canv.addOutlineEntry(title, key, level=level, closed=level > 0)


def _canvas_class(meta: n.Meta, theme: Theme) -> type[Canvas]:
    """A canvas that holds pages back until the end, so every footer knows the total
    and every page reference knows its page."""
    head = _font_names(theme.heading_font)

    class _Canvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            self._kz_meta = meta
            self._kz_late: list[tuple[int, float, float, _PageRef]] = []
            self._kz_pages: dict[str, int] = {}
            self._kz_marks: list[tuple[int, str, float]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            late, pages, marks = self._kz_late, self._kz_pages, self._kz_marks
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                for page, key, top in marks:
                    if page == number:
                        self.bookmarkHorizontalAbsolute(key, top)
                _decorate(self, state["_kz_meta"], theme, head, number, total)
                for page, x, y, ref in late:
                    if page == number and ref.anchor in pages:
                        self.setFont(ref.font, ref.size)
                        self.setFillColor(colors.HexColor(ref.color))
                        self.drawRightString(x, y, str(pages[ref.anchor]))
                Canvas.showPage(self)
            Canvas.save(self)

    return _Canvas


LETTERHEAD_LINE = 4.2 * mm
LETTERHEAD_GAP = 7 * mm


@functools.cache
def _logo_size(path: str, width_mm: float) -> tuple[float, float]:
    from PIL import Image

    with Image.open(path) as img:
        w, h = img.size
    return width_mm * mm, width_mm * mm * h / w


def letterhead_height(theme: Theme) -> float:
    """Room the first page keeps above its text for the logo and letterhead lines."""
    if not theme.has_letterhead:
        return 0.0
    logo = _logo_size(str(theme.logo), theme.logo_width)[1] if theme.logo else 0.0
    return max(logo, LETTERHEAD_LINE * len(theme.letterhead)) + LETTERHEAD_GAP


def _draw_letterhead(c: Canvas, theme: Theme, head: dict[str, str]) -> None:
    w, h = c._pagesize
    top = h - theme.margin_top * mm
    if theme.logo is not None:
        lw, lh = _logo_size(str(theme.logo), theme.logo_width)
        c.drawImage(str(theme.logo), theme.margin_left * mm, top - lh, lw, lh, mask="auto")
    right = w - theme.margin_right * mm
    c.setFillColor(colors.HexColor(theme.accent))
    for i, line in enumerate(theme.letterhead):
        c.setFont(head["bold" if i == 0 else "regular"], theme.small_size + 0.5)
        c.drawRightString(right, top - (i + 1) * LETTERHEAD_LINE + 1.2 * mm, line)
    c.setStrokeColor(colors.HexColor(theme.rule))
    c.setLineWidth(0.5)
    rule_y = top - letterhead_height(theme) + LETTERHEAD_GAP / 2
    c.line(theme.margin_left * mm, rule_y, right, rule_y)


def _decorate(
    c: Canvas, meta: n.Meta, theme: Theme, head: dict[str, str], page: int, total: int
) -> None:
    w, h = c._pagesize
    if page == 1 and theme.has_letterhead:
        _draw_letterhead(c, theme, head)
    left, right = theme.margin_left * mm, w - theme.margin_right * mm
    top_y, foot_y = h - 12 * mm, 11 * mm
    c.saveState()
    if meta.marking:
        c.setFillColor(colors.HexColor(theme.marking))
        c.setFont(head["bold"], 8.5)
        c.drawCentredString(w / 2, top_y, meta.marking)
        c.drawCentredString(w / 2, foot_y - 4.5 * mm, meta.marking)
    c.setStrokeColor(colors.HexColor(theme.rule))
    c.setLineWidth(0.5)
    c.line(left, foot_y + 4 * mm, right, foot_y + 4 * mm)
    c.setFillColor(colors.HexColor(theme.muted))
    c.setFont(head["regular"], 7.5)
    label = meta.page_label.format(page=page, pages=total)
    c.drawRightString(right, foot_y, label)
    room = right - left - pdfmetrics.stringWidth(label, head["regular"], 7.5) - 12
    face = str(theme.font_path(theme.heading_font.regular))
    c.drawString(left, foot_y, ellipsize(meta.footer or meta.title, face, 7.5, room))
    c.restoreState()


def _short(title: str, limit: int = 300) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


class PdfWriter:
    """Writes a ``Document`` or a ``Pack`` as PDF bytes."""

    extension = "pdf"

    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        register_fonts(theme)

    def warm(self) -> None:
        import reportlab.graphics.renderPDF  # noqa: F401  (drawn charts need it)

    def render(self, doc: n.Document) -> bytes:
        translator = _Translator(self.theme, self._frame_width())
        return self._build(doc.meta, list(translator.blocks(doc.body)))[0]

    def render_pack(self, pack: n.Pack) -> bytes:
        return self.layout_pack(pack)[0]

    @staticmethod
    def count_pages(data: bytes) -> int:
        """Pages of a PDF this writer made (its page objects are never compressed)."""
        return len(re.findall(rb"/Type /Page[^s]", data))

    def layout_pack(self, pack: n.Pack) -> tuple[bytes, dict[str, int]]:
        """The pack as PDF, and the page on which each anchor landed."""
        return _layout_pack(self, pack)

    def _frame_width(self) -> float:
        t = self.theme
        return (t.page_mm[0] - t.margin_left - t.margin_right) * mm

    def _contents(self, pack: n.Pack) -> list[Flowable]:
        st = styles(self.theme)
        head = _font_names(self.theme.heading_font)
        rows, commands = [], []
        for i, entry in enumerate(pack.contents):
            top = entry.level == 1
            style = st["toc1" if top else "toc2"]
            link = f'<a href="#{escape(entry.anchor)}">{escape(entry.title)}</a>'
            rows.append(
                [
                    _para(link, style),
                    _PageRef(
                        entry.anchor,
                        head["bold" if top else "regular"],
                        style.fontSize,
                        self.theme.text,
                    ),
                ]
            )
            if top and i:
                commands.append(("TOPPADDING", (0, i), (-1, i), 9))
        width = self._frame_width()
        table = Table(rows, colWidths=[width - 20 * mm, 20 * mm], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), head["regular"], 10),
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                    *commands,
                ]
            )
        )
        title = _Heading(escape(pack.contents_title), st["h1"], 0, pack.contents_title, "contents")
        return [title, _Rule(width, self.theme.accent, 1.6, after=8), table]

    def _build(self, meta: n.Meta, story: list[Flowable]) -> tuple[bytes, dict[str, int]]:
        theme = self.theme
        page = (theme.page_mm[0] * mm, theme.page_mm[1] * mm)
        buf = io.BytesIO()
        template = _DocTemplate(
            buf,
            pagesize=page,
            leftMargin=theme.margin_left * mm,
            rightMargin=theme.margin_right * mm,
            topMargin=theme.margin_top * mm,
            bottomMargin=theme.margin_bottom * mm,
            title=meta.title,
            author=meta.author,
            subject=meta.subject,
            keywords=list(meta.keywords),
            creator="kzru-reports",
            producer="kzru-reports",
            invariant=1,
            lang=meta.lang,
            initialFontName=_font_names(theme.body_font)["regular"],
            initialFontSize=10,
        )
        frame = Frame(
            template.leftMargin,
            template.bottomMargin,
            template.width,
            template.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        pages = [PageTemplate("page", [frame])]
        if theme.has_letterhead:  # the first page keeps room for the letterhead
            room = letterhead_height(theme)
            first = Frame(
                template.leftMargin,
                template.bottomMargin,
                template.width,
                template.height - room,
                id="first",
                leftPadding=0,
                rightPadding=0,
                topPadding=0,
                bottomPadding=0,
            )
            pages.insert(0, PageTemplate("first", [first], autoNextPageTemplate="page"))
        template.addPageTemplates(pages)
        template.build(story, canvasmaker=_canvas_class(meta, theme))
        return buf.getvalue(), template.page_map


@functools.lru_cache(maxsize=4)
def _layout_pack(writer: PdfWriter, pack: n.Pack) -> tuple[bytes, dict[str, int]]:
    """Cached: the same pack is laid out once whether its pages or its bytes are asked
    for first (the DOCX contents quote the PDF's page numbers)."""
    width = writer._frame_width()
    story: list[Flowable] = [_PartStart(pack.cover.meta)]
    story += _Translator(writer.theme, width, in_pack=True).blocks(pack.cover.body)
    story += [PageBreak(), *writer._contents(pack)]
    for part in pack.parts:
        story += [PageBreak(), _PartStart(part.meta, part.name, part.meta.title)]
        story += _Translator(writer.theme, width, in_pack=True).blocks(part.body)
    return writer._build(pack.cover.meta, story)


__all__ = ["PdfWriter"]
