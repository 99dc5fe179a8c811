"""Long tables over pages: the header row heads each page's part once, at its top.

reportlab may split a table and leave room below the rows it placed; the rest of the
table must then start on the next page, not again under a second header on the same
page (seen in the agreement summary inside the analyst pack)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from .readers import squash


def _pages(pdf: Path) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    return [squash(page.extract_text() or "") for page in reader.pages]


@pytest.mark.parametrize("document", ["agreements", "pack"])
@pytest.mark.parametrize("build", ["shipped_build", "summit_build"])
def test_a_table_header_appears_at_most_once_a_page(
    document: str, build: str, request: pytest.FixtureRequest
) -> None:
    folder: Path = request.getfixturevalue(build)
    pdf = next(folder.glob(f"*-{document}.pdf"))
    pages = _pages(pdf)
    headed = [i for i, text in enumerate(pages, 1) if "Summary" in text and "Status" in text]
    assert headed, "no page holds the table of all documents"
    for number, text in enumerate(pages, 1):
        assert text.count("Status") <= 1, f"{pdf.name} page {number}: two table headers"
