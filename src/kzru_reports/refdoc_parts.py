"""The XML of a reference DOCX's parts: read by a hardened parser (no DTD, no entity,
no network, UTF-8/16/32 only, a DOCTYPE anywhere refused), looked at by local name,
and written out again by the serializer (the only way a part reaches an output)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
RT = R + "/"  # a relationship type is this and a word: RT + "styles"


class Refused(Exception):
    """What is wrong with a part; the caller names the file."""


_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_pis=True,
    remove_comments=True,
)
_DECLARATION = re.compile(r"^\s*<\?xml\b[^>]*?\?>", re.S)
_ENCODING = re.compile(r"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xfe\xff", "utf-16"),
    (b"\xff\xfe", "utf-16"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
_ALLOWED_ENCODINGS = {"utf8", "utf16", "utf16le", "utf16be", "utf32", "utf32le", "utf32be"}


def parse_part(name: str, data: bytes) -> etree._Element:
    """A part's XML tree, read by a hardened parser; ``Refused`` says what is wrong.

    The encoding is taken from the byte-order mark or the first bytes (XML's own
    rule), the text decoded strictly, and the declaration checked: a DOCX part is
    UTF-8 or UTF-16 (UTF-32 is read too, so that nothing can hide in it)."""
    encoding = next((enc for mark, enc in _BOMS if data.startswith(mark)), "utf-8")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise Refused(
            f"the part {name} is neither XML (UTF-8 or UTF-16) nor a PNG, JPEG or GIF picture"
        ) from None
    text = text.lstrip("\ufeff")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise Refused(f"the part {name} declares a DOCTYPE or entities")
    declaration = _DECLARATION.match(text)
    if declaration:
        declared = _ENCODING.search(declaration.group())
        label = declared.group(1) if declared else "utf-8"
        if re.sub(r"[-_]", "", label.lower()) not in _ALLOWED_ENCODINGS:
            raise Refused(
                f"the part {name} is in the encoding {label}; a DOCX part is UTF-8 or UTF-16"
            )
        text = text[declaration.end() :]
    try:
        root = etree.fromstring(text, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise Refused(f"the part {name} is not well-formed XML ({exc.msg})") from None
    if root is None:
        raise Refused(f"the part {name} is empty")
    doc = root.getroottree().docinfo
    if doc.doctype or doc.internalDTD is not None:  # pragma: no cover - caught above
        raise Refused(f"the part {name} declares a DOCTYPE or entities")
    return root


def local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def attr(el: etree._Element, name: str) -> str:
    """An attribute by local name (in no namespace or any), as parsed."""
    for key, value in el.attrib.items():
        if local(key) == name:
            return str(value).strip()
    return ""


def fields(root: etree._Element) -> Iterator[str]:
    """The code (first word, upper case) of every field in a part, simple or complex."""
    for el in root.iter("{*}fldSimple"):
        yield attr(el, "instr").split(" ", 1)[0].strip().upper()
    stack: list[list[str]] = []
    for el in root.iter():
        tag = local(el.tag)
        if tag == "fldChar":
            kind = attr(el, "fldCharType")
            if kind == "begin":
                stack.append([])
            elif stack and kind in ("separate", "end"):
                code = "".join(stack[-1]).split()
                yield (code[0] if code else "").upper()
                stack[-1] = []
                if kind == "end":
                    stack.pop()
        elif tag == "instrText" and stack:
            stack[-1].append(el.text or "")


def serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def rels_xml(rels: list[tuple[str, str, str]]) -> bytes:
    root = etree.Element(f"{{{PR}}}Relationships", nsmap={None: PR})
    for rid, kind, target in rels:
        etree.SubElement(root, f"{{{PR}}}Relationship", Id=rid, Type=RT + kind, Target=target)
    return serialise(root)


def types_xml(types: dict[str, str]) -> bytes:
    root = etree.Element(f"{{{CT}}}Types", nsmap={None: CT})
    defaults = {
        "rels": "application/vnd.openxmlformats-package.relationships+xml",
        "xml": "application/xml",
    }
    for ext, ctype in defaults.items():
        etree.SubElement(root, f"{{{CT}}}Default", Extension=ext, ContentType=ctype)
    for name, ctype in sorted(types.items()):
        etree.SubElement(root, f"{{{CT}}}Override", PartName="/" + name, ContentType=ctype)
    return serialise(root)
