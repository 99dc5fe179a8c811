"""Reading a reference DOCX as hostile input, and keeping only what a style sheet needs.

A reference document (as pandoc's ``--reference-doc``) gives the DOCX writer its Word
styles, header and footer. It comes from outside, so it is read the way Word would
read it, never by searching its bytes:

1. The zip directory: the file's size, the number of parts, every part's size (in
   the directory and again while reading) and its compression ratio (zip bombs);
   no encrypted part, no part name outside the package.
2. ``[Content_Types].xml`` and every relationship part are parsed; relationship
   types and target modes are compared after parsing (so character references such
   as ``&#69;xternal`` change nothing). External targets, attached templates,
   macros, OLE objects, ActiveX controls, embedded packages and alternative
   content chunks are refused, and so is a main document whose content type is not
   a DOCX's (a ``.docm`` renamed).
3. Every part that is not a PNG, JPEG or GIF picture or an embedded font is parsed
   as XML, whatever its name: with a hardened parser (no DTD loaded, no entity
   expanded, no network), in UTF-8 or UTF-16 only; a DOCTYPE anywhere is refused,
   as are OLE objects, controls and fields that fetch or run something (``DDE``,
   ``DDEAUTO``, ``INCLUDEPICTURE``, ``INCLUDETEXT``, ``LINK``, ``IMPORT``).
4. The writer never opens the file itself: ``ReferenceDoc.package`` is a new
   package made from an allow-list of parsed parts (styles, numbering, theme,
   settings without an attached template or mail merge, the page set-up, and the
   headers and footers with their pictures and only simple fields), each written
   out again by the serializer. Nothing else of the reference reaches an output.

Every refusal is a configuration error naming the file and the part at fault.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from kzru_reports import limits
from kzru_reports.errors import ConfigError
from kzru_reports.refdoc_parts import (
    R,
    Refused,
    W,
    attr,
    fields,
    local,
    parse_part,
    rels_xml,
    serialise,
    types_xml,
)

MAX_FILE = limits.REFDOC_BYTES
MAX_PART = limits.REFDOC_PART_BYTES
MAX_TOTAL = limits.REFDOC_TOTAL_BYTES
MAX_PARTS = limits.REFDOC_PARTS
MAX_RATIO = limits.REFDOC_RATIO
_RATIO_FLOOR = limits.REFDOC_RATIO_FLOOR
_MACRO_NAME = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml)$|\.(bin|docm|dotm)$", re.I)
_EMBEDDED = re.compile(r"(^|/)(activeX|embeddings)/", re.I)
_MACRO_TYPE = re.compile(r"macroEnabled|vbaProject|vbaData|ms-office\.vba", re.I)
_ACTIVE_TYPE = re.compile(r"activeX|oleObject|\.package$|ms-word\.document\.12$", re.I)
_DOCX_MAIN = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
)
# relationship types (their last word, compared case-insensitively) never followed
_REFUSED_RELS = {
    "attachedtemplate": "attaches a template",
    "vbaproject": "holds macros",
    "wordvbadata": "holds macros",
    "oleobject": "has an embedded (OLE) object",
    "package": "has an embedded package",
    "control": "has an ActiveX control",
    "activexcontrol": "has an ActiveX control",
    "afchunk": "imports another document (altChunk)",
    "subdocument": "includes a subdocument",
    "frame": "has a frame of another document",
    "mailmergesource": "has a mail-merge data source",
    "mailmergeheadersource": "has a mail-merge data source",
    "recipientdata": "has a mail-merge data source",
}
# elements (local names, in any namespace) that hold active or foreign content
_REFUSED_ELEMENTS = {
    "attachedTemplate": "attaches a template",
    "object": "has an embedded (OLE) object",
    "OLEObject": "has an embedded (OLE) object",
    "control": "has an ActiveX control",
    "altChunk": "imports another document (altChunk)",
    "subDoc": "includes a subdocument",
    "binData": "has embedded binary data",
}
# field codes that fetch, link or run something; refused anywhere
_REFUSED_FIELDS = {"DDE", "DDEAUTO", "INCLUDEPICTURE", "INCLUDETEXT", "LINK", "IMPORT"}
# the only fields a header or footer may keep
_HEADER_FIELDS = {"PAGE", "NUMPAGES", "SECTIONPAGES", "SECTION", "DATE", "TIME", "STYLEREF"}
_IMAGES = {  # magic bytes -> (extension, content type)
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
    b"\xff\xd8\xff": ("jpeg", "image/jpeg"),
    b"GIF87a": ("gif", "image/gif"),
    b"GIF89a": ("gif", "image/gif"),
}
_FONT_TYPE = "application/vnd.openxmlformats-officedocument.obfuscatedFont"

_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
_KEEP = {  # relationship type -> (canonical part name, content type)
    "styles": ("word/styles.xml", _WML + "styles+xml"),
    "numbering": ("word/numbering.xml", _WML + "numbering+xml"),
    "settings": ("word/settings.xml", _WML + "settings+xml"),
    "theme": (
        "word/theme/theme1.xml",
        "application/vnd.openxmlformats-officedocument.theme+xml",
    ),
}
_REQUIRED = ("[Content_Types].xml",)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ReferenceDoc:
    path: Path
    parts: tuple[str, ...]  # the parts of the reference as given
    package: bytes  # the package the writer starts from: the allow-listed parts only


def _refuse(path: Path, message: str) -> ConfigError:
    return ConfigError(f"reference DOCX {path.name}: {message}; it is not used")


def inspect_reference_docx(path: str | Path) -> ReferenceDoc:
    """Check a reference DOCX and make the package the writer may start from; raise
    ``ConfigError`` naming the file and the part at fault."""
    from kzru_reports.files import read_regular

    path = Path(path)
    try:
        raw = read_regular(path, MAX_FILE, "reference DOCX")
    except ConfigError as exc:
        raise _refuse(path, str(exc)) from None
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise _refuse(path, "it is not a DOCX (zip) file")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            infos = z.infolist()
            _check_directory(path, infos)
            package = _Package(path, {i.filename: _read(path, z, i) for i in infos})
            clean = package.clean()
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
        raise _refuse(path, f"the zip is damaged ({exc})") from None
    _check_opens(path, clean)
    return ReferenceDoc(path, tuple(i.filename for i in infos), clean)


def _check_directory(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_PARTS:
        raise _refuse(path, f"it has {len(infos)} parts, over the limit of {MAX_PARTS}")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise _refuse(path, "a part name is given twice")
    for required in _REQUIRED:
        if required not in names:
            raise _refuse(path, f"the part {required} is missing")
    total = 0
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in name.split("/") or "\\" in name:
            raise _refuse(path, f"the part name {name!r} is not allowed")
        if info.flag_bits & 0x1:
            raise _refuse(path, f"the part {name} is encrypted")
        if _MACRO_NAME.search(name):
            raise _refuse(path, f"the part {name} holds macros")
        if _EMBEDDED.search(name):
            raise _refuse(path, f"the part {name} is an embedded object or ActiveX control")
        if info.file_size > MAX_PART:
            raise _refuse(
                path, f"the part {name} is {info.file_size:,} bytes, over the limit of {MAX_PART:,}"
            )
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise _refuse(
                path,
                f"the part {name} expands {info.file_size // max(info.compress_size, 1):,} "
                f"times, over the limit of {MAX_RATIO} (a zip bomb?)",
            )
        total += info.file_size
    if total > MAX_TOTAL:
        raise _refuse(path, f"its parts add up to {total:,} bytes, over the limit of {MAX_TOTAL:,}")


def _read(path: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A part's bytes, never more than its directory entry promised."""
    with z.open(info) as fh:
        data = fh.read(min(info.file_size, MAX_PART) + 1)
    if len(data) > info.file_size:
        raise _refuse(path, f"the part {info.filename} is larger than its directory entry says")
    return data


def _image(data: bytes) -> tuple[str, str] | None:
    return next((kind for magic, kind in _IMAGES.items() if data.startswith(magic)), None)


# ------------------------------------------------------------------ the package


@dataclass(frozen=True)
class _Rel:
    id: str
    type: str  # the last word of the relationship type, e.g. "styles"
    target: str  # the part it points to, resolved inside the package


class _Package:
    """A reference document's parts, checked as a whole when made."""

    def __init__(self, path: Path, parts: dict[str, bytes]) -> None:
        self.path = path
        self.parts = parts
        self.xml: dict[str, etree._Element] = {}
        self.rels: dict[str, dict[str, _Rel]] = {}
        try:
            self.types = self._content_types()
            for name in filter(_is_rels, parts):  # what points where, first
                self.xml[name] = parse_part(name, parts[name])
                self.rels[name] = self._relationships(name)
            for name, data in parts.items():
                if name not in self.xml:
                    self._check_part(name, data)
            self.main = self._main()
        except Refused as exc:
            raise _refuse(path, str(exc)) from None

    # -- checks
    def _content_types(self) -> dict[str, str]:
        name = "[Content_Types].xml"
        root = parse_part(name, self.parts[name])
        self.xml[name] = root
        defaults: dict[str, str] = {}
        overrides: dict[str, str] = {}
        for el in root:
            kind, value = local(el.tag), attr(el, "ContentType")
            if _MACRO_TYPE.search(value):
                raise Refused(f"the part {name} declares macro content ({value})")
            if _ACTIVE_TYPE.search(value):
                raise Refused(f"the part {name} declares embedded or active content ({value})")
            if kind == "Default":
                defaults[attr(el, "Extension").lower()] = value
            elif kind == "Override":
                overrides[attr(el, "PartName").lstrip("/")] = value
        types = {}
        for part in self.parts:
            ext = part.rsplit(".", 1)[-1].lower() if "." in part.rsplit("/", 1)[-1] else ""
            types[part] = overrides.get(part) or defaults.get(ext, "")
        return types

    def _check_part(self, name: str, data: bytes) -> None:
        if name == "[Content_Types].xml":
            return
        ctype = self.types.get(name, "")
        if _image(data) is not None or ctype == _FONT_TYPE or ctype.startswith("image/"):
            return  # only PNG, JPEG and GIF pictures are ever copied; fonts never
        root = parse_part(name, data)
        for el in root.iter():
            found = _REFUSED_ELEMENTS.get(local(el.tag))
            if found is not None:
                raise Refused(f"the part {name} {found}")
        for code in fields(root):
            if code in _REFUSED_FIELDS:
                raise Refused(f"the part {name} has a {code} field, which fetches or runs data")
        self.xml[name] = root

    def _relationships(self, name: str) -> dict[str, _Rel]:
        folder = posixpath.dirname(posixpath.dirname(name))  # x/_rels/y.rels -> x
        out: dict[str, _Rel] = {}
        for el in self.xml[name]:
            if local(el.tag) != "Relationship":
                continue
            kind = attr(el, "Type").rstrip("/").rsplit("/", 1)[-1]
            mode = attr(el, "TargetMode")
            if mode.lower() == "external":
                raise Refused(f"the part {name} has an external relationship")
            if mode not in ("", "Internal"):
                raise Refused(f"the part {name} has a relationship of mode {mode!r}")
            refused = _REFUSED_RELS.get(kind.lower())
            if refused is not None:
                raise Refused(f"the part {name} {refused}")
            target = attr(el, "Target")
            resolved = posixpath.normpath(
                target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            )
            out[attr(el, "Id")] = _Rel(attr(el, "Id"), kind, resolved)
        return out

    def _main(self) -> str:
        rels = self.rels.get("_rels/.rels", {})
        main = next((r.target for r in rels.values() if r.type == "officeDocument"), None)
        if main is None or main not in self.xml:
            raise Refused("the part _rels/.rels names no main document part")
        if self.types.get(main) not in _DOCX_MAIN:
            raise Refused(
                f"the main document part {main} has the content type "
                f"{self.types.get(main) or 'none'!r}, not a DOCX's"
            )
        styles = [r.target for r in self._rels_of(main).values() if r.type == "styles"]
        if not styles:
            raise Refused(f"the part {main} has no style part (word/styles.xml)")
        if styles[0] not in self.xml:
            raise Refused(f"the part {styles[0]} is missing")
        return main

    def _rels_of(self, part: str) -> dict[str, _Rel]:
        folder, base = posixpath.split(part)
        return self.rels.get(posixpath.join(folder, "_rels", base + ".rels"), {})

    # -- the clean package
    def clean(self) -> bytes:
        """A new package of the allow-listed parts, each written out again."""
        try:
            return self._clean()
        except Refused as exc:
            raise _refuse(self.path, str(exc)) from None

    def _clean(self) -> bytes:
        out: dict[str, bytes] = {}
        types: dict[str, str] = {}
        doc_rels: list[tuple[str, str, str]] = []  # id, type, target (from word/)
        main_rels = self._rels_of(self.main)
        for rel in sorted(main_rels.values(), key=lambda r: r.id):
            keep = _KEEP.get(rel.type)
            if keep is None or keep[0] in out or rel.target not in self.xml:
                continue
            name, ctype = keep
            root = _sanitise(rel.type, self.xml[rel.target])
            out[name], types[name] = serialise(root), ctype
            doc_rels.append((rel.id, rel.type, name[len("word/") :]))
        if "word/styles.xml" not in out:
            raise Refused(f"the part {self.main} has no style part that can be read")
        sect = self._section(main_rels, out, types, doc_rels)
        body = (
            f'<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>'.encode()
            + (etree.tostring(sect) if sect is not None else b"")
            + b"</w:body></w:document>"
        )
        out["word/document.xml"] = serialise(etree.fromstring(body))
        types["word/document.xml"] = _DOCX_MAIN[0]
        out["word/_rels/document.xml.rels"] = rels_xml(doc_rels)
        out["_rels/.rels"] = rels_xml([("rId1", "officeDocument", "word/document.xml")])
        out["[Content_Types].xml"] = types_xml(types)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name in ["[Content_Types].xml", *sorted(set(out) - {"[Content_Types].xml"})]:
                z.writestr(zipfile.ZipInfo(name, _ZIP_TIME), out[name], zipfile.ZIP_DEFLATED)
        return buf.getvalue()

    def _section(
        self,
        main_rels: dict[str, _Rel],
        out: dict[str, bytes],
        types: dict[str, str],
        doc_rels: list[tuple[str, str, str]],
    ) -> etree._Element | None:
        """The page set-up of the reference's last section, with its headers and
        footers copied (text, pictures, simple fields) and nothing else it points to."""
        body = next(self.xml[self.main].iter(f"{{{W}}}body"), None)
        sect = None if body is None else body.find(f"{{{W}}}sectPr")
        if sect is None:
            return None
        sect = etree.fromstring(etree.tostring(sect))
        count = 0
        for ref in list(sect):
            kind = local(ref.tag)
            rel = main_rels.get(ref.get(f"{{{R}}}id", ""))
            if kind in ("headerReference", "footerReference"):
                which = kind[: -len("Reference")]
                if rel is None or rel.type != which or rel.target not in self.xml:
                    sect.remove(ref)
                    continue
                count += 1
                name = f"word/{which}{count}.xml"
                out[name] = self._header(rel.target, name, out, types)
                types[name] = _WML + which + "+xml"
                rid = f"rIdHF{count}"
                ref.set(f"{{{R}}}id", rid)
                doc_rels.append((rid, which, name[len("word/") :]))
            elif any(etree.QName(a).namespace == R for a in ref.attrib):
                sect.remove(ref)  # printer settings and the like: not copied
        return sect

    def _header(self, part: str, name: str, out: dict[str, bytes], types: dict[str, str]) -> bytes:
        root = etree.fromstring(etree.tostring(self.xml[part]))
        for code in fields(root):
            if code not in _HEADER_FIELDS:
                raise Refused(
                    f"the part {part} has a {code or 'nested'} field; a header or footer "
                    f"may have only {', '.join(sorted(_HEADER_FIELDS))}"
                )
        kept: list[tuple[str, str, str]] = []
        for rel in sorted(self._rels_of(part).values(), key=lambda r: r.id):
            data = self.parts.get(rel.target)
            image = _image(data) if rel.type == "image" and data is not None else None
            if image is None:
                continue
            media = f"word/media/{posixpath.basename(name)[:-4]}-{len(kept) + 1}.{image[0]}"
            out[media], types[media] = data, image[1]  # type: ignore[assignment]
            kept.append((rel.id, "image", media[len("word/") :]))
        ids = {k[0] for k in kept}
        for el in root.iter():
            for key in list(el.attrib):
                if etree.QName(key).namespace == R and el.attrib[key] not in ids:
                    del el.attrib[key]
        if kept:
            folder, base = posixpath.split(name)
            out[posixpath.join(folder, "_rels", base + ".rels")] = rels_xml(
                [(i, t, posixpath.relpath("word/" + target, "word")) for i, t, target in kept]
            )
        return serialise(root)


def _is_rels(name: str) -> bool:
    return name.endswith(".rels") and posixpath.basename(posixpath.dirname(name)) == "_rels"


def _sanitise(kind: str, root: etree._Element) -> etree._Element:
    """A copy of a kept part without what points outside it or pulls content in."""
    root = etree.fromstring(etree.tostring(root))
    drop = {"attachedTemplate", "mailMerge", "docVars", "footnotePr", "endnotePr"}
    if kind == "numbering":
        drop |= {"numPicBullet", "lvlPicBulletId"}
    for el in list(root.iter()):
        if local(el.tag) in drop and el.getparent() is not None:
            el.getparent().remove(el)
    for el in root.iter():
        for key in list(el.attrib):
            if etree.QName(key).namespace == R:
                del el.attrib[key]  # the part's own relationships are not copied
    return root


def _check_opens(path: Path, package: bytes) -> None:
    """The clean package opens and its styles can be read (a malformed style part
    is named here, not met as an internal error while writing)."""
    import docx

    try:
        word = docx.Document(io.BytesIO(package))
        for style in word.styles:
            _ = style.name, style.type
        _ = word.sections[0].page_width
    except Exception as exc:  # python-docx raises many kinds on a malformed part
        raise _refuse(path, f"its styles or page set-up cannot be read ({exc})") from None
