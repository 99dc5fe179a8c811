"""The neutral style sheet and the measures both writers share: column widths from
the content, label columns as wide as their labels, the same hyphenation points in the
DOCX as in the PDF, and Word styles that say what the sheet says."""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from kzru_reports.model import nodes as n
from kzru_reports.theme import default_theme
from kzru_reports.writers.measure import column_widths, distribute, label_width, text_extent
from kzru_reports.writers.sheet import MM, sheet

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
THEME = default_theme()
SHEET = sheet(THEME)
WIDTH = THEME.text_width_mm * MM


def _table(rows: list[list[str]], widths: tuple[float, ...]) -> n.Table:
    head, *body = rows
    return n.Table(
        tuple(n.Cell((n.Text(c),)) for c in head),
        tuple(n.Row(tuple(n.Cell((n.Text(c),)) for c in r)) for r in body),
        widths,
        "grid",
    )


def test_a_one_word_column_is_as_wide_as_its_word_and_gives_the_rest_away() -> None:
    table = _table(
        [
            ["Title", "Status", "Summary"],
            ["Agreement on cooperation in transit transport", "signed", "A long summary " * 8],
            ["Memorandum", "exchanged", "Short"],
        ],
        (3.0, 1.6, 3.0),  # the template asks 16 % for the status
    )
    look = SHEET.tables["grid"]
    widths = column_widths(table, THEME, WIDTH, "en")
    assert abs(sum(widths) - WIDTH) < 0.01
    style = SHEET.text[look.text]
    word = text_extent((n.Text("exchanged"),), THEME, style, "")[1]
    pad = look.padding[1] + look.padding[3]
    assert word + pad <= widths[1] < word + pad + 3  # the longest word, not 16 %
    assert widths[1] < WIDTH * 1.6 / 7.6
    assert widths[2] > WIDTH * 3.0 / 7.6  # what it gave up went to the others


def test_no_column_is_narrower_than_its_widest_piece_of_a_word() -> None:
    name = "Berdimuhamedow"  # a Turkmen surname, in a column that asks for little
    table = _table([["#", "Signatories", "Summary"], ["1", name, "word " * 200]], (0.2, 0.3, 6))
    style = SHEET.text["td"]
    widths = column_widths(table, THEME, WIDTH, "en")
    narrowest, _ = text_extent((n.Text(name),), THEME, style, "en")
    assert widths[1] >= narrowest  # its widest piece between hyphenation points fits
    assert narrowest < text_extent((n.Text(name),), THEME, style, "")[0]  # it has some


def test_a_word_wider_than_the_page_holds_its_column_to_its_share() -> None:
    # the second column's word needs 400 points: it gets its share, not the whole
    assert distribute(100, (1, 1), (5, 400), (400, 400)) == [50, 50]
    # a column that needs little gives the rest to the other
    assert distribute(100, (1, 1), (5, 10), (5, 400)) == [5, 95]


def test_a_label_column_is_as_wide_as_its_widest_label() -> None:
    look = SHEET.fields["cover"]
    short = label_width(["Date"], look, SHEET, THEME)
    long = label_width(["Highest marking inside"], look, SHEET, THEME)
    assert short == look.label_min < long < WIDTH * 0.4


def test_the_docx_breaks_words_where_the_pdf_does_and_titles_nowhere() -> None:
    """Body text carries Word's optional hyphens at the PDF's hyphenation points (a
    reader's machine needs no hyphenation dictionary); headings carry none."""
    from kzru_reports.writers.docx.writer import DocxWriter

    word = "intergovernmental"
    doc = n.Document(
        n.Meta(title="T"),
        (n.Heading(2, (n.Text(f"An {word} heading"),)), n.Paragraph((n.Text(f"An {word} text"),))),
    )
    data = DocxWriter(THEME).render(doc)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = etree.fromstring(z.read("word/document.xml"))
    heading, para = body.iter(f"{W}p")
    assert heading.find(f".//{W}softHyphen") is None
    pieces = [el.text if el.tag == f"{W}t" else "|" for el in para.iter(f"{W}t", f"{W}softHyphen")]
    from kzru_reports.hyphenate import positions

    expected = list(word)
    for at in reversed(positions(word, "en")):
        expected.insert(at, "|")
    assert "".join(pieces) == f"An {''.join(expected)} text"


def test_word_styles_say_what_the_sheet_says() -> None:
    """Each Word paragraph style has its text style's size, exact leading, spacing,
    indents and keep; Word's list styles keep the space between items."""
    from kzru_reports.writers.docx.styles import WORD_STYLES
    from kzru_reports.writers.docx.writer import DocxWriter

    data = DocxWriter(THEME).render(n.Document(n.Meta(title="T"), ()))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        styles = etree.fromstring(z.read("word/styles.xml"))
    by_name = {st.find(f"{W}name").get(f"{W}val").lower(): st for st in styles.iter(f"{W}style")}
    for key, word in WORD_STYLES.items():
        s, st = SHEET.text[key], by_name[word.lower()]
        assert st.find(f"{W}rPr/{W}sz").get(f"{W}val") == str(round(s.size * 2)), word
        spacing = st.find(f"{W}pPr/{W}spacing")
        if key != "picture":
            assert spacing.get(f"{W}lineRule") == "exact", word
            assert int(spacing.get(f"{W}line")) == round(s.leading * 20), word
        assert int(spacing.get(f"{W}before")) == round(s.before * 20), word
        assert int(spacing.get(f"{W}after")) == round(s.after * 20), word
        ind = st.find(f"{W}pPr/{W}ind")
        left = 0 if ind is None else int(ind.get(f"{W}left", "0"))
        assert left == round(s.left * 20), word
        hanging = 0 if ind is None else int(ind.get(f"{W}hanging", "0"))
        # only a list's first line hangs (its bullet); a quotation's is indented whole
        assert hanging == (0 if s.marker is None else round((s.left - s.marker) * 20)), word
        keep = st.find(f"{W}pPr/{W}keepNext")
        assert (keep is not None and keep.get(f"{W}val") != "0") == s.keep_with_next, word
    assert by_name["list bullet"].find(f"{W}pPr/{W}contextualSpacing") is None


def test_no_break_spaces_hold_their_words_together_when_measured() -> None:
    """A number held to its unit ("20\u00a0млрд") is one piece a line cannot break, so a
    column is as wide as the whole of it, not as its widest word."""
    style = SHEET.text["td"]
    tied, _ = text_extent((n.Text("60\u202f000\u00a0студентов"),), THEME, style, "")
    loose, _ = text_extent((n.Text("60 000 студентов"),), THEME, style, "")
    whole = text_extent((n.Text("студентов"),), THEME, style, "")[0]
    assert loose == whole < tied
