"""Putting documents together into a pack: anchors unique across the pack, a contents
entry for each part and its sections, page numbers filled in from a pagination."""

from __future__ import annotations

from kzru_reports.model import nodes as n
from kzru_reports.packs import compose, with_pages


def part(name: str, *headings: tuple[int, str, str]) -> n.Document:
    body = tuple(n.Heading(level, (n.Text(title),), hid) for level, title, hid in headings)
    return n.Document(n.Meta(title=name.title()), body, name)


def test_the_contents_lists_each_part_and_its_sections() -> None:
    cover = n.Document(n.Meta(title="Pack"), (), "pack")
    memo = part("memo", (1, "Memo", ""), (2, "Summary", "summary"), (3, "Detail", ""))
    sheet = part("factsheet", (1, "Facts", ""), (2, "Summary", "summary"))
    pack = compose(cover, [memo, sheet], "Contents")
    assert pack.contents_title == "Contents" and pack.cover is cover
    assert [(e.title, e.level, e.anchor) for e in pack.contents] == [
        ("Memo", 1, "memo"),
        ("Summary", 2, "memo-summary"),
        ("Factsheet", 1, "factsheet"),
        ("Summary", 2, "factsheet-summary"),
    ]
    ids = [b.id for p in pack.parts for b in p.body if isinstance(b, n.Heading)]
    assert len(ids) == len(set(ids))  # the same section id in two parts stays apart
    assert ids[0] == "memo" and ids[3] == "factsheet"  # a part's title is its anchor


def test_repeated_ids_in_one_part_are_made_unique() -> None:
    memo = part("memo", (2, "A", "x"), (2, "B", "x"), (2, "C", "x"))
    pack = compose(n.Document(n.Meta(title="P"), ()), [memo], "Contents")
    anchors = [e.anchor for e in pack.contents if e.level == 2]
    assert anchors == ["memo-x", "memo-x-x", "memo-x-x-x"]


def test_pages_come_from_a_pagination() -> None:
    pack = compose(n.Document(n.Meta(title="P"), ()), [part("memo", (1, "M", ""))], "C")
    assert [e.page for e in pack.contents] == [None]
    paged = with_pages(pack, {"memo": 3, "elsewhere": 9})
    assert [e.page for e in paged.contents] == [3]
    assert paged.parts == pack.parts
