"""Pages as a reader sees them, in both renderings of each document: the PDF, and the
DOCX opened in LibreOffice (on a machine without the Noto fonts, it uses the faces the
DOCX embeds). The shipped visit in every built-in audience, the three-party summit, and
a four-party Russian visit whose long Turkmen, Azerbaijani and Kazakh names fill narrow
table columns.

- the same number of pages: each standalone document exactly, a pack within one page;
- no heading is the last line of a page;
- no page opens with a sources list that would have fitted on the page before;
- no word is broken at a line end but at a hyphenation point, read by comparing each
  line's last word and the next line's first with the words of the document.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest

from kzru_reports import api
from kzru_reports.audiences import BUILTIN
from kzru_reports.theme import default_theme
from kzru_reports.writers.sheet import sheet

from .readers import FIXTURES, SHIPPED, SUMMIT, docx_text, squash

pytestmark = pytest.mark.client

CASPIAN = FIXTURES / "caspian-summit.yaml"
VISITS = (
    (SHIPPED, "en", ("analyst", "leadership", "press")),
    (SUMMIT, "en", ("analyst", "leadership")),
    (CASPIAN, "ru", ("analyst", "leadership")),
)
SOURCES = {"en": "Sources", "ru": "Источники"}  # the label of each language's sources
PUNCTUATION = "\"'“”«»()[],.;:!?"
PT = 72 / 25.4


class Line(NamedTuple):
    """A line of text as pdftotext reads it, with its top and bottom on the page."""

    text: str
    top: float
    bottom: float


@dataclass(frozen=True)
class Page:
    blocks: tuple[tuple[Line, ...], ...]  # the lines of each block, in order
    height: float

    def content(self) -> list[Line]:
        """The page's lines inside the text frame (the running header and footer,
        set in the margins, left out), top to bottom."""
        theme = default_theme()
        top, bottom = theme.margin_top * PT - 2, self.height - theme.margin_bottom * PT + 2
        lines = [ln for b in self.blocks for ln in b if ln.top >= top and ln.bottom <= bottom]
        return sorted(lines, key=lambda ln: ln.top)


@dataclass(frozen=True)
class Rendering:
    name: str  # "<visit>/<audience>/<document> (pdf|docx)"
    pdf: Path
    docx: Path
    lang: str
    pages: tuple[Page, ...]


def _pages(pdf: Path) -> tuple[Page, ...]:
    from lxml import etree

    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], check=True, capture_output=True
    ).stdout
    root = etree.fromstring(out, etree.HTMLParser(encoding="utf-8"))
    pages = []
    for page in root.iter("page"):
        blocks = []
        for block in page.iter("block"):
            lines = []
            for line in block.iter("line"):
                words = [w.text or "" for w in line.iter("word")]
                top, bottom = float(line.get("ymin")), float(line.get("ymax"))
                lines.append(Line(" ".join(words), top, bottom))
            blocks.append(tuple(lines))
        pages.append(Page(tuple(blocks), float(page.get("height"))))
    return tuple(pages)


@pytest.fixture(scope="module")
def renderings(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Rendering, Rendering]]:
    """(PDF, DOCX through LibreOffice) of every document of every visit and audience."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    root = tmp_path_factory.mktemp("layout")
    pairs = []
    for visit, lang, audiences in VISITS:
        out = root / visit.stem
        options = api.BuildOptions(
            out=str(out), audiences=tuple(BUILTIN[a] for a in audiences), lang=lang
        )
        report = api.build([visit], options)
        assert report.ok, report.errors
        for folder in sorted(out.glob("*/*/")):  # one audience at a time: same names
            docxs = sorted(folder.glob("*.docx"))
            converted = folder / "libreoffice"
            subprocess.run(
                [
                    soffice,
                    "--headless",
                    f"-env:UserInstallation=file://{root}/lo-profile",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(converted),
                    *map(str, docxs),
                ],
                check=True,
                capture_output=True,
                timeout=600,
            )
            for docx in docxs:
                pdf, lo = docx.with_suffix(".pdf"), converted / f"{docx.stem}.pdf"
                name = f"{folder.parent.name}/{folder.name}/{docx.stem}"
                pairs.append(
                    (
                        Rendering(f"{name} (pdf)", pdf, docx, lang, _pages(pdf)),
                        Rendering(f"{name} (docx)", lo, docx, lang, _pages(lo)),
                    )
                )
    return pairs


def test_docx_through_libreoffice_has_the_pdfs_page_count(
    renderings: list[tuple[Rendering, Rendering]],
) -> None:
    counts = {pdf.name: (len(pdf.pages), len(docx.pages)) for pdf, docx in renderings}
    for name, (pdf, docx) in counts.items():
        if "-pack" in name:
            assert abs(pdf - docx) <= 1, (name, counts)
        else:
            assert pdf == docx, (name, counts)


def _headings(pdf: Path) -> set[str]:
    """Every heading of a document, as its bookmarks name them."""
    from pypdf import PdfReader

    titles: set[str] = set()

    def walk(items: list) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.add(squash(item.title))

    walk(PdfReader(pdf).outline)
    return titles


def test_no_heading_is_the_last_line_of_a_page(
    renderings: list[tuple[Rendering, Rendering]],
) -> None:
    ends = []
    for pair in renderings:
        titles = _headings(pair[0].pdf)
        for r in pair:
            for number, page in enumerate(r.pages[:-1], 1):
                lines = page.content()
                if len(lines) < 2:
                    continue
                last, before = squash(lines[-1].text), squash(lines[-2].text)
                for title in titles:
                    whole = last == title
                    wrapped = title.endswith(" " + last) and title.startswith(before + " ")
                    if whole or wrapped:
                        ends.append((r.name, number, title))
    assert not ends, ends


def test_no_page_opens_with_a_sources_list_that_fitted_on_the_page_before(
    renderings: list[tuple[Rendering, Rendering]],
) -> None:
    """A sources list that starts a page must have had no room on the page before: it
    keeps with what comes before it where it fits."""
    h2 = sheet(default_theme()).text["h2"].before  # above a section heading
    theme = default_theme()
    found = []
    for pair in renderings:
        for r in pair:
            label = SOURCES[r.lang]
            for number in range(1, len(r.pages)):
                before, page = r.pages[number - 1].content(), r.pages[number].content()
                if not page or squash(page[0].text) != label or not before:
                    continue
                free = r.pages[number].height - theme.margin_bottom * PT - before[-1].bottom
                height = page[-1].bottom - page[0].top
                if height + h2 < free - 2:
                    found.append((r.name, number + 1, round(height), round(free)))
            # and never a few source lines alone on a page after the rest of the list
            for number, page in enumerate(r.pages[1:], 2):
                lines = page.content()
                if lines and re.match(r"^\d+\.\s", lines[0].text) and len(lines) <= 3:
                    found.append((r.name, number, "a list's last lines alone"))
    assert not found, found


def _words(docx: Path) -> set[str]:
    """The words of a document, whole (as the DOCX holds them: its hyphenation points
    are marks the text reads past)."""
    text = docx_text(docx.read_bytes())
    return {w.strip(PUNCTUATION) for w in re.split(r"[\s/]+", text)} - {""}


DASHES = "-–—"


def _line_ends(r: Rendering) -> Iterator[tuple[int, str, str]]:
    """(page, last word of a line, first word of the next line of the same block)."""
    for number, page in enumerate(r.pages, 1):
        for block in page.blocks:
            for first, second in itertools.pairwise(block):
                a = first.text.split()[-1].strip(PUNCTUATION)
                b = second.text.split()[0].strip(PUNCTUATION)
                if a and b:
                    yield number, a, b


def _hyphenation_point(word: str, at: int, lang: str) -> bool:
    """Whether ``word`` may be broken before index ``at``: a hyphenation point of the
    part of a compound (``innovation-driven``) it falls in."""
    from kzru_reports.hyphenate import positions

    start = 0
    for part in re.split(f"([{DASHES}])", word):
        if start < at < start + len(part):
            return at - start in positions(part, lang)
        start += len(part)
    return False


def test_no_word_is_broken_but_at_a_hyphenation_point(
    renderings: list[tuple[Rendering, Rendering]],
) -> None:
    """A line that ends inside a word ends with a hyphen, at one of the word's
    hyphenation points; a line ending without one ends a word."""
    broken = []
    for pair in renderings:
        words = _words(pair[0].docx)
        for r in pair:
            for number, a, b in _line_ends(r):
                if a + b in words and a[-1] in DASHES:
                    continue  # a break after a word's own hyphen or dash
                head = a[:-1]
                if a[-1] in "-\u00ad" and head + b in words and head not in words:
                    if not _hyphenation_point(head + b, len(head), r.lang):
                        broken.append((r.name, number, f"{head}-|{b}"))
                elif a + b in words and (a not in words or b not in words):
                    broken.append((r.name, number, f"{a}|{b}"))
    assert not broken, broken


def test_a_fact_sheet_whose_content_fits_one_page_takes_one(
    renderings: list[tuple[Rendering, Rendering]],
) -> None:
    """The fact sheet's budget is one page where its content fits on one: the four-party
    visit's, whose content fills most of a page (a heading that asked for a fixed 90
    points of room, as headings once did, would push it onto a second)."""
    one_page = ("caspian-summit-2026/analyst/", "caspian-summit-2026/leadership/")
    sheets = [r for pair in renderings for r in pair if "-factsheet" in r.name]
    budgeted = [r for r in sheets if r.name.startswith(one_page)]
    assert len(budgeted) == 2 * len(one_page)  # each in both renderings
    assert all(len(r.pages) == 1 for r in budgeted), [(r.name, len(r.pages)) for r in budgeted]
