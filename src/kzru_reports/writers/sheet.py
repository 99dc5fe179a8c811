"""The neutral style sheet: what each role of the model (``model.nodes.ROLES``) looks
like, decided once from the theme for every writer. Writers only translate it into
their own terms (reportlab paragraph and table styles in ``writers/pdf/styles.py``,
Word paragraph and table styles in ``writers/docx/styles.py``); none of them decides
a size, a space, an indent or a colour of its own.

Every length is in points. ``leading`` is the distance from one baseline to the next,
exactly (reportlab's model; Word's "exactly" line spacing), and the space between two
paragraphs is the larger of the first's ``after`` and the second's ``before``, not
their sum (as Word and LibreOffice set a DOCX; the PDF writer's frames do the same), so
both renderings break pages at the same lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from kzru_reports import memo
from kzru_reports.model import nodes as n
from kzru_reports.theme import Theme

MM = 72 / 25.4  # points in a millimetre

BODY, HEADING = "body", "heading"  # which of the theme's font families


@dataclass(frozen=True, slots=True)
class TextStyle:
    """One paragraph style: the look of a role's text."""

    name: str  # the key writers name it by ("body", "h2", "td" ...)
    font: str  # BODY or HEADING: the theme's family
    size: float
    leading: float  # baseline to baseline, exactly
    colour: str  # "#RRGGBB"
    bold: bool = False
    italic: bool = False
    before: float = 0.0  # space above the paragraph
    after: float = 0.0  # space below it
    left: float = 0.0  # indent of the text from the left edge
    right: float = 0.0  # indent from the right edge
    marker: float | None = None  # a list's: where its bullet or number stands
    keep_with_next: bool = False  # never the last thing on a page
    align: str = "left"  # left, right, center
    hyphenate: bool = True  # long words break at hyphenation points (titles never)
    rule_left: tuple[str, float, float] | None = None  # a bar left of the text:
    # (colour, width, gap to the text)


@dataclass(frozen=True, slots=True)
class TableLook:
    """One table role: padding, rules and fills, and the text styles of its cells.
    Every cell has the same padding in both writers, so lines break alike."""

    head: str  # text style of header cells
    text: str  # text style of body cells
    padding: tuple[float, float, float, float]  # top, right, bottom, left
    head_fill: str | None  # the header row's background
    head_rule: tuple[str, float] | None  # the rule under the header row
    rule: tuple[str, float] | None  # between body rows and under the last
    band: str | None  # every other body row (counted again after each group row)
    group: str = "group"  # text style of a group row (a heading across all columns)
    group_fill: str | None = None
    group_padding_top: float = 5.0
    space_after: float = 10.0  # below the table


@dataclass(frozen=True, slots=True)
class FieldLook:
    """One field-list role: label / value rows (a memo's header, a cover's details)."""

    label: str  # text style of labels (set in capitals)
    value: str  # text style of values
    label_min: float  # the label column is as wide as its widest label, at least this
    padding: tuple[float, float, float, float]  # top, right, bottom, left
    rule: tuple[str, float] | None  # above the first row and below the last
    space_after: float = 10.0


@dataclass(frozen=True, slots=True)
class TileLook:
    """Key-figure tiles: a grid of tinted boxes with a rule on top."""

    columns: int
    gap: float  # between tiles, across and down
    padding: tuple[float, float, float, float]  # top, right, bottom, left
    fill: str
    rule: tuple[str, float]  # on each tile's top edge


@dataclass(frozen=True, slots=True)
class Sheet:
    """Every look a document may take, by name, and which one each role takes."""

    text: Mapping[str, TextStyle]
    tables: Mapping[str, TableLook]  # table role -> look
    fields: Mapping[str, FieldLook]  # field-list role -> look
    tiles: TileLook
    paragraphs: Mapping[str, str]  # paragraph role -> text style
    headings: Mapping[str, str]  # heading role -> text style ("" -> by level)
    lists: Mapping[str, str]  # list role -> text style
    closing_items: int  # a sources list this long or shorter is kept whole, with the
    # last paragraph before its heading: never a few source lines alone on a page

    def heading(self, role: str, level: int) -> TextStyle:
        return self.text[self.headings[role] or f"h{min(level, 3)}"]


# row role "group": a heading row across all columns, kept with the row after it
GROUP_ROW = "group"


def closing(block: n.Block, items: int) -> bool:
    """Whether ``block`` is a short closing section's text, kept whole with its heading
    and the last paragraph before it: a sources list of at most ``items`` items, or
    sources cited in one paragraph."""
    if isinstance(block, n.List):
        return block.role == "sources" and len(block.items) <= items
    return isinstance(block, n.Paragraph) and block.role == "sources"


@memo.cached(16)
def sheet(theme: Theme) -> Sheet:
    """The theme's sheet, computed once per theme."""
    body, small, lead = theme.body_size, theme.small_size, theme.leading
    text, accent, muted = theme.text, theme.accent, theme.muted
    note = small + 0.5  # table text, source lines, labels

    def style(name: str, font: str = BODY, size: float = body, **kw: object) -> TextStyle:
        kw.setdefault("leading", size * lead)
        kw.setdefault("colour", text)
        return TextStyle(name, font, size, **kw)  # type: ignore[arg-type]

    whole = {"hyphenate": False}  # titles, numbers and contents lines: never hyphenated

    def heading(name: str, size: float, before: float, after: float, colour: str = accent):
        kw = {"colour": colour, "bold": True, "keep_with_next": True, **whole}
        return style(name, HEADING, size, leading=size * 1.22, before=before, after=after, **kw)

    quiet = {"colour": muted, "bold": True}  # labels: muted capitals
    kept, bar = {"keep_with_next": True}, (accent, 2.2, 11.0)
    strong = {"colour": accent, "bold": True}  # group rows, key figures
    cover, group, figure, toc = small + 3, small + 1, theme.figure_size, body + 0.5
    styles = [
        style("body", after=5),
        style("picture", after=6),  # a chart: its line as tall as the picture
        heading("h1", theme.h1_size, 0, 8),
        heading("h2", theme.h2_size, 17, 5),
        heading("h3", theme.h3_size, 13, 3, colour=text),
        heading("cover-title", theme.h1_size * 1.5, 0, 14),
        style("kicker", HEADING, note, leading=small * 1.5, after=2, **quiet),
        # a pack's cover: its kicker, and the title under it, a third down the page
        style("cover-kicker", HEADING, cover, leading=cover * 1.4, before=306, after=6, **quiet),
        style("lead", size=body + 1, after=8),
        style("dateline", HEADING, colour=muted, after=8),
        style("list", left=14, marker=2, after=3),
        style("sources", size=note, left=16, marker=0, after=2),
        # a quotation keeps with who said it: an attribution never starts a page alone
        style("quote", italic=True, left=16, right=10, after=2, rule_left=bar, **kept),
        style("attribution", HEADING, note, colour=muted, left=16, after=9),
        style("field-label", HEADING, note, leading=body * lead, **quiet),
        style("field-value"),
        # a memo's header: labels and values a size down and set close, so the block
        # reads as furniture above the text rather than as its first paragraph
        style("header-label", HEADING, small, leading=(body - 0.5) * 1.3, **quiet),
        style("header-value", size=body - 0.5, leading=(body - 0.5) * 1.3),
        style("th", HEADING, note, leading=note * 1.3, colour="#FFFFFF", bold=True),
        style("th-compact", HEADING, note, leading=note * 1.3, **strong),
        style("td", HEADING, note, leading=note * 1.35),
        style("group", HEADING, group, leading=group * 1.3, keep_with_next=True, **strong),
        style("figure-value", HEADING, figure, leading=figure * 1.15, after=3, **strong, **whole),
        style("figure-qualifier", HEADING, small, leading=small * 1.25, **strong),
        style("figure-label", HEADING, group, leading=group * 1.3, bold=True, after=1),
        style("figure-note", HEADING, small, leading=small * 1.3, colour=muted),
        style("toc1", HEADING, toc, leading=toc * 1.3, bold=True, before=9, **whole),
        style("toc2", HEADING, toc - 1, leading=(toc - 1) * 1.3, left=12, **whole),
        # page furniture: the running header's marking, the footer, letterhead lines
        style("running-header", HEADING, 8.5, leading=8.5 * 1.4, colour=theme.marking, bold=True),
        style("running-footer", HEADING, 7.5, leading=7.5 * 1.4, colour=muted),
        style("letterhead", HEADING, note, leading=note * 1.2, colour=accent),
    ]
    rule = (theme.rule, 0.4)
    data = TableLook(
        head="th",
        text="td",
        padding=(3.5, 5.0, 4.0, 5.0),
        head_fill=accent,
        head_rule=None,
        rule=rule,
        band=None,
        group_fill=theme.accent_light,
    )
    tables = {
        "": data,
        "grid": replace(data, band=theme.zebra),
        # a short table of labels and values: no band of colour, the text on the
        # text's left edge, a rule under the header as in a printed table
        "compact": replace(
            data,
            head="th-compact",
            padding=(2.5, 6.0, 3.0, 0.0),
            head_fill=None,
            head_rule=(accent, 0.8),
        ),
    }
    frame = (theme.rule, 0.8)
    fields = {
        "": FieldLook("field-label", "field-value", 32 * MM, (2.5, 6.0, 2.5, 0.0), frame),
        "header": FieldLook(
            "header-label", "header-value", 24 * MM, (1.5, 6.0, 1.5, 0.0), (accent, 0.8)
        ),
        "cover": FieldLook("field-label", "field-value", 32 * MM, (2.5, 6.0, 2.5, 0.0), frame),
    }
    return Sheet(
        text=MappingProxyType({s.name: s for s in styles}),
        tables=MappingProxyType(tables),
        fields=MappingProxyType(fields),
        tiles=TileLook(3, 6.0, (7.0, 6.0, 8.0, 8.0), theme.zebra, (accent, 2.0)),
        paragraphs=MappingProxyType(
            {
                "": "body",
                "lead": "lead",  # the opening paragraph, a size larger
                "kicker": "kicker",  # small capitals above a title: the kind of document
                "dateline": "dateline",  # where and when, under a title
                "sources": "sources",  # a source line, small
                "cover-kicker": "cover-kicker",  # the kicker of a pack's cover
            }
        ),
        headings=MappingProxyType({"": "", "cover": "cover-title"}),
        lists=MappingProxyType({"": "list", "sources": "sources"}),
        closing_items=8,
    )
