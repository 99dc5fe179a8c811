"""Paragraph styles: the theme as reportlab ``ParagraphStyle`` objects, one per role."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle

from kzru_reports import memo
from kzru_reports.theme import Theme
from kzru_reports.writers.pdf.fonts import font_names


@memo.cached(16, files=memo.theme_files)
def styles(theme: Theme) -> dict[str, ParagraphStyle]:
    body = font_names(theme.body_font)
    head = font_names(theme.heading_font)
    accent, text, muted = (colors.HexColor(c) for c in (theme.accent, theme.text, theme.muted))
    lead = theme.leading
    base = ParagraphStyle(
        "body",
        fontName=body["regular"],
        fontSize=theme.body_size,
        leading=theme.body_size * lead,
        textColor=text,
        spaceAfter=5,
        allowWidows=0,
        allowOrphans=0,
        hyphenationLang="",  # words come with soft hyphens: kzru_reports.hyphenate
        splitLongWords=True,
        bulletFontName=body["regular"],
    )

    def derive(name: str, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **kw)

    def heading(
        name: str, size: float, before: float, after: float, color: Any = accent, **kw: Any
    ) -> ParagraphStyle:
        return derive(
            name,
            fontName=head["bold"],
            fontSize=size,
            leading=size * 1.22,
            textColor=color,
            spaceBefore=before,
            spaceAfter=after,
            keepWithNext=0,  # CondPageBreak before each heading keeps it off page ends
            **kw,
        )

    small = theme.small_size
    return {
        "body": base,
        "h1": heading("h1", theme.h1_size, 0, 8),
        "h2": heading("h2", theme.h2_size, 12, 5),
        "h3": heading("h3", theme.h3_size, 8, 3, color=text),
        "kicker": derive(
            "kicker",
            fontName=head["bold"],
            fontSize=small + 0.5,
            leading=small * 1.5,
            textColor=muted,
            spaceAfter=2,
        ),
        "lead": derive(
            "lead", fontSize=theme.body_size + 1, leading=(theme.body_size + 1) * lead, spaceAfter=8
        ),
        "dateline": derive("dateline", fontName=head["regular"], textColor=muted, spaceAfter=8),
        "list": derive("list", leftIndent=14, bulletIndent=2, spaceAfter=3),
        "sources": derive(
            "sources",
            fontSize=small + 0.5,
            leading=(small + 0.5) * lead,
            leftIndent=16,
            bulletIndent=0,
            bulletFontSize=small + 0.5,
            spaceAfter=2,
        ),
        "quote": derive(
            "quote",
            fontName=body["italic"],
            leftIndent=16,
            rightIndent=10,
            spaceAfter=2,
            borderPadding=0,
        ),
        "attribution": derive(
            "attribution",
            fontName=head["regular"],
            fontSize=small + 0.5,
            leading=(small + 0.5) * lead,
            textColor=muted,
            leftIndent=16,
            spaceAfter=9,
        ),
        "field_label": derive(
            "field_label",
            fontName=head["bold"],
            fontSize=small + 0.5,
            leading=theme.body_size * lead,
            textColor=muted,
            spaceAfter=0,
        ),
        "field_value": derive("field_value", spaceAfter=0),
        "th": derive(
            "th",
            fontName=head["bold"],
            fontSize=small + 0.5,
            leading=(small + 0.5) * 1.3,
            textColor=colors.white,
            spaceAfter=0,
        ),
        "td": derive(
            "td",
            fontName=head["regular"],
            fontSize=small + 0.5,
            leading=(small + 0.5) * 1.35,
            spaceAfter=0,
        ),
        "group": derive(
            "group",
            fontName=head["bold"],
            fontSize=small + 1,
            leading=(small + 1) * 1.3,
            textColor=accent,
            spaceAfter=0,
        ),
        "figure_value": derive(
            "figure_value",
            fontName=head["bold"],
            fontSize=theme.figure_size,
            leading=theme.figure_size * 1.15,
            textColor=accent,
            spaceAfter=3,
        ),
        "figure_qualifier": derive(
            "figure_qualifier",
            fontName=head["bold"],
            fontSize=small,
            leading=small * 1.25,
            textColor=accent,
            spaceAfter=0,
        ),
        "figure_label": derive(
            "figure_label",
            fontName=head["bold"],
            fontSize=small + 1,
            leading=(small + 1) * 1.3,
            spaceAfter=1,
        ),
        "figure_note": derive(
            "figure_note",
            fontName=head["regular"],
            fontSize=small,
            leading=small * 1.3,
            textColor=muted,
            spaceAfter=0,
        ),
        "chart_title": derive("chart_title", fontName=head["bold"], textColor=muted),
        "cover_title": heading("cover_title", theme.h1_size * 1.5, 0, 14),
        "cover-kicker": derive(
            "cover-kicker",
            fontName=head["bold"],
            fontSize=small + 3,
            leading=(small + 3) * 1.4,
            textColor=muted,
            spaceBefore=150,
            spaceAfter=6,
        ),
        "toc1": derive(
            "toc1",
            fontName=head["bold"],
            fontSize=theme.body_size + 0.5,
            leading=(theme.body_size + 0.5) * 1.3,
            spaceAfter=0,
        ),
        "toc2": derive(
            "toc2",
            fontName=head["regular"],
            fontSize=theme.body_size - 0.5,
            leading=(theme.body_size - 0.5) * 1.3,
            leftIndent=12,
            spaceAfter=0,
        ),
    }
