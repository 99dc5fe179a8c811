"""Glyph coverage: can the theme's fonts show every character of the text?

A PDF shows a character only if an embedded font has a glyph for it; reportlab does
not fall back to other fonts and draws an empty box (or nothing) instead, without an
error. So the text of a visit is checked against the fonts the documents use, before
anything is written, and every character no font can show is reported with its field.

A character counts as covered when every face (regular, bold, italic, bold italic of
the body and heading families) has it, because any text may end up in any of them.
White space is exempt (it is folded to plain spaces before writing), and so are
combining marks, which attach to the letter before them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from pathlib import Path

from kzru_reports import memo
from kzru_reports.errors import RenderError
from kzru_reports.files import short_path
from kzru_reports.model import nodes as n
from kzru_reports.model.dump import dump
from kzru_reports.theme.fonts import coverage_note, font_face
from kzru_reports.theme.model import FontFamily, Theme, default_theme

MAX_LISTED = 6  # characters named in one message; the rest are counted


@dataclass(frozen=True)
class Coverage:
    """The code points every face of a theme can show, and what each family shows."""

    codepoints: frozenset[int]
    fonts: tuple[str, ...]
    families: tuple[tuple[str, frozenset[int]], ...] = ()

    def missing(self, text: str) -> list[str]:
        """Distinct characters of ``text`` that cannot be shown, in order of appearance."""
        covered = self.codepoints
        return [c for c in dict.fromkeys(text) if ord(c) not in covered and not _exempt(c)]

    def lacking(self, chars: list[str]) -> list[str]:
        """The families that lack at least one of ``chars``."""
        names = [n for n, have in self.families if any(ord(c) not in have for c in chars)]
        return names or list(self.fonts)


def _exempt(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Mn", "Me")


def _cmap(path: str) -> frozenset[int]:
    """The code points one TrueType file has glyphs for (read once per process, by the
    same reader the theme's font check uses)."""
    return frozenset(c for c in font_face(path) if c < 0xFFFE)


@memo.cached(16, files=lambda families: [f for _, files in families for f in files])
def coverage(families: tuple[tuple[str, tuple[str, ...]], ...]) -> Coverage:
    """What every face of every family can show (their cmaps intersected)."""
    per_family = tuple(
        (name, frozenset.intersection(*[_cmap(f) for f in files])) for name, files in families
    )
    common = (
        frozenset.intersection(*[have for _, have in per_family]) if per_family else frozenset()
    )
    return Coverage(common, tuple(name for name, _ in per_family), per_family)


def theme_coverage(theme: Theme | None = None) -> Coverage:
    """The coverage of the fonts a theme uses (the default theme when none is given)."""
    theme = theme or default_theme()
    families: dict[str, tuple[str, ...]] = {}
    for family in (theme.body_font, theme.heading_font):
        files = (getattr(family, f.name) for f in fields(FontFamily) if f.name != "name")
        paths = tuple(dict.fromkeys(str(Path(theme.font_path(f))) for f in files))
        families[family.name] = tuple(dict.fromkeys(families.get(family.name, ()) + paths))
    return coverage(tuple(families.items()))


def describe(chars: list[str], cov: Coverage) -> str:
    """``characters '😀' (U+1F600) cannot be shown by the fonts Noto Serif, Noto Sans``."""
    shown = [_name(c) for c in chars[:MAX_LISTED]]
    more = f" and {len(chars) - MAX_LISTED} more" if len(chars) > MAX_LISTED else ""
    noun = "character" if len(chars) == 1 else "characters"
    lacking = cov.lacking(chars)
    fonts = f"the font {lacking[0]}" if len(lacking) == 1 else f"the fonts {', '.join(lacking)}"
    return (
        f"{noun} {', '.join(shown)}{more} cannot be shown by {fonts} "
        "(use other characters, or a theme whose fonts have them)"
    )


def _name(char: str) -> str:
    code = f"U+{ord(char):04X}"
    return f"{char!r} ({code})" if char.isprintable() else code


def document_text(doc: n.Document, theme: Theme) -> str:
    meta = doc.meta
    return "".join(
        [
            dump(doc),
            meta.title,
            meta.subject,
            meta.footer,
            meta.marking,
            meta.page_label,
            *meta.keywords,
            *theme.letterhead,
        ]
    )


def check_glyphs(
    doc: n.Document, theme: Theme, sources: Callable[[], Iterable[Path]] | None = None
) -> None:
    """Refuse a document that uses a character one of the theme's fonts lacks.

    The visit's text was checked field by field when it was loaded; this covers what
    the templates and labels add (a workspace's template or catalog, or a label of
    the package's own: a shipped font lacks arrows and emoji too). Both use the same
    coverage (``glyphs``). ``sources`` gives the template and label files the
    document was made from; the first line holding such a character is named."""
    cov = theme_coverage(theme)
    chars = cov.missing(document_text(doc, theme))
    if not chars:
        return
    files = [
        str(theme.font_path(f))
        for fam in (theme.body_font, theme.heading_font)
        for f in dict.fromkeys(fam.files)
    ]
    file = next(f for f in files if any(ord(c) not in font_face(f) for c in chars))
    where = _first_use(chars, sources() if sources else ())
    raise RenderError(
        f"{where}the {doc.name or 'document'} uses {describe(chars, cov)}; "
        f"{Path(file).name}: {coverage_note(file)}"
    )


def _first_use(chars: list[str], files: Iterable[Path]) -> str:
    """``file:line: `` of the first line of ``files`` holding one of ``chars``, or ""."""
    for path in files:
        try:
            lines = path.read_text("utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for number, line in enumerate(lines, 1):
            if any(c in line for c in chars):
                return f"{short_path(path)}:{number}: "
    return ""
