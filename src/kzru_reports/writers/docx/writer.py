"""``DocxWriter``: a document or a pack, from the theme's blank to saved bytes."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from docx.enum.section import WD_SECTION
from PIL import Image

from kzru_reports.model import nodes as n
from kzru_reports.theme import Theme
from kzru_reports.writers.base import language
from kzru_reports.writers.docx import fonts
from kzru_reports.writers.docx.blank import DEFAULT_TAG, Blank, blank_for, file_state
from kzru_reports.writers.docx.package import open_package, save_package
from kzru_reports.writers.docx.page import header_footer, properties
from kzru_reports.writers.docx.translate import Translator


class DocxWriter:
    """Writes a ``Document`` or a ``Pack`` as DOCX bytes. Not paged: the reader's word
    processor lays out its pages; a pack's contents quote the paginator's numbers."""

    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        # Set the styles up now (before a build forks its workers); a reference
        # document that fails here fails again, and is reported, when rendering.
        with contextlib.suppress(Exception):
            blank_for(theme, file_state(theme.reference_docx), DEFAULT_TAG)

    def warm(self, langs: Sequence[str] = (), resident: bool = False) -> None:
        Image.preinit()  # Pillow's image formats, loaded at the first chart otherwise
        fonts.warm(self.theme, resident)
        for tag in langs:  # one blank per language: its styles say the language
            with contextlib.suppress(Exception):  # reported when rendering
                blank_for(self.theme, file_state(self.theme.reference_docx), tag)

    def _start(self, meta: n.Meta) -> tuple[Any, Blank, Translator]:
        blank = blank_for(self.theme, file_state(self.theme.reference_docx), meta.lang)
        word = open_package(blank.data)
        header_footer(word.sections[0], meta, blank.ids, self.theme)
        properties(word, meta)
        return word, blank, Translator(word, blank, self.theme, language(meta))

    def render(self, doc: n.Document) -> bytes:
        word, _, translator = self._start(doc.meta)
        translator.blocks(doc.body)
        return self._save(word, doc.meta)

    def render_pack(self, pack: n.Pack) -> bytes:
        """Cover, contents, then each part in its own section (its own header and
        footer), page numbers running on through the whole pack."""
        word, blank, translator = self._start(pack.meta)
        translator.blocks(pack.cover.body)
        translator.blocks((n.PageBreak(),))
        translator.contents(pack.contents_title, pack.contents)
        for part in pack.parts:
            section = word.add_section(WD_SECTION.NEW_PAGE)
            for hf in (section.header, section.footer):
                hf.is_linked_to_previous = True  # drop the copied reference ...
                hf.is_linked_to_previous = False  # ... and give the part its own
            header_footer(section, part.meta, blank.ids, self.theme, letterhead=False)
            translator.blocks(part.body)
        return self._save(word, pack.meta)

    def _save(self, word: Any, meta: n.Meta) -> bytes:
        fonts.embed_fonts(word, self.theme)
        return save_package(word, meta.created)
