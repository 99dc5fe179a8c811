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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from kzru_reports import memo
from kzru_reports.errors import Problem

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
    from kzru_reports.fonts import font_face

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


def theme_coverage(theme: Any = None) -> Coverage:
    """The coverage of the fonts a theme uses (the default theme when none is given)."""
    from kzru_reports.theme import FontFamily, default_theme

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


FieldPath = tuple[str | int, ...]


def strings(tree: Any, path: FieldPath = ()) -> Iterator[tuple[FieldPath, str]]:
    """Every string value in a parsed tree with its field path (iteratively)."""
    stack: list[tuple[FieldPath, Any]] = [(path, tree)]
    while stack:
        here, node = stack.pop()
        if isinstance(node, str):
            yield here, node
        elif isinstance(node, dict):
            stack.extend(((*here, k), v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend(((*here, i), v) for i, v in reversed(list(enumerate(node))))


def check_tree(
    tree: Any,
    cov: Coverage,
    locate: Callable[[FieldPath], tuple[int | None, int | None]],
    name: str,
    skip: Iterable[str] = (),
) -> Iterator[Problem]:
    """A problem for every string of ``tree`` holding characters ``cov`` cannot show.

    ``locate(path)`` gives ``(line, column)``; fields named in ``skip`` (already
    reported for another reason) are left out.
    """
    from kzru_reports.data.tree import format_path

    skipped = set(skip)
    for path, text in strings(tree):
        chars = cov.missing(text)
        if not chars:
            continue
        shown = format_path(path)
        if shown in skipped:
            continue
        line, column = locate(path)
        yield Problem(name, describe(chars, cov), path=shown, line=line, column=column)
