"""Fonts embedded in a DOCX, so that it is set in its own typefaces on every machine.

A word processor without the theme's fonts installed sets a document in a substitute
(LibreOffice picks DejaVu Sans for everything), changing line breaks, page count and
the look of a ministerial document. Word and LibreOffice both read fonts embedded as
ECMA-376 Part 1 §17.8.1 describes:

- each face is a part ``word/fonts/fontN.odttf``, related from the font table, whose
  first 32 bytes are XORed with a key (a GUID, its 16 bytes taken in reverse order);
- ``word/fontTable.xml`` names the family with ``w:embedRegular``, ``w:embedBold``,
  ``w:embedItalic``, ``w:embedBoldItalic`` giving the relationship and the key;
- ``word/settings.xml`` says ``w:embedTrueTypeFonts`` (and ``w:saveSubsetFonts``
  when the faces hold only the characters the document uses).

Only the faces the document's text is set in are embedded, each subset (fontTools) to
the characters set in that family plus printable ASCII (page numbers and contents
entries a word processor recomputes, and small corrections). A font whose licence
forbids embedding (OS/2 ``fsType`` restricted or bitmap-only) is left out; one that
forbids subsetting is embedded whole. Everything is derived from content (the key is
a hash of the face's bytes), so equal documents give equal packages.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn
from lxml import etree

from kzru_reports import memo
from kzru_reports.theme import FontFamily, Theme

OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
FONT_TABLE = "application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"
TEXT_PARTS = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml",
    }
)
STYLES = "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"
ASCII = frozenset(chr(c) for c in range(0x20, 0x7F))
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
# w:font children in schema order, and the slot of each face
FONT_CHILDREN = ("altName", "panose1", "charset", "family", "notTrueType", "pitch", "sig")
FACES = (
    ("embedRegular", False, False),
    ("embedBold", True, False),
    ("embedItalic", False, True),
    ("embedBoldItalic", True, True),
)


@dataclass(frozen=True)
class EmbeddedFace:
    """One face as written: its font file, the subset bytes and the key."""

    path: str
    data: bytes  # the (subset) TrueType font, before obfuscation
    key: str  # "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}"
    subset: bool


def font_key(data: bytes) -> str:
    """A GUID-shaped key derived from the face's bytes (deterministic, and distinct
    for distinct faces)."""
    h = hashlib.sha256(data).hexdigest()[:32].upper()
    return f"{{{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}}}"


def _key_bytes(key: str) -> bytes:
    digits = key.strip("{}").replace("-", "")
    if len(digits) != 32:
        raise ValueError(f"not a font key: {key!r}")
    return bytes.fromhex(digits)[::-1]


def obfuscate(data: bytes, key: str) -> bytes:
    """The font as an ``.odttf`` part: its first 32 bytes XORed with the key's bytes in
    reverse order (§17.8.1). The same operation undoes it."""
    k = _key_bytes(key) * 2
    head = bytes(b ^ k[i] for i, b in enumerate(data[:32]))
    return head + data[32:]


deobfuscate = obfuscate


# ------------------------------------------------------------------ what is used

# the WordprocessingML names read for every paragraph and run, qualified once
_W = {
    name: qn(f"w:{name}")
    for name in [
        "p",
        "r",
        "t",
        "pPr",
        "pStyle",
        "rPr",
        "rStyle",
        "rFonts",
        "ascii",
        "hAnsi",
        "b",
        "i",
        "val",
    ]
}


@dataclass
class _Style:
    font: str | None
    bold: bool | None
    italic: bool | None
    based_on: str | None


def _on(el: Any) -> bool | None:
    if el is None:
        return None
    return el.get(_W["val"], "true") not in ("0", "false", "off")


def _rpr_props(rpr: Any) -> tuple[str | None, bool | None, bool | None]:
    if rpr is None:
        return None, None, None
    fonts = rpr.find(_W["rFonts"])
    font = None if fonts is None else fonts.get(_W["ascii"]) or fonts.get(_W["hAnsi"])
    return font, _on(rpr.find(_W["b"])), _on(rpr.find(_W["i"]))


@memo.cached(4)
def _style_sheet(blob: bytes) -> tuple[dict[str, _Style], _Style, str | None]:
    """The styles part read for what decides a run's face: styles by id, the document
    defaults, and the id of the default paragraph style."""
    root = etree.fromstring(blob)
    styles: dict[str, _Style] = {}
    default_para = None
    for st in root.iter(qn("w:style")):
        sid = st.get(qn("w:styleId"))
        if sid is None:
            continue
        based = st.find(qn("w:basedOn"))
        styles[sid] = _Style(
            *_rpr_props(st.find(qn("w:rPr"))),
            based_on=None if based is None else based.get(qn("w:val")),
        )
        if st.get(qn("w:type")) == "paragraph" and st.get(qn("w:default")) in ("1", "true"):
            default_para = sid
    rpr = root.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    return styles, _Style(*_rpr_props(rpr), based_on=None), default_para


def _resolve(
    styles: dict[str, _Style], sid: str | None
) -> tuple[str | None, bool | None, bool | None]:
    font = bold = italic = None
    seen: set[str] = set()
    while sid is not None and sid in styles and sid not in seen:
        seen.add(sid)
        st = styles[sid]
        font = font if font is not None else st.font
        bold = bold if bold is not None else st.bold
        italic = italic if italic is not None else st.italic
        sid = st.based_on
    return font, bold, italic


def used_faces(package: Any) -> dict[tuple[str, bool, bool], set[str]]:
    """(family, bold, italic) -> the characters set in it, over the document's body,
    headers, footers and notes. A run's face is its own formatting, else its character
    style's, else its paragraph style's (each through ``basedOn``), else the defaults."""
    styles_part = next((p for p in package.parts if p.content_type == STYLES), None)
    if styles_part is None:
        styles, defaults, default_para = {}, _Style(None, None, None, None), None
    else:
        styles, defaults, default_para = _style_sheet(bytes(styles_part.blob))
    cache: dict[tuple[str | None, str | None], tuple[str | None, bool | None, bool | None]] = {}

    def style_props(pid: str | None, rid: str | None) -> tuple[Any, Any, Any]:
        got = cache.get((pid, rid))
        if got is None:
            r, p = _resolve(styles, rid), _resolve(styles, pid)
            got = cache[(pid, rid)] = (
                r[0] or p[0] or defaults.font,
                r[1] if r[1] is not None else p[1] if p[1] is not None else defaults.bold,
                r[2] if r[2] is not None else p[2] if p[2] is not None else defaults.italic,
            )
        return got

    used: dict[tuple[str, bool, bool], set[str]] = {}
    w_p, w_r, w_t = _W["p"], _W["r"], _W["t"]
    for part in package.parts:
        if part.content_type not in TEXT_PARTS:
            continue
        element = getattr(part, "element", None)
        if element is None:
            element = etree.fromstring(part.blob)
        for p in element.iter(w_p):
            ppr = p.find(_W["pPr"])
            pstyle = None if ppr is None else ppr.find(_W["pStyle"])
            pid = default_para if pstyle is None else pstyle.get(_W["val"])
            for r in p.iter(w_r):
                text = "".join(t.text or "" for t in r.iter(w_t))
                if not text or _paragraph_of(r) is not p:
                    continue
                rpr = r.find(_W["rPr"])
                rstyle = None if rpr is None else rpr.find(_W["rStyle"])
                rid = None if rstyle is None else rstyle.get(_W["val"])
                font, bold, italic = _rpr_props(rpr)
                sfont, sbold, sitalic = style_props(pid, rid)
                face = (
                    font or sfont or "",
                    bool(bold if bold is not None else sbold),
                    bool(italic if italic is not None else sitalic),
                )
                used.setdefault(face, set()).update(text)
    return used


def _paragraph_of(r: Any) -> Any:
    el = r.getparent()
    while el is not None and el.tag != _W["p"]:
        el = el.getparent()
    return el


# ------------------------------------------------------------------ subsetting


@memo.cached(16, files=lambda path: (path,))
def _font_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


@memo.cached(16, files=lambda path: (path,))
def _fs_type(path: str) -> int:
    from fontTools.ttLib import TTFont

    with TTFont(io.BytesIO(_font_bytes(path)), lazy=True) as font:
        return int(font["OS/2"].fsType) if "OS/2" in font else 0


def _base_chars() -> str:
    return "".join(chr(c) for lo, hi in BASE_RANGES for c in range(lo, hi + 1))


def _cut(data: bytes, chars: Iterable[str]) -> bytes:
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
def _base(path: str) -> tuple[bytes, frozenset[int]]:
    """The font cut down to ``BASE_RANGES`` (kept in the cache folder between runs),
    with the code points it maps."""
    import fontTools
    from fontTools.ttLib import TTFont

    from kzru_reports import cache

    original = _font_bytes(path)
    name = cache.entry_name("ttf", "docx-font-base", fontTools.version, original)
    data = cache.read("fonts", name)
    if data is None or not data.startswith(b"\x00\x01\x00\x00"):
        data = _cut(original, _base_chars())
        cache.write("fonts", name, data)
    with TTFont(io.BytesIO(data), lazy=True) as font:
        mapped = frozenset(font.getBestCmap())
    return data, mapped


@memo.cached(16, files=lambda path: (path,))
def _digest(path: str) -> str:
    return hashlib.sha256(_font_bytes(path)).hexdigest()


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
    data = cache.read("font-subsets", name)
    if data is not None and data.startswith(b"\x00\x01\x00\x00"):
        return data
    base, mapped = _base(path)
    data = _cut(base if all(ord(c) in mapped for c in chars) else _font_bytes(path), chars)
    cache.write("font-subsets", name, data)
    return data


# ------------------------------------------------------------------ the package


def _families(theme: Theme) -> dict[str, FontFamily]:
    return {fam.name: fam for fam in (theme.body_font, theme.heading_font)}


def plan(package: Any, theme: Theme) -> dict[str, dict[str, EmbeddedFace]]:
    """family -> slot (``embedRegular`` ...) -> the face to embed there. Regular and
    bold are embedded for each family the text uses (a reader's edits most often need
    them), italic faces where the text is set in them."""
    families = _families(theme)
    used = used_faces(package)
    out: dict[str, dict[str, EmbeddedFace]] = {}
    for name, fam in families.items():
        chars = set(ASCII)
        faces = set()
        for (font, bold, italic), text in used.items():
            if font == name:
                chars |= text
                faces.add((bold, italic))
        if not faces:
            continue
        faces |= {(False, False), (True, False)}
        styles = ((False, False), (True, False), (False, True), (True, True))
        files = dict(zip(styles, fam.files, strict=True))
        slots: dict[str, EmbeddedFace] = {}
        made: dict[str, EmbeddedFace] = {}
        for slot, bold, italic in FACES:
            if (bold, italic) not in faces:
                continue
            path = str(theme.font_path(files[(bold, italic)]))
            face = made.get(path)
            if face is None:
                face = _face(path, frozenset(chars))
                if face is None:
                    continue
                made[path] = face
            slots[slot] = face
        if slots:
            out[name] = slots
    return out


def _face(path: str, chars: frozenset[str]) -> EmbeddedFace | None:
    fs_type = _fs_type(path)
    if fs_type & (FSTYPE_RESTRICTED | FSTYPE_BITMAP_ONLY):
        return None  # the licence does not allow embedding
    whole = bool(fs_type & FSTYPE_NO_SUBSETTING)
    data = _font_bytes(path) if whole else subset_face(path, chars)
    return EmbeddedFace(path, data, font_key(data), subset=not whole)


def warm(theme: Theme) -> None:
    """Load now what embedding will need (a build forks its workers after this): the
    subsetter and its table modules, each face's base subset and description."""
    for fam in _families(theme).values():
        for file in dict.fromkeys(fam.files):
            path = str(theme.font_path(file))
            if not _fs_type(path) & (FSTYPE_RESTRICTED | FSTYPE_BITMAP_ONLY):
                _base(path)
                _description(path)
    # cut once here, not through the cache: a cached cut would leave the subsetter
    # unloaded, and a worker meeting characters no cached subset holds would load it
    body = str(theme.font_path(theme.body_font.regular))
    if not _fs_type(body) & (FSTYPE_RESTRICTED | FSTYPE_BITMAP_ONLY):
        _cut(_base(body)[0], ASCII)


def embed_fonts(document: Any, theme: Theme) -> None:
    """Embed the theme's faces the python-docx ``document`` uses (see the module)."""
    package = document.part.package
    table = next((p for p in package.parts if p.content_type == FONT_TABLE), None)
    if table is None:
        return
    planned = plan(package, theme)
    if not planned:
        return
    root = etree.fromstring(bytes(table.blob))
    number = 0
    parts: dict[str, tuple[str, str]] = {}  # key -> (relationship id, key)
    for family, slots in planned.items():
        font_el = _font_entry(root, family, next(iter(slots.values())).path)
        for slot, face in slots.items():
            if face.key not in parts:
                number += 1
                part = Part(
                    PackURI(f"/word/fonts/font{number}.odttf"),
                    OBFUSCATED_FONT,
                    obfuscate(face.data, face.key),
                    package,
                )
                parts[face.key] = (table.relate_to(part, RT.FONT), face.key)
            rid, key = parts[face.key]
            embed = etree.SubElement(font_el, qn(f"w:{slot}"))
            embed.set(qn("r:id"), rid)
            embed.set(qn("w:fontKey"), key)
            if face.subset:
                embed.set(qn("w:subsetted"), "1")
    table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    _settings(document, subset=any(f.subset for s in planned.values() for f in s.values()))


def _font_entry(root: Any, family: str, path: str) -> Any:
    """A fresh ``w:font`` for ``family`` (replacing any), described from the font's
    OS/2 table so that a reader without it matches it well."""
    for old in root.findall(qn("w:font")):
        if old.get(qn("w:name")) == family:
            root.remove(old)
    el = etree.SubElement(root, qn("w:font"))
    el.set(qn("w:name"), family)
    panose, sig = _description(path)
    for tag, value in (
        ("panose1", panose),
        ("charset", "00"),
        ("family", "auto"),
        ("pitch", "variable"),
    ):
        etree.SubElement(el, qn(f"w:{tag}")).set(qn("w:val"), value)
    sig_el = etree.SubElement(el, qn("w:sig"))
    for name, value in sig:
        sig_el.set(qn(f"w:{name}"), value)
    return el


@memo.cached(16, files=lambda path: (path,))
def _description(path: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The PANOSE digits and the Unicode and code page ranges of the full font."""
    from fontTools.ttLib import TTFont

    with TTFont(io.BytesIO(_font_bytes(path)), lazy=True) as font:
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


# the first children of w:settings, in schema order (CT_Settings); all others follow
SETTINGS_HEAD = (
    "writeProtection",
    "view",
    "zoom",
    "removePersonalInformation",
    "removeDateAndTime",
    "doNotDisplayPageBoundaries",
    "displayBackgroundShape",
    "printPostScriptOverText",
    "printFractionalCharacterWidth",
    "printFormsData",
    "embedTrueTypeFonts",
    "embedSystemFonts",
    "saveSubsetFonts",
)


def _settings(document: Any, subset: bool) -> None:
    settings = document.settings.element
    for name, wanted in (("embedTrueTypeFonts", True), ("saveSubsetFonts", subset)):
        if not wanted or settings.find(qn(f"w:{name}")) is not None:
            continue
        before = {qn(f"w:{t}") for t in SETTINGS_HEAD[: SETTINGS_HEAD.index(name)]}
        at = next((i for i, child in enumerate(settings) if child.tag not in before), None)
        el = etree.Element(qn(f"w:{name}"))
        if at is None:
            settings.append(el)
        else:
            settings.insert(at, el)


def embedded(data: bytes) -> Iterator[tuple[str, str, bytes]]:
    """(family, slot, TrueType bytes) of each face embedded in DOCX ``data``, read back
    as a word processor reads them (for tests and checks)."""
    import posixpath
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = etree.fromstring(z.read("word/fontTable.xml"))
        rels = etree.fromstring(z.read("word/_rels/fontTable.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        for font in root.findall(qn("w:font")):
            for slot, _, _ in FACES:
                embed = font.find(qn(f"w:{slot}"))
                if embed is None:
                    continue
                target = posixpath.normpath(posixpath.join("word", targets[embed.get(qn("r:id"))]))
                yield (
                    font.get(qn("w:name")),
                    slot,
                    deobfuscate(z.read(target), embed.get(qn("w:fontKey"))),
                )


__all__ = ["EmbeddedFace", "deobfuscate", "embed_fonts", "embedded", "font_key", "obfuscate"]
