"""A workspace adds a language: its catalog in templates/locale/, `lang = "de"` and
`-l de` accepted once the catalog is there (a clear error naming it otherwise), CLDR's
dates and numbers, the data's `de:` texts, PDF /Lang and DOCX w:lang, hyphenation where
pyphen has patterns (and a warning, said once, where it has none)."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner

from kzru_reports.cli import main
from kzru_reports.hyphenate import hyphenated
from kzru_reports.templating.catalog import source_messages
from kzru_reports.templating.locale import Formatter, load_labels

from .readers import docx_text, pdf_text

# A few labels in real German; the others are marked so a test can see where they came
# from (a translator would translate them all, starting from messages.pot).
GERMAN = {
    "documents.memo": "Gesprächsvorlage",
    "labels.summary": "Zusammenfassung",
    "labels.key_outcomes": "Wichtigste Ergebnisse",
    "labels.dates": "Daten",
    "levels.public": "OFFEN",
    "labels.page": "Seite {page} von {pages}",
    "labels.key_figures": "Kennzahlen",
}

VISIT = """schema: visit/1
id: besuch
title: {en: Working visit, de: Arbeitsbesuch, uz: Ishchi tashrif}
classification: public
dates: {start: 2025-11-11, end: 2025-11-12}
summary:
  en: The ministers discussed economic cooperation.
  de: Die Minister erörterten die wirtschaftliche Zusammenarbeit.
  uz: Vazirlar iqtisodiy hamkorlikni muhokama qildilar.
parties:
  - {id: kz, country: {en: Kazakhstan, de: Kasachstan, uz: Qozog'iston}, role: host}
  - {id: de, country: {en: Germany, de: Deutschland, uz: Germaniya}, role: guest}
figures:
  - {id: trade, label: {en: Trade, de: Handelsumsatz, uz: Savdo aylanmasi}, value: 20000000000,
     unit: USD, period: {en: "2024", de: "2024", uz: "2024"}}
  - {id: students, label: {en: Students, de: Studierende, uz: Talabalar}, value: 60000}
agreements:
  - {id: a, kind: memorandum, status: signed,
     title: {en: Memorandum, de: Absichtserklärung, uz: Memorandum}}
"""


def write_catalog(path: Path, lang: str, words: dict[str, str], skip: int = 0) -> None:
    """A catalog made as the guide says (``kzru templates eject messages.pot``, then
    ``pybabel init``), every label translated (but the last ``skip``)."""
    from babel.messages.frontend import CommandLineInterface

    pot = path.parent / "messages.pot"
    if not pot.exists():
        code, _, err = kzru("templates", "eject", "messages.pot", "--to", str(path.parent.parent))
        assert code == 0, err
    CommandLineInterface().run(
        ["pybabel", "-q", "init", "-i", str(pot), "-o", str(path), "-l", lang]
    )
    with path.open("rb") as f:
        catalog = read_po(f)
    messages = [m for m in catalog if m.id]
    assert len(messages) >= len(source_messages())  # messages.pot holds every label
    for m in messages[: len(messages) - skip]:
        if isinstance(m.id, tuple):
            m.string = tuple(f"{lang}:{m.id[min(i, 1)]}" for i in range(catalog.num_plurals))
        else:
            m.string = words.get(m.context or "") or f"{lang}:{m.id}"
    with path.open("wb") as f:
        write_po(f, catalog)


def kzru(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"SOURCE_DATE_EPOCH": "1700000000"}).invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def workspace(inside: Path) -> Path:
    code, _, err = kzru("init", ".")
    assert code == 0, err
    (inside / "data" / "kz-ru-state-visit-2025.yaml").unlink()
    (inside / "data" / "besuch.yaml").write_text(VISIT, "utf-8")
    return inside


def test_a_language_without_its_catalog_is_refused_naming_the_file(workspace: Path) -> None:
    code, _, err = kzru("build", "-l", "de", "-f", "pdf")
    assert code == 2
    assert "no catalog for language 'de'" in err
    assert "templates/locale/de.po" in err
    config = workspace / "kzru.toml"
    config.write_text(config.read_text("utf-8").replace('lang = "en"', 'lang = "de"'), "utf-8")
    code, _, err = kzru("build")
    assert code != 0
    assert "kzru.toml:" in err and "defaults.lang" in err and "templates/locale/de.po" in err
    # a tag that is no language at all is still a near miss
    code, _, err = kzru("build", "-l", "kz")
    assert code == 2 and "did you mean 'kk'" in err


def test_an_incomplete_catalog_names_what_is_missing(workspace: Path) -> None:
    write_catalog(workspace / "templates" / "locale" / "de.po", "de", GERMAN, skip=2)
    code, _, err = kzru("build", "-l", "de", "-f", "pdf", "-d", "memo", "-a", "press")
    assert code == 1
    assert "templates/locale/de.po: " in err and "no de translation of" in err


def test_a_workspace_language_builds_end_to_end(workspace: Path) -> None:
    write_catalog(workspace / "templates" / "locale" / "de.po", "de", GERMAN)
    config = workspace / "kzru.toml"
    text = config.read_text("utf-8").replace('lang = "en"', 'lang = "de"')
    text += (  # its own marking words, and an audience that reads German only
        '\n[marking.de]\nbanner = { public = "ÖFFENTLICH" }\n'
        '\n[audiences.presse]\nbase = "press"\nlang = "de"\n'
    )
    config.write_text(text, "utf-8")
    code, out, err = kzru("build", "-a", "analyst", "-a", "presse", "-d", "memo", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert {o["lang"] for o in report["outputs"]} == {"de"}
    press = (workspace / "build" / "besuch" / "presse" / "besuch-memo.pdf").read_bytes()
    assert "ÖFFENTLICH" in pdf_text(press)
    folder = workspace / "build" / "besuch" / "analyst"
    pdf = (folder / "besuch-memo.pdf").read_bytes()
    text = pdf_text(pdf)
    for words in (
        "Gesprächsvorlage",
        "Arbeitsbesuch",
        "Zusammenfassung",
        "11.–12. November 2025",  # CLDR's German range, the month in full
        "20 Mrd. USD",  # CLDR's short compact number, the ISO code after it as German writes
        "60.000",
        "Seite 1 von 1",
        "Absichtserklärung (de:memorandum, de:signed)",
    ):
        assert words in text, words
    assert b"/Lang (de-DE)" in pdf
    with zipfile.ZipFile(folder / "besuch-memo.docx") as z:
        assert '<w:lang w:val="de-DE"/>' in z.read("word/styles.xml").decode()
        assert "<dc:language>de-DE</dc:language>" in z.read("docProps/core.xml").decode()
    assert "Die Minister erörterten" in docx_text((folder / "besuch-memo.docx").read_bytes())
    assert "hyphenation" not in err  # German has patterns
    assert hyphenated("Wirtschaftsministerium", "de") == "Wirt-schafts-mi-nis-te-ri-um"


def test_a_language_without_hyphenation_patterns_says_so_once(workspace: Path) -> None:
    write_catalog(workspace / "templates" / "locale" / "uz.po", "uz", {})
    code, _, err = kzru("build", "-l", "uz", "-a", "analyst", "-a", "press")
    assert code == 0, err
    assert err.count("no hyphenation patterns for 'uz'") == 1
    assert "templates/locale/uz.po: warning:" in err
    pdf = (workspace / "build" / "besuch" / "press" / "besuch-memo.uz.pdf").read_bytes()
    assert b"/Lang (uz-Latn-UZ)" in pdf
    assert "Ishchi tashrif" in pdf_text(pdf)
    assert "11\u2009–\u200912-noyabr, 2025" in pdf_text(pdf).replace(" – ", "\u2009–\u2009")


def test_workspace_language_formatting_comes_from_cldr() -> None:
    f = Formatter(load_labels("en"), "fr")
    assert f.number(60000) == "60\u202f000"
    assert f.date(date(2025, 11, 12)) == "12 novembre 2025"
    range_ = f.date_range(date(2025, 10, 30), date(2025, 11, 2))
    assert range_ == "30 octobre\u2009–\u20092 novembre 2025"
