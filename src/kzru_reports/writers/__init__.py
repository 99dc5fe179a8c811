"""The writer registry: the only place that knows output format names.

A writer takes a theme and turns a ``Document`` into bytes. Each format is one
package that declares itself (``FORMAT``: name, extension, whether it is paged);
adding a format is adding a package and naming it in ``FORMATS``. Writers are
imported on first use, so commands that write nothing never load reportlab or
python-docx.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import threading
from collections.abc import Iterator
from typing import cast

from kzru_reports import memo
from kzru_reports.model.nodes import Document, Pack
from kzru_reports.theme import Theme
from kzru_reports.writers import docx, pdf
from kzru_reports.writers.base import Format, PagedWriter, Writer

# every known format, each declared by its package; the first paged one paginates packs
FORMATS: dict[str, Format] = {f.name: f for f in (pdf.FORMAT, docx.FORMAT)}
DEFAULT_FORMATS: tuple[str, ...] = ("docx", "pdf")  # built when none is asked for, in order
PAGINATOR = next(f.name for f in FORMATS.values() if f.paged)


def extension(fmt: str) -> str:
    """The file name extension of format ``fmt``'s outputs."""
    return FORMATS[fmt].extension


@memo.cached(16, files=lambda fmt, theme: memo.theme_files(theme))
def get_writer(fmt: str, theme: Theme) -> Writer:
    try:
        module, cls = FORMATS[fmt].writer.split(":")
    except KeyError:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})") from None
    return getattr(importlib.import_module(module), cls)(theme)  # type: ignore[no-any-return]


def _paged(fmt: str, theme: Theme) -> PagedWriter:
    return cast(PagedWriter, get_writer(fmt, theme))


def paginate(pack: Pack, theme: Theme) -> Pack:
    """The pack with page numbers in its contents, as the paginating writer laid it
    out (other formats quote them, e.g. as a DOCX's cached page references)."""
    from kzru_reports.packs import with_pages

    _, pages = _paged(PAGINATOR, theme).layout_pack(pack)
    return with_pages(pack, pages)


def count_pages(fmt: str, theme: Theme, data: bytes) -> int | None:
    """Pages of a written file, where its format fixes them (None for a format that is
    not paged, as DOCX, whose pages the reader's word processor lays out)."""
    return _paged(fmt, theme).count_pages(data) if FORMATS[fmt].paged else None


def render(fmt: str, theme: Theme, model: Document | Pack) -> bytes:
    """``model`` written in format ``fmt``."""
    writer = get_writer(fmt, theme)
    with fewer_collections():
        if isinstance(model, Pack):
            return writer.render_pack(model if FORMATS[fmt].paged else paginate(model, theme))
        return writer.render(model)


# Python's cycle collector thresholds while documents are made (see fewer_collections);
# a worker process, which does nothing else, keeps them for its whole life
RENDERING_GC = (50_000, 20, 100)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
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
            gc.set_threshold(*RENDERING_GC)
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
