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
the characters set in that family plus printable ASCII and common punctuation (page
numbers and contents entries a word processor recomputes, and corrections), and the
whole alphabet of any letter the text uses (``subsets.rounded_up``). A font whose licence
forbids embedding (OS/2 ``fsType`` restricted or bitmap-only) is left out; one that
forbids subsetting is embedded whole. Everything is derived from content (the key is
a hash of the face's bytes), so equal documents give equal packages.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn
from lxml import etree

from kzru_reports.theme import FontFamily, Theme
from kzru_reports.writers.docx.faces import used_faces
from kzru_reports.writers.docx.subsets import (
    ASCII,
    FSTYPE_BITMAP_ONLY,
    FSTYPE_NO_SUBSETTING,
    FSTYPE_RESTRICTED,
    base_subset,
    cut,
    description,
    font_bytes,
    fs_type,
    rounded_up,
    subset_face,
)

OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
FONT_TABLE = "application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"
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
        chars: set[str] = set()
        faces = set()
        for (font, bold, italic), text in used.items():
            if font == name:
                chars |= text
                faces.add((bold, italic))
        if not faces:
            continue
        whole = rounded_up(chars)
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
                face = _face(path, whole)
                if face is None:
                    continue
                made[path] = face
            slots[slot] = face
        if slots:
            out[name] = slots
    return out


def _face(path: str, chars: frozenset[str]) -> EmbeddedFace | None:
    licence = fs_type(path)
    if licence & (FSTYPE_RESTRICTED | FSTYPE_BITMAP_ONLY):
        return None  # the licence does not allow embedding
    whole = bool(licence & FSTYPE_NO_SUBSETTING)
    data = font_bytes(path) if whole else subset_face(path, chars)
    return EmbeddedFace(path, data, font_key(data), subset=not whole)


def warm(theme: Theme, resident: bool = False) -> None:
    """Load now what embedding will need (a build forks its workers after this): each
    face's base subset and description; for a ``resident`` process, the subsetter and
    its table modules too. A build's documents mostly find their faces' subsets in the
    cache folder, and a worker that meets characters none holds loads the subsetter
    itself (45 ms, in parallel with the other worker, not before either starts)."""
    for fam in _families(theme).values():
        for file in dict.fromkeys(fam.files):
            path = str(theme.font_path(file))
            if not fs_type(path) & (FSTYPE_RESTRICTED | FSTYPE_BITMAP_ONLY):
                base_subset(path)
                description(path)
    # cut once here, not through the cache: a cached cut would leave the subsetter
    # unloaded, and a worker meeting characters no cached subset holds would load it
    body = str(theme.font_path(theme.body_font.regular))
    if resident and not fs_type(body) & (FSTYPE_RESTRICTED | FSTYPE_BITMAP_ONLY):
        cut(base_subset(body), ASCII)


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
    panose, sig = description(path)
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
