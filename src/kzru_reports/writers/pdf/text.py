"""Text runs: inline nodes as reportlab paragraph markup, every text escaped, and long
text cut into pieces that reportlab lays out in linear time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    Flowable,
    Paragraph,
)

from kzru_reports import memo
from kzru_reports.hyphenate import soft_hyphens
from kzru_reports.memo import BoundedCache
from kzru_reports.model import nodes as n
from kzru_reports.model.dump import inline_text


def markup(children: n.Inlines, lang: str = "") -> str:
    """Inline nodes as reportlab paragraph markup; every text is escaped (and, for
    ``lang``, given the soft hyphens reportlab cannot find itself)."""
    out: list[str] = []
    for node in children:
        match node:
            case n.Text(text=t):
                out.append(_text(t, lang))
            case n.Strong(children=c):
                out.append(f"<b>{markup(c, lang)}</b>")
            case n.Emph(children=c):
                out.append(f"<i>{markup(c, lang)}</i>")
            case n.Link(children=c, url=url):
                out.append(f"<a href={quoteattr(url)}>{markup(c, lang)}</a>")
            case n.LineBreak():
                out.append("<br/>")
            case n.PageRef():
                out.append(f"<a href={quoteattr('#' + node.anchor)}>{page_text(node)}</a>")
            case _:
                raise TypeError(f"PDF writer: unknown inline node {type(node).__name__}")
    return "".join(out)


def page_text(ref: n.PageRef) -> str:
    """A page reference's number; before the layout that finds it, a stand-in as wide
    as a two-digit number, so that the second layout moves as little as it can."""
    return str(ref.page) if ref.page is not None else "00"


def _text(text: str, lang: str) -> str:
    return escape(soft_hyphens(text, lang) if lang else text)


# A document repeats its paragraphs (a pack holds its parts' text, which the parts
# alone hold too, and a pack is laid out twice; audiences share most of a visit's
# text): each paragraph's parse and its lines at a width are made once per process
# and shared by every paragraph with the same markup and style. Reportlab reads
# both when it measures or draws a paragraph; only splitting one changes them, so a
# paragraph that is split gets its own first (``Para.split``). The bounds hold what one
# visit's documents repeat (a set of 24 files rendered again and again ran as fast with
# 512 as with 2,048), not a whole long table: 2,048 entries of a 1,000-agreement
# summary kept 33 MB more, 512 kept 5 MB.
PARSED_PARAGRAPHS = 512
LAID_PARAGRAPHS = 512
_PARSED: BoundedCache[dict[str, Any]] = BoundedCache("parsed paragraphs", PARSED_PARAGRAPHS)
_LAID: BoundedCache[tuple[dict[str, Any], tuple[float, float]]] = BoundedCache(
    "laid-out paragraphs", LAID_PARAGRAPHS
)
memo.register("writers.pdf.text.parsed", _PARSED)
memo.register("writers.pdf.text.laid", _LAID)
_ABSENT = object()


class Para(Paragraph):
    """A paragraph whose parse and layout are shared with every other of the same
    markup and style (see above), and which remembers its last layout: reportlab asks
    a table cell's paragraphs for their size several times per page at one width."""

    _wrapped: tuple[float, tuple[float, float]] | None = None
    _key: tuple[str, ParagraphStyle, str | None] | None = None  # when shared
    _parse: dict[str, Any]  # the shared parse: reportlab's attributes after it

    def __init__(
        self,
        text: str | None,
        style: ParagraphStyle | None = None,
        bulletText: str | None = None,  # reportlab's name
        frags: list[Any] | None = None,
        **kw: Any,
    ) -> None:
        if text is None or style is None or frags is not None or kw:
            super().__init__(text, style, bulletText, frags, **kw)  # a piece of a split
            return
        # the style is keyed by identity, and the entry holds it: no other takes its id
        key = (text, style, bulletText)

        def parse() -> dict[str, Any]:
            Paragraph.__init__(self, text, style, bulletText)
            return dict(self.__dict__)

        self._parse = _PARSED.get_or_make(key, parse)
        self.__dict__.update(self._parse)
        self._key = key

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._wrapped is not None and self._wrapped[0] == availWidth:
            return self._wrapped[1]
        if self._key is None:
            size = super().wrap(availWidth, availHeight)
        else:
            # lines depend on the width alone, not on the height offered; they are made
            # from the parse (reportlab's second layout of one paragraph would start
            # from its first one's words, so the result would depend on what else
            # this process has laid out)

            def lay_out() -> tuple[dict[str, Any], tuple[float, float]]:
                fresh = Paragraph.__new__(Para)
                fresh.__dict__.update(self._parse)
                size = Paragraph.wrap(fresh, availWidth, availHeight)
                parse = self._parse
                made = {k: v for k, v in fresh.__dict__.items() if parse.get(k, _ABSENT) is not v}
                return made, size

            made, size = _LAID.get_or_make((self._key, availWidth), lay_out)
            self.__dict__.update(made)
        self._wrapped = (availWidth, size)
        return size

    def draw(self) -> None:
        # a layout that only finds where headings land draws no text: setting it is
        # most of a paragraph's cost, and nothing of that layout is kept
        if not getattr(self.canv, "kz_measuring", False):
            super().draw()

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        if self._key is not None:
            # reportlab's split changes the parse and lines it splits: this paragraph
            # gets its own, the same as the shared ones (its lines at the width it was
            # last laid out at, which are the ones reportlab splits)
            text, style, bullet = self._key
            width = self.width if hasattr(self, "blPara") else None
            self._key = None
            self.__dict__.pop("blPara", None)
            Paragraph.__init__(self, text, style, bullet)
            if width is not None:
                Paragraph.wrap(self, width, availHeight)
        self._wrapped = None  # splitting drops (or replaces) the layout
        try:
            return super().split(availWidth, availHeight)  # type: ignore[no-any-return]
        finally:
            self._wrapped = None  # and may drop it after laying it out again


def para(text: str, style: ParagraphStyle, **kw: Any) -> Paragraph:
    return Para(text, style, **kw)


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
            case n.PageRef():
                yield _Atom(page_text(node), bold, italic, "#" + node.anchor)
            case _:
                raise TypeError(f"PDF writer: unknown inline node {type(node).__name__}")


def _atom_markup(atom: _Atom, lang: str = "") -> str:
    if atom.text is None:
        return "<br/>"
    out = _text(atom.text, lang)
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


def chunk_inlines(children: n.Inlines, lang: str = "", size: int = CHUNK) -> list[str]:
    """Inline content as one or more pieces of paragraph markup of at most about
    ``size`` characters of text each; short content is one piece."""
    if len(inline_text(children)) <= size:
        return [markup(children, lang)]
    pieces: list[str] = []
    current: list[str] = []
    room = size
    for atom in _atoms(children):
        text = atom.text
        while text is not None and len(text) > room:
            at = _cut(text, room)
            current.append(_atom_markup(_Atom(text[:at], atom.bold, atom.italic, atom.url), lang))
            pieces.append("".join(current))
            current, room, text = [], size, text[at:]
        if text is None:
            current.append("<br/>")
        elif text:
            current.append(_atom_markup(_Atom(text, atom.bold, atom.italic, atom.url), lang))
            room -= len(text)
    if current:
        pieces.append("".join(current))
    return pieces


def short(title: str, limit: int = 300) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
