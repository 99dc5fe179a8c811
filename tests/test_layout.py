"""Layout of very large content: huge cells, unbreakable words, megabyte paragraphs and
long tables lay out in PDF and split across pages. (That their cost grows about
linearly is measured by the benchmark suite's ``big`` scenario, not here.)"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from kzru_reports import api
from kzru_reports.model import nodes as n
from kzru_reports.writers.pdf.text import chunk_inlines

from .readers import docx_text, pdf_text, squash, unhyphenate

PARTIES = [{"id": "aa", "country": "A", "role": "host"}, {"id": "bb", "country": "B"}]


def build(tmp_path: Path, docs: tuple[str, ...], **fields: Any) -> dict[str, bytes]:
    visit = {"schema": "visit/1", "id": "big", "title": "Big", "parties": PARTIES, **fields}
    file = tmp_path / "big.json"
    file.write_text(json.dumps(visit))
    out = tmp_path / "out"
    report = api.build([file], api.BuildOptions(out=str(out), documents=docs))
    assert report.ok, report.errors
    return {p.name: p.read_bytes() for p in (out / "big" / "analyst").iterdir()}


def pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def no_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_a_table_cell_taller_than_a_page_splits_over_pages(tmp_path: Path) -> None:
    words = [f"w{i:05d}" for i in range(3400)]
    summary = " ".join(words)  # 20,399 characters in one cell
    files = build(
        tmp_path, ("agreements",), agreements=[{"id": "a", "title": "T", "summary": summary}]
    )
    assert pages(files["big-agreements.pdf"]) >= 4
    # every word once and in order (page furniture comes between the pages' parts)
    assert re.findall(r"w\d{5}", pdf_text(files["big-agreements.pdf"])) == words
    assert summary in docx_text(files["big-agreements.docx"])


def test_an_unbreakable_word_wraps_inside_the_page(tmp_path: Path) -> None:
    word = "https://example.org/" + "Ж" * 5000
    files = build(
        tmp_path,
        ("memo", "agreements"),
        summary=word,
        agreements=[{"id": "a", "title": "T", "summary": word, "source": "s"}],
        sources=[{"id": "s", "title": "Source", "url": word}],
    )
    from pypdf import PdfReader

    for name, copies in (("big-memo.pdf", 2), ("big-agreements.pdf", 1)):
        reader = PdfReader(io.BytesIO(files[name]))
        text = "\n".join(p.extract_text() for p in reader.pages)
        assert text.count("Ж") == 5000 * copies
        longest = max(len(line) for line in text.splitlines())
        assert longest < 140, (name, longest)  # every line of it fits the text width
    assert docx_text(files["big-memo.docx"]).count(word) == 2


def test_a_megabyte_paragraph_lays_out_quickly(tmp_path: Path) -> None:
    words = ["Kazakhstan", "Russia", "cooperation", "Қазақстан", "transit", "energy"]
    summary = " ".join(words[i % 6] + str(i) for i in range(90_000))[:1_000_000]
    files = build(tmp_path, ("memo",), summary=summary)  # quadratic would take minutes
    assert pages(files["big-memo.pdf"]) > 100
    token = re.compile(r"[^\W\d_]+\d+")
    assert token.findall(pdf_text(files["big-memo.pdf"])) == token.findall(summary)
    assert summary in docx_text(files["big-memo.docx"])


def test_long_text_is_cut_at_spaces_into_pieces_keeping_formatting() -> None:
    text = " ".join(["word"] * 2000)
    inlines = (
        n.Strong((n.Text(text),)),
        n.Text(" tail "),
        n.Link((n.Text("x" * 2500),), "https://e.org"),
    )
    pieces = chunk_inlines(inlines, size=1000)
    assert len(pieces) > 10
    assert all(p.count("<b>") == p.count("</b>") for p in pieces)
    assert all(p.count("<a ") == p.count("</a>") for p in pieces)
    rebuilt = re.sub(r"<[^>]+>", "", "".join(pieces))
    assert rebuilt == text + " tail " + "x" * 2500
    assert chunk_inlines((n.Text("short"),)) == ["short"]


def agreements(count: int) -> list[dict[str, Any]]:
    kinds = ["agreement", "memorandum", "plan", "protocol"]
    return [
        {
            "id": f"a{i}",
            "title": f"Agreement number {i} on cooperation",
            "kind": kinds[i % 4],
            "parties": ["aa", "bb"],
            "summary": f"Summary of agreement {i}: " + "joint work on transit and energy " * 2,
        }
        for i in range(count)
    ]


def render(rows: int, fmt: str) -> bytes:
    from kzru_reports.data import parse_visit
    from kzru_reports.writers import get_writer

    raw = json.dumps(
        {"schema": "visit/1", "id": "t", "title": "T", "parties": PARTIES}
        | {"agreements": agreements(rows)}
    )
    visit = parse_visit(raw.encode(), "t.json", json_syntax=True)
    options = api.BuildOptions()
    doc = api.render_models(visit, options.audiences[0], "agreements", options)
    return get_writer(fmt, options.theme).render(doc)


@pytest.mark.slow
def test_an_agreement_summary_of_thousands_of_rows_lays_out_in_pdf() -> None:
    from pypdf import PdfReader

    # 10,000 rows are timed by the benchmark suite (benchmarks/); here the layout
    # of a long table is checked: every row, the header on every page, kinds in order
    data = render(4_000, "pdf")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 120

    def unbroken(text: str) -> str:
        return squash(unhyphenate(text))

    first = unbroken(" ".join(p.extract_text() for p in reader.pages[:3]))
    assert "Agreement number 0 on cooperation" in first
    last = unbroken(" ".join(p.extract_text() for p in reader.pages[-3:]))
    assert "Agreement number 3998 on cooperation" in last  # plans come last, by kind
    middle = squash(reader.pages[len(reader.pages) // 2].extract_text())
    assert middle.startswith("# Title Status")  # the header row repeats on every page
