"""Labels and formatting for one language: every user-visible word and number format.

Labels live in ``locale/<lang>.yaml``; numbers, money and dates are formatted by Babel
(CLDR data), so a new edition is a translated label file, not new code.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

import yaml
from babel import Locale
from babel.dates import format_date
from babel.numbers import (
    format_compact_decimal,
    format_decimal,
    format_percent,
    get_currency_name,
)

from kzru_reports import memo
from kzru_reports.errors import ConfigError

_CURRENCY_SCALE = 1_000_000  # from here up, money reads "USD 20 billion", not "USD 20,000,000,000"


class Labels(dict[str, Any]):
    """A read-only mapping whose keys templates can also read as attributes (``L.summary``)."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"no label {key!r}") from None


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return Labels({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@memo.cached(16)
def load_labels(lang: str = "en") -> Labels:
    """The label file of ``lang`` shipped with the package."""
    try:
        text = resources.files("kzru_reports").joinpath("locale", f"{lang}.yaml").read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no labels for language {lang!r}") from None
    # libyaml's loader where PyYAML has it: the pure-Python one took 20 ms of each run
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return _freeze(yaml.load(text, Loader=loader))  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Formatter:
    """Number, money and date formatting for one locale; the template filters."""

    labels: Labels

    @functools.cached_property
    def locale(self) -> Locale:
        return Locale.parse(self.labels["locale"])

    def load(self) -> None:
        """Read the locale's CLDR data now rather than at the first number formatted
        (a build does this before it forks its workers, which then share it)."""
        _ = self.locale.number_symbols, self.locale.currency_formats
        format_date(date(2000, 1, 1), "long", locale=self.locale)

    def number(self, value: float) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return format_decimal(value, locale=self.locale)

    def money(self, value: float, currency: str) -> str:
        """An amount with its ISO 4217 code, ``USD 20 billion``: one way for every
        currency (a symbol such as ``$`` exists for some currencies and not others,
        and is ambiguous between dollars)."""
        if abs(value) >= _CURRENCY_SCALE:
            digits = 0 if _is_round(value) else 1
            amount = format_compact_decimal(
                value, format_type="long", locale=self.locale, fraction_digits=digits
            )
        else:
            amount = self.number(value)
        return f"{currency}\u00a0{amount}"

    def quantity(self, value: float, unit: str | None = None) -> str:
        """A value with its unit: money for currency codes, percent for ``%``."""
        if unit and _is_currency(unit):
            return self.money(value, unit)
        if unit == "%":
            return format_percent(value / 100, locale=self.locale, decimal_quantization=False)
        return self.number(value)

    def amount(self, value: float, unit: str | None = None) -> str:
        """A value with its unit always said: ``USD 10 billion``, ``24 hours``."""
        text = self.quantity(value, unit)
        if unit and unit != "%" and not _is_currency(unit):
            text = f"{text} {unit}"
        return text

    def qualified(self, text: str, qualifier: str | None) -> str:
        if not qualifier:
            return text
        return str(self.labels["qualifiers"][qualifier]).format(value=text)

    def figure(self, fig: Any, with_unit: bool = False) -> str:
        """A figure's value as people read it: ``more than 60,000``, ``USD 20 billion``."""
        text = self.amount(fig.value, fig.unit) if with_unit else self.quantity(fig.value, fig.unit)
        return self.qualified(text, fig.qualifier)

    def unit_word(self, fig: Any) -> str:
        """A figure's unit when it is a word the label does not already say
        (``tonnes`` for "Transit cargo"; nothing for "Kazakh students" in students)."""
        unit = fig.unit or ""
        if not unit or unit == "%" or _is_currency(unit):
            return ""
        stem = unit.lower().rstrip("s")
        return "" if stem and stem in fig.label.lower() else unit

    def date(self, value: date | None) -> str:
        if value is None:
            return ""
        return format_date(value, self.labels["formats"]["date"], locale=self.locale)

    def date_range(self, start: date | None, end: date | None) -> str:
        if start is None:
            return ""
        if end is None or end == start:
            return self.date(start)
        fmt = self.labels["formats"]
        if (start.year, start.month) == (end.year, end.month):
            first, last = fmt["date_range_same_month"]
        elif start.year == end.year:
            first, last = fmt["date_range_same_year"]
        else:
            first, last = fmt["date_range"]
        return (
            f"{format_date(start, first, locale=self.locale)}{fmt['range_dash']}"
            f"{format_date(end, last, locale=self.locale)}"
        )

    def currency_name(self, code: str) -> str:
        return get_currency_name(code, locale=self.locale)

    def filters(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "money": self.money,
            "quantity": self.quantity,
            "amount": self.amount,
            "figure": self.figure,
            "date": self.date,
            "daterange": self.date_range,
            "qualified": self.qualified,
            "unit_word": self.unit_word,
        }


def _is_round(value: float) -> bool:
    for scale in (1e12, 1e9, 1e6):
        if abs(value) >= scale:
            return float(value / scale).is_integer()
    return float(value).is_integer()


@functools.cache
def _is_currency(unit: str) -> bool:
    if len(unit) != 3 or not unit.isupper():
        return False
    from babel.numbers import list_currencies

    return unit in list_currencies()
