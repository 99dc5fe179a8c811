"""The writer registry: the only place that knows output format names.

A writer takes a theme and turns a ``Document`` into bytes; modules are imported on
first use, so commands that write nothing never load reportlab or python-docx.
"""

from __future__ import annotations

import functools
import importlib
from typing import Protocol

from kzru_reports.model.nodes import Document
from kzru_reports.theme import Theme


class Writer(Protocol):
    extension: str

    def render(self, doc: Document) -> bytes: ...


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
