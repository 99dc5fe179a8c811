"""Which faces a DOCX's text is set in: for each (family, bold, italic), the characters
set in it, over the body, headers, footers and notes, a run's face resolved as Word
resolves it (its own formatting, its character style, its paragraph style, each
through ``basedOn``, then the document defaults). ``fonts`` embeds what this finds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docx.oxml.ns import qn
from lxml import etree

from kzru_reports import memo

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

    # the text of each (paragraph style, run formatting) gathered first, each run
    # visited once (in document order); faces worked out once per combination
    texts: dict[tuple[str | None, Any, Any], list[str]] = {}
    paragraph_ids: dict[Any, str | None] = {}
    w_r, w_t, w_ppr, w_pstyle, w_rpr, w_val = (
        _W["r"],
        _W["t"],
        _W["pPr"],
        _W["pStyle"],
        _W["rPr"],
        _W["val"],
    )
    for part in package.parts:
        if part.content_type not in TEXT_PARTS:
            continue
        element = getattr(part, "element", None)
        if element is None:
            element = etree.fromstring(part.blob)
        for r in element.iter(w_r):
            text = "".join([t.text or "" for t in r.iter(w_t)])
            if not text:
                continue
            p = _paragraph_of(r)
            if p is None:
                continue
            if p in paragraph_ids:
                pid = paragraph_ids[p]
            else:
                ppr = p.find(w_ppr)
                pstyle = None if ppr is None else ppr.find(w_pstyle)
                pid = paragraph_ids[p] = default_para if pstyle is None else pstyle.get(w_val)
            rpr = r.find(w_rpr)
            if rpr is None:
                key: tuple[str | None, Any, Any] = (pid, None, None)
            else:
                rstyle = rpr.find(_W["rStyle"])
                rid = None if rstyle is None else rstyle.get(w_val)
                key = (pid, rid, _rpr_props(rpr))
            got = texts.get(key)
            if got is None:
                texts[key] = [text]
            else:
                got.append(text)

    used: dict[tuple[str, bool, bool], set[str]] = {}
    for (pid, rid, props), pieces in texts.items():
        font, bold, italic = props or (None, None, None)
        sfont, sbold, sitalic = style_props(pid, rid)
        face = (
            font or sfont or "",
            bool(bold if bold is not None else sbold),
            bool(italic if italic is not None else sitalic),
        )
        used.setdefault(face, set()).update("".join(pieces))
    return used


def _paragraph_of(r: Any) -> Any:
    el = r.getparent()
    while el is not None and el.tag != _W["p"]:
        el = el.getparent()
    return el
