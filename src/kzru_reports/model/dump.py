"""A canonical plain-text dump of the document model: what tests compare, and the
visible text of inline nodes that writers measure and bookmark."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from kzru_reports.model import nodes as n


def inline_text(children: n.Inlines) -> str:
    """The visible text of inline nodes, as a reader would see it."""
    out: list[str] = []
    for node in children:
        match node:
            case n.Text(text=text):
                out.append(text)
            case n.Strong(children=c) | n.Emph(children=c) | n.Link(children=c):
                out.append(inline_text(c))
            case n.LineBreak():
                out.append("\n")
            case n.PageRef(page=page):
                out.append(str(page) if page is not None else "?")
            case _:
                raise TypeError(f"unknown inline node {type(node).__name__}")
    return "".join(out)


def block_lines(block: n.Block, indent: str = "") -> Iterator[str]:
    rule = RULES.get(type(block))
    if rule is None:
        raise TypeError(f"dump: no rule for block node {type(block).__name__}")
    return rule(block, indent)


def _heading(h: n.Heading, indent: str) -> Iterator[str]:
    yield f"{indent}{'#' * h.level} {inline_text(h.children)}"


def _paragraph(p: n.Paragraph, indent: str) -> Iterator[str]:
    yield f"{indent}{f'[{p.role}] ' if p.role else ''}{inline_text(p.children)}"


def _list(lst: n.List, indent: str) -> Iterator[str]:
    for i, item in enumerate(lst.items, 1):
        yield f"{indent}{f'{i}.' if lst.ordered else '-'} {inline_text(item.children)}"
        if item.sublist:
            yield from _list(item.sublist, indent + "  ")


def _quote(q: n.Quote, indent: str) -> Iterator[str]:
    for p in q.children:
        yield f"{indent}> {inline_text(p.children)}"
    if q.attribution:
        yield f"{indent}> -- {inline_text(q.attribution)}"


def _fieldlist(fl: n.FieldList, indent: str) -> Iterator[str]:
    for f in fl.fields:
        yield f"{indent}{inline_text(f.label)}: {inline_text(f.value)}"


def _keyfigures(kf: n.KeyFigures, indent: str) -> Iterator[str]:
    for k in kf.items:
        value = f"{k.qualifier} {k.value}" if k.qualifier else k.value
        yield f"{indent}[{value}] {k.label}{f' ({k.note})' if k.note else ''}"


def _barchart(chart: n.BarChart, indent: str) -> Iterator[str]:
    yield f"{indent}chart: {chart.title}"
    for b in chart.bars:
        target = f" / {b.target_text}" if b.target is not None else ""
        reading = f" ({b.reading})" if b.reading else ""
        yield f"{indent}  {b.label}: {b.value_text}{target}{reading}"
    if chart.note:
        yield f"{indent}  {chart.note}"


def _table(t: n.Table, indent: str) -> Iterator[str]:
    yield indent + " | ".join(inline_text(c.children) for c in t.header)
    for row in t.rows:
        cells = " | ".join(inline_text(c.children) for c in row.cells)
        yield f"{indent}{'== ' if row.role == 'group' else ''}{cells}"


def _pagebreak(_: n.PageBreak, indent: str) -> Iterator[str]:
    yield f"{indent}----"


# block node type -> its rule (tests/test_structure.py checks every type has one)
RULES: dict[type, Callable[[Any, str], Iterator[str]]] = {
    n.Heading: _heading,
    n.Paragraph: _paragraph,
    n.List: _list,
    n.Quote: _quote,
    n.FieldList: _fieldlist,
    n.KeyFigures: _keyfigures,
    n.BarChart: _barchart,
    n.Table: _table,
    n.PageBreak: _pagebreak,
}


def dump(doc: n.Document) -> str:
    """The whole document as text: one line per paragraph, row, list item or field."""
    lines = [f"title: {doc.meta.title}", f"marking: {doc.meta.marking}"]
    for block in doc.body:
        lines.extend(block_lines(block))
    return "\n".join(lines) + "\n"
