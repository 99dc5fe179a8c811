"""The writer registry: the only place that knows output format names.

A writer takes a theme and turns a ``Document`` into bytes; modules are imported on
first use, so commands that write nothing never load reportlab or python-docx.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import threading
from collections.abc import Iterator, Sequence
from typing import Protocol

from kzru_reports import memo
from kzru_reports.model.nodes import Document, Pack
from kzru_reports.theme import Theme


class Writer(Protocol):
    extension: str

    def render(self, doc: Document) -> bytes: ...

    def render_pack(self, pack: Pack) -> bytes: ...

    def count_pages(self, data: bytes) -> int | None: ...

    def warm(self, langs: Sequence[str] = ()) -> None:
        """Load now what the first document would load on the way (a build does this
        before forking its workers, so that none of them loads it again); ``langs``:
        the language tags (``ru-RU``) of the documents to come."""


# format name -> (module, class)
FORMATS: dict[str, tuple[str, str]] = {
    "pdf": ("kzru_reports.writers.pdf", "PdfWriter"),
    "docx": ("kzru_reports.writers.docx", "DocxWriter"),
}
FORMAT_NAMES: tuple[str, ...] = ("docx", "pdf")  # the default set, in build order


@memo.cached(16, files=lambda fmt, theme: memo.theme_files(theme))
def get_writer(fmt: str, theme: Theme) -> Writer:
    try:
        module, cls = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})") from None
    return getattr(importlib.import_module(module), cls)(theme)  # type: ignore[no-any-return]


PAGINATOR = "pdf"  # the writer whose layout gives a pack's contents its page numbers


def paginate(pack: Pack, theme: Theme) -> Pack:
    """The pack with page numbers in its contents, as the paginating writer laid it
    out (other formats quote them, e.g. as a DOCX's cached page references)."""
    from kzru_reports.packs import with_pages

    _, pages = get_writer(PAGINATOR, theme).layout_pack(pack)  # type: ignore[attr-defined]
    return with_pages(pack, pages)


def count_pages(fmt: str, theme: Theme, data: bytes) -> int | None:
    """Pages of a written file, where its format fixes them (None for DOCX, whose
    pages are laid out by the reader's word processor)."""
    return get_writer(fmt, theme).count_pages(data)


def render(fmt: str, theme: Theme, model: Document | Pack) -> bytes:
    """``model`` written in format ``fmt``."""
    writer = get_writer(fmt, theme)
    with fewer_collections():
        if isinstance(model, Pack):
            return writer.render_pack(model if fmt == PAGINATOR else paginate(model, theme))
        return writer.render(model)


@contextlib.contextmanager
def fewer_collections(first: int = 50_000, then: tuple[int, int] = (20, 100)) -> Iterator[None]:
    """Run Python's cycle collector less often for a while.

    Writing a document makes millions of small objects (flowables, line fragments,
    XML elements) that live until the file is done. The collector, which by default
    runs every 700 new objects and then re-examines the survivors, spent a fifth of
    the time of a large build doing so. Reference counting still frees memory as
    usual; only the search for reference cycles waits longer. The setting is the
    process's: with several threads inside, the first in sets it and the last out
    puts back what was there before."""
    global _COLLECTING_LESS, _SAVED_THRESHOLD
    with _GC_LOCK:
        if _COLLECTING_LESS == 0:
            _SAVED_THRESHOLD = gc.get_threshold()
            gc.set_threshold(first, *then)
        _COLLECTING_LESS += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _COLLECTING_LESS -= 1
            if _COLLECTING_LESS == 0:
                gc.set_threshold(*_SAVED_THRESHOLD)


_GC_LOCK = threading.Lock()
_COLLECTING_LESS = 0  # callers inside fewer_collections now
_SAVED_THRESHOLD = gc.get_threshold()
