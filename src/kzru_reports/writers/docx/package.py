"""Packaging: opening and saving the OPC package. The one module that uses
python-docx's internals (its package reader and writer), which is why
``pyproject.toml`` pins ``python-docx<2``."""

from __future__ import annotations

import contextlib
import io
import zipfile
import zlib
from datetime import UTC, datetime
from typing import Any

from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.package import Unmarshaller
from docx.opc.part import Part, PartFactory
from docx.opc.pkgreader import PackageReader
from docx.opc.pkgwriter import PackageWriter
from docx.package import Package
from docx.styles import BabelFish
from docx.styles.style import StyleFactory

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def element_of(paragraph: Any) -> Any:
    """The ``w:p`` element behind a python-docx paragraph object."""
    return paragraph._p


def internal_name(name: str) -> str:
    """The name a style is stored under ("heading 1" for "Heading 1")."""
    return str(BabelFish.ui2internal(name))


def styles_by_name(styles: Any) -> dict[str, Any]:
    """A document's styles by internal name, the first of a name winning, as
    ``styles[name]`` finds them (python-docx scans them all at each lookup)."""
    found: dict[str, Any] = {}
    for st in styles:
        found.setdefault(st.element.name_val, st)
    return found


def add_paragraph_style(styles: Any, internal: str) -> Any:
    """A new paragraph style, as ``styles.add_style(name, PARAGRAPH)`` without its
    scan of every style for the name."""
    return StyleFactory(styles.element.add_style_of_type(internal, WD_STYLE_TYPE.PARAGRAPH, False))


class StylesAsBytes:
    """The part factory a document is opened with: as python-docx's own, except that
    the style part (hundreds of kilobytes of XML, set up once in ``blank_for`` and only
    referred to by id after) stays the bytes it was, neither parsed nor re-serialised."""

    def __new__(
        cls, partname: Any, content_type: str, reltype: str, blob: bytes, package: Any
    ) -> Any:
        if content_type == CT.WML_STYLES:
            return Part.load(partname, content_type, blob, package)
        return PartFactory(partname, content_type, reltype, blob, package)


def open_package(data: bytes) -> Any:
    """A new document from a package's bytes (``docx.Document(...)``, faster)."""
    package = Package()
    Unmarshaller.unmarshal(PackageReader.from_file(io.BytesIO(data)), package, StylesAsBytes)
    return package.main_document_part.document


def save_package(word: Any, stamp: datetime | None) -> bytes:
    """The package as a zip whose entries carry one fixed time, written once."""
    package = word.part.package
    for part in package.parts:
        part.before_marshal()
    buf = io.BytesIO()
    with _StampedZip(buf, stamp) as out:
        PackageWriter._write_content_types_stream(out, package.parts)
        PackageWriter._write_pkg_rels(out, package.rels)
        PackageWriter._write_parts(out, package.parts)
    return buf.getvalue()


_REUSE_FROM = 4 * 1024  # parts this large are kept compressed between documents
_LARGE = 32 * 1024  # ... in a pool of their own, of the last few
# part bytes -> their raw deflate stream, least recently used first: the large parts
# (the styles, a long body), and the smaller ones every document of a theme repeats
# (its theme and numbering parts, the font subsets a document embeds)
_DEFLATED: dict[bytes, bytes] = {}
_DEFLATED_SMALL: dict[bytes, bytes] = {}  # at most 64 of under 32 kB each


class _Replay:
    """Stands in for zipfile's compressor when the compressed bytes are known."""

    def __init__(self, deflated: bytes) -> None:
        self.deflated = deflated

    def compress(self, data: bytes) -> bytes:
        out, self.deflated = self.deflated, b""
        return out

    def flush(self) -> bytes:
        return b""


class _StampedZip:
    """The writer python-docx's ``PackageWriter`` writes parts to: a zip whose entries
    all carry one fixed time and the same mode, so equal content gives equal bytes."""

    def __init__(self, file: io.BytesIO, stamp: datetime | None) -> None:
        when = (stamp or EPOCH).timetuple()[:6]
        self.when = (max(1980, when[0]), *when[1:])
        self.zip = zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED)

    def write(self, pack_uri: Any, blob: bytes) -> None:
        entry = zipfile.ZipInfo(pack_uri.membername, date_time=self.when)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o600 << 16
        if len(blob) < _REUSE_FROM:
            self.zip.writestr(entry, blob)
            return
        # The style parts (some 800 kB of XML), the theme and numbering parts and the
        # font subsets are the same in many documents of a theme: they are compressed
        # once, and the same bytes written again after.
        kept, bound = (_DEFLATED, 8) if len(blob) >= _LARGE else (_DEFLATED_SMALL, 64)
        deflated = kept.pop(blob, None)
        if deflated is None:
            packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
            deflated = packer.compress(blob) + packer.flush()
        kept[blob] = deflated
        # no lock (a lock held by one thread when a worker is forked stays held in
        # the worker): another thread may take the oldest entry first
        while len(kept) > bound:
            with contextlib.suppress(KeyError, RuntimeError, StopIteration):
                del kept[next(iter(kept))]
        entry.file_size = len(blob)
        with self.zip.open(entry, "w") as dest:
            if getattr(dest, "_compressor", None) is not None:
                dest._compressor = _Replay(deflated)  # what zipfile's compressor would give
            dest.write(blob)

    def __enter__(self) -> _StampedZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.zip.close()
