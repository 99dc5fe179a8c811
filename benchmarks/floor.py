"""The floor: the briefing memo of a visit written by a minimal, direct use of
reportlab and of python-docx, with no engine in between.

The ``floor`` benchmark times this whole process against ``kzru build -d memo`` of
the same visit, so the ratio is what the engine itself costs on top of the two
libraries. It is written as plainly as those libraries' tutorials do it: styles
looked up by name, ``add_paragraph``/``add_table`` in python-docx, a
``SimpleDocTemplate`` of paragraphs and tables in reportlab, the same embedded Noto
fonts (so both produce the same glyphs), YAML read with PyYAML. It checks nothing.

    python benchmarks/floor.py VISIT.yaml OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml

FONTS = Path(__file__).resolve().parents[1] / "src" / "kzru_reports" / "fonts"


def _money(value: float) -> str:
    return f"${value / 1e9:g} billion" if value >= 1e9 else f"{value:,.0f}"


def _speaker(parties: dict[str, Any], speaker: str) -> str:
    party = parties.get(speaker)
    return str(party["leader"]["name"]) if party and "leader" in party else speaker


def _lines(v: dict[str, Any]) -> dict[str, Any]:
    """The memo's content as plain strings, in order."""
    parties = {p["id"]: p for p in v["parties"]}
    figures = []
    for f in v.get("figures", []):
        unit = f.get("unit", "")
        value = _money(f["value"]) if unit == "USD" else f"{f['value']:,} {unit}"
        figures.append(f"{f['label']}: {value}" + (f" ({f['period']})" if f.get("period") else ""))
    return {
        "title": v["title"],
        "fields": [
            ("SUBJECT", v["title"]),
            ("DATES", f"{v['dates']['start']} – {v['dates']['end']}" if v.get("dates") else ""),
            ("PLACE", ", ".join(str(x) for x in v.get("location", {}).values())),
            (
                "PARTICIPANTS",
                "; ".join(
                    f"{p['country']}: {p['leader']['name']}"
                    for p in parties.values()
                    if "leader" in p
                ),
            ),
        ],
        "summary": v.get("summary", ""),
        "outcomes": [f"{a['title']} ({a.get('kind', '')})" for a in v.get("agreements", [])],
        "figures": figures,
        "programme": [f"{e['title']}. {e.get('summary', '')}" for e in v.get("events", [])],
        "topics": [
            (
                t["title"],
                t.get("summary", ""),
                [p if isinstance(p, str) else p["text"] for p in t.get("points", [])],
                [f"{p['name']}: {p.get('summary', '')}" for p in t.get("projects", [])],
            )
            for t in v.get("topics", [])
        ],
        "statements": [
            (s["text"], _speaker(parties, s["speaker"])) for s in v.get("statements", [])
        ],
        "follow_ups": [f if isinstance(f, str) else f["text"] for f in v.get("follow_ups", [])],
        "sources": [s["title"] for s in v.get("sources", [])],
    }


def write_pdf(memo: dict[str, Any], path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, mm
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    for name, file in (
        ("Serif", "NotoSerif-Regular.ttf"),
        ("Serif-Italic", "NotoSerif-Italic.ttf"),
        ("Sans", "NotoSans-Regular.ttf"),
        ("Sans-Bold", "NotoSans-Bold.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(FONTS / file)))
    body = ParagraphStyle("body", fontName="Serif", fontSize=10, leading=13.5, spaceAfter=5)
    h1 = ParagraphStyle("h1", fontName="Sans-Bold", fontSize=19, leading=23, spaceAfter=8)
    h2 = ParagraphStyle("h2", fontName="Sans-Bold", fontSize=12.5, leading=15, spaceBefore=12)
    bullet = ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=2)
    quote = ParagraphStyle("quote", parent=body, fontName="Serif-Italic", leftIndent=16)

    story: list[Any] = [Paragraph(escape(memo["title"]), h1)]
    table = Table(
        [[Paragraph(k, body), Paragraph(escape(val), body)] for k, val in memo["fields"]],
        colWidths=[30 * mm, 136 * mm],
    )
    table.setStyle(TableStyle([("LINEBELOW", (0, -1), (-1, -1), 0.8, colors.grey)]))
    story += [table, Spacer(1, 10)]

    def section(title: str, items: list[str]) -> None:
        if items:
            story.append(Paragraph(escape(title), h2))
            story.extend(Paragraph(escape(i), bullet, bulletText="•") for i in items)

    story += [Paragraph("Summary", h2), Paragraph(escape(memo["summary"]), body)]
    section("Key outcomes", memo["outcomes"])
    section("Key figures", memo["figures"])
    section("Programme", memo["programme"])
    for title, summary, points, projects in memo["topics"]:
        story.append(Paragraph(escape(title), h2))
        if summary:
            story.append(Paragraph(escape(summary), body))
        story.extend(Paragraph(escape(p), bullet, bulletText="•") for p in points + projects)
    story.append(Paragraph("Statements", h2))
    for text, who in memo["statements"]:
        story += [Paragraph(f"«{escape(text)}»", quote), Paragraph(f"— {escape(who)}", body)]
    section("Follow-up", memo["follow_ups"])
    section("Sources", memo["sources"])

    def footer(canvas: Any, doc: Any) -> None:
        canvas.setFont("Sans", 7.5)
        canvas.drawRightString(188 * mm, 11 * mm, f"Page {doc.page}")

    doc = SimpleDocTemplate(str(path), pagesize=A4, title=memo["title"])
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def write_docx(memo: dict[str, Any], path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.add_heading(memo["title"], level=1)
    table = doc.add_table(rows=0, cols=2, style="Table Grid")
    for k, val in memo["fields"]:
        row = table.add_row().cells
        row[0].text, row[1].text = k, val
    doc.add_heading("Summary", level=2)
    doc.add_paragraph(memo["summary"])

    def section(title: str, items: list[str]) -> None:
        if items:
            doc.add_heading(title, level=2)
            for i in items:
                doc.add_paragraph(i, style="List Bullet")

    section("Key outcomes", memo["outcomes"])
    section("Key figures", memo["figures"])
    section("Programme", memo["programme"])
    for title, summary, points, projects in memo["topics"]:
        doc.add_heading(title, level=2)
        if summary:
            doc.add_paragraph(summary)
        for p in points + projects:
            doc.add_paragraph(p, style="List Bullet")
    doc.add_heading("Statements", level=2)
    for text, who in memo["statements"]:
        doc.add_paragraph(f"«{text}»", style="Quote")
        doc.add_paragraph(f"— {who}")
    section("Follow-up", memo["follow_ups"])
    section("Sources", memo["sources"])
    doc.core_properties.title = memo["title"]
    doc.save(str(path))


def _english(value: Any) -> Any:
    """The visit with every multilingual text (``{en: ..., ru: ..., kk: ...}``) read as
    its English: the floor writes one language, as the engine's default build does."""
    if isinstance(value, dict):
        if "en" in value and set(value) <= {"en", "ru", "kk"}:
            return _english(value["en"])
        return {k: _english(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_english(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    visit, out = Path(args[0]), Path(args[1])
    out.mkdir(parents=True, exist_ok=True)
    memo = _lines(_english(yaml.safe_load(visit.read_text(encoding="utf-8"))))
    write_pdf(memo, out / "memo.pdf")
    write_docx(memo, out / "memo.docx")


if __name__ == "__main__":
    main()
