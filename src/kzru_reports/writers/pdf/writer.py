"""The PDF writer: sets up the page frames and document info, assembles the story
(cover, contents and parts for a pack) and saves."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import mm
from reportlab.platypus import (
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Table,
    TableStyle,
)

from kzru_reports import hyphenate, memo
from kzru_reports.model import nodes as n
from kzru_reports.packs import with_pages
from kzru_reports.theme import Theme
from kzru_reports.writers.base import language
from kzru_reports.writers.pdf.flowables import (
    Heading,
    PageRef,
    PartStart,
    Rule,
)
from kzru_reports.writers.pdf.fonts import font_names, register_fonts
from kzru_reports.writers.pdf.pages import (
    DocTemplate,
    Found,
    canvas_class,
    letterhead_height,
)
from kzru_reports.writers.pdf.styles import styles
from kzru_reports.writers.pdf.text import para
from kzru_reports.writers.pdf.translate import Translator


class PdfWriter:
    """Writes a ``Document`` or a ``Pack`` as PDF bytes (a ``PagedWriter``)."""

    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        register_fonts(theme)

    def warm(self, langs: Sequence[str] = (), resident: bool = False) -> None:
        import reportlab.graphics.renderPDF  # noqa: F401  (drawn charts need it)

        for tag in langs:  # the hyphenation patterns of each language
            hyphenate.warm(tag.split("-")[0].lower())

    def render(self, doc: n.Document) -> bytes:
        translator = Translator(self.theme, self._frame_width(), lang=language(doc.meta))
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
        head = font_names(self.theme.heading_font)
        rows, commands = [], []
        for i, entry in enumerate(pack.contents):
            top = entry.level == 1
            style = st["toc1" if top else "toc2"]
            link = f'<a href="#{escape(entry.anchor)}">{escape(entry.title)}</a>'
            rows.append(
                [
                    para(link, style),
                    PageRef(
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
        title = Heading(escape(pack.contents_title), st["h1"], 0, pack.contents_title, "contents")
        return [title, Rule(width, self.theme.accent, 1.6, after=8), table]

    def _build(
        self, meta: n.Meta, story: list[Flowable], until: frozenset[str] = frozenset()
    ) -> tuple[bytes, dict[str, int]]:
        theme = self.theme
        page = (theme.page_mm[0] * mm, theme.page_mm[1] * mm)
        buf = io.BytesIO()
        template = DocTemplate(
            buf,
            pagesize=page,
            leftMargin=theme.margin_left * mm,
            rightMargin=theme.margin_right * mm,
            topMargin=theme.margin_top * mm,
            bottomMargin=theme.margin_bottom * mm,
            title=meta.document_title,
            author=meta.author,
            subject=meta.subject,
            keywords=list(meta.keywords),
            creator="kzru-reports",
            producer="kzru-reports",
            invariant=1,
            lang=meta.lang,
            initialFontName=font_names(theme.body_font)["regular"],
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
            overlapAttachedSpace=1,  # the space between two paragraphs: see writers/sheet
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
                overlapAttachedSpace=1,
            )
            pages.insert(0, PageTemplate("first", [first], autoNextPageTemplate="page"))
        template.addPageTemplates(pages)
        template.until = until
        try:
            template.build(story, canvasmaker=canvas_class(meta, theme, bool(until)))
        except Found:  # every anchor asked for has its page: the rest is not laid out
            return b"", template.page_map
        return buf.getvalue(), template.page_map


@memo.cached(4)
def _layout_pack(writer: PdfWriter, pack: n.Pack) -> tuple[bytes, dict[str, int]]:
    """Cached: the same pack is laid out once whether its pages or its bytes are asked
    for first (the DOCX contents quote the PDF's page numbers). A pack whose parts
    refer to each other's pages is first laid out only as far as the last heading they
    refer to (where each lands depends on nothing after it), then in full with those
    pages, again until they no longer move (a number one digit longer can push a line
    over)."""
    if not pack.refers:
        return _layout_once(writer, pack)
    _, found = _layout_once(writer, pack, until=frozenset(pack.refs))
    for _ in range(_MAX_LAYOUTS - 1):
        data, pages = _layout_once(writer, with_pages(pack, found))
        again = {a: pages[a] for a in pack.refs if a in pages}
        if again == {a: found[a] for a in pack.refs if a in found}:
            break
        found = pages
    return data, pages


_MAX_LAYOUTS = 4  # references settle in two; a page break they move costs one more


def _layout_once(
    writer: PdfWriter, pack: n.Pack, until: frozenset[str] = frozenset()
) -> tuple[bytes, dict[str, int]]:
    """The pack laid out and written; with ``until``, laid out only until every one of
    those anchors has its page (and nothing written: the bytes are empty)."""
    width = writer._frame_width()
    story: list[Flowable] = [PartStart(pack.cover.meta)]
    lang = language(pack.cover.meta)
    story += Translator(writer.theme, width, True, lang).blocks(pack.cover.body)
    story += [PageBreak(), *writer._contents(pack)]
    for part in pack.parts:
        story += [PageBreak(), PartStart(part.meta, part.name, part.meta.title)]
        story += Translator(writer.theme, width, True, lang).blocks(part.body)
    return writer._build(pack.cover.meta, story, until)
