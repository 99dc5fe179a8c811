"""A theme's starting document: styles and page set up once per process and theme,
kept in the cache folder between runs."""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from docx import Document as new_document
from docx.oxml.ns import qn

from kzru_reports import memo
from kzru_reports.theme import Theme
from kzru_reports.writers.docx.page import language, page_setup
from kzru_reports.writers.docx.styles import configure_styles


@dataclass(frozen=True)
class Blank:
    """A theme's starting document, made once per process and theme."""

    data: bytes  # the package: styles and page set up, an empty body
    ids: Mapping[str, str | None]  # style name -> id (None: the default paragraph style)
    list_num_id: str | None  # the numbering of the "List Number" style


DEFAULT_TAG = "en-GB"


@memo.cached(8)
def blank_for(
    theme: Theme, reference_state: tuple[int, int] | None, lang: str = DEFAULT_TAG
) -> Blank:
    """A document with the theme's styles and page set up and an empty body, made
    once per process and theme (setting up styles by name through python-docx costs
    more than writing a whole memo) and kept in the cache folder between runs; each
    document starts from a copy of it, knowing the ids of the styles the writer uses.
    ``reference_state`` (the reference document's modification time and size) makes
    an edited reference count as new. ``lang`` (a BCP 47 tag) is the language its
    styles say their text is in: one blank per theme and language."""
    from kzru_reports import cache

    key = _blank_key(theme, lang)
    kept = cache.kept("docx", key, lambda: _make_blank(theme, lang), _encode_blank, _decode_blank)
    return replace(kept, data=_stored(kept.data))


def _stored(package: bytes) -> bytes:
    """The package with its parts stored uncompressed (the same parts, in the same
    order): every document opens the blank again, and reading a part then costs a
    copy rather than inflating (the styles alone are some 800 kB of XML). Only the
    copy this process keeps: the cache folder holds it compressed, and each document
    is compressed when it is written."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w") as dest:
        for info in src.infolist():
            dest.writestr(info.filename, src.read(info), zipfile.ZIP_STORED)
    return out.getvalue()


def _blank_key(theme: Theme, lang: str) -> str:
    """What a blank depends on: the engine's code, the libraries that write it, the
    theme's settings and the reference document's content."""
    import docx
    from lxml import etree

    from kzru_reports import cache
    from kzru_reports.manifest import sha256_file, stable_repr

    reference = "" if theme.reference_docx is None else sha256_file(theme.reference_docx)
    parts = (docx.__version__, etree.__version__, stable_repr(theme), reference, lang)
    return cache.entry_name("docx-blank", *parts)


def _encode_blank(blank: Blank) -> bytes:
    head = json.dumps({"ids": dict(blank.ids), "list_num_id": blank.list_num_id})
    return head.encode() + b"\n" + blank.data


def _decode_blank(data: bytes) -> Blank | None:
    """A blank read back from the cache, or None if not whole."""
    head, _, package = data.partition(b"\n")
    try:
        meta = json.loads(head)
        ids, num = meta["ids"], meta["list_num_id"]
    except (ValueError, KeyError, TypeError):
        return None
    valid = (
        isinstance(ids, dict)
        and all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in ids.items())
        and (num is None or isinstance(num, str))
        and package.startswith(b"PK")
    )
    if not valid:
        return None
    try:  # its directory (entries are written whole, renamed into place)
        zipfile.ZipFile(io.BytesIO(package)).close()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    return Blank(package, MappingProxyType(ids), num)


def _make_blank(theme: Theme, lang: str) -> Blank:
    from kzru_reports.refdoc import inspect_reference_docx

    reference = theme.reference_docx  # never opened as given: only its allow-listed parts
    word = new_document(
        io.BytesIO(inspect_reference_docx(reference).package) if reference else None
    )
    keep = frozenset(st.name for st in word.styles) if reference else frozenset()
    styles = configure_styles(word, theme, keep)
    ids = {name: (None if st.element.default else st.style_id) for name, st in styles.items()}
    ppr = styles["List Number"].element.pPr
    num = ppr.numPr if ppr is not None else None
    list_num_id = None if num is None or num.numId is None else str(num.numId.val)
    page_setup(word, theme)
    language(word, lang)
    _clear_body(word)
    _clean_package(word)
    buf = io.BytesIO()
    word.save(buf)
    return Blank(buf.getvalue(), MappingProxyType(ids), list_num_id)


def file_state(path: Any) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
APP_PROPERTIES = (
    b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties"><Application>kzru-reports</Application>'
    b"<DocSecurity>0</DocSecurity><LinksUpToDate>false</LinksUpToDate></Properties>"
)


def _clean_package(word: Any) -> None:
    """Drop what python-docx's own starting document carries and ours has no use for:
    its blank thumbnail, its custom XML (a bibliography sources part) and extended
    properties that claim "Microsoft Macintosh Word", a template and one page, and
    Word 2010's second copy of the template's styles (``stylesWithEffects``)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    package = word.part.package
    for owner in (package, word.part):
        for rid, rel in list(owner.rels.items()):
            if rel.reltype in (RT.THUMBNAIL, RT.CUSTOM_XML, STYLES_WITH_EFFECTS):
                del owner.rels[rid]
    for rel in package.rels.values():
        if rel.reltype == RT.EXTENDED_PROPERTIES and not rel.is_external:
            rel.target_part._blob = APP_PROPERTIES


def _clear_body(word: Any) -> None:
    """Remove what the starting document holds (an empty paragraph, or a reference
    document's sample text), keeping its section properties."""
    body = word.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
