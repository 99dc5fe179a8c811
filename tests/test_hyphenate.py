"""Line breaking per language: Kazakh syllables, and PDF lines that break words only
at a hyphenation point, with a hyphen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kzru_reports.hyphenate import SOFT_HYPHEN, hyphenated, positions, soft_hyphens
from kzru_reports.model import nodes as n
from kzru_reports.theme import default_theme
from kzru_reports.writers import render

KK_VOWELS = set("аәеёиоөуұүыіэюя")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Қазақстанның", "Қа-зақ-стан-ның"),
        ("мемлекеттік", "мем-ле-кет-тік"),
        ("келіссөздер", "ке-ліс-сөз-дер"),
        ("ынтымақтастығын", "ын-ты-мақ-тас-ты-ғын"),
        ("айтпады", "айт-па-ды"),
        ("тауарлар", "та-уар-лар"),
        ("делегациялар", "де-ле-га-ция-лар"),
        ("стратегиялық", "стра-те-гия-лық"),
        ("Байтерек", "Бай-те-рек"),
        ("құжаттарға", "құ-жат-тар-ға"),
        ("ауыл", "ауыл"),  # too short
        ("АҚШ", "АҚШ"),  # an abbreviation
    ],
)
def test_kazakh_words_break_between_syllables(word: str, expected: str) -> None:
    assert hyphenated(word, "kk") == expected


def test_russian_and_english_use_the_tex_patterns() -> None:
    assert hyphenated("сотрудничество", "ru") == "со-труд-ни-че-ство"
    assert hyphenated("agreements", "en") == "agree-ments"


_KK_LETTERS = "абвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюяә"


@given(st.text(alphabet=_KK_LETTERS, min_size=1, max_size=20))
def test_every_kazakh_break_is_between_syllables(word: str) -> None:
    cuts = positions(word, "kk")
    pieces = [word[i:j] for i, j in zip((0, *cuts), (*cuts, len(word)), strict=True)]
    assert "".join(pieces) == word
    # no line keeps or begins with a single letter, and every syllable has its vowel
    assert all(2 <= cut <= len(word) - 2 for cut in cuts)
    if cuts:
        assert all(set(p.lower()) & KK_VOWELS for p in pieces), pieces


def test_soft_hyphens_mark_every_break_point() -> None:
    text = "Мемлекеттік сапар, Қазақстанның АҚШ-пен 2025 жылы"
    out = soft_hyphens(text, "kk")
    assert out.replace(SOFT_HYPHEN, "") == text
    assert "Мем\xadле\xadкет\xadтік сапар" in out  # a short word goes whole to the next line
    assert "АҚШ-пен 2025 жылы" in out  # capitals, digits and short words stay whole


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("kk", "мемлекеттік ынтымақтастығын келіссөздердің Қазақстанның құжаттарға"),
        ("ru", "межправительственной сотрудничества государственного объединённых"),
        ("en", "intergovernmental cooperation transportation memorandum declarations"),
    ],
)
def test_pdf_lines_break_words_only_at_hyphenation_points(lang: str, words: str) -> None:
    text = " ".join([words] * 6)
    tag = {"en": "en-GB", "ru": "ru-RU", "kk": "kk-KZ"}[lang]
    narrow = n.Table(  # a narrow first column makes many words overflow their line
        header=(n.Cell((n.Text("A"),)), n.Cell((n.Text("B"),))),
        rows=(n.Row((n.Cell((n.Text(text),)), n.Cell(()))),),
        widths=(1.4, 6.0),
    )
    doc = n.Document(n.Meta(title="ZZZ", lang=tag), (narrow,))
    data = render("pdf", default_theme(), doc)
    lines = [  # the cell's lines (not the header row, running header or footer)
        line.strip()
        for line in pdf_text_lines(data)[2:]
        if line.strip() and all(t.rstrip("-") in text for t in line.split())
    ]
    whole = set(words.split())
    broken = 0
    carry: tuple[str, list[int]] | None = None  # a word begun on an earlier line
    for line in lines:
        tokens = line.split()
        for k, token in enumerate(tokens):
            head, cuts = carry if carry else ("", [])
            word, carry = head + token, None
            if k == len(tokens) - 1 and word not in whole:
                assert word.endswith("-"), line  # never split without a hyphen
                carry = (word[:-1], [*cuts, len(word) - 1])
                broken += 1
                continue
            assert word in whole, (line, word)
            assert all(cut in positions(word, lang) for cut in cuts), (word, cuts)
    assert broken, "nothing was hyphenated: the column is too wide for this test"


def pdf_text_lines(data: bytes) -> list[str]:
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(data))
    out: list[str] = []
    for page in reader.pages:
        out += (page.extract_text() or "").splitlines()
    return [re.sub(r"\s+", " ", line) for line in out]


def test_no_space_is_lost_before_markup() -> None:
    # reportlab drops the space after a soft-hyphenated word that a new run follows
    text = "Middle Corridor & partnership <b> cooperation "
    out = soft_hyphens(text, "en")
    assert "Corridor &" in out and "partnership <b>" in out and out.endswith("cooperation ")
    doc = n.Document(
        n.Meta(title="ZZZ", lang="en-GB"),
        (
            n.Paragraph(
                (n.Text("The Middle Corridor & more, and cooperation "), n.Strong((n.Text("x"),)))
            ),
        ),
    )
    shown = " ".join(pdf_text_lines(render("pdf", default_theme(), doc)))
    assert "The Middle Corridor & more, and cooperation x" in shown


def test_long_and_kept_texts_are_hyphenated_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short texts are kept between calls, long ones hyphenated each time: both the same."""
    from kzru_reports import hyphenate

    sentence = "Intergovernmental cooperation & partnership <b> memoranda  \n"
    long_text = sentence * (hyphenate._KEPT_TEXT // len(sentence) + 1)
    assert len(long_text) > hyphenate._KEPT_TEXT
    each_time = soft_hyphens(long_text, "en")
    assert each_time.count("In\xadter\xadgov") == long_text.count("Intergov")
    monkeypatch.setattr(hyphenate, "_KEPT_TEXT", len(long_text))
    assert soft_hyphens(long_text, "en") == each_time  # now kept
    assert soft_hyphens(long_text, "en") == each_time  # and given back
    assert hyphenate._soft_hyphens.cache_info().hits >= 1


def test_parsed_patterns_are_kept_in_the_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A language's patterns are parsed once and read back by the next process (a
    build's start parsed them every time: some 40 ms)."""
    import pyphen

    from kzru_reports import cache, hyphenate

    monkeypatch.setenv(cache.ENV, str(tmp_path))
    path = pyphen.LANGUAGES["en_US"]
    first = hyphenate._patterns(path)
    assert list((tmp_path / "hyphenation").iterdir())

    def parse(*_: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(pyphen.HyphDict, "__init__", parse)
    again = hyphenate._patterns(path)
    assert again is not first
    assert again.patterns == first.patterns  # type: ignore[attr-defined]
    monkeypatch.setenv(cache.ENV, "")  # no cache folder: parsed each time
    with pytest.raises(AssertionError, match="parsed again"):
        hyphenate._patterns(path)
