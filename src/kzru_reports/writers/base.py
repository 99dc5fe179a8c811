"""What every writer is and declares (no format names here: see ``writers/__init__``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, get_args

from kzru_reports.model import nodes as n
from kzru_reports.model.nodes import Document, Pack


@dataclass(frozen=True)
class Format:
    """A writer's declaration, read without importing the writer itself.

    ``paged`` writers lay out their own pages: they count them in a written file and
    number a pack's contents from their layout (``PagedWriter``); the others quote
    the page numbers of the first paged format (as a DOCX's cached page references).
    """

    name: str  # as the command line and the configuration name it
    extension: str  # of its output files, without the dot
    paged: bool
    writer: str  # "module:Class", imported on first use


class Writer(Protocol):
    def __init__(self, theme: object) -> None: ...

    def render(self, doc: Document) -> bytes: ...

    def render_pack(self, pack: Pack) -> bytes: ...

    def warm(self, langs: Sequence[str] = (), resident: bool = False) -> None:
        """Load now what the first document would load on the way (a build does this
        before forking its workers, so that none of them loads it again); ``langs``:
        the language tags (``ru-RU``) of the documents to come. ``resident``: the
        process lives on to make many documents (a service, a watcher), so also load
        what only some documents need; a build leaves that to the worker that needs
        it, which loads it while the other works."""


class PagedWriter(Writer, Protocol):
    def count_pages(self, data: bytes) -> int:
        """Pages of a file this writer made."""

    def layout_pack(self, pack: Pack) -> tuple[bytes, dict[str, int]]:
        """The pack written, and the page on which each of its anchors landed."""


def language(meta: n.Meta) -> str:
    """The language of a document (``ru`` for ``ru-RU``), which decides hyphenation."""
    return (meta.lang or "en").split("-")[0].lower()


def block_rules(translator: type) -> dict[type, Callable[..., Any]]:
    """A writer's rule for each block node type: the translator's method named for it
    (``_heading`` for ``Heading``), looked up once, when the writer is imported. A node
    type without one fails there, loudly (``tests/test_structure.py`` checks it)."""
    return {node: getattr(translator, f"_{node.__name__.lower()}") for node in get_args(n.Block)}
