"""Putting documents together into a briefing pack: unique anchors, contents, and the
page references between its parts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass, replace
from typing import Any

from kzru_reports.errors import TemplateError
from kzru_reports.model import nodes as n
from kzru_reports.model.dump import inline_text


def compose(cover: n.Document, parts: list[n.Document], contents_title: str) -> n.Pack:
    """A pack of ``parts`` behind ``cover``; every heading gets an id unique in the pack,
    the contents lists each part and its second-level sections, and every page
    reference (``<pageref to="DOC#id">``) points at the anchor its heading now has."""
    entries: list[n.ContentsEntry] = []
    anchored = []
    targets: dict[tuple[str, str], str] = {}
    for part in parts:
        body, sections, ids = _anchor(part)
        targets.update({(part.name, old): new for old, new in ids.items()})
        targets[(part.name, "")] = part.name
        entries.append(n.ContentsEntry(part.meta.title, 1, f"{part.name}"))
        entries += [n.ContentsEntry(title, 2, anchor) for title, anchor in sections]
        anchored.append(replace(part, body=body))
    refs: set[str] = set()
    resolved = []
    for part in anchored:
        if not part.refers:
            resolved.append(part)
            continue

        def point(ref: n.PageRef, here: str = part.name) -> n.PageRef:
            anchor = _target(ref.anchor, here, targets)
            refs.add(anchor)
            return replace(ref, anchor=anchor)

        resolved.append(replace(part, body=map_refs(part.body, point)))
    return n.Pack(
        cover=cover,
        parts=tuple(resolved),
        contents_title=contents_title,
        contents=tuple(entries),
        refs=tuple(sorted(refs)),
    )


def standalone(doc: n.Document) -> n.Document:
    """A document built on its own: it may not refer to pages of a pack it is not in."""

    def refuse(ref: n.PageRef) -> n.PageRef:
        raise TemplateError(
            f"{doc.name}: <pageref to={ref.anchor!r}> refers to a page of a pack, but this "
            "document is built on its own: give page references only where `pack` is set",
            doc.name,
        )

    if doc.refers:
        map_refs(doc.body, refuse)
    return doc


def _target(to: str, here: str, targets: dict[tuple[str, str], str]) -> str:
    """The pack anchor of a reference: ``id`` (a heading of the same part, else the
    part named so), ``DOC#id`` (a heading of part DOC) or ``DOC`` (its start)."""
    doc, _, ident = to.rpartition("#")
    key = (doc, ident) if doc else (here, ident)
    if key in targets:
        return targets[key]
    if not doc and (ident, "") in targets:
        return targets[(ident, "")]
    known = ", ".join(sorted(f"{d}#{i}" if i else d for d, i in targets))
    raise TemplateError(
        f"{here}: <pageref to={to!r}>: no heading of the pack has that id (ids: {known})", here
    )


def _anchor(
    part: n.Document,
) -> tuple[tuple[n.Block, ...], list[tuple[str, str]], dict[str, str]]:
    body: list[n.Block] = []
    sections: list[tuple[str, str]] = []
    ids: dict[str, str] = {}
    used: set[str] = set()
    for i, block in enumerate(part.body):
        if isinstance(block, n.Heading):
            anchor = f"{part.name}-{block.id or f's{i}'}"
            while anchor in used:
                anchor += "-x"
            used.add(anchor)
            if block.level == 1 and not sections and part.name not in used:
                anchor = part.name  # the part's title heading is the part's anchor
                used.add(anchor)
            if block.id:
                ids.setdefault(block.id, anchor)
            block = replace(block, id=anchor)
            if block.level == 2:
                sections.append((inline_text(block.children), anchor))
        body.append(block)
    return tuple(body), sections, ids


def with_pages(pack: n.Pack, pages: dict[str, int]) -> n.Pack:
    """The pack with each contents entry's page, and each page reference's, filled in
    from a pagination."""
    parts = pack.parts
    if pack.refers:

        def fill(ref: n.PageRef) -> n.PageRef:
            return replace(ref, page=pages.get(ref.anchor))

        parts = tuple(replace(p, body=map_refs(p.body, fill)) if p.refers else p for p in parts)
    return replace(
        pack,
        parts=parts,
        contents=tuple(replace(e, page=pages.get(e.anchor)) for e in pack.contents),
    )


def map_refs(
    body: tuple[n.Block, ...], fn: Callable[[n.PageRef], n.PageRef]
) -> tuple[n.Block, ...]:
    """``body`` with ``fn`` applied to every page reference in it, at any depth (list
    items, table cells, fields, quotations, bold and linked text); what holds none is
    returned as it is, not copied."""
    return tuple(_map(block, fn) for block in body)


def _map(node: Any, fn: Callable[[n.PageRef], n.PageRef]) -> Any:
    if isinstance(node, n.PageRef):
        return fn(node)
    if isinstance(node, tuple):
        out = tuple(_map(x, fn) for x in node)
        return node if all(a is b for a, b in zip(out, node, strict=True)) else out
    if not is_dataclass(node) or isinstance(node, n.Text | n.KeyFigures | n.BarChart):
        return node  # text, and blocks that hold no inline nodes
    changed = {}
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, tuple | n.List | n.Paragraph) or is_dataclass(value):
            new = _map(value, fn)
            if new is not value:
                changed[f.name] = new
    return replace(node, **changed) if changed else node
