"""Font files: each TrueType file read once a process, and the characters it has.

The shipped Noto fonts cover Latin, Cyrillic and the Kazakh letters; a font of the
user's is refused here if it cannot be used at all, and checked by ``glyphs`` for
the characters each text needs.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from kzru_reports import memo
from kzru_reports.errors import ConfigError

KAZAKH = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"
CYRILLIC = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"


@memo.cached(64, files=lambda path: (path,))
def truetype(path: str) -> Any:
    """A TrueType file as reportlab's parsed face, read once per process: the glyph
    check reads its character map and the PDF writer embeds it from the same object.
    ``ConfigError`` if it cannot be used (not TrueType, PostScript outlines, damaged)."""
    from reportlab.pdfbase.ttfonts import TTFError

    try:
        face = _parsed(path)
    except TTFError as exc:
        raise ConfigError(
            f"the font {Path(path).name} cannot be used: {exc} "
            "(a TrueType .ttf file with glyf outlines is needed)"
        ) from None
    except Exception as exc:  # a damaged table (unitsPerEm 0, a cmap count of 0xFFFF...)
        # makes the parser fail in any of a dozen ways: each is the file's fault
        raise ConfigError(
            f"the font {Path(path).name} is damaged and cannot be used "
            f"({type(exc).__name__}: {exc})"
        ) from None
    if not 16 <= getattr(face, "unitsPerEm", 1000) <= 16384:
        raise ConfigError(
            f"the font {Path(path).name} is damaged: unitsPerEm is {face.unitsPerEm} (16 to 16384)"
        )
    face.makeSubset = _kept_subsets(face.makeSubset)
    face.addSubsetObjects = _kept_compression(face, face.addSubsetObjects)
    return face


def _parsed(path: str) -> Any:
    """reportlab's parse of a TrueType file (its tables, character map and widths),
    kept in the cache folder keyed by the file's bytes: parsing the theme's seven
    faces took some 60 ms of every process's start, reading them back a few."""
    import pickle

    import reportlab
    from reportlab.pdfbase.ttfonts import TTFontFace

    from kzru_reports import cache

    data = Path(path).read_bytes()

    def keep(face: Any) -> bytes:
        state = {k: v for k, v in vars(face).items() if k not in _NOT_KEPT}
        return pickle.dumps(state, pickle.HIGHEST_PROTOCOL)

    def read_back(kept: bytes) -> Any:
        face = TTFontFace.__new__(TTFontFace)
        face.__dict__.update(pickle.loads(kept))
        face.filename, face._ttf_data = path, data
        face._pdfScale = _scale(face.unitsPerEm)
        return face

    name = cache.entry_name("pickle", "pdf-font-face", reportlab.Version, data)
    return cache.kept("fonts", name, lambda: TTFontFace(path, validate=1), keep, read_back)


_NOT_KEPT = frozenset({"filename", "_ttf_data", "_pdfScale"})  # the file, and a function


def _scale(units_per_em: int) -> Any:
    """reportlab's scale of a face's font units to thousandths of an em (as its
    parser makes it)."""
    if units_per_em == 1000:
        return lambda x: x
    factor = 1000 / units_per_em
    return lambda x: x * factor


SUBSETS_KEPT = 16  # per face: the last few subsets a PDF embedded (tens of kB each)


def _kept_subsets(make: Any) -> Any:
    """reportlab's ``makeSubset`` of one face, its last few results kept: a subset is
    the face's glyphs for a list of characters, the same whenever the list is, and
    a resident engine embeds the same lists again at each render."""
    kept = functools.lru_cache(maxsize=SUBSETS_KEPT)(lambda codes: make(list(codes)))

    def make_subset(subset: Any) -> bytes:
        return kept(tuple(subset))  # type: ignore[no-any-return]

    return make_subset


@memo.cached(64, files=lambda path: (path,))
def font_face(path: str) -> frozenset[int]:
    """The code points a TrueType file has glyphs for (see ``truetype``)."""
    return frozenset(c for c, g in truetype(path).charToGlyph.items() if g)


def coverage_note(path: str) -> str:
    """What the font lacks of Cyrillic and Kazakh, in words (for error messages)."""
    lacks = [c for c in CYRILLIC + KAZAKH if ord(c) not in font_face(path)]
    if not lacks:
        return "it covers Cyrillic and Kazakh"
    return f"it lacks {len(lacks)} Cyrillic/Kazakh letters ({''.join(lacks[:12])})"


def _kept_compression(face: Any, add: Any) -> Any:
    """reportlab's ``addSubsetObjects`` of one face, the subset's font file then
    compressed through ``KEPT_FLATE``: a kept subset is compressed once, not in
    every PDF that embeds it."""

    def add_subset_objects(doc: Any, fontname: str, subset: Any) -> Any:
        ref = add(doc, fontname, subset)
        stream = doc.idToObject.get(f"fontFile:{face.filename}({fontname})")
        if doc.compression and getattr(stream, "filters", None) is not None:
            stream.filters = [KEPT_FLATE]
        return ref

    return add_subset_objects


class _KeptFlate:
    """reportlab's Flate filter (``zlib.compress`` at its default level), its last
    results kept by content."""

    pdfname = "FlateDecode"

    def __init__(self) -> None:
        self.encode = functools.lru_cache(maxsize=4 * SUBSETS_KEPT)(self._encode)

    @staticmethod
    def _encode(content: bytes) -> bytes:
        import zlib

        return zlib.compress(content)

    @staticmethod
    def decode(encoded: bytes) -> bytes:
        import zlib

        return zlib.decompress(encoded)


KEPT_FLATE = _KeptFlate()
