"""Font faces cut down for embedding in a DOCX (fontTools), and what the font file says
of itself: whether its licence allows embedding and subsetting (OS/2 ``fsType``), and
the PANOSE digits and ranges a font table describes it with.

Each face is first cut down to ``BASE_RANGES``, once per font file, kept in the cache
folder; a document's own subset is cut from that, and kept there too, keyed by the
font's bytes and the characters, so that a document built again reads its faces back.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from pathlib import Path

from kzru_reports import memo
from kzru_reports.theme.fonts import CYRILLIC, KAZAKH

ASCII = frozenset(chr(c) for c in range(0x20, 0x7F))
# What every embedded face holds beside the document's own characters: printable
# ASCII and the punctuation documents of every language use...
ALWAYS = ASCII | frozenset("\u00a0\u2011\u2013\u2014\u2019\u2026«»„“”‘№€£°±×•·§")
# ...and a whole alphabet once the text uses a letter of it (Russian with the Kazakh
# letters). So a reader who edits the DOCX types any letter of the document's
# alphabet in its own face, and documents share their faces' cuts: a build of many
# visits cuts each face once per alphabet, not once per document (6 ms a face).
ALPHABETS = (frozenset(CYRILLIC + KAZAKH),)


def rounded_up(chars: Iterable[str]) -> frozenset[str]:
    """``chars`` with ``ALWAYS`` and every alphabet they use a letter of."""
    out = set(chars) | ALWAYS
    for alphabet in ALPHABETS:
        if not alphabet.isdisjoint(out):
            out |= alphabet
    return frozenset(out)


# The characters every embedded face is first cut down to, once per font file and kept
# in the cache folder; a document's own subset is then cut from that (several times
# faster than from the full font). Text beyond it is subset from the full font.
BASE_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0x24F),  # Latin-1, Latin Extended-A and -B
    (0x2B0, 0x2FF),  # modifier letters (ʼ)
    (0x400, 0x52F),  # Cyrillic and its supplement (Kazakh, Tatar, Bashkir ...)
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x2000, 0x206F),  # general punctuation
    (0x20A0, 0x20CF),  # currency signs
    (0x2100, 0x215F),  # letterlike signs (№), number forms
    (0x2190, 0x21FF),  # arrows
    (0x2212, 0x2212),  # minus
)
FSTYPE_RESTRICTED = 0x0002
FSTYPE_NO_SUBSETTING = 0x0100
FSTYPE_BITMAP_ONLY = 0x0200


@memo.cached(16, files=lambda path: (path,))
def font_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


@memo.cached(16, files=lambda path: (path,))
def fs_type(path: str) -> int:
    from fontTools.ttLib import TTFont

    with TTFont(io.BytesIO(font_bytes(path)), lazy=True) as font:
        return int(font["OS/2"].fsType) if "OS/2" in font else 0


def _base_chars() -> str:
    return "".join(chr(c) for lo, hi in BASE_RANGES for c in range(lo, hi + 1))


def cut(data: bytes, chars: Iterable[str]) -> bytes:
    """``data`` (a TrueType font) cut down to ``chars``: no hinting, no layout tables
    (the PDF is set without kerning or ligatures, and so then is the DOCX, line for
    line), the same bytes for the same input. As ``pyftsubset`` does by default, the
    kept glyphs are copied as they are, not decoded and encoded again, and the font's
    overall bounds and maxima (``head``, ``hhea``, ``maxp``) stay the whole font's:
    true bounds of the subset, only wider, and the same whether a face is cut from
    the whole font or from its kept base subset; four times faster."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.hinting = False
    options.notdef_outline = True
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "DSIG"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # names, version, licence
    font = TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False, lazy=True)
    for tag in ("GSUB", "GPOS", "GDEF"):  # dropped unread: a full font's take seconds to parse
        if tag in font:
            del font[tag]
    sub = subset.Subsetter(options)
    sub.populate(text="".join(sorted(set(chars))))
    sub.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@memo.cached(16, files=lambda path: (path,))
def base_subset(path: str) -> bytes:
    """The font cut down to ``BASE_RANGES`` (kept in the cache folder between runs)."""
    import fontTools

    from kzru_reports import cache

    original = font_bytes(path)
    name = cache.entry_name("ttf", "docx-font-base", fontTools.version, original)
    return cache.kept("fonts", name, lambda: cut(original, _base_chars()), bytes, _truetype)


def _truetype(data: bytes) -> bytes | None:
    return data if data.startswith(b"\x00\x01\x00\x00") else None


@memo.cached(16, files=lambda path: (path,))
def base_mapped(path: str) -> frozenset[int]:
    """The code points the base subset maps (read when a face is cut, not before)."""
    from fontTools.ttLib import TTFont

    with TTFont(io.BytesIO(base_subset(path)), lazy=True) as font:
        return frozenset(font.getBestCmap())


@memo.cached(16, files=lambda path: (path,))
def _digest(path: str) -> str:
    return hashlib.sha256(font_bytes(path)).hexdigest()


@memo.cached(64, files=lambda path, chars: (path,))
def subset_face(path: str, chars: frozenset[str]) -> bytes:
    """The face at ``path`` holding only ``chars`` (those it has). Each subset is kept
    in the cache folder, keyed by the font's bytes and the characters: a document
    built again with the same characters (a rebuild, a watcher's save, a service's
    next request) reads its faces back instead of cutting them again."""
    import fontTools

    from kzru_reports import cache

    text = "".join(sorted(chars))
    name = cache.entry_name("ttf", "docx-font-subset", fontTools.version, _digest(path), text)

    def make() -> bytes:
        whole = not all(ord(c) in base_mapped(path) for c in chars)
        return cut(font_bytes(path) if whole else base_subset(path), chars)

    return cache.kept("font-subsets", name, make, bytes, _truetype)


@memo.cached(16, files=lambda path: (path,))
def description(path: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The PANOSE digits and the Unicode and code page ranges of the full font."""
    from fontTools.ttLib import TTFont

    with TTFont(io.BytesIO(font_bytes(path)), lazy=True) as font:
        os2 = font["OS/2"]
        panose = os2.panose
        digits = (
            panose.bFamilyType,
            panose.bSerifStyle,
            panose.bWeight,
            panose.bProportion,
            panose.bContrast,
            panose.bStrokeVariation,
            panose.bArmStyle,
            panose.bLetterForm,
            panose.bMidline,
            panose.bXHeight,
        )
        sig = {
            "usb0": os2.ulUnicodeRange1,
            "usb1": os2.ulUnicodeRange2,
            "usb2": os2.ulUnicodeRange3,
            "usb3": os2.ulUnicodeRange4,
            "csb0": getattr(os2, "ulCodePageRange1", 0),
            "csb1": getattr(os2, "ulCodePageRange2", 0),
        }
    return "".join(f"{d:02X}" for d in digits), tuple((k, f"{v:08X}") for k, v in sig.items())
