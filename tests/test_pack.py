"""The briefing pack: cover, contents with true page numbers, continuous pages."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from .readers import docx_text, layout_text, libreoffice_pdf, squash, unhyphenate


def _outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    out: list[tuple[int, str, int]] = []

    def walk(items: list, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return out


def test_pack_pages_are_the_parts_plus_cover_and_contents(shipped_build: Path) -> None:
    pages = {
        doc: len(PdfReader(next(shipped_build.glob(f"*-{doc}.pdf"))).pages)
        for doc in ("memo", "factsheet", "agreements", "pack")
    }
    # inside the pack each fact is given once, so its parts are no longer than alone
    assert pages["pack"] <= pages["memo"] + pages["factsheet"] + pages["agreements"] + 2


def test_pack_contents_and_bookmarks_point_where_parts_start(shipped_build: Path) -> None:
    reader = PdfReader(next(shipped_build.glob("*-pack.pdf")))
    n = len(reader.pages)
    outline = _outline(reader)
    parts = {title: page for depth, title, page in outline if depth == 0}
    assert {"Contents", "Briefing memo", "Fact sheet", "Agreement summary"} <= set(parts)
    assert any(depth == 1 for depth, _, _ in outline), "sections nest under their document"
    memo_pages = len(PdfReader(next(shipped_build.glob("*-memo.pdf"))).pages)
    assert parts["Briefing memo"] == 3
    assert parts["Fact sheet"] == 3 + memo_pages
    contents = reader.pages[1].extract_text(extraction_mode="layout")
    for title, page in parts.items():
        if title != "Contents":
            assert re.search(rf"{re.escape(title)}[\s.]*{page}\b", contents), (title, page)
    # each section's page in the contents is the page its heading is on
    for depth, title, page in outline:
        if depth == 1:
            assert title in squash(unhyphenate(reader.pages[page - 1].extract_text()))
    # continuous numbering with each part's own running footer
    assert f"Page 1 of {n}" in reader.pages[0].extract_text()
    assert "Briefing memo · " in reader.pages[3].extract_text()
    assert f"Page {n} of {n}" in reader.pages[-1].extract_text()
    assert "Agreement summary · " in reader.pages[-1].extract_text()


def test_pack_cover_says_what_and_for_whom(shipped_build: Path) -> None:
    cover = PdfReader(next(shipped_build.glob("*-pack.pdf"))).pages[0].extract_text()
    for text in (
        "Briefing pack",
        "State visit of the President of Kazakhstan to Russia",
        "11–12 November 2025",
        "Analysts",
        "PUBLIC",
        "DATE OF ISSUE",
    ):
        assert text in cover


def test_pack_docx_has_sections_contents_links_and_cached_pages(shipped_build: Path) -> None:
    from docx import Document

    data = next(shipped_build.glob("*-pack.docx")).read_bytes()
    doc = Document(io.BytesIO(data))
    assert len(doc.sections) == 4  # cover+contents, then one per part
    footers = [s.footer.paragraphs[0].text for s in doc.sections]
    assert footers[1].startswith("Briefing memo") and footers[3].startswith("Agreement summary")
    xml = doc.element.xml
    anchors = set(re.findall(r'w:anchor="([^"]+)"', xml))
    bookmarks = set(re.findall(r'w:bookmarkStart [^>]*w:name="([^"]+)"', xml))
    assert anchors and anchors <= bookmarks
    assert "PAGEREF" in xml
    text = docx_text(data)
    assert "Contents" in text and "Briefing memo" in text
    toc = [p for p in doc.paragraphs if p.style.name in ("TOC 1", "TOC 2")]
    assert toc and all(re.search(r"\d+$", p.text) for p in toc)


@pytest.mark.client
def test_pack_docx_contents_visible_in_libreoffice(shipped_build: Path, tmp_path: Path) -> None:
    pack = next(shipped_build.glob("*-pack.docx"))
    text = layout_text(libreoffice_pdf(pack, tmp_path))
    contents = next(p for p in text.split("\f") if "Contents" in p)
    assert re.search(r"Briefing memo\W+\d+", contents)
    assert re.search(r"Agreement summary\W+\d+", contents)
    assert "Kassym-Jomart Tokayev" in text


@pytest.mark.client
def test_docx_running_footer_keeps_title_and_page_apart(
    shipped_build: Path, tmp_path: Path
) -> None:
    for doc in ("memo", "factsheet", "agreements"):
        docx = next(shipped_build.glob(f"*-{doc}.docx"))
        text = layout_text(libreoffice_pdf(docx, tmp_path), first_page_only=True)
        [line] = [x for x in text.splitlines() if "Page 1 of" in x]
        assert re.search(r" · .*\S {3,}Page 1 of \d+$", line), (doc, line)
