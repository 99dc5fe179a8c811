"""Handling levels on the document model: fill them in, find the highest, mark portions.

A level is a name on an ordered scale (``Meta.scale``, lowest first). Templates tag
the nodes they make from data with the level of that data; ``settle`` gives every
node a level (an untagged node inherits its container's, an untagged block the
caller's ``fallback``), so that writers can ask any block, and so any page, how high
its content goes; with the words of a marking scheme it also puts the portion marks.
Nothing here knows what a level means or how a format draws it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from kzru_reports.model import nodes as n


class UnknownLevel(ValueError):
    """A node names a level that is not on the document's scale."""


FRAME = "frame"  # a tag meaning "the level of the document's frame", never portion-marked


def settle(
    doc: n.Document,
    scale: Sequence[str],
    fallback: str,
    marks: Mapping[str, str] | None = None,
) -> n.Document:
    """``doc`` with a level on every levelled node and on ``meta.handling``, and with
    portion marks when ``marks`` (level -> word) is given.

    An untagged item (list item, row, key figure, bar, a quote's paragraph) takes its
    container's level; an untagged block takes ``fallback``, which should be the
    highest level the document could hold, so that a template that tags nothing is
    marked too high, never too low. A node tagged ``frame`` (a kicker, a dateline)
    takes the frame's level and no portion mark. A level not on ``scale`` raises
    ``UnknownLevel``.

    Portion marks start each paragraph, list item, table row (its first left-aligned
    cell), quote paragraph, key figure and bar with the word of its level, as visible
    text (a copied portion keeps its mark). Headings, field lists and table headers
    are left as they are.
    """
    known = set(scale)
    words = marks or {}
    frame = doc.meta.handling or fallback
    if frame not in known:
        raise UnknownLevel(f"unknown handling level {frame!r} (levels: {', '.join(scale)})")

    def pick(own: str, parent: str) -> tuple[str, str]:
        """(level, portion word) of a node tagged ``own`` inside ``parent``."""
        if own == FRAME:
            return frame, ""
        if own and own not in known:
            raise UnknownLevel(f"unknown handling level {own!r} (levels: {', '.join(scale)})")
        level = own or parent
        return level, words.get(level, "")

    def lead(children: n.Inlines, word: str) -> n.Inlines:
        return (n.Text(f"{word} "), *children) if word and children else children

    def labelled(items: tuple[Any, ...], parent: str) -> tuple[Any, ...]:
        """Key figures or bars, each with its level and its mark before its label."""
        out = []
        for k in items:
            level, word = pick(k.handling, parent)
            text = f"{word} {k.label}" if word and k.label else k.label
            out.append(replace(k, handling=level, label=text))
        return tuple(out)

    def item(i: n.ListItem, parent: str) -> n.ListItem:
        level, word = pick(i.handling, parent)
        sub = block(i.sublist, level) if i.sublist is not None else None
        return replace(i, handling=level, children=lead(i.children, word), sublist=sub)  # type: ignore[arg-type]

    def row(r: n.Row, parent: str) -> n.Row:
        level, word = pick(r.handling, parent)
        cells = list(r.cells)
        if cells and word:  # in the first text cell: a narrow number column would wrap
            at = next((i for i, c in enumerate(cells) if c.align == "left"), 0)
            cells[at] = replace(cells[at], children=lead(cells[at].children, word))
        return replace(r, handling=level, cells=tuple(cells))

    def block(b: Any, parent: str) -> Any:
        if isinstance(b, n.PageBreak):
            return b
        level, word = pick(b.handling, parent)
        match b:
            case n.Paragraph():
                return replace(b, handling=level, children=lead(b.children, word))
            case n.List(items=items):
                return replace(b, handling=level, items=tuple(item(i, level) for i in items))
            case n.Quote(children=paras):
                return replace(b, handling=level, children=tuple(block(p, level) for p in paras))
            case n.KeyFigures(items=items):
                return replace(b, handling=level, items=labelled(items, level))
            case n.BarChart(bars=bars):
                return replace(b, handling=level, bars=labelled(bars, level))
            case n.Table(rows=rows):
                return replace(b, handling=level, rows=tuple(row(r, level) for r in rows))
        return replace(b, handling=level)

    return replace(
        doc,
        meta=replace(doc.meta, handling=frame),
        body=tuple(block(b, fallback) for b in doc.body),
    )


def levels_in(block: Any) -> Iterable[str]:
    """Every level a block (or list item, row...) holds, itself included."""
    own = getattr(block, "handling", "")
    if own:
        yield own
    for child in _children(block):
        yield from levels_in(child)


def _children(node: Any) -> Iterable[Any]:
    match node:
        case n.List(items=items):
            return items
        case n.ListItem(sublist=sub):
            return (sub,) if sub is not None else ()
        case n.Quote(children=paras):
            return paras
        case n.KeyFigures(items=items):
            return items
        case n.BarChart(bars=bars):
            return bars
        case n.Table(rows=rows):
            return rows
    return ()


def highest(levels: Iterable[str], scale: Sequence[str]) -> str:
    """The highest of ``levels`` on ``scale`` (its lowest when there are none)."""
    rank = {name: i for i, name in enumerate(scale)}
    return max(levels, key=lambda name: rank.get(name, len(scale)), default=scale[0])


def document_level(doc: n.Document, scale: Sequence[str]) -> str:
    """The highest level of anything in a settled document, its frame included."""
    return highest([doc.meta.handling, *(lv for b in doc.body for lv in levels_in(b))], scale)


def marking_word(meta: n.Meta, level: str) -> str:
    """The word that marks ``level`` on ``meta``'s scale (``meta.marking`` without one)."""
    return dict(meta.scale).get(level, meta.marking)


def page_marking(meta: n.Meta, levels: Iterable[str]) -> str:
    """The marking of a page that shows the frame of ``meta`` and content of ``levels``:
    the word of the highest of them (``meta.marking`` for a document without a scale)."""
    if not meta.scale:
        return meta.marking
    scale = [name for name, _ in meta.scale]
    return marking_word(meta, highest([lv for lv in (meta.handling, *levels) if lv], scale))
