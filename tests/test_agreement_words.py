"""Words that agree with the data in Russian and Kazakh: a document's status with its
kind's gender and number, the "Changes since" section in the document's language."""

from __future__ import annotations

from datetime import date

import pytest

from kzru_reports import api
from kzru_reports.audiences import BUILTIN
from kzru_reports.data.load import parse_visit
from kzru_reports.data.schema import AGREEMENT_KINDS
from kzru_reports.engine.render import render_models
from kzru_reports.model.dump import dump
from kzru_reports.templating.locale import Formatter, load_labels
from kzru_reports.versions import Version

from .readers import SHIPPED, pdf_text

KINDS = AGREEMENT_KINDS

VISIT = """schema: visit/1
id: words
title: {{en: Talks, ru: Переговоры, kk: Келіссөздер}}
classification: public
parties:
  - {{id: aa, country: {{en: Kazakhstan, ru: Казахстан, kk: Қазақстан}}, role: host}}
  - {{id: bb, country: {{en: Russia, ru: Россия, kk: Ресей}}, role: guest}}
figures:
  - {{id: trade, label: {{en: Trade, ru: Товарооборот, kk: Тауар айналымы}}, value: {value},
     unit: USD}}
agreements:
{agreements}
"""


def visit_text(status: str = "signed", value: int = 20_000_000_000) -> str:
    rows = "\n".join(
        f"  - {{id: a-{kind}, title: {{en: T {kind}, ru: Д {kind}, kk: Қ {kind}}}, "
        f"kind: {kind}, status: {status}}}"
        for kind in KINDS
    )
    return VISIT.format(agreements=rows, value=value)


def memo(text: str, lang: str, doc: str = "memo") -> str:
    visit = parse_visit(text.encode(), "words.yaml")
    options = api.BuildOptions(formats=("pdf",))
    return dump(api.render_models(visit, BUILTIN["analyst"], doc, options, lang=lang))


# What a Russian reader expects after each kind's name: the participle in its gender
# and number (декларация, программа: feminine; соглашение, письмо: neuter; the rest
# masculine, "иной документ" included).
RU_SIGNED = {
    "declaration": "(декларация, подписана)",
    "agreement": "(соглашение, подписано)",
    "memorandum": "(меморандум, подписан)",
    "programme": "(программа, подписана)",
    "protocol": "(протокол, подписан)",
    "plan": "(план, подписан)",
    "letter": "(письмо, подписано)",
    "other": "(иной документ, подписан)",
}
RU_ADOPTED = {
    "declaration": "(декларация, принята)",
    "agreement": "(соглашение, принято)",
    "memorandum": "(меморандум, принят)",
    "programme": "(программа, принята)",
    "plan": "(план, принят)",
    "letter": "(письмо, принято)",
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_russian_status_agrees_with_the_kind(kind: str) -> None:
    text = memo(visit_text("signed"), "ru")
    assert f"Д {kind} {RU_SIGNED[kind]}" in text


def test_every_russian_status_agrees_in_the_memo_and_the_summary_table() -> None:
    text = memo(visit_text("adopted"), "ru")
    for kind, words in RU_ADOPTED.items():
        assert f"Д {kind} {words}" in text
    table = memo(visit_text("announced"), "ru", "agreements")
    # one row per document: number, title, status, parties
    assert "Д declaration | объявлена" in table
    assert "Д agreement | объявлено" in table
    assert "Д plan | объявлен" in table
    assert "подписано)" not in memo(visit_text("signed"), "ru").split("Д declaration")[1][:40]


def test_kazakh_says_a_status_as_a_participle_for_every_kind() -> None:
    # Kazakh has no gender: one word for every kind, the participle a status takes
    # ("қол қойылған және алмасылған құжаттар")
    text = memo(visit_text("signed"), "kk")
    for kind in KINDS:
        assert f"Қ {kind} (" in text
    assert text.count(", қол қойылған)") == len(KINDS)
    assert "қол қойылды" not in text


def changes(lang: str) -> str:
    """The memo's "Changes since" section, in ``lang``: the figure grew from 19 to 20
    billion and every document went from announced to signed."""
    old = Version(
        visit_text("announced", 19_000_000_000).encode(), "old.yaml", False, date(2025, 11, 1)
    )
    visit = parse_visit(visit_text("signed").encode(), "new.yaml")
    options = api.BuildOptions(formats=("pdf",))
    text = dump(render_models(visit, BUILTIN["analyst"], "memo", options, old, lang))
    return text.split(SUMMARY[lang])[0]


SUMMARY = {"en": "Key outcomes", "ru": "Основные итоги", "kk": "Негізгі нәтижелер"}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "Changes since 1 November 2025",
                "Trade: value USD\u00a020 billion (was USD\u00a019 billion)",
                "T declaration: status signed (was announced)",
            ],
        ),
        (
            "ru",
            [
                "Изменения с\u00a01\u00a0ноября 2025\u00a0г.",
                "Товарооборот: значение 20\u00a0млрд долл.\u00a0США "
                "(было: 19\u00a0млрд долл.\u00a0США)",
                "Д declaration: статус подписана (было: объявлена)",
                "Д agreement: статус подписано (было: объявлено)",
                "Д memorandum: статус подписан (было: объявлен)",
            ],
        ),
        (
            "kk",
            [
                "2025\u00a0жылғы 1\u00a0қарашадан бастап енгізілген өзгерістер",
                "Тауар айналымы: мәні 20\u00a0млрд АҚШ\u00a0доллары "
                "(бұрын: 19\u00a0млрд АҚШ\u00a0доллары)",
                "Қ declaration: мәртебесі қол қойылған (бұрын: жарияланған)",
            ],
        ),
    ],
)
def test_changes_since_are_said_in_the_documents_language(lang: str, expected: list[str]) -> None:
    section = changes(lang)
    for words in expected:
        assert words in section
    if lang != "en":
        for english in ("signed", "announced", "USD", "billion", "value", "status"):
            assert english not in section


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "We build the “North–South” railway.", "“We build the ‘North–South’ railway.”"),
        ("ru", "Строим дорогу «Север — Юг».", "«Строим дорогу „Север — Юг“»."),
        (
            "kk",
            "Біз «Солтүстік — Оңтүстік» жолын саламыз.",
            "«Біз „Солтүстік — Оңтүстік“ жолын саламыз».",
        ),
        ("ru", "Так ли это?", "«Так ли это?»"),
        ("ru", "И так далее...", "«И так далее...»"),
    ],
)
def test_a_quotation_takes_the_languages_marks_inside_and_out(
    lang: str, text: str, expected: str
) -> None:
    f = Formatter(load_labels(lang), lang)
    assert f.quoted(text) == expected


def test_the_memo_quotes_a_statement_with_nested_marks() -> None:
    text = (
        "schema: visit/1\nid: q\nclassification: public\ntitle: {ru: Т}\nlang: ru\n"
        "parties:\n  - {id: aa, country: А, leader: {name: Анна}}\n  - {id: bb, country: Б}\n"
        "statements:\n  - {speaker: Анна, text: Дорога «Север — Юг» важна.}\n"
    )
    shown = memo(text, "ru")
    assert "«Дорога „Север\u00a0— Юг“ важна»." in shown  # the dash held to "Север"


@pytest.mark.parametrize(
    ("lang", "amount"), [("ru", "28,7 млрд долл. США"), ("kk", "28,7 млрд АҚШ доллары")]
)
def test_a_key_figure_breaks_its_amount_between_words_only(lang: str, amount: str) -> None:
    """The amount and its currency words each hold together (no-break spaces), and a
    tile too narrow for both breaks between them, never inside a word ("долла-ры")."""
    from kzru_reports.writers import render

    visit = parse_visit(SHIPPED.read_bytes(), SHIPPED.name)
    options = api.BuildOptions(formats=("pdf",))
    doc = api.render_models(visit, BUILTIN["press"], "factsheet", options, lang=lang)
    text = pdf_text(render("pdf", options.theme, doc))
    assert amount in text


LOWER = """schema: visit/1
id: low
title: {en: T, ru: Т, kk: Т}
classification: public
parties:
  - {id: aa, country: {en: A, ru: А, kk: А}}
  - {id: bb, country: {en: B, ru: Б, kk: Б}}
figures:
  - id: t
    label: {en: Border crossing, ru: Пересечение границы, kk: Шекарадан өту}
    value: 36
    unit: {en: hours, ru: {one: час, few: часа, many: часов}, kk: сағат}
    period: {en: "2025", ru: "2025", kk: "2025"}
    target: {value: 12, by: {en: "2027", ru: "2027", kk: "2027"}, better: lower}
"""


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "24 hours to cut"),
        ("ru", "нужно сократить на 24 часа"),
        ("kk", "24 сағатқа қысқарту керек"),  # the dative the catalog asks for
    ],
)
def test_a_target_to_cut_is_said_in_each_language(lang: str, words: str) -> None:
    for doc in ("memo", "factsheet"):
        assert words in memo(LOWER, lang, doc).replace("\u00a0", " ")
