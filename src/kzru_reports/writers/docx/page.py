"""Page decoration: page size and margins, running header and footer (marking,
title, "Page X of Y" fields), the first page's letterhead, and document properties."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from docx.enum.section import WD_ORIENT
from docx.enum.text import (
    WD_ALIGN_PARAGRAPH,
    WD_TAB_ALIGNMENT,
)
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from kzru_reports.model import nodes as n
from kzru_reports.theme import Theme
from kzru_reports.writers.docx.package import EPOCH, element_of
from kzru_reports.writers.measure import ellipsize, text_width


def page_setup(doc: Any, theme: Theme) -> Any:
    section = doc.sections[0]
    w, h = theme.page_mm
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(w), Mm(h)
    section.left_margin, section.right_margin = Mm(theme.margin_left), Mm(theme.margin_right)
    section.top_margin, section.bottom_margin = Mm(theme.margin_top), Mm(theme.margin_bottom)
    section.header_distance, section.footer_distance = Mm(10), Mm(8)
    return section


def _field(p: Paragraph, instruction: str, cached: str) -> None:
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = cached
    r.append(t)
    fld.append(r)
    element_of(p).append(fld)


def header_footer(
    section: Any, meta: n.Meta, ids: Mapping[str, str | None], theme: Theme, letterhead: bool = True
) -> None:
    """Marking top and bottom, title and "Page X of Y" in the footer; on the first
    page also the theme's logo and letterhead lines (a pack has them on its cover
    only, as in the PDF)."""
    _fill_header(section.header, meta, ids)
    _fill_footer(section.footer, meta, ids, theme)
    if letterhead and theme.has_letterhead:
        section.different_first_page_header_footer = True
        _fill_header(section.first_page_header, meta, ids)
        _letterhead(section.first_page_header, ids, theme)
        _fill_footer(section.first_page_footer, meta, ids, theme)
    elif section.different_first_page_header_footer:  # copied from the section before
        section.different_first_page_header_footer = False
        section.first_page_header.is_linked_to_previous = True
        section.first_page_footer.is_linked_to_previous = True


def _next_paragraph(part: Any) -> Paragraph:
    """The part's first paragraph while it is empty (a new part has one), else a new one."""
    paragraphs = part.paragraphs
    if len(paragraphs) == 1 and not paragraphs[0].text and not paragraphs[0].runs:
        return paragraphs[0]
    return part.add_paragraph()


def _fill_header(header: Any, meta: n.Meta, ids: Mapping[str, str | None]) -> None:
    header.is_linked_to_previous = False
    mark = _next_paragraph(header)
    _style(mark, ids["Header"])
    mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    mark.add_run(meta.marking)


def _fill_footer(
    footer_part: Any, meta: n.Meta, ids: Mapping[str, str | None], theme: Theme
) -> None:
    footer_part.is_linked_to_previous = False
    footer = _next_paragraph(footer_part)
    _style(footer, ids["Footer"])
    footer.paragraph_format.tab_stops.add_tab_stop(Mm(theme.text_width_mm), WD_TAB_ALIGNMENT.RIGHT)
    label = meta.page_label.format(page=999, pages=999)  # room for the widest numbers
    face = str(theme.font_path(theme.heading_font.regular))
    room = theme.text_width_mm / 25.4 * 72 - text_width(label, face, 7.5) - 12
    footer.add_run(ellipsize(meta.footer or meta.title, face, 7.5, room))  # one line
    footer.add_run("\t")
    # "Page {page} of {pages}" with live fields in place of the two names
    for piece in _split_label(meta.page_label):
        if piece == "{page}":
            _field(footer, "PAGE", "1")
        elif piece == "{pages}":
            _field(footer, "NUMPAGES", "1")
        elif piece:
            footer.add_run(piece)
    if meta.marking:
        mark = footer_part.add_paragraph()
        _style(mark, ids["Header"])
        mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
        mark.paragraph_format.space_before = Pt(3)
        mark.add_run(meta.marking)


def _letterhead(header: Any, ids: Mapping[str, str | None], theme: Theme) -> None:
    """Logo on the left, letterhead lines on the right, under the first page's marking."""
    table = header.add_table(1, 2, Mm(theme.text_width_mm))
    table.autofit = False
    left, right = table.rows[0].cells
    left.width = Mm(theme.logo_width + 4)
    right.width = Mm(theme.text_width_mm - theme.logo_width - 4)
    if theme.logo is not None:
        logo = left.paragraphs[0]
        _style(logo, ids["Letterhead"])
        logo.add_run().add_picture(str(theme.logo), width=Mm(theme.logo_width))
    for i, line in enumerate(theme.letterhead):
        p = right.paragraphs[0] if i == 0 else right.add_paragraph()
        _style(p, ids["Letterhead"])
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = p.add_run(line)
        run.bold = i == 0 or None
    gap = header.add_paragraph()  # a header ends with a paragraph
    _style(gap, ids["Letterhead"])
    gap.paragraph_format.space_after = Pt(6)


def _style(p: Paragraph, style_id: str | None) -> None:
    """``p.style = style``, by id: python-docx's setter searches every style for the
    default one each time, which made headers and footers the slow part of a memo."""
    element_of(p).style = style_id


def _split_label(label: str) -> list[str]:
    out, rest = [], label
    while rest:
        positions = [(rest.find(k), k) for k in ("{page}", "{pages}") if k in rest]
        if not positions:
            out.append(rest)
            break
        i, key = min(positions)
        out += [rest[:i], key]
        rest = rest[i + len(key) :]
    return out


def _prop(text: str) -> str:
    """Core properties hold at most 255 characters (python-docx refuses more)."""
    return text if len(text) <= 255 else text[:254].rstrip() + "…"


def properties(doc: Any, meta: n.Meta) -> None:
    props = doc.core_properties
    props.title, props.subject = _prop(meta.document_title), _prop(meta.subject)
    props.keywords = _prop("; ".join(meta.keywords))
    props.author = _prop(meta.author)
    props.last_modified_by = _prop(meta.author)
    props.category = _prop(meta.marking)
    props.comments = ""
    props.language = meta.lang  # dc:language; w:lang is on the blank's styles
    props.revision = 1
    stamp = (meta.created or EPOCH).replace(microsecond=0)
    props.created = props.modified = stamp
    props.last_printed = stamp


# CT_Settings children that come after w:autoHyphenation (the schema fixes the order)
_AFTER_HYPHENATION = (
    "consecutiveHyphenLimit", "hyphenationZone", "doNotHyphenateCaps", "showEnvelope",
    "summaryLength", "clickAndTypeStyle", "defaultTableStyle", "evenAndOddHeaders",
    "bookFoldRevPrinting", "bookFoldPrinting", "bookFoldPrintingSheets",
    "drawingGridHorizontalSpacing", "drawingGridVerticalSpacing",
    "displayHorizontalDrawingGridEvery", "displayVerticalDrawingGridEvery",
    "doNotUseMarginsForDrawingGridOrigin", "drawingGridHorizontalOrigin",
    "drawingGridVerticalOrigin", "doNotShadeFormData", "noPunctuationKerning",
    "characterSpacingControl", "printTwoOnOne", "strictFirstAndLastChars",
    "noLineBreaksAfter", "noLineBreaksBefore", "savePreviewPicture",
    "doNotValidateAgainstSchema", "saveInvalidXml", "ignoreMixedContent",
    "alwaysShowPlaceholderText", "doNotDemarcateInvalidXml", "saveXmlDataOnly",
    "useXSLTWhenSaving", "saveThroughXslt", "showXMLTags", "alwaysMergeEmptyNamespace",
    "updateFields", "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars",
    "rsids", "mathPr", "attachedSchema", "themeFontLang", "clrSchemeMapping",
    "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade", "captions",
    "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults",
    "doNotEmbedSmartTags", "decimalSymbol", "listSeparator",
)  # fmt: skip


def language(doc: Any, tag: str) -> None:
    """The document's language where Word and LibreOffice read it: ``w:lang`` on the
    default run properties every style inherits (spelling, hyphenation, quotes), and
    automatic hyphenation on, so each hyphenates with its own dictionary."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = styles.makeelement(qn("w:docDefaults"), {})
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = defaults.makeelement(qn("w:rPrDefault"), {})
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = rpr_default.makeelement(qn("w:rPr"), {})
        rpr_default.append(rpr)
    for old in rpr.findall(qn("w:lang")):
        rpr.remove(old)
    lang = rpr.makeelement(qn("w:lang"), {qn("w:val"): tag})
    # w:lang is late in CT_RPr: only w:eastAsianLayout, w:specVanish and w:oMath follow it
    later = [
        c for c in rpr if c.tag in {qn("w:eastAsianLayout"), qn("w:specVanish"), qn("w:oMath")}
    ]
    if later:
        later[0].addprevious(lang)
    else:
        rpr.append(lang)
    settings = doc.settings.element
    if settings.find(qn("w:autoHyphenation")) is None:
        hyphenate = settings.makeelement(qn("w:autoHyphenation"), {})
        following = [c for c in settings if c.tag in {qn(f"w:{n}") for n in _AFTER_HYPHENATION}]
        if following:
            following[0].addprevious(hyphenate)
        else:
            settings.append(hyphenate)
