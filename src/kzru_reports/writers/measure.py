"""Text measurement shared by the writers, so both make the same fitting decisions."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from kzru_reports import memo
from kzru_reports.hyphenate import SOFT_HYPHEN, soft_hyphens
from kzru_reports.model import nodes as n
from kzru_reports.theme import Theme
from kzru_reports.writers.sheet import BODY, FieldLook, Sheet, TextStyle, sheet


@memo.cached(64, files=lambda path: (path,))
def _face(path: str) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(path, 100)


@memo.cached(4096, files=lambda text, font_path, size: (font_path,))
def text_width(text: str, font_path: str, size: float) -> float:
    """Advance width of ``text`` in points at ``size`` points (kept: the same labels,
    column heads and titles are measured in every document)."""
    return float(_face(font_path).getlength(text)) * size / 100


def fit_size(text: str, font_path: str, size: float, width: float, floor: float = 0.6) -> float:
    """The largest size up to ``size`` at which ``text`` fits in ``width`` points on one
    line, but no smaller than ``floor`` times ``size`` (then it wraps)."""
    needed = text_width(text, font_path, size)
    if needed <= width:
        return size
    return max(size * width / needed * 0.98, size * floor)


def ellipsize(text: str, font_path: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` points on one line (a binary
    search, so a very long title costs a few measurements, not one per character)."""
    text = text[:2000]  # far more than any line holds
    if text_width(text, font_path, size) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid] + "…", font_path, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"


def face_path(theme: Theme, style: TextStyle, bold: bool = False, italic: bool = False) -> str:
    """The font file a text style (made ``bold`` or ``italic`` by inline markup) sets
    its text in."""
    family = theme.body_font if style.font == BODY else theme.heading_font
    bold, italic = bold or style.bold, italic or style.italic
    file = {
        (False, False): family.regular,
        (True, False): family.bold,
        (False, True): family.italic,
    }.get((bold, italic), family.bold_italic)
    return str(theme.font_path(file))


# where a line may break: white space, but not the no-break spaces that hold a number
# to its unit or a one-letter word to the next ("20\u00a0млрд", "в\u00a0Россию")
_SPACE = re.compile(r"[^\S\u00a0\u202f\u2007]+")


def _runs(children: n.Inlines, bold: bool = False, italic: bool = False) -> Iterator[Any]:
    """(text, bold, italic) for each run of text; None for a line break."""
    for node in children:
        match node:
            case n.Text(text=t):
                yield t, bold, italic
            case n.Strong(children=c):
                yield from _runs(c, True, italic)
            case n.Emph(children=c):
                yield from _runs(c, bold, True)
            case n.Link(children=c):
                yield from _runs(c, bold, italic)
            case n.LineBreak():
                yield None


class Words:
    """Word widths measured once each: a table of thousands of rows repeats its words,
    so a table is measured in time that grows with its distinct words, not its text.
    One lives for one measurement (what it keeps is never stale)."""

    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        self._faces: dict[tuple[str, bool, bool, bool, str], str] = {}
        self._words: dict[tuple[str, str, float, str], tuple[float, float]] = {}
        self._stamps: dict[str, tuple[Any, ...]] = {}  # font file -> its identity, looked at once

    def _width(self, text: str, face: str, size: float) -> float:
        """``text_width``, the font file looked at once for the whole measurement."""
        stamp = self._stamps.get(face)
        if stamp is None:
            stamp = self._stamps[face] = (memo.file_key(face),)
        return text_width.stamped(stamp, text, face, size)  # type: ignore[attr-defined,no-any-return]

    def face(self, style: TextStyle, bold: bool, italic: bool) -> str:
        key = (style.font, style.bold, bold, italic, str(style.italic))
        if key not in self._faces:
            self._faces[key] = face_path(self.theme, style, bold, italic)
        return self._faces[key]

    def word(self, word: str, face: str, size: float, lang: str) -> tuple[float, float]:
        """(its width, its widest piece between hyphenation points with the hyphen)."""
        key = (word, face, size, lang)
        if key not in self._words:
            pieces = (soft_hyphens(word, lang) if lang else word).split(SOFT_HYPHEN)
            hyphen = self._width("-", face, size) if len(pieces) > 1 else 0.0
            widths = [self._width(p, face, size) for p in pieces]
            widest = max(w + (hyphen if i < len(widths) - 1 else 0.0) for i, w in enumerate(widths))
            whole = widths[0] if len(widths) == 1 else self._width(word, face, size)
            self._words[key] = (whole, widest)
        return self._words[key]


def text_extent(
    children: n.Inlines, theme: Theme, style: TextStyle, lang: str, words: Words | None = None
) -> tuple[float, float]:
    """(narrowest, widest) width ``children`` can be set in, in points, as both writers
    break lines: the widest piece of a word between two hyphenation points (with its
    hyphen), and the longest line when nothing wraps."""
    words = words or Words(theme)
    lang = lang if style.hyphenate else ""
    narrowest = widest = line = 0.0
    for run in _runs(children):
        if run is None:
            widest, line = max(widest, line), 0.0
            continue
        text, bold, italic = run
        face = words.face(style, bold, italic)
        space = words.word(" ", face, style.size, "")[0]
        line += space * len(_SPACE.findall(text))
        for word in _SPACE.split(text):
            if word:
                whole, piece = words.word(word, face, style.size, lang)
                line += whole
                narrowest = max(narrowest, piece)
    return narrowest, max(widest, line)


# Room added to every measured width: the writers' own measures (reportlab's, Word's,
# LibreOffice's) differ from ours by rounding, and a word one hundredth of a point too
# wide for its column would be cut.
SLACK = 1.02


@memo.cached(4)
def column_widths(table: n.Table, theme: Theme, width: float, lang: str) -> tuple[float, ...]:
    """The widths of a table's columns, in points, adding up to ``width`` (kept: the
    PDF and the DOCX of a document are written one after the other).

    The template's ``widths`` are the shares each column asks for; the content bounds
    them: no column is narrower than its widest unbreakable piece (so a word breaks
    only at a hyphenation point), none wider than its longest line (a one-word status
    column takes the width of its longest word). What one column gives up goes to the
    others by their shares. Only when the pieces cannot all fit is a column
    narrower than its widest piece (then held to its share)."""
    sh = sheet(theme)
    look = sh.tables[table.role]
    ncols = len(table.header) or max(len(r.cells) for r in table.rows)
    weights = list(table.widths) if len(table.widths) == ncols else [1.0] * ncols
    pad = look.padding[1] + look.padding[3]
    low, high = [pad] * ncols, [pad] * ncols
    rows = [(table.header, sh.text[look.head])] if table.header else []
    rows += [(r.cells, sh.text[look.text]) for r in table.rows if r.role != "group"]
    words = Words(theme)
    for cells, style in rows:
        for c, cell in enumerate(cells[:ncols]):
            a, b = text_extent(cell.children, theme, style, lang, words)
            low[c], high[c] = max(low[c], a * SLACK + pad), max(high[c], b * SLACK + pad)
    return tuple(distribute(width, weights, low, high))


def distribute(
    total: float, weights: Sequence[float], low: Sequence[float], high: Sequence[float]
) -> list[float]:
    """``total`` shared by ``weights``, each share kept between its ``low`` and its
    ``high`` where the totals allow (what is left over goes by weight)."""
    k = len(weights)
    if sum(low) > total:
        # not every piece fits (a word wider than the page): a column asking for more
        # than its share is held to its share, and breaks its word where it must
        fair = [total * w / sum(weights) for w in weights]
        low = [min(lo, f) for lo, f in zip(low, fair, strict=True)]
    high = [max(h, lo) for h, lo in zip(high, low, strict=True)]
    free = [True] * k  # columns whose width is still to be decided
    out = [0.0] * k
    left = total
    while any(free):
        share = sum(w for w, f in zip(weights, free, strict=True) if f) or 1.0
        want = [left * w / share if f else 0.0 for w, f in zip(weights, free, strict=True)]
        # fix the columns pushed against a bound, then share again what is left
        over = [i for i in range(k) if free[i] and want[i] > high[i]]
        under = [i for i in range(k) if free[i] and want[i] < low[i]]
        fixed = under or over
        if not fixed:
            for i in range(k):
                if free[i]:
                    out[i] = want[i]
            break
        for i in fixed:
            out[i] = low[i] if i in under else high[i]
            free[i] = False
            left -= out[i]
        if not any(free) and abs(left) > 0.01:  # every column at a bound: widen all
            extra = left / k
            out = [w + extra for w in out]
    return out


def label_width(labels: Sequence[str], look: FieldLook, sheet: Sheet, theme: Theme) -> float:
    """The label column of a field list: its widest label in capitals and the padding,
    at least ``look.label_min``, at most two fifths of the text width."""
    style = sheet.text[look.label]
    face = face_path(theme, style)
    widest = max((text_width(label.upper(), face, style.size) for label in labels), default=0)
    widest *= SLACK  # a label exactly as wide as its column is broken by rounding
    room = theme.text_width_mm * 72 / 25.4 * 0.4
    return min(max(widest + look.padding[1] + look.padding[3], look.label_min), room)
