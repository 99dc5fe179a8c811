"""End to end: visit files in, DOCX and PDF out, read back with real readers."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from .readers import docx_text, docx_xml, pdf_text, squash, unhyphenate

SHIPPED_FACTS = [
    "Kassym-Jomart Tokayev",
    "President of the Republic of Kazakhstan",
    "Vladimir Putin",
    "President of the Russian Federation",
    "St. George Hall",
    "Grand Kremlin Palace",
    "national anthems",
    "delegations",
    "narrow format",
    "expanded format",
    "USD 20 billion",
    "USD 30 billion",
    "175",
    "2030",
    "Rosatom",
    "first nuclear power plant",
    "oil, electricity, and gas",
    "North-South Railway",
    "Trans-Caspian International Transport Route",
    "Ayagoz-Bakhty",
    "Dostyk-Moiynty",
    "Trans-Altai Dialogue",
    "branches of Russian universities",
    "more than 60,000",
    "Cultural and humanitarian cooperation",
    "comprehensive strategic partnership and alliance",
    "Consulate General",
    "Aktau",
    "Soyuz-5",
    "Baiterek",
    "For us, the state visit to the Russian Federation is perhaps the highlight of this year.",
    "Kazakhstan and Russia are each other’s closest partners, friends, and reliable allies.",
]


def texts(folder: Path, doc: str) -> tuple[str, str]:
    stem = folder.name and next(folder.glob(f"*-{doc}.pdf")).stem
    return (
        pdf_text((folder / f"{stem}.pdf").read_bytes()),
        docx_text((folder / f"{stem}.docx").read_bytes()),
    )


def pack_text(folder: Path, fmt: str) -> str:
    reader = pdf_text if fmt == "pdf" else docx_text
    return " ".join(reader(p.read_bytes()) for p in sorted(folder.glob(f"*.{fmt}")))


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_every_fact_of_the_press_release_is_in_both_formats(shipped_build: Path, fmt: str) -> None:
    text = pack_text(shipped_build, fmt)
    missing = [f for f in SHIPPED_FACTS if f.lower() not in text.lower()]
    assert not missing


def test_memo_sections(shipped_build: Path) -> None:
    pdf, docx = texts(shipped_build, "memo")
    for heading in (
        "Summary",
        "Key outcomes",
        "Key figures",
        "Statements",
        "Follow-up",
        "Sources",
        "Transport and logistics",
        "HANDLING",
    ):
        assert heading in pdf and heading in docx
    assert "AUDIENCE" not in pdf and "AUDIENCE" not in docx  # internal, not a memo's line


def test_docx_and_pdf_carry_the_same_words(shipped_build: Path) -> None:
    for doc in ("memo", "factsheet", "agreements"):
        pdf, docx = texts(shipped_build, doc)
        pdf_words = set(re.findall(r"[\w$€%]+", pdf))
        docx_words = set(re.findall(r"[\w$€%]+", docx))
        # Page furniture differs (the DOCX footer is a field, its list numbers are
        # Word numbering, its bullets are list styles); the content does not.
        furniture = re.compile(r"^(\d+\.?|[·•]|Page|of|PUBLIC|OFFICIAL|RESTRICTED)$")
        only_docx = {w for w in docx_words - pdf_words if not furniture.match(w)}
        only_pdf = {w for w in pdf_words - docx_words if not furniture.match(w)}
        assert not only_docx, (doc, sorted(only_docx)[:20])
        assert not only_pdf, (doc, sorted(only_pdf)[:20])


def test_every_pdf_font_is_embedded(shipped_build: Path, summit_build: Path) -> None:
    from pypdf import PdfReader

    for pdf in [*shipped_build.glob("*.pdf"), *summit_build.glob("*.pdf")]:
        reader = PdfReader(pdf)
        for page in reader.pages:
            fonts = page["/Resources"].get_object().get("/Font", {})
            for ref in fonts.values():
                font = ref.get_object()
                desc = font.get("/FontDescriptor")
                if desc is None and "/DescendantFonts" in font:
                    desc = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                assert desc is not None, (pdf.name, font.get("/BaseFont"))
                desc = desc.get_object()
                assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), (
                    pdf.name,
                    font.get("/BaseFont"),
                )


def test_pdf_has_info_bookmarks_and_page_x_of_y(shipped_build: Path) -> None:
    from pypdf import PdfReader

    reader = PdfReader(next(shipped_build.glob("*-memo.pdf")))
    info = reader.metadata
    assert info is not None
    assert info.title == "Briefing memo: State visit of the President of Kazakhstan to Russia"
    assert "State visit" in (info.subject or "")
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "Briefing memo" in titles  # the memo's heading; its SUBJECT line names the visit
    n = len(reader.pages)
    assert f"Page 1 of {n}" in reader.pages[0].extract_text()
    assert f"Page {n} of {n}" in reader.pages[-1].extract_text()
    assert "PUBLIC" in reader.pages[-1].extract_text()


def test_docx_uses_named_styles_properties_header_and_footer(shipped_build: Path) -> None:
    from docx import Document

    data = next(shipped_build.glob("*-memo.docx")).read_bytes()
    doc = Document(io.BytesIO(data))
    used = {p.style.name for p in doc.paragraphs}
    assert {"Heading 1", "Heading 2", "List Bullet", "List Number", "Quote"} <= used
    assert (
        doc.core_properties.title
        == "Briefing memo: State visit of the President of Kazakhstan to Russia"
    )
    assert "Kazakhstan" in doc.core_properties.keywords
    section = doc.sections[0]
    assert "PUBLIC" in section.header.paragraphs[0].text
    xml = docx_xml(data)
    assert 'w:instr="PAGE"' in xml and 'w:instr="NUMPAGES"' in xml
    agreements = Document(next(shipped_build.glob("*-agreements.docx")))
    header_rows = [t for t in agreements.tables if "w:tblHeader" in t._tbl.xml]
    assert header_rows, "the agreements table repeats its header row"


def test_unseen_visit_shows_its_own_facts_and_nothing_of_the_shipped_one(
    summit_build: Path,
) -> None:
    for fmt in ("pdf", "docx"):
        text = pack_text(summit_build, fmt)
        for fact in (
            "Саммит в Астане",
            "Қ Ә Ғ Ң Ө Ұ Ү Һ І",
            "Әлихан Бөкейхан",
            "Uzbekistan",
            "about 1,250,000",
            "EUR 3.5 billion",
            "EUR 5 billion",
            "42.5%",
            "Порт Құрық",
            "Соглашение о транзите",
            "2 documents",
        ):
            assert fact in text, (fmt, fact)
        for foreign in ("Tokayev", "Putin", "Moscow", "$"):
            assert foreign not in text, (fmt, foreign)


@pytest.mark.parametrize(
    "literal",
    [
        "<b>not bold</b>",
        "**not strong**",
        "{{ not_jinja }}",
        "Транзит & логистика # not a heading",
        "Middle Corridor &amp; more",
        "Грузы через Каспий <i>x</i>",
        "<script>alert(1)</script>",
    ],
)
def test_markup_in_data_comes_out_literally(summit_build: Path, literal: str) -> None:
    for fmt in ("pdf", "docx"):
        assert squash(literal) in pack_text(summit_build, fmt), (fmt, literal)


def test_factsheet_chart_in_both_formats(shipped_build: Path) -> None:
    from docx import Document

    pdf = next(shipped_build.glob("*-factsheet.pdf")).read_bytes()
    assert b"/Subtype /Image" not in pdf  # the chart is vector, not a picture
    assert "Target: USD 30 billion" in pdf_text(pdf)
    doc = Document(next(shipped_build.glob("*-factsheet.docx")))
    assert doc.inline_shapes, "the DOCX fact sheet carries the chart as a picture"


def test_factsheet_fits_two_pages(shipped_build: Path) -> None:
    from pypdf import PdfReader

    assert len(PdfReader(next(shipped_build.glob("*-factsheet.pdf"))).pages) <= 2


def test_a_group_heading_row_never_ends_a_page(shipped_build: Path) -> None:
    from pypdf import PdfReader

    reader = PdfReader(next(shipped_build.glob("*-agreements.pdf")))
    pages = [squash(unhyphenate(p.extract_text())) for p in reader.pages]
    for label, first_row in [
        ("Agreements (5)", "transit transport by rail"),
        ("Memorandum (1)", "Memorandum of understanding"),
        ("Letter (1)", "Letter of intent"),
    ]:
        [page] = [p for p in pages if label in p]
        assert first_row in page, label  # the group's first row is on the same page


def test_a_long_title_is_shortened_in_the_running_footer_of_both_formats(tmp_path: Path) -> None:
    from docx import Document

    from kzru_reports import api

    from .readers import SUMMIT

    title = "A very long title of a visit " * 12
    visit = tmp_path / "long.yaml"
    visit.write_text(
        SUMMIT.read_text(encoding="utf-8").replace(
            'title: "Саммит в Астане: Қазақстан, Әзірбайжан және Өзбекстан"', f"title: {title}"
        ),
        encoding="utf-8",
    )
    report = api.build([visit], api.BuildOptions(out=str(tmp_path / "o"), documents=("memo",)))
    assert report.ok, report.errors
    folder = tmp_path / "o" / "astana-summit-2026" / "analyst"
    word = Document(next(folder.glob("*.docx")))
    subject = word.core_properties.subject  # Word's properties hold 255 characters
    assert len(subject) <= 255 and subject.endswith("…")
    footer = word.sections[0].footer.paragraphs[0].text
    running, _, page = footer.partition("\t")
    assert page.startswith("Page ")
    assert running.endswith("…") and running.startswith("Briefing memo · A very long")
    from pypdf import PdfReader

    last = PdfReader(next(folder.glob("*.pdf"))).pages[0].extract_text()
    assert "…" in last and "Page 1 of" in last
