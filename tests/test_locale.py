"""Numbers, money and dates as people read them, from Babel and the label file."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from kzru_reports.templating.locale import Formatter, load_labels
from kzru_reports.writers.measure import fit_size, text_width


@pytest.fixture
def fmt() -> Formatter:
    return Formatter(load_labels("en"))


def fig(
    value: float, unit: str | None = None, qualifier: str | None = None, label: str = "Thing"
) -> SimpleNamespace:
    return SimpleNamespace(value=value, unit=unit, qualifier=qualifier, label=label)


@pytest.mark.parametrize(
    ("value", "unit", "qualifier", "expected"),
    [
        (20_000_000_000, "USD", None, "USD\u00a020 billion"),
        (28_700_000_000, "USD", None, "USD\u00a028.7 billion"),
        (3_500_000_000, "EUR", "about", "about EUR\u00a03.5 billion"),
        (750_000_000_000, "KZT", None, "KZT\u00a0750 billion"),
        (60_000, "students", "more_than", "more than 60,000"),
        (175, "projects", None, "175"),
        (96, "%", "more_than", "more than 96%"),
        (42.5, "%", None, "42.5%"),
        (1_250.0, None, None, "1,250"),
        (950_000, "USD", None, "USD\u00a0950,000"),
    ],
)
def test_figures(
    fmt: Formatter, value: float, unit: str | None, qualifier: str | None, expected: str
) -> None:
    assert fmt.figure(fig(value, unit, qualifier)) == expected


def test_unit_word_only_where_the_label_does_not_say_it(fmt: Formatter) -> None:
    assert fmt.unit_word(fig(1, "tonnes", label="Transit cargo")) == "tonnes"
    assert fmt.unit_word(fig(1, "students", label="Kazakh students in Russia")) == ""
    assert fmt.unit_word(fig(1, "USD", label="Trade")) == ""
    assert fmt.unit_word(fig(1, "%", label="Share")) == ""


def test_dates_and_ranges(fmt: Formatter) -> None:
    assert fmt.date(date(2025, 11, 12)) == "12 November 2025"
    assert fmt.date_range(date(2025, 11, 11), date(2025, 11, 12)) == "11–12 November 2025"
    assert fmt.date_range(date(2025, 10, 30), date(2025, 11, 2)) == "30 October–2 November 2025"
    assert fmt.date_range(date(2025, 12, 30), date(2026, 1, 2)) == "30 December 2025–2 January 2026"
    assert fmt.date_range(date(2025, 11, 12), date(2025, 11, 12)) == "12 November 2025"
    assert fmt.date_range(None, None) == ""


def test_fit_size_shrinks_only_what_would_wrap() -> None:
    from kzru_reports.theme import default_theme

    path = str(default_theme().font_path("NotoSans-Bold.ttf"))
    assert fit_size("175", path, 20, 150) == 20
    size = fit_size("KZT 750 billion", path, 20, 120)
    assert 12 <= size < 20 and text_width("KZT 750 billion", path, size) <= 120
