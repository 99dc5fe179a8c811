"""Putting documents together into a briefing pack: unique anchors and contents."""

from __future__ import annotations

from dataclasses import replace

from kzru_reports.model import nodes as n
from kzru_reports.model.dump import inline_text


def compose(cover: n.Document, parts: list[n.Document], contents_title: str) -> n.Pack:
    """A pack of ``parts`` behind ``cover``; every heading gets an id unique in the pack,
    and the contents lists each part and its second-level sections."""
    entries: list[n.ContentsEntry] = []
    anchored = []
    for part in parts:
        body, sections = _anchor(part)
        entries.append(n.ContentsEntry(part.meta.title, 1, f"{part.name}"))
        entries += [n.ContentsEntry(title, 2, anchor) for title, anchor in sections]
        anchored.append(replace(part, body=body))
    return n.Pack(
        cover=cover, parts=tuple(anchored), contents_title=contents_title, contents=tuple(entries)
    )


def _anchor(part: n.Document) -> tuple[tuple[n.Block, ...], list[tuple[str, str]]]:
    body: list[n.Block] = []
    sections: list[tuple[str, str]] = []
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
            block = replace(block, id=anchor)
            if block.level == 2:
                sections.append((inline_text(block.children), anchor))
        body.append(block)
    return tuple(body), sections


def with_pages(pack: n.Pack, pages: dict[str, int]) -> n.Pack:
    """The pack with each contents entry's page filled in from a pagination."""
    return replace(
        pack, contents=tuple(replace(e, page=pages.get(e.anchor)) for e in pack.contents)
    )
