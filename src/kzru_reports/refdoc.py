"""Checking a reference DOCX before anything opens it.

A reference document (as pandoc's ``--reference-doc``) gives the DOCX writer its Word
styles, header and footer. It comes from outside, so it is read as hostile: sizes
are checked in the zip directory and again while reading, with a bound on the
compression ratio (zip bombs); macros (``vbaProject``, macro-enabled content
types), ActiveX and embedded objects, external relationships
(``TargetMode="External"``) and attached templates are refused. Every refusal names
the part at fault.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from kzru_reports import limits
from kzru_reports.errors import ConfigError

MAX_FILE = limits.REFDOC_BYTES
MAX_PART = limits.REFDOC_PART_BYTES
MAX_TOTAL = limits.REFDOC_TOTAL_BYTES
MAX_PARTS = limits.REFDOC_PARTS
MAX_RATIO = limits.REFDOC_RATIO
_RATIO_FLOOR = limits.REFDOC_RATIO_FLOOR
_MACRO_NAME = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml)$|\.(bin|docm|dotm)$", re.I)
_MACRO_TYPE = re.compile(rb"macroEnabled|vbaProject|ms-office\.vba", re.I)
_EMBEDDED = re.compile(r"(^|/)(activeX|embeddings)/", re.I)
_EXTERNAL = re.compile(rb"""TargetMode\s*=\s*["']External["']""", re.I)
_ATTACHED = re.compile(rb"attachedTemplate", re.I)
_REQUIRED = ("[Content_Types].xml", "word/document.xml", "word/styles.xml")


@dataclass(frozen=True)
class ReferenceDoc:
    path: Path
    parts: tuple[str, ...]


def _refuse(path: Path, message: str) -> ConfigError:
    return ConfigError(f"reference DOCX {path.name}: {message}; it is not used")


def inspect_reference_docx(path: str | Path) -> ReferenceDoc:
    """Check a reference DOCX; raise ``ConfigError`` naming the part at fault."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _refuse(path, f"cannot read it ({exc.strerror})") from None
    if size > MAX_FILE:
        raise _refuse(path, f"the file is {size:,} bytes, over the limit of {MAX_FILE:,}")
    if not zipfile.is_zipfile(path):
        raise _refuse(path, "it is not a DOCX (zip) file")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            _check_directory(path, infos)
            _check_contents(path, z, infos)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise _refuse(path, f"the zip is damaged ({exc})") from None
    return ReferenceDoc(path, tuple(i.filename for i in infos))


def _check_directory(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_PARTS:
        raise _refuse(path, f"it has {len(infos)} parts, over the limit of {MAX_PARTS}")
    names = {i.filename for i in infos}
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


def _check_contents(path: Path, z: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    for info in infos:
        name = info.filename
        if not name.endswith((".xml", ".rels")):
            continue
        data = _as_utf8(_read(path, z, info))
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise _refuse(path, f"the part {name} declares a DOCTYPE or entities")
        if name == "[Content_Types].xml" and _MACRO_TYPE.search(data):
            raise _refuse(path, f"the part {name} declares macro content (a .docm)")
        if name.endswith(".rels"):
            if _EXTERNAL.search(data):
                raise _refuse(path, f"the part {name} has an external relationship")
            if _ATTACHED.search(data):
                raise _refuse(path, f"the part {name} attaches a template")
        if name == "word/settings.xml" and _ATTACHED.search(data):
            raise _refuse(path, f"the part {name} attaches a template")


# byte-order marks, or how "<" looks, in the wider encodings XML allows (widest first)
_WIDE = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


def _as_utf8(data: bytes) -> bytes:
    """XML in UTF-16 or UTF-32 as UTF-8, so that a DOCTYPE or an external target
    cannot hide from the checks in a wider encoding."""
    for mark, encoding in _WIDE:
        if data.startswith(mark):
            return data.decode(encoding, "replace").encode("utf-8")
    return data
