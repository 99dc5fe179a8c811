"""Handling marks: each document (and PDF page) marked by what it holds, portion marks,
the marking words of kzru.toml and what it refuses."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from kzru_reports import api
from kzru_reports.audiences import BUILTIN
from kzru_reports.cli import main
from kzru_reports.config import load_config
from kzru_reports.errors import DataError
from kzru_reports.handling import MarkingScheme, Words, mark
from kzru_reports.model import nodes as n

from .readers import FIXTURES, docx_text, pdf_text, unhyphenate

ONE_DOC = FIXTURES / "restricted-in-memo.yaml"
VISIT = "restricted-in-memo"
LEVEL_WORD = re.compile(r"\b(PUBLIC|OFFICIAL|RESTRICTED)\b")


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [unhyphenate(page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages]


def docx_parts(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "\n".join(z.read(name).decode("utf-8", "replace") for name in z.namelist())


@pytest.fixture(scope="module")
def one_doc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("handling")
    options = api.BuildOptions(out=str(out), audiences=(BUILTIN["analyst"], BUILTIN["press"]))
    report = api.build([ONE_DOC], options)
    assert report.ok, report.errors
    return out / VISIT


def test_documents_without_restricted_items_are_not_marked_restricted(one_doc: Path) -> None:
    folder = one_doc / "analyst"
    for doc in ("factsheet", "agreements"):
        pdf = (folder / f"{VISIT}-{doc}.pdf").read_bytes()
        pages = pdf_pages(pdf)
        assert pages, doc
        for number, page in enumerate(pages, 1):  # every page says PUBLIC, nothing higher
            assert set(LEVEL_WORD.findall(page)) == {"PUBLIC"}, (doc, number)
        docx = (folder / f"{VISIT}-{doc}.docx").read_bytes()
        assert set(LEVEL_WORD.findall(docx_parts(docx))) == {"PUBLIC"}, doc
        assert "RESMARK" not in pdf_text(pdf) + docx_text(docx)
    # the memo holds the restricted items, and says so
    memo_pdf = (folder / f"{VISIT}-memo.pdf").read_bytes()
    assert "RESTRICTED" in pdf_pages(memo_pdf)[0]
    memo_docx = docx_parts((folder / f"{VISIT}-memo.docx").read_bytes())
    assert "RESTRICTED" in memo_docx and "<cp:category>RESTRICTED" in memo_docx
    assert "HANDLING RESTRICTED" in pdf_text(memo_pdf)


def test_the_pack_cover_keeps_the_highest_marking_inside(one_doc: Path) -> None:
    pack = (one_doc / "analyst" / f"{VISIT}-pack.pdf").read_bytes()
    pages = pdf_pages(pack)
    assert "HIGHEST MARKING INSIDE RESTRICTED" in re.sub(r"\s+", " ", pages[0]).upper()
    assert "RESTRICTED" in pages[1]  # the contents page goes with the cover
    cover = docx_text((one_doc / "analyst" / f"{VISIT}-pack.docx").read_bytes())
    assert "HIGHEST MARKING INSIDE RESTRICTED" in cover.upper()


def test_portion_marks_on_for_analyst_off_for_press(one_doc: Path) -> None:
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        analyst = read((one_doc / "analyst" / f"{VISIT}-memo.{fmt}").read_bytes())
        assert "(R) RESMARKASSESSMENT" in analyst, fmt
        assert "(P) Public point one on trade" in analyst, fmt
        assert "(R) RESMARKFOLLOWUP" in analyst, fmt
        assert "(P) The ministers met in Astana" in analyst, fmt  # the summary paragraph
        table = read((one_doc / "analyst" / f"{VISIT}-agreements.{fmt}").read_bytes())
        assert "1 (P) Memorandum on visa facilitation" in table, fmt
        for doc in ("memo", "factsheet", "agreements", "pack"):
            press = read((one_doc / "press" / f"{VISIT}-{doc}.{fmt}").read_bytes())
            assert not re.search(r"\((P|O|R)\)", press), (fmt, doc)
    facts = pdf_text((one_doc / "analyst" / f"{VISIT}-factsheet.pdf").read_bytes())
    assert "(P) Trade turnover" in facts  # a key figure carries its mark too


def test_docx_portion_marks_are_plain_visible_text(one_doc: Path) -> None:
    xml = docx_parts((one_doc / "analyst" / f"{VISIT}-memo.docx").read_bytes())
    run = re.search(r"<w:r>(?:(?!</w:r>).)*?\(R\) (?:(?!</w:r>).)*?</w:r>", xml, re.S)
    assert run is not None
    assert "w:vanish" not in run.group() and "w:webHidden" not in run.group()


# ------------------------------------------------------------------ the model pass


def test_an_untagged_block_is_marked_as_high_as_the_reader_may_see() -> None:
    words = {"public": "PUBLIC", "official": "OFFICIAL", "restricted": "RESTRICTED"}
    doc = n.Document(
        n.Meta(title="t", handling="public"),
        (n.Paragraph((n.Text("tagged"),), handling="public"), n.Paragraph((n.Text("untagged"),))),
    )
    marked = mark(doc, "official", words)
    assert marked.meta.marking == "OFFICIAL"
    assert [b.handling for b in marked.body] == ["public", "official"]
    tagged_only = n.Document(doc.meta, doc.body[:1])
    assert mark(tagged_only, "restricted", words).meta.marking == "PUBLIC"
    nested = n.Document(
        doc.meta,
        (
            n.List(
                (n.ListItem((n.Text("a"),)), n.ListItem((n.Text("b"),), handling="restricted")),
                handling="public",
            ),
        ),
    )
    marked = mark(nested, "public", words, {"public": "(P)", "restricted": "(R)"})
    assert marked.meta.marking == "RESTRICTED"
    items = marked.body[0].items  # type: ignore[union-attr]
    assert [i.children[0].text for i in items] == ["(P) ", "(R) "]


def test_a_template_naming_an_unknown_level_fails_the_visit(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "memo.xml.j2").write_text(
        '{% extends "builtin/memo.xml.j2" %}{% block summary %}'
        '<p handling="secret">x</p>{% endblock %}'
    )
    options = api.BuildOptions(
        out=str(tmp_path / "out"), documents=("memo",), formats=("pdf",), templates=(str(folder),)
    )
    report = api.build([ONE_DOC], options)
    assert not report.ok
    assert "memo.xml.j2: unknown handling level 'secret'" in report.errors[0].message


# ------------------------------------------------------------------ kzru.toml


def test_marking_words_of_the_workspace(inside: Path) -> None:
    (inside / "kzru.toml").write_text(
        # English documents only: the Russian catalog's own "(ДСП)" marks official
        '[marking.en]\nbanner = { restricted = "ДСП" }\n'
        'portion = { public = "(О)", restricted = "(ДСП)" }\n\n'
        "[audiences.press]\nportion_marks = true\n",
        "utf-8",
    )
    result = CliRunner().invoke(
        main, ["build", str(ONE_DOC), "-d", "memo", "-a", "analyst", "-a", "press", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    base = inside / "build" / VISIT
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        analyst = read((base / "analyst" / f"{VISIT}-memo.{fmt}").read_bytes())
        assert "(ДСП) RESMARKASSESSMENT" in analyst and "(О) Public point one" in analyst
        assert "ДСП" in analyst.split("Briefing memo")[0] or "HANDLING ДСП" in analyst
        assert "RESTRICTED" not in analyst
        press = read((base / "press" / f"{VISIT}-memo.{fmt}").read_bytes())
        assert "(О) Public point one" in press and "ДСП" not in press
    listing = CliRunner().invoke(main, ["audiences", "list"]).stdout
    assert re.search(r"press .*\n.*portion marks: on", listing)


@pytest.mark.parametrize(
    ("toml", "line", "message"),
    [
        (
            '[marking]\nportion = { secret = "(S)" }\n',
            2,
            "marking.portion.secret: unknown level 'secret'",
        ),
        (
            '[marking]\n\nbanner = { official = "" }\n',
            3,
            "marking.banner.official: a marking word cannot be empty",
        ),
        (
            '[marking]\nportion = { official = "(O)\\u202e" }\n',
            2,
            "it would hide or reorder the text it marks",
        ),
        (
            '[marking]\nportion = { official = "(R)" }\n',
            2,
            "'(R)' would mark both 'official' and 'restricted'",
        ),
        ('[marking]\nportion_marks = "yes"\n', 2, "marking.portion_marks: expected true or false"),
        ('[marking.xx]\nportion = { official = "(O)" }\n', 1, "marking.xx: unknown key"),
        (
            "[audiences.press]\nportion_marks = 1\n",
            2,
            "audiences.press.portion_marks: expected true or false",
        ),
    ],
)
def test_bad_marking_config_is_refused_with_file_and_line(
    tmp_path: Path, toml: str, line: int, message: str
) -> None:
    config = tmp_path / "kzru.toml"
    config.write_text(toml, "utf-8")
    with pytest.raises(DataError) as info:
        load_config(config)
    shown = [str(p) for p in info.value.problems()]
    assert any(s.startswith(f"{config}:{line}: ") and message in s for s in shown), shown


def test_language_words_override_the_words_for_every_language() -> None:
    scheme = MarkingScheme(
        words={"": Words(portion={"official": "(O*)"}), "ru": Words(portion={"official": "(ДСП)"})}
    )
    labels = {"portion_marks": {"public": "(P)", "official": "(O)", "restricted": "(R)"}}
    assert scheme.portion("en", labels)["official"] == "(O*)"
    assert scheme.portion("ru", labels) == {
        "public": "(P)",
        "official": "(ДСП)",
        "restricted": "(R)",
    }


def banners(data: bytes) -> list[tuple[str, bool]]:
    """Each PDF page's own marking (drawn last, at its top and foot) and whether the
    page holds a restricted marker."""
    out = []
    for text in pdf_pages(data):
        words = [line.strip() for line in text.splitlines() if LEVEL_WORD.fullmatch(line.strip())]
        assert len(words) >= 2 and words[-1] == words[-2], words
        out.append((words[-1], "RESMARK" in text))
    return out


def test_each_pdf_page_is_marked_by_what_it_holds(one_doc: Path) -> None:
    memo = banners((one_doc / "analyst" / f"{VISIT}-memo.pdf").read_bytes())
    assert len(memo) >= 2 and not memo[0][1], "the fixture's first page must be public"
    for number, (word, restricted) in enumerate(memo, 1):
        assert word == ("RESTRICTED" if restricted else "PUBLIC"), number
    pack = banners((one_doc / "analyst" / f"{VISIT}-pack.pdf").read_bytes())
    assert [w for w, _ in pack[:2]] == ["RESTRICTED", "RESTRICTED"]  # cover, contents
    for number, (word, restricted) in enumerate(pack[2:], 3):
        assert word == ("RESTRICTED" if restricted else "PUBLIC"), number
    assert sum(r for _, r in pack) >= 1 and [w for w, _ in pack].count("PUBLIC") >= 3


def test_a_table_row_marks_only_the_pages_it_is_drawn_on(tmp_path: Path) -> None:
    """One restricted agreement at the end of a long table: only its page says so. It
    is of a kind of its own, as the group row of its kind counts it too (and so is
    marked with it); the counts by kind, which count it as well, are left out here."""
    from dataclasses import replace

    import yaml

    data = yaml.safe_load(ONE_DOC.read_text("utf-8"))
    data["agreements"] = [
        {"id": f"a{i}", "title": f"Public agreement number {i} on cooperation", "kind": "plan"}
        for i in range(120)
    ] + [{"id": "last", "title": "RESMARKLASTROW", "kind": "other", "classification": "restricted"}]
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    no_counts = replace(BUILTIN["analyst"], omit=frozenset({"counts"}))
    options = api.BuildOptions(
        out=str(tmp_path / "out"),
        documents=("agreements",),
        formats=("pdf",),
        audiences=(no_counts,),
    )
    assert api.build([path], options).ok
    pages = banners((tmp_path / "out" / VISIT / "analyst" / f"{VISIT}-agreements.pdf").read_bytes())
    assert len(pages) >= 3
    for number, (word, restricted) in enumerate(pages, 1):
        assert word == ("RESTRICTED" if restricted else "PUBLIC"), number


def test_a_page_marking_never_carries_over_from_an_earlier_build(
    one_doc: Path, tmp_path: Path
) -> None:
    """reportlab shares some flowables (frame breaks) between documents: a level given
    to one in a restricted build must not mark a page of the next, public one."""
    from .readers import SHIPPED

    options = api.BuildOptions(out=str(tmp_path), documents=("memo",), formats=("pdf",))
    assert api.build([SHIPPED], options).ok
    memo = next(tmp_path.glob("*/analyst/*-memo.pdf")).read_bytes()
    assert {word for word, _ in banners(memo)} == {"PUBLIC"}
