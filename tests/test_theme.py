"""Themes: one theme drives both writers; fonts are checked; letterhead; reference DOCX."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from kzru_reports import api
from kzru_reports.audiences import BUILTIN
from kzru_reports.config import load_config
from kzru_reports.errors import ConfigError, DataError, RenderError
from kzru_reports.refdoc import inspect_reference_docx

from .readers import SHIPPED, SUMMIT, docx_xml, pdf_text, unhyphenate

FONTS = Path(api.__file__).parent / "fonts"


def workspace(tmp_path: Path, theme: str) -> Path:
    (tmp_path / "kzru.toml").write_text(f"[theme]\n{theme}\n")
    return tmp_path


def build(ws: Path, visit: Path = SUMMIT, docs: tuple[str, ...] = ("memo",)) -> api.Report:
    config = load_config(ws / "kzru.toml")
    options = api.BuildOptions(
        out=str(ws / "build"), documents=docs, theme=config.theme, audiences=(BUILTIN["analyst"],)
    )
    return api.build([visit], options)


def logo(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (200, 80), "#0B4F6C").save(path)
    return path


def test_a_users_font_drives_both_formats(tmp_path: Path) -> None:
    (tmp_path / "fonts").mkdir()
    shutil.copy(FONTS / "NotoSans-Regular.ttf", tmp_path / "fonts" / "Mine.ttf")
    ws = workspace(
        tmp_path,
        '[theme.fonts.body]\nname = "My Sans"\nregular = "fonts/Mine.ttf"\n',
    )
    report = build(ws)
    assert report.ok, report.errors
    pdf = next((ws / "build").rglob("*.pdf")).read_bytes()
    assert b"NotoSans" in pdf and b"NotoSerif" not in pdf  # the body font is the user's
    assert "Қ Ә Ғ Ң Ө Ұ Ү Һ І" in pdf_text(pdf)
    docx = next((ws / "build").rglob("*.docx")).read_bytes()
    assert 'w:ascii="My Sans"' in docx_xml(docx)


def _latin_only(source: Path, target: Path) -> Path:
    from fontTools import subset

    options = subset.Options()
    font = subset.load_font(str(source), options)
    try:
        sub = subset.Subsetter(options)
        sub.populate(unicodes=[*range(0x20, 0x250), *range(0x2000, 0x2070), 0x20AC])
        sub.subset(font)
        font.save(str(target))
    finally:
        font.close()
    return target


def test_a_font_without_kazakh_letters_is_refused_naming_the_glyph(tmp_path: Path) -> None:
    _latin_only(FONTS / "NotoSans-Regular.ttf", tmp_path / "Latin.ttf")
    ws = workspace(tmp_path, '[theme.fonts.heading]\nname = "Latin Sans"\nregular = "Latin.ttf"\n')
    report = build(ws)
    # The visit's text is checked when it is loaded, field by field, with positions;
    # the writers' check of each document then covers the templates' own words.
    assert report.errors and all(p.line and p.path for p in report.errors)
    assert all("cannot be shown by the font Latin Sans" in p.message for p in report.errors)
    assert any("U+049A" in p.message or "U+0410" in p.message for p in report.errors)
    assert not [*(ws / "build").rglob("*.pdf"), *(ws / "build").rglob("*.docx")]
    # ...and a document that still holds such a letter is refused by the writers
    from kzru_reports.model import nodes as n
    from kzru_reports.theme.glyphs import check_glyphs

    theme = load_config(ws / "kzru.toml").theme
    with pytest.raises(RenderError) as info:
        check_glyphs(n.Document(n.Meta(title="Қазақстан"), ()), theme)
    message = str(info.value)
    assert "cannot be shown by the font Latin Sans" in message and "U+049A" in message
    assert "Latin.ttf: it lacks" in message and "Cyrillic/Kazakh" in message
    # the same font is fine for content it covers
    assert build(ws, SHIPPED).ok


def test_a_file_that_is_not_a_truetype_font_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "fake.ttf").write_text("not a font")
    ws = workspace(tmp_path, '[theme.fonts.body]\nname = "X"\nregular = "fake.ttf"\n')
    with pytest.raises(DataError) as info:
        load_config(ws / "kzru.toml")
    [problem] = info.value.problems()
    assert problem.path == "theme.fonts.body.regular"
    assert "fake.ttf cannot be used" in problem.message


def test_letterhead_and_logo_on_the_first_page_of_both_formats(tmp_path: Path) -> None:
    from docx import Document
    from pypdf import PdfReader

    logo(tmp_path / "logo.png")
    ws = workspace(
        tmp_path,
        'logo = "logo.png"\nletterhead = ["Ministry of Examples", "Department of Tests"]\n'
        'page_size = "Letter"\naccent = "#0B4F6C"\nmargin_left = 30\n',
    )
    assert build(ws, SHIPPED).ok
    reader = PdfReader(next((ws / "build").rglob("*-memo.pdf")))
    first, second = reader.pages[0], reader.pages[1]
    assert "Ministry of Examples" in first.extract_text()
    assert "Ministry of Examples" not in second.extract_text()
    assert first["/Resources"].get("/XObject"), "the logo is drawn on page 1"
    assert [round(float(v)) for v in first.mediabox[2:]] == [612, 792]
    doc = Document(next((ws / "build").rglob("*-memo.docx")))
    section = doc.sections[0]
    assert section.different_first_page_header_footer
    first_header = section.first_page_header._element.xml
    assert "Ministry of Examples" in first_header and "<pic:pic" in first_header
    assert "Ministry of Examples" not in section.header._element.xml
    assert "PUBLIC" in first_header and "PUBLIC" in section.header._element.xml
    assert round(section.page_width.mm, 1) == 215.9
    assert round(section.left_margin.mm) == 30


def test_theme_file_with_inline_settings_over_it(tmp_path: Path) -> None:
    (tmp_path / "themes").mkdir()
    logo(tmp_path / "themes" / "logo.png")
    (tmp_path / "themes" / "house.toml").write_text(
        'accent = "#112233"\nlogo = "logo.png"\nbody_size = 11\n'
    )
    ws = workspace(tmp_path, 'file = "themes/house.toml"\nbody_size = 9.5\n')
    theme = load_config(ws / "kzru.toml").theme
    assert theme.accent == "#112233" and theme.body_size == 9.5
    assert theme.logo == (tmp_path / "themes" / "logo.png").resolve()


def test_unknown_theme_setting_is_named_with_its_likely_meaning(tmp_path: Path) -> None:
    ws = workspace(tmp_path, 'acent = "#112233"\n')
    with pytest.raises(DataError) as info:
        load_config(ws / "kzru.toml")
    [problem] = info.value.problems()
    assert (problem.path, problem.line) == ("theme.acent", 2)
    assert "did you mean 'accent'?" in problem.message


# ------------------------------------------------------------------ reference DOCX


def reference_docx(path: Path) -> Path:
    """A reference document: our default package with a restyled Normal, a header and
    some sample text that must not reach the output."""
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Liberation Serif"
    normal.font.size = Pt(13)
    doc.sections[0].header.paragraphs[0].text = "REFHEADER house header"
    doc.add_paragraph("SAMPLETEXT of the reference document")
    doc.save(str(path))
    return path


def test_reference_docx_gives_styles_and_header(tmp_path: Path) -> None:
    from docx import Document

    reference_docx(tmp_path / "ref.docx")
    ws = workspace(tmp_path, 'reference_docx = "ref.docx"\n')
    assert build(ws, SHIPPED).ok
    data = next((ws / "build").rglob("*-memo.docx")).read_bytes()
    doc = Document(io.BytesIO(data))
    assert doc.styles["Normal"].font.size.pt == 13
    assert doc.styles["Normal"].font.name == "Liberation Serif"
    header = doc.sections[0].header
    assert "REFHEADER house header" in header._element.xml and "PUBLIC" in header._element.xml
    assert "SAMPLETEXT" not in docx_xml(data)
    assert "Heading 1" in {p.style.name for p in doc.paragraphs}


def _rewrite(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of a DOCX with parts replaced, added (bytes) or removed (None)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            if name in change:
                continue
            dst.writestr(name, src.read(name))
        for name, data in change.items():
            if data is not None:
                dst.writestr(name, data)
    return target


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"word/vbaProject.bin": b"\0" * 10}, "the part word/vbaProject.bin holds macros"),
        (
            {
                "[Content_Types].xml": b'<Types><Override PartName="/word/document.xml" '
                b'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>'
            },
            "the part [Content_Types].xml declares macro content",
        ),
        (
            {
                "word/_rels/document.xml.rels": b'<Relationships><Relationship Id="r9" '
                b'Type="http://x/hyperlink" Target="http://evil.example/" '
                b'TargetMode="External"/></Relationships>'
            },
            "the part word/_rels/document.xml.rels has an external relationship",
        ),
        (
            {
                "word/_rels/settings.xml.rels": b'<Relationships><Relationship Id="r1" '
                b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                b'attachedTemplate" Target="Normal.dotm"/></Relationships>'
            },
            "the part word/_rels/settings.xml.rels attaches a template",
        ),
        ({"word/embeddings/oleObject1.bin": b"x"}, "word/embeddings/oleObject1.bin"),
        (
            {"word/media/huge.png": b"\0" * (2 * 1024 * 1024)},
            "the part word/media/huge.png expands",
        ),
        ({"word/styles.xml": None}, "the part word/styles.xml is missing"),
        (
            {"word/styles.xml": b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'},
            "the part word/styles.xml declares a DOCTYPE",
        ),
    ],
)
def test_hostile_reference_docx_is_refused_naming_the_part(
    tmp_path: Path, change: dict[str, bytes | None], message: str
) -> None:
    bad = _rewrite(reference_docx(tmp_path / "ref.docx"), tmp_path / "bad.docx", change)
    with pytest.raises(ConfigError) as info:
        inspect_reference_docx(bad)
    assert message in str(info.value)
    assert "bad.docx" in str(info.value)


def test_oversized_part_is_refused_from_the_zip_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from kzru_reports import refdoc

    monkeypatch.setattr(refdoc, "MAX_PART", 600_000)
    big = _rewrite(
        reference_docx(tmp_path / "ref.docx"),
        tmp_path / "big.docx",
        {"word/media/photo.png": os.urandom(700_000)},
    )
    with pytest.raises(ConfigError, match=r"word/media/photo.png is 700,000 bytes, over"):
        inspect_reference_docx(big)


def test_a_refused_reference_docx_is_a_config_error_of_the_theme(tmp_path: Path) -> None:
    _rewrite(
        reference_docx(tmp_path / "ref.docx"), tmp_path / "bad.docx", {"word/vbaData.xml": b"<x/>"}
    )
    ws = workspace(tmp_path, 'reference_docx = "bad.docx"\n')
    with pytest.raises(DataError) as info:
        load_config(ws / "kzru.toml")
    [problem] = info.value.problems()
    assert problem.path == "theme.reference_docx" and problem.line == 2
    assert "vbaData.xml holds macros" in problem.message


def test_a_changed_logo_file_rebuilds(tmp_path: Path) -> None:
    from PIL import Image

    logo(tmp_path / "logo.png")
    ws = workspace(tmp_path, 'logo = "logo.png"\n')
    assert {o.status for o in build(ws, SHIPPED).outputs} == {"built"}
    assert {o.status for o in build(ws, SHIPPED).outputs} == {"unchanged"}
    Image.new("RGB", (200, 80), "#8B1A1A").save(tmp_path / "logo.png")
    assert {o.status for o in build(ws, SHIPPED).outputs} == {"built"}


def test_a_pack_has_the_letterhead_on_its_cover_only(tmp_path: Path) -> None:
    from docx import Document
    from pypdf import PdfReader

    ws = workspace(tmp_path, 'letterhead = ["Ministry of Examples"]\n')
    assert build(ws, SHIPPED, ("pack",)).ok
    pages = [
        unhyphenate(p.extract_text()) for p in PdfReader(next((ws / "build").rglob("*.pdf"))).pages
    ]
    assert [i for i, t in enumerate(pages) if "Ministry of Examples" in t] == [0]
    doc = Document(next((ws / "build").rglob("*.docx")))
    with_letterhead = [
        i
        for i, s in enumerate(doc.sections)
        if s.different_first_page_header_footer
        and "Ministry of Examples" in s.first_page_header._element.xml
    ]
    assert with_letterhead == [0] and len(doc.sections) == 4


def test_a_kept_font_subset_is_the_one_reportlab_makes() -> None:
    """The PDF writer's subsets of a face are kept per list of characters: a kept one
    is byte for byte what reportlab makes afresh, and another list gets its own."""
    from reportlab.pdfbase.ttfonts import TTFontFace

    from kzru_reports.theme.fonts import truetype

    path = str(FONTS / "NotoSans-Regular.ttf")
    face, fresh = truetype(path), TTFontFace(path)
    words = [ord(c) for c in "Қазақстан Republic"], [ord(c) for c in "Россия ӘҒҚ"]
    for codes in (*words, *words):
        assert face.makeSubset(codes) == fresh.makeSubset(codes)
    assert face.makeSubset(words[0]) != face.makeSubset(words[1])


def test_a_pdf_embeds_its_font_subsets_compressed_as_reportlab_does() -> None:
    """The kept compression of a subset is reportlab's own: the font file streams of
    a PDF decompress to the subsets, and a second PDF reuses what the first made."""
    import zlib

    from reportlab.pdfbase.pdfdoc import PDFZCompress

    from kzru_reports.theme.fonts import KEPT_FLATE

    data = b"a subset's bytes " * 500
    assert KEPT_FLATE.encode(data) == PDFZCompress.encode(data) == zlib.compress(data)
    assert KEPT_FLATE.decode(KEPT_FLATE.encode(data)) == data
    before = KEPT_FLATE.encode.cache_info().hits
    from kzru_reports.engine import Engine, Settings

    with Engine(Settings(), workers=0) as engine:
        made = [engine.render(SHIPPED, "press", ["memo"], ["pdf"])[0].data for _ in range(2)]
    assert made[0] == made[1] and b"/FontFile2" in made[0]
    assert KEPT_FLATE.encode.cache_info().hits > before


def test_a_parsed_font_is_kept_in_the_cache_folder_and_read_back_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """reportlab's parse of a font file is kept (keyed by the file's bytes) and read
    back by the next process: the same face, and the same PDF bytes as a parse."""
    from reportlab.pdfbase.ttfonts import TTFontFace

    from kzru_reports import cache, memo
    from kzru_reports.theme import default_theme
    from kzru_reports.theme import fonts as theme_fonts

    theme = default_theme()
    path = str(theme.font_path(theme.body_font.regular))
    monkeypatch.setenv(cache.ENV, str(tmp_path / "cache"))
    parsed = theme_fonts._parsed(path)
    monkeypatch.setattr(TTFontFace, "__init__", lambda *a, **k: pytest.fail("parsed again"))
    kept = theme_fonts._parsed(path)
    monkeypatch.undo()
    assert kept is not parsed and vars(kept).keys() == vars(parsed).keys()
    for name, value in vars(parsed).items():
        if name != "_pdfScale":
            assert getattr(kept, name) == value, name
    assert [kept._pdfScale(v) for v in (1, 733, -211)] == [
        parsed._pdfScale(v) for v in (1, 733, -211)
    ]

    def memo_pdf(out: Path, folder: str) -> bytes:
        monkeypatch.setenv(cache.ENV, folder)
        memo.clear()  # as a new process
        options = api.BuildOptions(out=str(out), documents=("memo",), formats=("pdf",))
        assert api.build([SHIPPED], options).ok
        return next(out.rglob("*-memo.pdf")).read_bytes()

    kept_folder = str(tmp_path / "cache-b")
    first = memo_pdf(tmp_path / "a", kept_folder)  # parsed and kept
    again = memo_pdf(tmp_path / "b", kept_folder)  # read back
    none = memo_pdf(tmp_path / "c", "")  # nothing kept: parsed
    assert first == again == none
