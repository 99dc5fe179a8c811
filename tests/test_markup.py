"""The template vocabulary, parsed into model nodes: what each element makes, what is
refused, and that text is never read as markup."""

from __future__ import annotations

import pytest

from kzru_reports.errors import TemplateError
from kzru_reports.model import nodes as n
from kzru_reports.templating.markup import parse_blocks, parse_document


def blocks(markup: str) -> tuple[n.Block, ...]:
    return parse_blocks(markup, "t.xml.j2")


def test_a_document_carries_its_meta_and_body() -> None:
    doc = parse_document(
        '<document title=" A  title " keywords="a; b;; c" lang="kk" page-label="{page}">'
        '<h1 id="top">Title</h1><p>Text</p></document>',
        "t.xml.j2",
        "memo",
    )
    assert doc.name == "memo"
    assert doc.meta.title == "A title"  # white space folded
    assert doc.meta.keywords == ("a", "b", "c")
    assert (doc.meta.lang, doc.meta.page_label) == ("kk", "{page}")
    assert doc.body == (
        n.Heading(1, (n.Text("Title"),), "top"),
        n.Paragraph((n.Text("Text"),)),
    )


def test_inline_elements_nest() -> None:
    [p] = blocks('<p>a <b>b <i>c</i></b><br/><a href="https://e.org/x">d</a></p>')
    assert isinstance(p, n.Paragraph)
    assert p.children == (
        n.Text("a "),
        n.Strong((n.Text("b "), n.Emph((n.Text("c"),)))),
        n.LineBreak(),
        n.Link((n.Text("d"),), "https://e.org/x"),
    )


def test_each_block_element_makes_its_node() -> None:
    made = blocks(
        "<ul><li>one<ol><li>inner</li></ol></li></ul>"
        "<quote><p>said</p><by>who</by></quote>"
        '<fields><field label="L">v</field></fields>'
        '<figures><figure value="42" label="things" qualifier="about"/></figures>'
        '<chart title="T"><bar label="x" value="3" target="4" value-text="3"/></chart>'
        '<table widths="1 2"><head><cell>h1</cell><cell align="right">h2</cell></head>'
        '<row role="group"><cell>g</cell></row><row><cell>a</cell><cell>b</cell></row></table>'
        "<pagebreak/>"
    )
    assert [type(b) for b in made] == [
        n.List,
        n.Quote,
        n.FieldList,
        n.KeyFigures,
        n.BarChart,
        n.Table,
        n.PageBreak,
    ]
    lst, quote, fields, figures, chart, table, _ = made
    assert isinstance(lst, n.List) and lst.items[0].sublist is not None
    assert lst.items[0].sublist.ordered and not lst.ordered
    assert isinstance(quote, n.Quote) and quote.attribution == (n.Text("who"),)
    assert isinstance(fields, n.FieldList) and fields.fields[0].label == (n.Text("L"),)
    assert isinstance(figures, n.KeyFigures) and figures.items[0].qualifier == "about"
    assert isinstance(chart, n.BarChart) and chart.bars[0].target == 4.0
    assert isinstance(table, n.Table)
    assert table.widths == (1.0, 2.0) and table.header[1].align == "right"
    assert [r.role for r in table.rows] == ["group", ""]


def test_empty_elements_make_no_node() -> None:
    assert blocks("<p> </p><ul></ul><fields></fields><figures></figures><chart></chart>") == ()


def test_a_link_to_anything_but_the_web_or_mail_stays_plain_text() -> None:
    [p] = blocks('<p><a href="javascript:alert(1)">x</a> <a href="mailto:a@b.org">m</a></p>')
    assert isinstance(p, n.Paragraph)
    assert p.children == (n.Text("x"), n.Text(" "), n.Link((n.Text("m"),), "mailto:a@b.org"))


def test_text_that_looks_like_markup_stays_text() -> None:
    [p] = blocks("<p>&lt;b&gt;not bold&lt;/b&gt; **nor this** {{ x }}</p>")
    assert isinstance(p, n.Paragraph)
    assert p.children == (n.Text("<b>not bold</b> **nor this** {{ x }}"),)


@pytest.mark.parametrize(
    ("markup", "says"),
    [
        ("<div>x</div>", "unknown element <div>"),
        ('<p style="x">x</p>', "style"),
        ("<ul><p>x</p></ul>", "holds <li>"),
        ('<table><row><cell align="justify">x</cell></row></table>', "left, right or center"),
        ("<p>unclosed", ""),
        ('<p role="title">x</p>', "unknown role"),
        ('<table role="striped"><row><cell>x</cell></row></table>', "'grid'"),
        ('<table><row role="header"><cell>x</cell></row></table>', "roles of <row>: 'group'"),
    ],
)
def test_what_is_not_in_the_vocabulary_is_refused(markup: str, says: str) -> None:
    with pytest.raises(TemplateError) as info:
        blocks(markup)
    assert info.value.problems()[0].file == "t.xml.j2"
    assert says in str(info.value)


def test_a_document_needs_one_document_element_with_a_title() -> None:
    with pytest.raises(TemplateError, match="one <document> element"):
        parse_document("<p>x</p>", "t.xml.j2")
    with pytest.raises(TemplateError, match="needs a title"):
        parse_document("<document><p>x</p></document>", "t.xml.j2")


def test_layout_whitespace_collapses_but_no_break_spaces_stay() -> None:
    """A number keeps its unit and its digit groups on one line: the formatter's
    no-break spaces survive the markup, only the template's own layout is collapsed."""
    markup = "<p>\n  более   60\u202f000 студентов,\n  20\u00a0млрд\u00a0долл.\u00a0США\n</p>"
    (para,) = blocks(markup)
    assert isinstance(para, n.Paragraph)
    text = "".join(t.text for t in para.children if isinstance(t, n.Text))
    assert text == "более 60\u202f000 студентов, 20\u00a0млрд\u00a0долл.\u00a0США"


def test_a_dash_between_words_never_begins_a_line() -> None:
    (para,) = blocks("<p>линии Аягоз — Бахты, 2026–2030, talks – and <b>Север</b> — Юг</p>")
    assert isinstance(para, n.Paragraph)
    text = "".join(
        t.text if isinstance(t, n.Text) else "".join(c.text for c in t.children)  # type: ignore[union-attr]
        for t in para.children
    )
    assert text == "линии Аягоз\u00a0— Бахты, 2026–2030, talks\u00a0– and Север\u00a0— Юг"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ru-RU", "визит в\u00a0Россию и\u00a0Китай, с\u00a0«Росатомом» (в\u00a0Актау)"),
        ("en-GB", "визит в Россию и Китай, с «Росатомом» (в Актау)"),
    ],
)
def test_a_one_letter_russian_word_never_ends_a_line(lang: str, expected: str) -> None:
    doc = parse_document(
        f'<document title="t" lang="{lang}"><p>визит в Россию и\n  Китай, с «Росатомом» '
        "(в Актау)</p></document>",
        "t.xml.j2",
    )
    (para,) = doc.body
    assert isinstance(para, n.Paragraph)
    assert "".join(t.text for t in para.children if isinstance(t, n.Text)) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ru-RU",
            "175\u00a0проектов, 20\u00a0млрд, 60\u202f000\u00a0студентов, 2,5\u00a0тонны, "
            "2025\u00a0г., Союз-5",
        ),
        (
            "kk-KZ",
            "175\u00a0жоба, 20\u00a0млрд, 60\u202f000\u00a0студент, 2,5\u00a0тонна, "
            "2025\u00a0жылғы, Союз-5",
        ),
        ("en-GB", "175 проектов, 20 млрд, 60\u202f000 студентов, 2,5 тонны, 2025 г., Союз-5"),
    ],
)
def test_a_number_and_the_word_after_it_stay_on_one_line(lang: str, expected: str) -> None:
    """Russian and Kazakh typography keeps a number with the word it counts or
    measures: no line ends in '175' with 'проектов' on the next."""
    words = expected.replace("\u00a0", " ")
    doc = parse_document(f'<document title="t" lang="{lang}"><p>{words}</p></document>', "t.xml.j2")
    (para,) = doc.body
    assert isinstance(para, n.Paragraph)
    assert "".join(t.text for t in para.children if isinstance(t, n.Text)) == expected
