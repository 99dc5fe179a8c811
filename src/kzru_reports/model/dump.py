"""A canonical plain-text dump of the document model, for tests and ``--debug``."""

from __future__ import annotations

from collections.abc import Iterator

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
            case _:
                raise TypeError(f"unknown inline node {type(node).__name__}")
    return "".join(out)


def block_lines(block: n.Block, indent: str = "") -> Iterator[str]:
    match block:
        case n.Heading(level=level, children=c):
            yield f"{indent}{'#' * level} {inline_text(c)}"
        case n.Paragraph(children=c, role=role):
            yield f"{indent}{f'[{role}] ' if role else ''}{inline_text(c)}"
        case n.List(items=items, ordered=ordered):
            for i, item in enumerate(items, 1):
                yield f"{indent}{f'{i}.' if ordered else '-'} {inline_text(item.children)}"
                if item.sublist:
                    yield from block_lines(item.sublist, indent + "  ")
        case n.Quote(children=paras, attribution=attr):
            for p in paras:
                yield f"{indent}> {inline_text(p.children)}"
            if attr:
                yield f"{indent}> -- {inline_text(attr)}"
        case n.FieldList(fields=fields):
            for f in fields:
                yield f"{indent}{inline_text(f.label)}: {inline_text(f.value)}"
        case n.KeyFigures(items=items):
            for k in items:
                value = f"{k.qualifier} {k.value}" if k.qualifier else k.value
                yield f"{indent}[{value}] {k.label}{f' ({k.note})' if k.note else ''}"
        case n.BarChart(bars=bars, title=title, note=note):
            yield f"{indent}chart: {title}"
            for b in bars:
                target = f" / {b.target_text}" if b.target is not None else ""
                reading = f" ({b.reading})" if b.reading else ""
                yield f"{indent}  {b.label}: {b.value_text}{target}{reading}"
            if note:
                yield f"{indent}  {note}"
        case n.Table(header=header, rows=rows):
            yield indent + " | ".join(inline_text(c.children) for c in header)
            for row in rows:
                cells = " | ".join(inline_text(c.children) for c in row.cells)
                yield f"{indent}{'== ' if row.role == 'group' else ''}{cells}"
        case n.PageBreak():
            yield f"{indent}----"
        case _:
            raise TypeError(f"unknown block node {type(block).__name__}")


def dump(doc: n.Document) -> str:
    """The whole document as text: one line per paragraph, row, list item or field."""
    lines = [f"title: {doc.meta.title}", f"marking: {doc.meta.marking}"]
    for block in doc.body:
        lines.extend(block_lines(block))
    return "\n".join(lines) + "\n"
