"""Russian and Kazakh DOCX as a reader opens them: converted to PDF by LibreOffice, set
in the embedded Noto faces (not a substitute), every Kazakh letter read back."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kzru_reports import api
from kzru_reports.audiences import BUILTIN

from .readers import SHIPPED, layout_text, libreoffice_pdf, system_has_noto

KAZAKH = "ҚӘҒҢӨҰҮҺІ"
LETTERS = KAZAKH + KAZAKH.lower()

# A visit whose Kazakh text holds every letter Kazakh adds to the Russian alphabet,
# capital and small, in the title, a heading's text and a table row.
EVERY_LETTER = f"""schema: visit/1
id: letters
title: {{ru: Ёлка и щёголь, kk: "{KAZAKH} {KAZAKH.lower()}: Қазақстан, Әуезов, Һ"}}
classification: public
parties:
  - {{id: kz, country: {{ru: Казахстан, kk: Қазақстан}}, role: host}}
  - {{id: ru, country: {{ru: Россия, kk: Ресей}}, role: guest}}
agreements:
  - {{id: a, kind: memorandum, status: signed,
     title: {{ru: Меморандум о взаимопонимании, kk: "Өзара түсіністік: {LETTERS}"}}}}
"""


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shipped visit's analyst memo in ru and kk, and the letters visit's agreement
    summary in kk, each DOCX converted by LibreOffice."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    if shutil.which("pdffonts") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdffonts, pdftotext) is not installed")
    if system_has_noto():
        pytest.skip("Noto fonts are installed system-wide: embedding cannot be told apart")
    folder = tmp_path_factory.mktemp("lo-langs")
    letters = folder / "letters.yaml"
    letters.write_text(EVERY_LETTER, "utf-8")
    out = folder / "out"
    for visit, doc in ((SHIPPED, "memo"), (letters, "agreements")):
        options = api.BuildOptions(
            out=str(out),
            documents=(doc,),
            formats=("docx",),
            audiences=(BUILTIN["analyst"],),
            langs=("ru", "kk"),
        )
        assert api.build([visit], options).ok
    found = {}
    for name in ("kz-ru-state-visit-2025-memo.ru", "kz-ru-state-visit-2025-memo.kk"):
        found[name] = libreoffice_pdf(next(out.rglob(f"{name}.docx")), folder)
    found["letters.kk"] = libreoffice_pdf(next(out.rglob("letters-agreements.kk.docx")), folder)
    return found


def fonts_of(pdf: Path) -> set[str]:
    listed = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    return {line.split()[0].split("+")[-1] for line in listed.stdout.splitlines()[2:]}


@pytest.mark.client
@pytest.mark.parametrize(
    "name", ["kz-ru-state-visit-2025-memo.ru", "kz-ru-state-visit-2025-memo.kk", "letters.kk"]
)
def test_libreoffice_sets_russian_and_kazakh_in_the_embedded_noto(
    converted: dict[str, Path], name: str
) -> None:
    names = fonts_of(converted[name])
    assert {"NotoSerif-Regular", "NotoSans-Bold"} <= names, names
    assert not [n for n in names if "DejaVu" in n or "Liberation" in n], names


@pytest.mark.client
def test_every_kazakh_letter_reads_back_from_libreoffices_pdf(converted: dict[str, Path]) -> None:
    text = layout_text(converted["letters.kk"])
    assert f"{KAZAKH} {KAZAKH.lower()}" in text
    assert {c for c in LETTERS if c not in text} == set()
    memo = layout_text(converted["kz-ru-state-visit-2025-memo.kk"])
    assert "Қасым-Жомарт Тоқаев" in memo and "ынтымақтастық" in memo
    russian = layout_text(converted["kz-ru-state-visit-2025-memo.ru"])
    assert "Касым-Жомарт Токаев" in russian and "партнёрству" in russian
