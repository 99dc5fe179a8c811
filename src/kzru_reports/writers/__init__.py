"""The writer registry: the only place that knows output format names.

A writer takes a theme and turns a ``Document`` into bytes; modules are imported on
first use, so commands that write nothing never load reportlab or python-docx.
"""

from __future__ import annotations

import functools
import importlib
from typing import Protocol

from kzru_reports.model.nodes import Document, Pack
from kzru_reports.theme import Theme


class Writer(Protocol):
    extension: str

    def render(self, doc: Document) -> bytes: ...

    def render_pack(self, pack: Pack) -> bytes: ...


# format name -> (module, class)
FORMATS: dict[str, tuple[str, str]] = {
    "pdf": ("kzru_reports.writers.pdf", "PdfWriter"),
    "docx": ("kzru_reports.writers.docx", "DocxWriter"),
}


@functools.cache
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


def render(fmt: str, theme: Theme, model: Document | Pack) -> bytes:
    """``model`` written in format ``fmt``."""
    writer = get_writer(fmt, theme)
    if isinstance(model, Pack):
        return writer.render_pack(model if fmt == PAGINATOR else paginate(model, theme))
    return writer.render(model)
