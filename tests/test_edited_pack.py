"""A pack edited as one document, read back from the files a reader gets: each fact
given once and referred to elsewhere with its true page (PDF and DOCX), counts that
say what they count, points to raise only from data meant for them, the memo's
ministerial header, and compact citations for the leadership."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from kzru_reports import api
from kzru_reports.audiences import BUILTIN, Audience
from kzru_reports.config import load_config
from kzru_reports.data.load import parse_visit
from kzru_reports.errors import DataError, TemplateError
from kzru_reports.furniture import Furniture, Lines, reference

from .readers import SHIPPED, SUMMIT, docx_text, pdf_text, squash, unhyphenate

VISIT = "kz-ru-state-visit-2025"
ISSUED = date(2026, 12, 1)


def _titles() -> list[str]:
    visit = parse_visit(SHIPPED.read_bytes(), SHIPPED.name)
    return [squash(str(a.title)) for a in visit.agreements]


def pdf_text_of(pages: list) -> str:
    return squash(" ".join(unhyphenate(p.extract_text() or "") for p in pages))


def _whole(text: str) -> str:
    """Text with the words broken at a line end (``Kazakh- stan``) whole again."""
    return re.sub(r"(\w)[-\u00ad] (?=\w)", r"\1", text.replace("\u00ad", ""))


def _outline(reader: PdfReader) -> list[tuple[str, str, int]]:
    """(part, title, page) of every bookmark, the part being its top-level entry."""
    out: list[tuple[str, str, int]] = []
    part = ""

    def walk(items: list, depth: int) -> None:
        nonlocal part
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                part = item.title if depth == 0 else part
                out.append((part, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return out


def _page_of(reader: PdfReader, part: str, title: str) -> int:
    return next(p for pt, t, p in _outline(reader) if pt == part and t == title)


def test_inside_the_pack_each_agreement_title_and_the_summary_appear_once(
    shipped_build: Path,
) -> None:
    summary = squash(str(parse_visit(SHIPPED.read_bytes(), SHIPPED.name).summary))[:120]
    # the DOCX reads back in document order, table cells whole: each title once
    text = _whole(docx_text(next(shipped_build.glob("*-pack.docx")).read_bytes()))
    for title in _titles():
        assert text.count(title) == 1, (title, text.count(title))
    assert text.count(summary) == 1
    # the PDF: no title before the agreement summary (a table row split over a page
    # reads back cut into its columns, so the table's own pages are not searched)
    data = next(shipped_build.glob("*-pack.pdf")).read_bytes()
    reader = PdfReader(io.BytesIO(data))
    start = _page_of(reader, "Agreement summary", "Agreement summary")
    before = _whole(pdf_text_of(reader.pages[: start - 1]))
    assert not [t for t in _titles() if t in before]
    assert _whole(pdf_text(data)).count(summary) == 1


def test_references_give_the_page_the_fact_is_on(shipped_build: Path) -> None:
    data = next(shipped_build.glob("*-pack.pdf")).read_bytes()
    reader = PdfReader(io.BytesIO(data))
    text = pdf_text(data)
    table = _page_of(reader, "Agreement summary", "All documents")
    figures = _page_of(reader, "Fact sheet", "Key figures")
    sources = _page_of(reader, "Briefing memo", "Sources")
    # the memo's outcomes and the fact sheet's agreements both point at the table
    assert re.findall(r"see Agreement summary, p\. (\d+)", text) == [str(table)] * 2
    assert re.findall(r"see Fact sheet, p\. (\d+)", text) == [str(figures)]
    assert set(re.findall(r"Sources: see Briefing memo, p\. (\d+)", text)) == {str(sources)}
    assert table > figures > sources  # forward references, resolved
    # each is a link to its heading (page numbers of the links' targets, from 1)
    targets = {
        reader.get_page_number(a.get_object()["/Dest"][0].get_object()) + 1
        for page in reader.pages
        for a in page.get("/Annots") or []
        if a.get_object().get("/Subtype") == "/Link" and "/Dest" in a.get_object()
    }
    assert {table, figures, sources} <= targets


def test_projects_are_described_once_in_the_pack_and_counted_in_the_fact_sheet(
    shipped_build: Path,
) -> None:
    """The memo describes each project under its topic; inside the pack the fact sheet
    counts them and points at the first such topic, instead of listing them again."""
    visit = parse_visit(SHIPPED.read_bytes(), SHIPPED.name)
    names = [p.name for t in visit.topics for p in t.projects]
    first = next(t.title for t in visit.topics if t.projects)
    assert names
    data = next(shipped_build.glob("*-pack.pdf")).read_bytes()
    page = _page_of(PdfReader(io.BytesIO(data)), "Briefing memo", first)
    text = pdf_text(data)
    section = text.split("Projects by topic", 2)[2].split("Agreements at a glance")[0]
    said = f"{len(names)} projects, each with its topic; see Briefing memo, p. {page}."
    assert squash(section) == f"(P) {said}"
    # on its own the fact sheet still lists them
    alone = _whole(pdf_text(next(shipped_build.glob("*-factsheet.pdf")).read_bytes()))
    assert all(name in alone for name in names)


def test_the_docx_refers_with_page_fields_that_show_the_pdf_pages(shipped_build: Path) -> None:
    pdf = pdf_text(next(shipped_build.glob("*-pack.pdf")).read_bytes())
    data = next(shipped_build.glob("*-pack.docx")).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    bookmarks = set(re.findall(r'<w:bookmarkStart [^>]*w:name="([^"]+)"', xml))
    ids = re.findall(r'<w:bookmarkStart w:id="(\d+)"', xml)
    assert len(ids) == len(set(ids)), "bookmark ids are unique"
    fields = re.findall(
        r'<w:hyperlink w:anchor="([^"]+)"[^>]*>(?:(?!</w:hyperlink>).)*?PAGEREF (\S+) \\h ', xml
    )
    assert fields and all(a == b and a in bookmarks for a, b in fields)
    # "Sources: see Briefing memo" has the sources' look but is no item of their list
    line = re.search(r"<w:p>(?:(?!</w:p>).)*?Sources: see", xml)
    assert line and not re.search(r'<w:numId w:val="[1-9]', line.group()), "not numbered"
    style = re.search(r'w:styleId="Sources">(?:(?!</w:style>).)*', styles_xml(data))
    assert style and "<w:numPr>" not in style.group()
    text = docx_text(data)
    for phrase in ("see Agreement summary, p.", "see Fact sheet, p.", "see Briefing memo, p."):
        shown = re.findall(re.escape(phrase) + r" (\d+)", text)
        assert shown and shown == re.findall(re.escape(phrase) + r" (\d+)", pdf), phrase


def styles_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/styles.xml").decode("utf-8")


def test_documents_on_their_own_stay_complete(shipped_build: Path) -> None:
    for doc in ("memo", "factsheet", "agreements"):
        for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
            text = _whole(read(next(shipped_build.glob(f"*-{doc}.{fmt}")).read_bytes()))
            assert not re.search(r"see [A-Z][a-z ]+, p\. \d", text), (doc, fmt)
            for title in _titles():
                assert title in text, (doc, fmt, title)


def test_counts_say_what_they_count(shipped_build: Path, summit_build: Path) -> None:
    for doc in ("memo", "factsheet", "agreements", "pack"):
        text = pdf_text(next(shipped_build.glob(f"*-{doc}.pdf")).read_bytes())
        assert "9 of the 14 documents are listed" in text, doc
        assert not re.search(r"\b9 documents\b", text), doc
    agreements = pdf_text(next(shipped_build.glob("*-agreements.pdf")).read_bytes())
    assert "Total listed 9" in agreements
    # a visit whose sources give no total counts what it lists
    summit = pdf_text(next(summit_build.glob("*-factsheet.pdf")).read_bytes())
    assert "2 documents" in summit and " of the " not in summit


def test_the_total_must_cover_the_list(tmp_path: Path) -> None:
    raw = SHIPPED.read_text("utf-8").replace("{count: 14, source: kazinform}", "{count: 3}")
    with pytest.raises(DataError) as caught:
        parse_visit(raw.encode(), "v.yaml")
    assert "agreements_total.count is 3, but agreements lists 9" in str(caught.value)
    raw = SHIPPED.read_text("utf-8").replace(
        "summary_sources: [press-release, lenta-ru, kazinform]", "summary_sources: [lenta]"
    )
    with pytest.raises(DataError) as caught:
        parse_visit(raw.encode(), "v.yaml")
    assert "summary_sources[0]: unknown source 'lenta'" in str(caught.value)


# ------------------------------------------------------------------ points to raise

POINTS = """
points_to_raise:
  - {text: Ask for a date for the first Soyuz-5 flight test from Baiterek, topic: space,
     source: press-release}
  - {text: Raise the delay at the Aktau consulate, classification: restricted}
"""


def _with_points(tmp_path: Path) -> Path:
    raw = SHIPPED.read_text("utf-8")
    text = raw.replace("\nfollow_ups:\n", POINTS + "\nfollow_ups:\n", 1)
    text = text.replace("classification: public\n", "classification: public\n", 1)
    visit = tmp_path / "points.yaml"
    visit.write_text(text, "utf-8")
    return visit


def _memo_text(visit: Path, out: Path, audience: Audience) -> str:
    options = api.BuildOptions(
        out=str(out), documents=("memo",), formats=("pdf",), audiences=(audience,)
    )
    report = api.build([visit], options)
    assert report.ok, report.errors
    return pdf_text(next((out / VISIT / audience.name).glob("*-memo.pdf")).read_bytes())


def test_points_to_raise_come_only_from_data_meant_for_them(tmp_path: Path) -> None:
    shipped = _memo_text(SHIPPED, tmp_path / "a", BUILTIN["leadership"])
    assert "Points to raise" not in shipped  # no points in the data: no section
    assert "Tokayev emphasized" not in shipped  # and never a recap in their place
    visit = _with_points(tmp_path)
    leadership = _memo_text(visit, tmp_path / "b", BUILTIN["leadership"])
    section = leadership.split("Points to raise", 1)[1]
    first = section.index("Space cooperation. Ask for a date for the first Soyuz-5 flight")
    assert first < section.index("(R) Raise the delay at the Aktau consulate")
    # the classification filter withholds a point as any other item
    desk = Audience("desk", "official", detail="brief")
    official = _memo_text(visit, tmp_path / "c", desk)
    assert "Soyuz-5 flight test" in official and "Aktau consulate" not in official
    # the press gets no points to raise, even public ones
    press = _memo_text(visit, tmp_path / "d", BUILTIN["press"])
    assert "Points to raise" not in press and "Soyuz-5 flight test" not in press


# ------------------------------------------------------------------ the memo's header

CONFIG = """
[memo]
from = "Department of Eurasian Affairs"
to = { leadership = "Minister" }
reference = "{year}/{visit}/{n}"
[memo.ru]
from = "Департамент евразийских стран"
to = "Министру"
"""


def _build_with(tmp_path: Path, config: str, lang: str = "en") -> Path:
    (tmp_path / "kzru.toml").write_text(config, "utf-8")
    ws = load_config(tmp_path / "kzru.toml")
    out = tmp_path / "out"
    options = api.BuildOptions(
        out=str(out),
        documents=("memo", "pack"),
        formats=("pdf", "docx"),
        audiences=(BUILTIN["leadership"],),
        langs=(lang,),
        issue_date=ISSUED,
        furniture=ws.furniture,
    )
    report = api.build([SHIPPED], options)
    assert report.ok, report.errors
    return out / VISIT / "leadership"


HEADER = {
    "en": [
        "TO Minister",
        "FROM Department of Eurasian Affairs",
        "DATE 1 December 2026",
        f"REFERENCE 2026/{VISIT}/1",
        "SUBJECT State visit of the President of Kazakhstan to Russia, 11–12 November 2025",
    ],
    "ru": [
        "КОМУ Министру",
        "ОТ Департамент евразийских стран",
        "ДАТА 1 декабря 2026 г.",
        f"ИСХ. № 2026/{VISIT}/1",
        "ТЕМА Государственный визит Президента Казахстана в Россию",
    ],
    "kk": [  # no [memo.kk]: the lines for every language
        "КІМГЕ Minister",
        "КІМНЕН Department of Eurasian Affairs",
        "КҮНІ 2026 жылғы 1 желтоқсан",
        f"ШЫҒЫС № 2026/{VISIT}/1",
        "ТАҚЫРЫБЫ Қазақстан Президентінің Ресейге мемлекеттік сапары",
    ],
}


@pytest.mark.parametrize("lang", sorted(HEADER))
def test_the_memo_header_is_a_ministry_s(tmp_path: Path, lang: str) -> None:
    folder = _build_with(tmp_path, CONFIG, lang)
    tag = "" if lang == "en" else f".{lang}"
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        text = read((folder / f"{VISIT}-memo{tag}.{fmt}").read_bytes())
        at = [text.find(line) for line in HEADER[lang]]
        assert -1 not in at and at == sorted(at), (fmt, at)  # each line, in this order
        if lang != "en":
            continue
        assert "AUDIENCE" not in text and "(State visit)" not in text, fmt
        cover = read((folder / f"{VISIT}-pack.{fmt}").read_bytes()).split("Contents")[0]
        for line in ("TO Minister", "FROM Department of Eurasian Affairs", "DATE OF ISSUE"):
            assert line in cover, (fmt, line)
        # the pack has no number of its own: no dangling "/" where {n} stood
        assert re.search(rf"REFERENCE 2026/{VISIT} ", cover), fmt
        assert "BUILT" not in cover and "AUDIENCE" not in cover


def test_unset_header_lines_are_left_out(tmp_path: Path) -> None:
    folder = _build_with(tmp_path, "")
    text = pdf_text((folder / f"{VISIT}-memo.pdf").read_bytes())
    assert "DATE 1 December 2026 SUBJECT" in text
    for label in ("TO ", "FROM ", "REFERENCE"):
        assert label not in text.split("SUBJECT")[0], label


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('[memo]\nreference = "{year}/{serial}"\n', "unknown placeholder {serial}"),
        ('[memo]\nto = { ministers = "Minister" }\n', "memo.to.ministers: unknown audience"),
        ('[memo]\nfrom = "A\\u202eB"\n', "cannot hold U+202E"),
        ("[memo]\nform = 'x'\n", "did you mean 'from'"),
    ],
)
def test_a_wrong_memo_table_is_refused_with_its_line(
    tmp_path: Path, config: str, message: str
) -> None:
    (tmp_path / "kzru.toml").write_text(config, "utf-8")
    with pytest.raises(DataError) as caught:
        load_config(tmp_path / "kzru.toml")
    assert message in str(caught.value)
    assert "kzru.toml:" in str(caught.value)


def test_a_reference_names_each_document() -> None:
    scheme = Furniture((("", Lines(reference="{n}-{year}/{doc}")),))
    assert (
        scheme.header("en", "press", "v", "agreements", ISSUED)["reference"] == "3-2026/agreements"
    )
    assert reference("{n}-{year}", "en", "press", "v", "pack", ISSUED) == "2026"
    assert scheme.header("en", "press", "v", "memo", ISSUED)["originator"] == ""


# ------------------------------------------------------------------ citations


def test_leadership_documents_cite_compactly(shipped_build: Path, tmp_path: Path) -> None:
    text = _memo_text(SHIPPED, tmp_path, BUILTIN["leadership"])
    assert "Kazinform News Agency citing Akorda). [1, 2, 4]" in text  # the summary cites
    sources = text.split("Sources", 1)[1]
    assert "[1] Presidents of Kazakhstan and Russia hold talks in Moscow, 12 November 2025;" in (
        sources
    )
    assert "[2] Lenta.ru, 12 November 2025;" in sources


# ------------------------------------------------------------------ the markup


def test_a_page_reference_must_name_a_heading_of_the_pack() -> None:
    from kzru_reports.model import nodes as n
    from kzru_reports.packs import compose, standalone
    from kzru_reports.templating.markup import parse_document

    def doc(name: str, body: str) -> n.Document:
        return parse_document(f'<document title="{name}">{body}</document>', "t", name)

    memo = doc("memo", '<h1 id="memo">M</h1><p>see p. <pageref to="agreements#all"/></p>')
    agreements = doc("agreements", '<h1 id="agreements">A</h1><h2 id="all">All</h2>')
    pack = compose(doc("pack", "<p>cover</p>"), [memo, agreements], "Contents")
    ref = pack.parts[0].body[1].children[1]
    assert pack.refers and ref == n.PageRef("agreements-all")
    with pytest.raises(TemplateError, match="no heading of the pack has that id"):
        compose(doc("pack", "<p>c</p>"), [doc("memo", '<p><pageref to="x#y"/></p>')], "C")
    with pytest.raises(TemplateError, match="built on its own"):
        standalone(memo)
    with pytest.raises(TemplateError, match="<pageref> is empty"):
        doc("memo", '<p><pageref to="a">9</pageref></p>')


def test_a_new_date_of_issue_rebuilds_what_shows_it(tmp_path: Path) -> None:
    def build(day: int) -> dict[str, str]:
        options = api.BuildOptions(
            out=str(tmp_path), formats=("pdf",), issue_date=date(2026, 12, day)
        )
        report = api.build([SHIPPED], options)
        assert report.ok, report.errors
        return {o.document: o.status for o in report.outputs}

    build(1)
    assert build(1) == dict.fromkeys(("memo", "factsheet", "agreements", "pack"), "unchanged")
    again = build(2)  # the memo's DATE line and the cover show it; nothing else does
    assert {d for d, s in again.items() if s != "unchanged"} == {"memo", "pack"}


def test_validate_warns_of_a_total_without_a_source_not_of_a_point_to_raise(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from kzru_reports.cli import main

    visit = tmp_path / "v.yaml"
    visit.write_text(
        "schema: visit/1\nid: v\ntitle: Visit\nparties:\n"
        "  - {id: aa, country: A, role: host}\n  - {id: bb, country: B, role: guest}\n"
        "agreements_total: {count: 3}\npoints_to_raise: [Ask for the next round]\n",
        "utf-8",
    )
    result = CliRunner().invoke(main, ["validate", str(visit)])
    assert result.exit_code == 0
    assert "v.yaml:7:1: agreements_total: warning: agreements_total names no source" in (
        result.stderr
    )
    assert "points_to_raise" not in result.stderr


def test_the_first_layout_stops_at_the_last_heading_referred_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Finding the pages references point at costs the layout up to them, not more."""
    from kzru_reports.engine.options import BuildOptions
    from kzru_reports.engine.render import render_models
    from kzru_reports.writers import get_writer
    from kzru_reports.writers.pdf.writer import _layout_once

    options = BuildOptions()
    visit = parse_visit(SHIPPED.read_bytes(), SHIPPED.name)
    pack = render_models(visit, BUILTIN["analyst"], "pack", options)
    assert set(pack.refs) == {
        "agreements-all",
        "factsheet-figures",
        "memo-sources",
        "memo-topic-energy",
    }
    from reportlab.platypus import Paragraph

    writer = get_writer("pdf", options.theme)
    drawn: list[str] = []
    real = Paragraph.drawPara
    monkeypatch.setattr(Paragraph, "drawPara", lambda p, *a: drawn.append(p.text) or real(p, *a))
    data, pages = _layout_once(writer, pack, until=frozenset(pack.refs))
    assert data == b"" and set(pack.refs) <= set(pages)
    assert list(pages)[-1] == "agreements-all"  # the last one laid out: nothing after it
    assert not drawn  # it only measures: no paragraph's text is set
    full = _layout_once(writer, pack)[1]
    assert {a: full[a] for a in pages} == pages  # the same pages as the whole layout
    assert drawn


@pytest.mark.client
@pytest.mark.slow
def test_a_word_processor_fills_the_page_references_from_its_own_layout(
    shipped_build: Path, tmp_path: Path
) -> None:
    """LibreOffice opens the pack's DOCX with the references showing the page that
    heading is on in its own layout (the PAGEREF fields), as the PDF's do in the PDF."""
    from .readers import libreoffice_pdf

    # every cached page number made wrong: what shows is what the fields found
    source = next(shipped_build.glob("*-pack.docx"))
    docx = tmp_path / source.name
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(docx, "w") as out:
        for item in z.infolist():
            data = z.read(item)
            if item.filename == "word/document.xml":
                data = re.sub(
                    rb'(fldCharType="separate"/></w:r><w:r><w:t xml:space="preserve">)\d+',
                    rb"\g<1>99",
                    data,
                )
                assert b">99<" in data
            out.writestr(item, data)
    pdf = libreoffice_pdf(docx, tmp_path)
    reader = PdfReader(pdf)
    pages = [squash(unhyphenate(p.extract_text() or "")) for p in reader.pages]
    # the heading they point at: "All documents", on a page after the contents
    table = next(i for i, t in enumerate(pages, 1) if i > 2 and "All documents" in t)
    shown = re.findall(r"see Agreement summary, p\. (\d+)", " ".join(pages))
    assert shown and set(shown) == {str(table)}


def test_changes_since_name_new_points_and_a_new_total(tmp_path: Path) -> None:
    visit = _with_points(tmp_path)
    visit.write_text(
        visit.read_text("utf-8").replace("{count: 14, source: kazinform}", "{count: 15}"),
        "utf-8",
    )
    options = api.BuildOptions(
        out=str(tmp_path / "out"),
        documents=("memo",),
        formats=("pdf",),
        audiences=(BUILTIN["leadership"],),
        since=str(SHIPPED),
    )
    report = api.build([visit], options)
    assert report.ok, report.errors
    text = pdf_text(next((tmp_path / "out").rglob("*-memo.pdf")).read_bytes())
    changes = text.split("Summary")[0]
    assert "Point to raise: Ask for a date for the first Soyuz-5 flight test" in changes
    assert "documents in all 15 (was 14)" in changes  # a field of the visit itself
    assert "[NEW] Space cooperation. Ask for a date" in text.split("Points to raise")[1]


@pytest.mark.parametrize(
    ("audience", "said"),
    [("analyst", "1 of the 14 documents is listed"), ("press", "0 of the 14 documents are listed")],
)
def test_a_count_agrees_with_what_is_listed(tmp_path: Path, audience: str, said: str) -> None:
    visit = tmp_path / "v.yaml"
    visit.write_text(
        "schema: visit/1\nid: v\ntitle: Visit\nclassification: public\nparties:\n"
        "  - {id: aa, country: A, role: host}\n  - {id: bb, country: B, role: guest}\n"
        "agreements:\n  - {id: d, title: Declaration, classification: official, source: s}\n"
        "agreements_total: {count: 14, source: s}\nsources: [{id: s, title: Press release}]\n",
        "utf-8",
    )
    options = api.BuildOptions(
        out=str(tmp_path / "out"),
        documents=("factsheet", "agreements"),
        formats=("pdf",),
        audiences=(BUILTIN[audience],),
    )
    report = api.build([visit], options)
    assert report.ok, report.errors
    for pdf in (tmp_path / "out").rglob("*.pdf"):
        text = pdf_text(pdf.read_bytes())
        assert said in text, pdf.name
        assert "No documents were reported" not in text  # 14 were


def test_a_kazakh_label_may_ask_for_a_case_form_of_what_fills_it(tmp_path: Path) -> None:
    """'{amount_dat} қысқарту керек': labels are filled with their grammatical forms
    wherever templates fill them (a figure to cut, its period, 'and N more')."""
    options = api.BuildOptions(
        out=str(tmp_path), documents=("memo",), formats=("pdf",), langs=("kk",), fallback=True
    )
    report = api.build([SUMMIT], options)
    assert report.ok, report.errors
    text = pdf_text(next(tmp_path.rglob("*-memo.kk.pdf")).read_bytes())
    assert "қысқарту керек" in text
