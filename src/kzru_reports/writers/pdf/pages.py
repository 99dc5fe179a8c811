"""Page decoration: the document template that records anchors and bookmarks, and the
canvas that draws running headers, footers, markings and the letterhead once the
total page count is known."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
)
from reportlab.platypus.doctemplate import ActionFlowable

from kzru_reports import memo
from kzru_reports.model import nodes as n
from kzru_reports.model.levels import page_marking
from kzru_reports.theme import Theme
from kzru_reports.writers.measure import ellipsize
from kzru_reports.writers.pdf.flowables import (
    PageRef,
    set_levels,
)
from kzru_reports.writers.pdf.fonts import font_names
from kzru_reports.writers.sheet import sheet


class Found(Exception):
    """Every anchor a layout was asked to find has its page (``DocTemplate.until``)."""


class DocTemplate(BaseDocTemplate):
    """Records the page of every anchor and builds the bookmark tree as it goes, and
    the handling levels of what each page shows. With ``until`` (anchors), the layout
    stops with ``Found`` once each of them has its page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page_map: dict[str, int] = {}
        self.until: frozenset[str] = frozenset()
        self._outline_level = -1
        self._levels_of_next: frozenset[str] | None = None

    def handle_flowable(self, flowables: list[Flowable]) -> None:
        # A flowable split over a page break comes back as new pieces: each piece
        # carries the levels of the flowable it was cut from.
        self._levels_of_next = getattr(flowables[0], "kz_levels", None) if flowables else None
        before = len(flowables)
        super().handle_flowable(flowables)
        if self._levels_of_next is not None:
            for piece in flowables[: max(len(flowables) - before + 1, 0)]:
                # actions (frame and page breaks) draw nothing, and reportlab shares them
                if getattr(piece, "kz_levels", None) is None and not isinstance(
                    piece, ActionFlowable
                ):
                    set_levels(piece, self._levels_of_next)

    def afterFlowable(self, flowable: Flowable) -> None:
        if not isinstance(flowable, ActionFlowable):
            levels = getattr(flowable, "kz_levels", None) or self._levels_of_next
            if levels:
                self.canv._kz_levels |= levels
        outline = getattr(flowable, "outline", None)
        if outline is None:
            return
        level, title, key = outline
        self.canv._kz_pages = self.page_map
        page = self.canv.getPageNumber()
        self.page_map.setdefault(key, page)
        if self.until and self.until <= self.page_map.keys():
            raise Found
        # The canvas holds pages back until the end, so destinations are set then,
        # on the real page; the outline itself is built now, in order.
        top = self.frame._y + flowable.height + 4
        self.canv._kz_marks.append((page, key, top))
        if level is None:
            return
        level = min(level, self._outline_level + 1)
        self._outline_level = level
        self.canv.addOutlineEntry(title, key, level=level, closed=level > 0)


def canvas_class(meta: n.Meta, theme: Theme, measuring: bool = False) -> type[Canvas]:
    """A canvas that holds pages back until the end, so every footer knows the total
    and every page reference knows its page. ``measuring``: for a layout that only
    finds where headings land (see ``Found``); its paragraphs draw no text."""
    head = font_names(theme.heading_font)

    class _Canvas(Canvas):
        kz_measuring = measuring

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            self._kz_meta = meta
            self._kz_late: list[tuple[int, float, float, PageRef]] = []
            self._kz_pages: dict[str, int] = {}
            self._kz_marks: list[tuple[int, str, float]] = []
            self._kz_levels: set[str] = set()  # the levels drawn on this page

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._kz_levels = set()
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            late, pages, marks = self._kz_late, self._kz_pages, self._kz_marks
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                for page, key, top in marks:
                    if page == number:
                        self.bookmarkHorizontalAbsolute(key, top)
                marking = page_marking(state["_kz_meta"], state["_kz_levels"])
                _decorate(self, state["_kz_meta"], marking, theme, head, number, total)
                for page, x, y, ref in late:
                    if page == number and ref.anchor in pages:
                        self.setFont(ref.font, ref.size)
                        self.setFillColor(colors.HexColor(ref.color))
                        self.drawRightString(x, y, str(pages[ref.anchor]))
                Canvas.showPage(self)
            self.showOutline()  # open with the bookmarks panel shown
            _stamp(self, meta)
            Canvas.save(self)

    return _Canvas


def _stamp(canvas: Canvas, meta: n.Meta) -> None:
    """The PDF's creation and modification dates: the document's own (from
    ``SOURCE_DATE_EPOCH`` or the visit), in UTC, not reportlab's fixed 2000-01-01."""
    if meta.created is None:
        return
    when = meta.created.astimezone(UTC) if meta.created.tzinfo else meta.created
    stamp = canvas._doc._timeStamp
    stamp.YMDhms = tuple(when.timetuple())[:6]
    stamp.dhh = stamp.dmm = 0


LETTERHEAD_LINE = 4.2 * mm
LETTERHEAD_GAP = 7 * mm


@memo.cached(16, files=lambda path, width: (path,))
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
        # from the image's pixels, not its path: reportlab names an image by a digest
        # of what it is given, and a path would make each folder's PDF differ
        logo = ImageReader(str(theme.logo))
        c.drawImage(logo, theme.margin_left * mm, top - lh, lw, lh, mask="auto")
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
    c: Canvas,
    meta: n.Meta,
    marking: str,
    theme: Theme,
    head: dict[str, str],
    page: int,
    total: int,
) -> None:
    """A page's running header and footer; ``marking`` is the page's own."""
    w, h = c._pagesize
    if page == 1 and theme.has_letterhead:
        _draw_letterhead(c, theme, head)
    left, right = theme.margin_left * mm, w - theme.margin_right * mm
    top_y, foot_y = h - 12 * mm, 11 * mm
    c.saveState()
    mark, foot = sheet(theme).text["running-header"], sheet(theme).text["running-footer"]
    if marking:
        c.setFillColor(colors.HexColor(mark.colour))
        c.setFont(head["bold"], mark.size)
        c.drawCentredString(w / 2, top_y, marking)
        c.drawCentredString(w / 2, foot_y - 4.5 * mm, marking)
    c.setStrokeColor(colors.HexColor(theme.rule))
    c.setLineWidth(0.5)
    c.line(left, foot_y + 4 * mm, right, foot_y + 4 * mm)
    c.setFillColor(colors.HexColor(foot.colour))
    c.setFont(head["regular"], foot.size)
    label = meta.page_label.format(page=page, pages=total)
    c.drawRightString(right, foot_y, label)
    room = right - left - pdfmetrics.stringWidth(label, head["regular"], foot.size) - 12
    face = str(theme.font_path(theme.heading_font.regular))
    c.drawString(left, foot_y, ellipsize(meta.footer or meta.title, face, foot.size, room))
    c.restoreState()
