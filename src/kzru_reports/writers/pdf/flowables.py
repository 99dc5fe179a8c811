"""The flowables the translator makes beyond reportlab's own: headings that are
bookmarks, page references, rules, quote bars, charts, and tables made a page at a
time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.graphics.shapes import Drawing
from reportlab.graphics.shapes import Line as RLine
from reportlab.graphics.shapes import Rect as RRect
from reportlab.graphics.shapes import String as RString
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    Table,
    TableStyle,
)

from kzru_reports.model import nodes as n
from kzru_reports.theme import Theme
from kzru_reports.writers import chart as chartlib
from kzru_reports.writers.pdf.fonts import font_names
from kzru_reports.writers.pdf.text import Para


def set_levels(flowable: Any, levels: frozenset[str]) -> Any:
    """Give a flowable the handling levels of what it shows (read as ``kz_levels`` when
    a page is marked). Written into its ``__dict__``: some flowables (drawings) refuse
    attributes they do not know through ``setattr``."""
    flowable.__dict__["kz_levels"] = levels
    return flowable


class Heading(Para):
    """A heading that is also a link target and, unless ``level`` is None, a bookmark."""

    def __init__(self, text: str, style: ParagraphStyle, level: int | None, title: str, key: str):
        super().__init__(text, style)
        self.outline = (level, title, key)


class PartStart(Flowable):
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


class PageRef(Flowable):
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


class Rule(Flowable):
    def __init__(self, width: float, color: str, thickness: float, after: float = 0) -> None:
        super().__init__()
        self.width, self.color, self.thickness, self.after = width, color, thickness, after

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.width, self.thickness + self.after

    def draw(self) -> None:
        self.canv.setStrokeColor(colors.HexColor(self.color))
        self.canv.setLineWidth(self.thickness)
        self.canv.line(0, self.after, self.width, self.after)


class RowGap(Flowable):
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


class KeepWithNext(CondPageBreak):
    """Starts a new page before ``heads`` (a heading, or headings one under another)
    unless they fit on this one with the first lines of ``nxt``, what they head: as
    Word's "keep with next", which keeps a heading with the first two lines of the
    paragraph after it, not with the whole of it (reportlab's own ``keepWithNext``
    moves a long paragraph whole, leaving the rest of the page empty)."""

    _SPACETRANSFER = True  # the space after the paragraph before it passes through it

    def __init__(self, heads: list[Flowable], nxt: Flowable | None) -> None:
        super().__init__(0)
        self.heads, self.nxt = heads, nxt
        self.__dict__["kz_levels"] = frozenset()  # draws nothing, marks no page

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        need = 0.0
        for i, f in enumerate(self.heads):
            need += f.wrap(aw, ah)[1] + f.getSpaceAfter() + (f.getSpaceBefore() if i else 0)
        if self.heads:
            need += self.heads[0].getSpaceBefore()
        if self.nxt is not None:
            need += self.nxt.getSpaceBefore() + first_lines(self.nxt, aw, ah)
        self.height = need
        return super().wrap(aw, ah)  # type: ignore[no-any-return]


def first_lines(f: Flowable, aw: float, ah: float) -> float:
    """The height of what must stand on a page with a heading above ``f``: two lines of
    a paragraph that can be split two and two (no widow, no orphan), else the whole of
    it; a table's header row and first row."""
    if isinstance(f, Paragraph):
        h = f.wrap(aw, ah)[1]
        lines = len(getattr(f.blPara, "lines", ()))
        return h if lines < 4 else 2 * f.style.leading
    if isinstance(f, QuoteBar) and f.parts:
        return first_lines(f.parts[0], aw, ah)
    if isinstance(f, PagedTable):
        return f.first_rows(aw, ah)
    if isinstance(f, KeepTogether):  # measured whole, as it is laid out
        return sum(c.wrap(aw, ah)[1] + c.getSpaceAfter() for c in f._content)
    return float(f.wrap(aw, ah)[1])


class Row:
    """A table row: its cells and its own style commands, as (command, first column,
    last column, *arguments), the row being filled in when a page's table is made.

    The cells are made when a page first needs them and dropped once the row is laid
    out, so a table of 10,000 rows holds a few pages of paragraphs at a time, not all
    of them."""

    __slots__ = ("_cells", "_make", "commands", "handling", "keep_with_next")

    def __init__(
        self,
        make: Callable[[], list[Any]],
        commands: tuple[tuple[Any, ...], ...] = (),
        keep_with_next: bool = False,
        handling: str = "",
    ) -> None:
        self._make, self.commands = make, commands
        self.keep_with_next = keep_with_next  # a group's heading row: never last on a page
        self.handling = handling  # the row's level: the pages it is drawn on carry it
        self._cells: list[Any] | None = None

    @property
    def cells(self) -> list[Any]:
        if self._cells is None:
            self._cells = self._make()
        return self._cells

    def release(self) -> None:
        self._cells = None


WINDOW = 32  # rows a long table first tries to fit on a page


class PagedTable(Flowable):
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
        rows: list[Row],
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
        # a short closing section after the table (a sources line), which goes on the
        # page of the table's last row: it is never left alone on a page of its own
        self.closing: list[Flowable] = []
        self._after = 0.0

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
        self._after = 0.0
        if self.closing and self.start + self._count >= len(self.rows) and h <= ah:
            after = sum(f.wrap(aw, ah)[1] + f.getSpaceBefore() for f in self.closing)
            if h + after > ah:  # the last rows fit, the closing section not: split
                self._after = after
                h = ah + 1
        self.width, self.height = w, h
        return w, h

    def first_rows(self, aw: float, ah: float) -> float:
        """The height of the header row and the first row (what a heading above this
        table needs beside it)."""
        return float(self._make(min(1, len(self.rows) - self.start)).wrap(aw, ah)[1])

    def split(self, aw: float, ah: float) -> list[Flowable]:
        if self._table is None:
            self.wrap(aw, ah)
        assert self._table is not None
        if self._after:  # leave the closing section room beside the last rows moved on
            frame = getattr(self, "_frame", None)
            if self._count <= 1 and (frame is None or frame._atTop):
                return [self._levelled(self._table, self._count)]  # no better page
            ah -= self._after
        if self._table.wrap(aw, ah)[1] <= ah:  # the whole window fits: the rest follows
            count, table = self._count, self._table
            last = self.start + count - 1
            if count > 1 and last + 1 < len(self.rows) and self.rows[last].keep_with_next:
                count -= 1  # a group heading row goes on with the row it heads
                table = self._make(count)
                table.wrap(aw, ah)
            rest = PagedTable(self.widths, self.header, self.rows, self.style, self.start + count)
            rest.closing = self.closing
            self._release(count)
            return [self._levelled(table, count), rest]
        # a row goes whole onto the next page (as a DOCX row that cannot split); only
        # a row taller than a whole page, which can go nowhere whole, splits inside
        self._table.splitInRow = 0
        parts = self._table.split(aw, ah)
        frame = getattr(self, "_frame", None)
        if len(parts) < 2 and (frame is None or frame._atTop):
            self._table.splitInRow = 1
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
        rest = PagedTable(
            self.widths,
            self.header,
            self.rows,
            self.style,
            self.start + done,
            lead,
            max(8, 2 * done),
        )
        rest.closing = self.closing
        self._release(done)
        return [self._levelled(head, done + 1), rest]  # and the row carried over

    @property
    def kz_levels(self) -> frozenset[str]:
        """The levels of the rows still to draw (what a page drawing all of them holds)."""
        return frozenset(r.handling for r in self.rows[self.start :] if r.handling)

    def _levelled(self, page: Table, count: int) -> Table:
        """One page's table, with the levels of its rows (``pages.DocTemplate``)."""
        rows = self.rows[self.start : self.start + count]
        return set_levels(page, frozenset(r.handling for r in rows if r.handling))

    def _release(self, done: int) -> None:
        """Forget the cells of the rows this page took (its table keeps what it draws)."""
        for row in self.rows[self.start : self.start + done]:
            row.release()

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        assert self._table is not None
        self._table.drawOn(canvas, x, y, _sW)


class QuoteBar(Flowable):
    """Paragraphs with an accent bar on their left; splits across pages like text."""

    def __init__(
        self, parts: list[Flowable], color: str, weight: float, x: float, keep: bool = False
    ) -> None:
        super().__init__()
        self.parts, self.color = parts, color
        self.weight, self.x = weight, x  # the bar's width, and where its middle stands
        self.keep = keep  # the last part (who said it) never starts a page alone
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
            if self.keep and head and i == len(self.parts) - 1:
                return self._carry(head, used, aw)
            # the space after a piece counts too, or the head overflows the frame
            pieces = part.split(aw, ah - used - part.getSpaceAfter())
            if len(pieces) > 1:
                head.append(pieces[0])
                tail = pieces[1:] + self.parts[i + 1 :]
            else:
                tail = self.parts[i:]
            if not head:
                return []
            return [self._again(head), self._again(tail)]
        return [self]

    def _carry(self, head: list[Flowable], used: float, aw: float) -> list[Flowable]:
        """The attribution does not fit under the quotation: the quotation's last lines
        go on with it (two at least, as no paragraph leaves one line alone)."""
        last = head.pop()
        h = last.wrap(aw, 1e6)[1]
        used -= h + last.getSpaceAfter()
        pieces = last.split(aw, h - last.style.leading) if isinstance(last, Paragraph) else []
        if len(pieces) > 1:
            head.append(pieces[0])
            tail = [*pieces[1:], self.parts[-1]]
        else:
            tail = [last, self.parts[-1]]
        if not head:
            return []
        return [self._again(head), self._again(tail)]

    def _again(self, parts: list[Flowable]) -> QuoteBar:
        return QuoteBar(parts, self.color, self.weight, self.x, self.keep)

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
        self.canv.setLineWidth(self.weight)
        self.canv.line(self.x, total - quote_h + 2, self.x, total - 1)


def drawing(geo: chartlib.ChartLayout, theme: Theme) -> Drawing:
    d = Drawing(geo.width, geo.height)
    head = font_names(theme.heading_font)
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
