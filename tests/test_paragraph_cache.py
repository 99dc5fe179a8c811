"""Paragraphs made once per process: the PDF writer's (``writers/pdf/text.py``: a
paragraph's parse and its lines at a width, shared by every paragraph of the same
markup and style; one that is split gets its own and leaves the shared ones as they
were) and the DOCX writer's runs (``writers/docx/oxml.py``: each a copy of the one
kept)."""

from __future__ import annotations

import io

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from kzru_reports import memo
from kzru_reports.hyphenate import soft_hyphens
from kzru_reports.theme import default_theme
from kzru_reports.writers.pdf import text as pdf_text
from kzru_reports.writers.pdf.fonts import register_fonts
from kzru_reports.writers.pdf.styles import styles

register_fonts(default_theme())
STYLE = styles(default_theme())["body"]
# bold and plain words with soft hyphens: a line ends inside a word, and splitting the
# paragraph there is what changes reportlab's parse of it
TEXT = " ".join(
    f"<b>{soft_hyphens('Межправительственное', 'ru')}</b> "
    + soft_hyphens(f"сотрудничестве промышленности {i}", "ru")
    for i in range(12)
)
WIDTH = 150.0


def drawn(*paragraphs: Paragraph, width: float = WIDTH) -> bytes:
    """The paragraphs drawn one under another on one page, as PDF bytes."""
    out = io.BytesIO()
    canvas = Canvas(out, invariant=1)
    y = 800.0
    for p in paragraphs:
        _, height = p.wrap(width, 10_000)
        y -= height
        p.drawOn(canvas, 20, y)
    canvas.save()
    return out.getvalue()


def changing_split() -> float:
    """A height at which reportlab's split of the paragraph changes its parse (the
    word cut at the end of the first piece)."""
    for lines in range(2, 40):
        p = Paragraph(TEXT, STYLE)
        p.wrap(WIDTH, 10_000)
        kinds = [type(f) for f in p.frags]
        p.split(WIDTH, lines * STYLE.leading)
        if [type(f) for f in p.frags] != kinds:
            return lines * STYLE.leading
    raise AssertionError("no split of the test paragraph changes its parse")


def test_paragraphs_of_the_same_markup_and_style_share_their_parse_and_lines() -> None:
    memo.clear()
    first, second = pdf_text.para(TEXT, STYLE), pdf_text.para(TEXT, STYLE)
    assert second.frags is first.frags
    assert first.wrap(WIDTH, 1000) == second.wrap(WIDTH, 1000)
    assert second.blPara is first.blPara
    # another style or width is its own
    other = ParagraphStyle("cache-test-2", parent=STYLE, fontSize=11, leading=13)
    assert pdf_text.para(TEXT, other).frags is not first.frags
    narrow = pdf_text.para(TEXT, STYLE)
    narrow.wrap(WIDTH / 2, 1000)
    assert narrow.blPara is not first.blPara
    # and each is what reportlab makes of the paragraph alone
    assert drawn(second) == drawn(Paragraph(TEXT, STYLE))
    assert memo.sizes()["writers.pdf.text.parsed"][0] == 2


def test_a_split_paragraph_leaves_the_shared_ones_as_they_were() -> None:
    memo.clear()
    parsed = pdf_text.para(TEXT, STYLE).frags
    shared = pdf_text.para(TEXT, STYLE)
    shared.wrap(WIDTH, 10_000)
    height = changing_split()
    before = drawn(pdf_text.para(TEXT, STYLE))

    split = pdf_text.para(TEXT, STYLE)
    split.wrap(WIDTH, 10_000)
    pieces = split.split(WIDTH, height)
    fresh = Paragraph(TEXT, STYLE)
    fresh.wrap(WIDTH, 10_000)
    assert len(pieces) == 2
    assert drawn(*pieces) == drawn(*fresh.split(WIDTH, height))

    # the same paragraph split again elsewhere splits as it did
    other = pdf_text.para(TEXT, STYLE)
    other.wrap(WIDTH, 10_000)
    assert drawn(*other.split(WIDTH, height)) == drawn(*pieces)

    # the paragraph that was not split, and a new one, draw as before, whole
    again = pdf_text.para(TEXT, STYLE)
    assert again.frags is parsed
    assert drawn(shared) == before
    assert drawn(again) == before
    assert drawn(again) == drawn(Paragraph(TEXT, STYLE))
    # laid out again from its parse, at another width (its lines then made anew)
    for width in (WIDTH * 0.8, WIDTH * 1.3, WIDTH):
        assert drawn(again, width=width) == drawn(Paragraph(TEXT, STYLE), width=width)
        assert drawn(shared, width=width) == drawn(Paragraph(TEXT, STYLE), width=width)


def test_a_paragraph_that_will_not_fit_is_laid_out_again_where_it_goes() -> None:
    """reportlab drops a paragraph's lines when it cannot split it (an orphan): the
    next wrap at the same width must lay it out again, not answer from memory."""
    memo.clear()
    p = pdf_text.para(TEXT, STYLE)
    p.wrap(WIDTH, 10_000)
    assert p.split(WIDTH, 5) == []  # no room for two lines
    assert not hasattr(p, "blPara")
    p.wrap(WIDTH, 10_000)
    assert drawn(p) == drawn(Paragraph(TEXT, STYLE))


def test_caches_are_bounded_and_emptied_with_the_others() -> None:
    memo.clear()
    for i in range(pdf_text.PARSED_PARAGRAPHS + 10):
        pdf_text.para(f"paragraph {i}", STYLE).wrap(WIDTH, 100)
    sizes = memo.sizes()
    assert sizes["writers.pdf.text.parsed"] == (pdf_text.PARSED_PARAGRAPHS,) * 2
    assert sizes["writers.pdf.text.laid"] == (pdf_text.LAID_PARAGRAPHS,) * 2
    memo.clear()
    assert memo.sizes()["writers.pdf.text.parsed"][0] == 0


def test_a_paragraph_is_split_as_it_was_laid_out() -> None:
    """A table lays a cell's paragraph out at one width and splits it at another;
    reportlab splits the lines the paragraph has, and so does a shared one."""
    memo.clear()
    shared, alone = pdf_text.para(TEXT, STYLE), Paragraph(TEXT, STYLE)
    shared.wrap(WIDTH, 10_000)
    alone.wrap(WIDTH, 10_000)
    height = changing_split()
    got, want = shared.split(WIDTH * 1.5, height), alone.split(WIDTH * 1.5, height)
    assert len(got) == len(want) == 2
    assert drawn(*got) == drawn(*want)


def test_a_docx_run_is_a_copy_of_the_one_kept() -> None:
    from lxml import etree

    from kzru_reports.writers.docx.oxml import run

    memo.clear()
    text = soft_hyphens("Межправительственное соглашение\tо сотрудничестве", "ru")
    p = etree.Element("p")
    first = run(p, text, bold=True)
    xml = etree.tostring(first)
    assert b"softHyphen" in xml and b"<w:tab/>" in xml and b"<w:b/>" in xml
    first.append(etree.Element("changed"))  # what a caller does to its run stays there
    second = run(p, text, bold=True)
    assert second is not first and etree.tostring(second) == xml
    assert list(p) == [first, second]
    assert etree.tostring(run(p, text)) != xml  # not bold: its own
    assert memo.sizes()["writers.docx.oxml.runs"][0] == 2
