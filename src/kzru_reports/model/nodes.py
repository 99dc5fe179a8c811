"""The neutral document model: a closed set of frozen node types.

Templates produce it; writers consume it. It knows nothing of visits and nothing of
output formats. The one extension point is ``role``, a name from the closed list
``ROLES`` that each writer maps to an appearance (as pandoc's classes or Word's
paragraph styles). A new node type needs a rule in every writer and in ``dump``
(``tests/test_structure.py`` checks it).

Handling levels are generic too: a block, list item, table row, key figure or bar may
carry ``handling``, the name of a level on its document's ``Meta.scale`` (the ordered
handling levels, lowest first, each with the word that marks it). The model does not
know what the levels mean; ``model.levels`` fills in untagged nodes and finds the
highest level of a document, a page or any part of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# ------------------------------------------------------------------ inlines


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Strong:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Emph:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Link:
    """A hyperlink. Templating makes one only of an http(s) or mailto address (any other
    ``href`` stays plain text); the node itself does not check."""

    children: tuple[Inline, ...]
    url: str


@dataclass(frozen=True, slots=True)
class LineBreak:
    pass


@dataclass(frozen=True, slots=True)
class PageRef:
    """The number of the page ``anchor`` (a heading's id) is on, linked to it: the "9"
    of "see Agreement summary, p. 9". ``page`` is filled in once the document is laid
    out (``packs.with_pages``); a writer that paginates lays the document out again
    with it, and one that does not (DOCX) writes a field the word processor updates,
    showing ``page`` until then."""

    anchor: str
    page: int | None = None


Inline = Text | Strong | Emph | Link | LineBreak | PageRef
Inlines = tuple[Inline, ...]

# ------------------------------------------------------------------ blocks


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    children: Inlines
    id: str = ""
    role: str = ""
    handling: str = ""


@dataclass(frozen=True, slots=True)
class Paragraph:
    children: Inlines
    role: str = ""
    handling: str = ""


@dataclass(frozen=True, slots=True)
class ListItem:
    children: Inlines
    sublist: List | None = None
    handling: str = ""


@dataclass(frozen=True, slots=True)
class List:
    items: tuple[ListItem, ...]
    ordered: bool = False
    role: str = ""
    handling: str = ""


@dataclass(frozen=True, slots=True)
class Quote:
    """A quotation set apart from the prose, with who said it and where."""

    children: tuple[Paragraph, ...]
    attribution: Inlines = ()
    handling: str = ""


@dataclass(frozen=True, slots=True)
class Field:
    label: Inlines
    value: Inlines


@dataclass(frozen=True, slots=True)
class FieldList:
    """Label / value pairs: a memo's header block, a cover's details."""

    fields: tuple[Field, ...]
    role: str = ""
    handling: str = ""


@dataclass(frozen=True, slots=True)
class KeyFigure:
    value: str
    label: str
    note: str = ""
    qualifier: str = ""  # "more than", set small above the number
    handling: str = ""


@dataclass(frozen=True, slots=True)
class KeyFigures:
    """Large numbers with a one-line label: the tiles of a fact sheet."""

    items: tuple[KeyFigure, ...]
    handling: str = ""


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    target: float | None = None
    value_text: str = ""
    target_text: str = ""
    handling: str = ""
    better: str = "higher"  # or "lower": a time, a cost, a tariff to cut
    reading: str = ""  # the bar in words: value, target, what is left to go or to cut


@dataclass(frozen=True, slots=True)
class BarChart:
    """Horizontal bars, each value drawn against its target when it has one."""

    bars: tuple[Bar, ...]
    title: str = ""
    value_label: str = ""
    target_label: str = ""
    handling: str = ""
    note: str = ""  # under the chart: how to read it


@dataclass(frozen=True, slots=True)
class Cell:
    children: Inlines
    align: str = "left"


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[Cell, ...]
    role: str = ""  # "group": a heading row across all columns
    handling: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    """A table the width of the text block; ``widths`` are relative column widths."""

    header: tuple[Cell, ...]
    rows: tuple[Row, ...]
    widths: tuple[float, ...] = ()
    role: str = ""
    handling: str = ""


@dataclass(frozen=True, slots=True)
class PageBreak:
    pass


Block = Heading | Paragraph | List | Quote | FieldList | KeyFigures | BarChart | Table | PageBreak

# The closed list of roles: for each node type that takes one, the names a template
# may give it ("" is the plain look). Templating refuses any other where the markup is
# parsed; every writer gives each of them its look (``writers/sheet.py``).
ROLES: dict[type, tuple[str, ...]] = {
    Heading: ("", "cover"),
    Paragraph: ("", "lead", "kicker", "dateline", "sources", "cover-kicker"),
    List: ("", "sources"),
    FieldList: ("", "header", "cover"),
    Table: ("", "grid", "compact"),
    Row: ("", "group"),
}

# ------------------------------------------------------------------ document


@dataclass(frozen=True, slots=True)
class Meta:
    """What a document says about itself: properties, running header and footer."""

    title: str
    subject: str = ""
    keywords: tuple[str, ...] = ()
    author: str = ""
    marking: str = ""  # the word of the document's level, on headers and properties
    handling: str = ""  # the level of what every page shows (title, running footer)
    scale: tuple[tuple[str, str], ...] = ()  # (level, marking word), lowest first
    audience: str = ""
    lang: str = "en"
    date: str = ""
    footer: str = ""
    page_label: str = "Page {page} of {pages}"
    created: datetime | None = None  # stamped into file properties; None: a fixed epoch

    @property
    def document_title(self) -> str:
        """The title file properties carry: what the document is and what it is about
        ("Briefing pack: State visit ..."), not only the kind of document."""
        if self.subject and self.subject != self.title:
            return f"{self.title}: {self.subject}"
        return self.title


@dataclass(frozen=True, slots=True)
class Document:
    meta: Meta
    body: tuple[Block, ...]
    name: str = ""
    refers: bool = False  # holds a ``PageRef`` (only a part of a pack may)


@dataclass(frozen=True, slots=True)
class ContentsEntry:
    """One line of a pack's contents: a part (level 1) or a section in it (level 2)."""

    title: str
    level: int
    anchor: str
    page: int | None = None


@dataclass(frozen=True, slots=True)
class Pack:
    """A cover and contents, then several documents with continuous page numbers.

    ``cover`` is a document whose meta describes the whole pack; each part keeps its
    own meta (running footer, marking). Heading ids are unique across the pack, so
    ``contents`` can point at them; ``page`` is filled in once the pack is paginated.
    """

    cover: Document
    parts: tuple[Document, ...]
    contents_title: str
    contents: tuple[ContentsEntry, ...] = field(default_factory=tuple)
    # the anchors the parts' ``PageRef``s point at: a paginating writer first finds
    # their pages, then lays the pack out with them
    refs: tuple[str, ...] = ()

    @property
    def refers(self) -> bool:
        return bool(self.refs)

    @property
    def meta(self) -> Meta:
        return self.cover.meta
