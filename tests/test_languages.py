"""Documents in English, Russian and Kazakh from one visit file: multilingual data,
catalogs, formatting per language, and built documents read back."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from kzru_reports import api
from kzru_reports.audiences import BUILTIN
from kzru_reports.data.lang import PluralText
from kzru_reports.data.load import parse_visit, visit_in
from kzru_reports.errors import DataError
from kzru_reports.templating.catalog import load_labels, read_catalog
from kzru_reports.templating.locale import NNBSP, Formatter, kk_suffix
from tests.readers import SHIPPED, docx_text, pdf_text

MINIMAL = """schema: visit/1
id: v-lang
{extra}title: {title}
parties:
  - {{id: aa, country: {{en: Kazakhstan, ru: Казахстан, kk: Қазақстан}}, role: guest,
     leader: {{name: {{en: Kassym-Jomart Tokayev, ru: Касым-Жомарт Токаев,
     kk: Қасым-Жомарт Тоқаев}}}}}}
  - {{id: bb, country: {{en: Russia, ru: Россия, kk: Ресей}}, role: host}}
"""


def load(title: str = "{en: Visit, ru: Визит, kk: Сапар}", extra: str = "") -> object:
    text = MINIMAL.format(title=title, extra=extra)
    return parse_visit(text.encode(), "v.yaml")


def problems(title: str, extra: str = "") -> list[str]:
    with pytest.raises(DataError) as info:
        load(title, extra)
    return [str(p) for p in info.value.problems()]


# ------------------------------------------------------------------ data


def test_each_language_reads_its_own_text() -> None:
    visit = load()
    assert [visit_in(visit, lang).title for lang in ("en", "ru", "kk")] == [  # type: ignore[arg-type]
        "Visit",
        "Визит",
        "Сапар",
    ]
    kk = visit_in(visit, "kk")  # type: ignore[arg-type]
    assert kk.parties[0].leader.name == "Қасым-Жомарт Тоқаев"


def test_a_plain_string_is_in_the_file_language() -> None:
    visit = load("Визит", extra="lang: ru\n")
    assert visit_in(visit, "ru").title == "Визит"  # type: ignore[arg-type]
    with pytest.raises(DataError) as info:
        visit_in(visit, "en")  # type: ignore[arg-type]
    assert [str(p) for p in info.value.problems()] == ["v.yaml:4:1: title: no en text"]


def test_every_missing_text_is_listed_at_once() -> None:
    visit = load("{en: Visit}", extra="summary: Talks were held.\n")
    with pytest.raises(DataError) as info:
        visit_in(visit, "ru")  # type: ignore[arg-type]
    lines = [str(p) for p in info.value.problems()]
    assert lines == ["v.yaml:3:1: summary: no ru text", "v.yaml:4:1: title: no ru text"]


def test_fallback_uses_the_source_text_marked() -> None:
    visit = load("{en: Visit}")
    ru = visit_in(visit, "ru", fallback=True, untranslated="{text} [без перевода]")  # type: ignore[arg-type]
    assert ru.title == "Visit [без перевода]"


@pytest.mark.parametrize(
    ("title", "extra", "expected"),
    [
        ("{ru: Визит, kz: Сапар}", "", "title: 'kz' is not a language of the documents"),
        ("{ru: Визит, kz: Сапар}", "", "(did you mean 'kk'?)"),
        ("Visit", "lang: kz\n", "lang: 'kz' is not a language of the documents"),
        ("Visit", "lang: ru-RU\n", "(did you mean 'ru'?)"),
        ("{}", "", "title: an empty mapping"),
        ("{en: Visit, ru: {a: b}}", "", "title: ru: expected text, got a mapping"),
        ("{en: Visit, ru: [a]}", "", "title: ru: expected text, got a list"),
    ],
)
def test_bad_language_input_is_refused_with_the_field(
    title: str, extra: str, expected: str
) -> None:
    assert any(expected in line for line in problems(title, extra)), problems(title, extra)


def test_unit_words_take_plural_forms_by_number() -> None:
    unit = PluralText({"one": "студент", "few": "студента", "many": "студентов"})
    ru = Formatter(load_labels("ru"), "ru")
    figure = SimpleNamespace(value=60_000, unit=unit, qualifier="more_than", label="Студенты")
    assert ru.figure(figure, with_unit=True) == f"более 60{NNBSP}000 студентов"
    assert ru.unit_for(2, unit) == "студента" and ru.unit_for(21, unit) == "студент"


def test_a_quotation_in_another_language_says_it_is_a_translation() -> None:
    text = (
        "schema: visit/1\nid: q\ntitle: {en: T, ru: Т}\nparties:\n"
        "  - {id: aa, country: {en: A, ru: А}, leader: {name: {en: Ann, ru: Анна}}}\n"
        "  - {id: bb, country: {en: B, ru: Б}}\n"
        "statements:\n  - {speaker: Ann, lang: ru, text: {en: Hello, ru: Привет}}\n"
    )
    visit = parse_visit(text.encode(), "q.yaml")
    options = api.BuildOptions(formats=("pdf",))
    for lang, note, absent in (
        ("en", "(unofficial translation)", None),
        ("ru", None, "неофициальный перевод"),
    ):
        doc = api.render_models(visit, BUILTIN["analyst"], "memo", options, lang=lang)
        from kzru_reports.writers import render

        shown = pdf_text(render("pdf", options.theme, doc))
        if note:
            assert note in shown
        if absent:
            assert absent not in shown
    ru_doc = api.render_models(visit, BUILTIN["analyst"], "memo", options, lang="ru")
    from kzru_reports.writers import render

    assert "Анна" in pdf_text(render("pdf", options.theme, ru_doc))


# ------------------------------------------------------------------ formatting


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["11–12 November 2025", "30 October–2 November 2025", "12 November 2025"]),
        # no-break spaces hold the day to its month and the year to "г." / "жылғы"
        (
            "ru",
            [
                "11–12\u00a0ноября 2025\u00a0г.",
                "30\u00a0октября – 2\u00a0ноября 2025\u00a0г.",
                "12\u00a0ноября 2025\u00a0г.",
            ],
        ),
        (
            "kk",
            [
                "2025\u00a0жылғы 11–12\u00a0қараша",
                "2025\u00a0жылғы 30\u00a0қазан – 2\u00a0қараша",
                "2025\u00a0жылғы 12\u00a0қараша",
            ],
        ),
    ],
)
def test_dates_per_language(lang: str, expected: list[str]) -> None:
    f = Formatter(load_labels(lang), lang)
    assert [
        f.date_range(date(2025, 11, 11), date(2025, 11, 12)),
        f.date_range(date(2025, 10, 30), date(2025, 11, 2)),
        f.date(date(2025, 11, 12)),
    ] == expected


@pytest.mark.parametrize(
    ("lang", "money", "number", "percent"),
    [
        ("en", "USD\u00a020 billion", "60,000", "96%"),
        ("ru", "20\u00a0млрд долл.\u00a0США", f"60{NNBSP}000", "96\u00a0%"),
        ("kk", "20\u00a0млрд АҚШ\u00a0доллары", f"60{NNBSP}000", "96%"),
    ],
)
def test_numbers_and_money_per_language(lang: str, money: str, number: str, percent: str) -> None:
    f = Formatter(load_labels(lang), lang)
    assert f.money(20e9, "USD") == money
    assert f.number(60000) == number
    assert f.quantity(96, "%") == percent


def test_russian_plural_messages_have_three_forms() -> None:
    f = Formatter(load_labels("ru"), "ru")
    forms = load_labels("ru").labels.agreements_count
    assert [f.plural(forms, n) for n in (1, 3, 14, 21)] == [
        "1 документ",
        "3 документа",
        "14 документов",
        "21 документ",
    ]


@pytest.mark.parametrize(
    ("text", "case", "expected"),
    [
        (f"60{NNBSP}000", "abl", f"60{NNBSP}000-нан"),
        ("96%", "abl", "96%-дан"),
        ("20 млрд АҚШ доллары", "abl", "20 млрд АҚШ долларынан"),
        ("175", "abl", "175-тен"),
        ("2030", "dat", "2030-ға"),
        ("40", "dat", "40-қа"),
    ],
)
def test_kazakh_case_endings_follow_the_number_read_aloud(
    text: str, case: str, expected: str
) -> None:
    assert kk_suffix(text, case) == expected


def test_kazakh_qualifiers_put_the_ending_on_the_number() -> None:
    f = Formatter(load_labels("kk"), "kk")
    figure = SimpleNamespace(value=60000, unit="студент", qualifier="more_than", label="x")
    assert f.figure(figure, with_unit=True) == f"60{NNBSP}000 студенттен астам"


# ------------------------------------------------------------------ catalogs


def _po(tmp_path: Path, body: str, header: str = "nplurals=3; plural=(n != 1);") -> Path:
    path = tmp_path / "ru.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n'
        f'"Plural-Forms: {header}\\n"\n\n{body}',
        "utf-8",
    )
    return path


def test_a_catalog_with_the_wrong_plural_header_is_refused_by_line(tmp_path: Path) -> None:
    path = _po(tmp_path, "", header="nplurals=2; plural=(n != 1);")
    with pytest.raises(DataError) as info:
        read_catalog(path, "ru")
    assert ":4: Plural-Forms: Plural-Forms gives 2 forms; ru has 3" in str(info.value)


def test_a_placeholder_that_is_not_the_english_one_is_refused(tmp_path: Path) -> None:
    body = 'msgctxt "labels.page"\nmsgid "Page {page} of {pages}"\nmsgstr "Стр. {pgae}"\n'
    with pytest.raises(DataError) as info:
        read_catalog(_po(tmp_path, body), "ru")
    message = str(info.value)
    assert ":7: labels.page: placeholders {pgae} do not match the English {page}, {pages}" in (
        message
    )


def test_an_unknown_context_names_the_likely_one(tmp_path: Path) -> None:
    body = 'msgctxt "level.public"\nmsgid "PUBLIC"\nmsgstr "ОБЩЕДОСТУПНО"\n'
    with pytest.raises(DataError) as info:
        read_catalog(_po(tmp_path, body), "ru")
    assert "did you mean 'levels.public'?" in str(info.value)


def test_the_shipped_catalogs_translate_every_label() -> None:
    from kzru_reports.templating.catalog import catalog_folder

    for lang in ("ru", "kk"):
        read_catalog(catalog_folder() / f"{lang}.po", lang, complete=True)


def test_a_workspace_catalog_overrides_a_marking(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    (folder / "locale").mkdir(parents=True)
    _po(
        folder / "locale",
        'msgctxt "levels.public"\nmsgid "PUBLIC"\nmsgstr "НЕСЕКРЕТНО"\n',
    )
    labels = load_labels("ru", [folder])
    assert labels.levels.public == "НЕСЕКРЕТНО"
    assert labels.levels.official == load_labels("ru").levels.official


# ------------------------------------------------------------------ building

# Words of the English labels that must never be left in a Russian or Kazakh document.
ENGLISH_LABEL_WORDS = (
    "Briefing",
    "Fact sheet",
    "Agreement summary",
    "Summary",
    "Key outcomes",
    "Key figures",
    "Programme",
    "Statements",
    "Follow-up",
    "Sources",
    "Contents",
    "Participants",
    "Handling",
    "Audience",
    "PUBLIC",
    "Page ",
    "signed",
    "billion",
    "November",
    "more than",
    "Dates",
    "Place",
    "Highest marking",
    "Documents by type",
    "press release",
)


@pytest.fixture(scope="module")
def three_languages(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("langs")
    options = api.BuildOptions(
        out=str(out),
        audiences=(BUILTIN["analyst"],),
        documents=("pack",),
        langs=("en", "ru", "kk"),
        build_time=None,
        jobs=2,
    )
    report = api.build([SHIPPED], options)
    assert report.ok, report.errors
    return out, report.as_json()


def test_three_languages_each_get_their_own_files(
    three_languages: tuple[Path, dict[str, object]],
) -> None:
    out, report = three_languages
    folder = out / "kz-ru-state-visit-2025" / "analyst"
    assert sorted(p.name for p in folder.iterdir()) == [
        "kz-ru-state-visit-2025-pack.docx",
        "kz-ru-state-visit-2025-pack.kk.docx",
        "kz-ru-state-visit-2025-pack.kk.pdf",
        "kz-ru-state-visit-2025-pack.pdf",
        "kz-ru-state-visit-2025-pack.ru.docx",
        "kz-ru-state-visit-2025-pack.ru.pdf",
    ]
    outputs = report["outputs"]
    assert isinstance(outputs, list)
    assert sorted((o["lang"], Path(o["path"]).name) for o in outputs)[0] == (
        "en",
        "kz-ru-state-visit-2025-pack.docx",
    )
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert {e["lang"] for e in manifest["outputs"]} == {"en", "ru", "kk"}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ru",
            [
                "Справочная записка",
                "11–12 ноября 2025 г.",
                "20 млрд долл. США",
                "В перечне 9 из 14 документов",  # plural forms: "из 14 документов"
                "ОТКРЫТО",
                "Касым-Жомарт Токаев",
                "Актау",
            ],
        ),
        (
            "kk",
            [
                "Анықтама",
                "2025 жылғы 11–12 қараша",
                "20 млрд АҚШ доллары",
                "14 құжаттың 9 құжаты тізімде берілген",
                "АШЫҚ",
                "Қасым-Жомарт Тоқаев",
                "Ақтау",
            ],
        ),
    ],
)
def test_documents_read_back_in_their_language(
    three_languages: tuple[Path, dict[str, object]], lang: str, expected: list[str]
) -> None:
    out, _ = three_languages
    base = out / "kz-ru-state-visit-2025" / "analyst" / f"kz-ru-state-visit-2025-pack.{lang}"
    for text in (pdf_text(Path(f"{base}.pdf").read_bytes()),
                 docx_text(Path(f"{base}.docx").read_bytes())):  # fmt: skip
        flat = text.replace("\u00a0", " ").replace(NNBSP, " ").replace("\u00ad", "")
        for phrase in expected:
            assert phrase in flat, (lang, phrase)
        left = [w for w in ENGLISH_LABEL_WORDS if w in flat]
        assert not left, (lang, left)
    pages = len(PdfReader(f"{base}.pdf").pages)
    page = {"ru": f"Страница 1 из {pages}", "kk": f"{pages} беттің 1-беті"}[lang]
    assert page in pdf_text(Path(f"{base}.pdf").read_bytes())


def test_a_language_with_missing_texts_fails_alone(tmp_path: Path) -> None:
    visit = tmp_path / "v.yaml"
    visit.write_text(MINIMAL.format(title="{en: Visit, ru: Визит}", extra=""), "utf-8")
    options = api.BuildOptions(
        out=str(tmp_path / "o"), documents=("memo",), formats=("pdf",), langs=("en", "ru", "kk")
    )
    report = api.build([visit], options)
    assert [str(p) for p in report.errors] == [f"{visit}:3:1: title: no kk text"]
    assert sorted(o.lang for o in report.outputs) == ["en", "ru"]
    again = api.build([visit], options)  # nothing lost, the others up to date
    assert {o.status for o in again.outputs} == {"unchanged"}


def test_an_audience_may_pin_its_language(tmp_path: Path) -> None:
    from dataclasses import replace

    press_kk = replace(BUILTIN["press"], name="press-kk", lang="kk")
    options = api.BuildOptions(
        out=str(tmp_path), documents=("memo",), formats=("pdf",), audiences=(press_kk,)
    )
    report = api.build([SHIPPED], options)
    assert report.ok
    assert [Path(o.path).name for o in report.outputs] == ["kz-ru-state-visit-2025-memo.kk.pdf"]


def test_each_file_says_its_language(three_languages: tuple[Path, dict[str, object]]) -> None:
    import zipfile

    out, _ = three_languages
    folder = out / "kz-ru-state-visit-2025" / "analyst"
    for suffix, tag in (("", "en-GB"), (".ru", "ru-RU"), (".kk", "kk-KZ")):
        pdf = (folder / f"kz-ru-state-visit-2025-pack{suffix}.pdf").read_bytes()
        assert f"/Lang ({tag})".encode() in pdf
        with zipfile.ZipFile(folder / f"kz-ru-state-visit-2025-pack{suffix}.docx") as z:
            styles = z.read("word/styles.xml").decode()
            settings = z.read("word/settings.xml").decode()
            core = z.read("docProps/core.xml").decode()
        assert f'<w:lang w:val="{tag}"/>' in styles
        assert "<w:autoHyphenation/>" in settings
        assert f"<dc:language>{tag}</dc:language>" in core


def test_babel_extracts_every_label_and_template_message(tmp_path: Path) -> None:
    from babel.messages.frontend import CommandLineInterface

    from tests.readers import ROOT

    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(pot), str(ROOT)]
    )
    text = pot.read_text("utf-8")
    assert 'msgctxt "labels.key_outcomes"\nmsgid "Key outcomes"' in text
    assert 'msgid "{count} document"\nmsgid_plural "{count} documents"' in text


@pytest.mark.parametrize(
    ("lang", "value", "above"),
    [("en", "96%", "more than"), ("ru", "96\u00a0%", "более"), ("kk", "96%-дан астам", "")],
)
def test_a_key_figure_says_its_qualifier_where_the_language_does(
    lang: str, value: str, above: str
) -> None:
    f = Formatter(load_labels(lang), lang)
    figure = SimpleNamespace(value=96, unit="%", qualifier="more_than", label="x")
    assert (f.tile_value(figure), f.tile_qualifier(figure)) == (value, above)
