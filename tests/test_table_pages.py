"""Tables and label columns as a reader sees them: the header row heads each page's part
once, at its top, and a label stands whole in its column.

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


@pytest.mark.client
@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        ("en", ["DATE", "SUBJECT", "PLACE", "PARTICIPANTS", "HANDLING"]),
        ("ru", ["ДАТА", "ТЕМА", "МЕСТО", "УЧАСТНИКИ", "ГРИФ"]),
        ("kk", ["КҮНІ", "ТАҚЫРЫБЫ", "ӨТЕТІН ОРНЫ", "ҚАТЫСУШЫЛАР", "БЕЛГІСІ"]),
    ],
)
def test_memo_header_labels_stand_whole_on_their_line(
    lang: str, labels: list[str], tmp_path: Path
) -> None:
    """A label column is as wide as its widest label: none is broken over two lines
    (the Kazakh 'ҚАТЫСУШЫЛАР' came out as 'ҚАТЫСУШЫЛА' above 'Р')."""
    from kzru_reports import api
    from kzru_reports.audiences import BUILTIN

    from .readers import SHIPPED, layout_text

    options = api.BuildOptions(
        out=str(tmp_path),
        documents=("memo",),
        formats=("pdf",),
        audiences=(BUILTIN["leadership"],),
        lang=lang,
    )
    report = api.build([SHIPPED], options)
    assert report.ok, report.errors
    text = layout_text(next(tmp_path.rglob("*-memo*.pdf")), first_page_only=True)
    lines = [line.strip() for line in text.splitlines()]
    for label in labels:
        assert any(line.startswith(f"{label} ") for line in lines), (label, lines[:14])


def test_a_closing_line_after_a_table_takes_the_last_row_with_it(tmp_path: Path) -> None:
    """The Russian analyst pack ends with its agreement table and "Источники: см. …":
    when the line does not fit under the table, the table's last row goes on with it
    rather than the line standing alone on the last page."""
    from kzru_reports import api
    from kzru_reports.audiences import BUILTIN

    from .readers import SHIPPED

    options = api.BuildOptions(
        out=str(tmp_path),
        documents=("pack",),
        formats=("pdf",),
        audiences=(BUILTIN["analyst"],),
        lang="ru",
    )
    report = api.build([SHIPPED], options)
    assert report.ok, report.errors
    last = _pages(next(tmp_path.rglob("*-pack*.pdf")))[-1]
    assert "Источники: см." in last
    assert "Письмо о намерениях" in last, last[:300]  # the table's last row beside it
