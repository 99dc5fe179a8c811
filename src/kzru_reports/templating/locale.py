"""Formatting for one language, in one place: dates and date ranges, numbers, money,
percentages, plural unit words and the grammatical endings Kazakh puts on
numbers. Babel gives the CLDR data (month names, separators, compact numbers, plural
rules); the patterns CLDR lacks or gets wrong for official writing are the project's,
in ``PATTERNS`` and ``CURRENCY_WORDS`` below. Labels (words) are gettext catalogs:
``catalog.py``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import (
    format_compact_decimal,
    format_decimal,
    format_percent,
    get_currency_name,
)

from kzru_reports.data.lang import PluralText
from kzru_reports.templating.catalog import Labels, load_labels

__all__ = ["PATTERNS", "Formatter", "Labels", "load_labels", "patterns"]

_CURRENCY_SCALE = 1_000_000  # from here up, money reads "USD 20 billion", not "USD 20,000,000,000"
NNBSP = "\u202f"  # narrow no-break space: digit groups in Russian and Kazakh
NBSP = "\u00a0"


@dataclass(frozen=True)
class Patterns:
    """How one language writes dates, ranges and money, ends a quotation and holds
    its one-letter words to the next."""

    tag: str  # BCP 47: what PDF /Lang, DOCX w:lang and dc:language say
    date: str  # a Babel (CLDR) date pattern
    same_month: tuple[str, str]  # a range inside one month: first day, last day
    same_year: tuple[str, str]
    other_years: tuple[str, str]
    dash: str  # between the two ends of a range of numbers
    spaced_dash: str  # between two ends that hold words
    period_after_quote: bool  # «...делами».: Russian and Kazakh close a quotation before its period
    attribution: str
    compact: str  # Babel's compact style for large money: "long" (billion), "short" (млрд)
    qualifier_first: bool  # "more than 96%" (en, ru); Kazakh says it after: "96%-дан астам"
    money: str  # "{currency}\u00a0{amount}" or "{amount}\u00a0{currency}"
    # one-letter words held to the word after them by a no-break space, so that none
    # ends a line ("в | Россию" is what Russian typography does not allow)
    tied: frozenset[str] = frozenset()
    # a number held to the word after it: "175 | проектов", "20 | млрд" never part
    tie_numbers: bool = False


PATTERNS: dict[str, Patterns] = {
    "en": Patterns(
        tag="en-GB",
        date="d MMMM y",
        same_month=("d", "d MMMM y"),
        same_year=("d MMMM", "d MMMM y"),
        other_years=("d MMMM y", "d MMMM y"),
        dash="–",
        spaced_dash="–",  # 30 October–2 November 2025
        period_after_quote=False,
        attribution="— ",
        compact="long",
        qualifier_first=True,
        money="{currency}\u00a0{amount}",  # USD 20 billion
    ),
    "ru": Patterns(
        tag="ru-RU",
        date="d\u00a0MMMM y\u00a0'г'.",  # 11 ноября 2025 г.
        same_month=("d", "d\u00a0MMMM y\u00a0'г'."),  # 11–12 ноября 2025 г.
        same_year=("d\u00a0MMMM", "d\u00a0MMMM y\u00a0'г'."),  # 30 октября – 2 ноября 2025 г.
        other_years=("d\u00a0MMMM y\u00a0'г'.", "d\u00a0MMMM y\u00a0'г'."),
        dash="–",
        spaced_dash=" – ",
        period_after_quote=True,
        tied=frozenset("авиксоуяАВИКСОУЯ"),
        tie_numbers=True,
        attribution="— ",
        compact="short",  # 20 млрд
        qualifier_first=True,
        # "20 млрд" and "долл. США" each hold together; a line may break between them
        # (a key figure's tile does), never inside either
        money="{amount} {currency}",  # 20 млрд долл. США
    ),
    "kk": Patterns(
        tag="kk-KZ",
        date="y\u00a0'жылғы' d\u00a0MMMM",  # 2025 жылғы 11 қараша
        same_month=("y\u00a0'жылғы' d", "d\u00a0MMMM"),  # 2025 жылғы 11–12 қараша
        same_year=("y\u00a0'жылғы' d\u00a0MMMM", "d\u00a0MMMM"),  # 2025 жылғы 30 қазан – 2 қараша
        other_years=("y\u00a0'жылғы' d\u00a0MMMM", "y\u00a0'жылғы' d\u00a0MMMM"),
        dash="–",
        spaced_dash=" – ",
        period_after_quote=True,
        attribution="— ",
        compact="short",  # 20 млрд
        qualifier_first=False,
        money="{amount} {currency}",  # 20 млрд АҚШ доллары (as in Russian)
        tie_numbers=True,
    ),
}


@functools.cache
def patterns(lang: str) -> Patterns:
    """How ``lang`` writes dates, ranges, money and quotations: the project's own
    patterns for the built-in languages, CLDR's (through Babel) for a language a
    workspace adds: its long date, its date ranges (in full month names), its
    currency position (with the ISO 4217 code: ``20 Mrd. USD``)."""
    if lang in PATTERNS:
        return PATTERNS[lang]
    locale = Locale.parse(lang)
    ranges = locale.interval_formats.get("yMMMd") or {}

    def full(parts: list[str] | None, fallback: str) -> tuple[str, str]:
        if not parts or len(parts) != 2:
            return (f"{fallback}'\u2009–\u2009'", fallback)
        return tuple(re.sub(r"(?<!M)MMM(?!M)", "MMMM", p) for p in parts)  # type: ignore[return-value]

    long = locale.date_formats["long"].pattern
    before = locale.currency_formats["standard"].pattern.lstrip("#,0.").startswith("¤")
    return Patterns(
        tag=_bcp47(lang),
        date=long,
        same_month=full(ranges.get("d"), long),
        same_year=full(ranges.get("M"), long),
        other_years=full(ranges.get("y"), long),
        dash="",  # CLDR's ranges hold their dash
        spaced_dash="",
        period_after_quote=False,
        attribution="— ",
        compact="short",
        qualifier_first=True,
        money="{currency}\u00a0{amount}" if before else "{amount}\u00a0{currency}",
    )


def _bcp47(lang: str) -> str:
    """``de-DE``, ``uz-Latn-UZ``: the language with its likely region (CLDR), and its
    script where CLDR knows the language in more than one."""
    from babel import localedata
    from babel.core import get_global

    likely = str(get_global("likely_subtags").get(lang, lang)).split("_")
    script = next((p for p in likely[1:] if len(p) == 4), None)
    region = next((p for p in likely[1:] if len(p) == 2 or p.isdigit()), None)
    scripts = {
        i.split("_")[1]
        for i in localedata.locale_identifiers()
        if i.split("_")[0] == lang and len(i.split("_")) > 1 and len(i.split("_")[1]) == 4
    }
    return "-".join(p for p in (lang, script if scripts else None, region) if p)


# How official Russian and Kazakh texts name currencies after an amount.
CURRENCY_WORDS: dict[str, dict[str, str]] = {
    "ru": {"USD": "долл. США", "EUR": "евро", "RUB": "руб.", "KZT": "тенге", "CNY": "юаней"},
    "kk": {
        "USD": "АҚШ доллары",
        "EUR": "еуро",
        "RUB": "Ресей рублі",
        "KZT": "теңге",
        "CNY": "юань",
    },
}


class Formatter:
    """Number, money and date formatting for one language; the template filters."""

    def __init__(self, labels: Labels, lang: str = "en") -> None:
        self.labels = labels
        self.lang = lang
        self.patterns = patterns(lang)

    @functools.cached_property
    def locale(self) -> Locale:
        return Locale.parse(self.lang)

    def load(self) -> None:
        """Read the locale's CLDR data now rather than at the first number formatted
        (a build does this before it forks its workers, which then share it)."""
        _ = self.locale.number_symbols, self.locale.currency_formats, self.locale.plural_form
        format_date(date(2000, 1, 1), "long", locale=self.locale)
        self.money(2e10, "USD")

    # -- numbers
    def _grouped(self, text: str) -> str:
        return text.replace(NBSP, NNBSP) if self.lang != "en" else text

    def number(self, value: float) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return self._grouped(format_decimal(value, locale=self.locale))

    def percent(self, value: float) -> str:
        text = format_percent(value / 100, locale=self.locale, decimal_quantization=False)
        return self._grouped(text).replace(NNBSP + "%", NBSP + "%")

    def money(self, value: float, currency: str) -> str:
        """An amount with its currency: ``USD 20 billion`` in English (the ISO 4217
        code, one way for every currency: a symbol such as ``$`` exists for some and
        is ambiguous between dollars), ``20 млрд долл. США``, ``20 млрд АҚШ доллары``
        (the words official Russian and Kazakh texts use)."""
        p = self.patterns
        if abs(value) >= _CURRENCY_SCALE:
            digits = 0 if _is_round(value) else 1
            amount = format_compact_decimal(
                value, format_type=p.compact, locale=self.locale, fraction_digits=digits
            )
            amount = amount.replace(NBSP, " ") if self.lang == "en" else amount.replace(" ", NBSP)
        else:
            amount = self.number(value)
        word = CURRENCY_WORDS.get(self.lang, {}).get(currency, currency)
        return p.money.format(amount=amount, currency=word.replace(" ", NBSP))

    def quantity(self, value: float, unit: str | None = None) -> str:
        """A value with its unit: money for currency codes, percent for ``%``."""
        if unit and _is_currency(unit):
            return self.money(value, unit)
        if unit == "%":
            return self.percent(value)
        return self.number(value)

    def unit_for(self, value: float, unit: str) -> str:
        """A unit word in the form the number asks for (``60 000 студентов``)."""
        if isinstance(unit, PluralText):
            return unit.form(value, self.locale)
        return str(unit)

    def amount(self, value: float, unit: str | None = None) -> str:
        """A value with its unit always said: ``USD 10 billion``, ``24 hours``,
        ``60 000 студентов``."""
        text = self.quantity(value, unit)
        if unit and unit != "%" and not _is_currency(unit):
            text = f"{text} {self.unit_for(value, unit)}"
        return text

    def qualified(self, text: str, qualifier: str | None) -> str:
        if not qualifier:
            return text
        return str(self.labels["qualifiers"][qualifier]).format(**self.forms("value", text))

    def quoted(self, text: str) -> str:
        """``text`` in the language's quotation marks (the labels ``quotes.*``), the
        marks inside it turned into the inner ones (``«...„Север — Юг“...»``); where
        the language puts a closing period after the marks (ru, kk), it goes there."""
        q = self.labels["quotes"]
        inner = str(text).replace(q["open"], q["inner_open"]).replace(q["close"], q["inner_close"])
        end = ""
        if self.patterns.period_after_quote and inner.endswith(".") and not inner.endswith(".."):
            inner, end = inner[:-1], "."
        return f"{q['open']}{inner}{q['close']}{end}"

    def fill(self, label: str, **values: Any) -> str:
        """A label with its ``{placeholders}`` filled, each also in the grammatical
        forms a translation may ask for (``{date_abl}``: ``1 желтоқсаннан``)."""
        filled: dict[str, str] = {}
        for name, value in values.items():
            filled.update(self.forms(name, str(value)))
        return str(label).format(**filled)

    def forms(self, name: str, text: str) -> dict[str, str]:
        """A placeholder's value and its grammatical forms (``value_abl``...)."""
        return {
            name: text,
            f"{name}_abl": kk_suffix(text, "abl") if self.lang == "kk" else text,
            f"{name}_dat": kk_suffix(text, "dat") if self.lang == "kk" else text,
        }

    def figure(self, fig: Any, with_unit: bool = False) -> str:
        """A figure's value as people read it: ``more than 60,000``, ``USD 20 billion``."""
        text = self.amount(fig.value, fig.unit) if with_unit else self.quantity(fig.value, fig.unit)
        return self.qualified(text, fig.qualifier)

    def tile_value(self, fig: Any) -> str:
        """A key figure's large number: with its qualifier where the language says
        it after the number (``96%-дан астам``), else without (set small above)."""
        text = self.quantity(fig.value, fig.unit)
        return text if self.patterns.qualifier_first else self.qualified(text, fig.qualifier)

    def tile_qualifier(self, fig: Any) -> str:
        """The words set small above a key figure's number (``more than``), if any."""
        if not fig.qualifier or not self.patterns.qualifier_first:
            return ""
        return str(self.labels["qualifier_words"][fig.qualifier])

    def unit_word(self, fig: Any) -> str:
        """A figure's unit when it is a word the label does not already say
        (``tonnes`` for "Transit cargo"; nothing for "Kazakh students" in students)."""
        unit = fig.unit or ""
        if not unit or unit == "%" or _is_currency(unit):
            return ""
        word = self.unit_for(fig.value, unit)
        lower = word.lower()
        # the word's stem: English drops a plural s, Russian and Kazakh their endings
        stem = lower.rstrip("s") if self.lang == "en" else lower[: max(3, len(lower) - 3)]
        return "" if stem and stem in fig.label.lower() else word

    def by(self, when: str) -> str:
        """A target's deadline: ``by 2030``, ``к 2030 г.``, ``2030 жылға қарай``."""
        when = str(when)
        if re.fullmatch(r"\d{4}", when):
            return str(self.labels["labels"]["by_year"]).format(year=when)
        return str(self.labels["labels"]["by"]).format(**self.forms("date", when))

    # -- dates
    def date(self, value: date | str | None) -> str:
        """A day (``11 November 2025``); a ``YYYY-MM-DD`` text is read as one."""
        if value is None:
            return ""
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return format_date(value, self.patterns.date, locale=self.locale)

    def date_range(self, start: date | None, end: date | None) -> str:
        if start is None:
            return ""
        if end is None or end == start:
            return self.date(start)
        p = self.patterns
        if (start.year, start.month) == (end.year, end.month):
            (first, last), dash = p.same_month, p.dash
        elif start.year == end.year:
            (first, last), dash = p.same_year, p.spaced_dash
        else:
            (first, last), dash = p.other_years, p.spaced_dash
        return (
            f"{format_date(start, first, locale=self.locale)}{dash}"
            f"{format_date(end, last, locale=self.locale)}"
        )

    # -- words
    def plural(self, forms: Any, n: float) -> str:
        """One of a message's plural forms for ``n``, with ``{count}`` filled in."""
        chosen = forms.pick(n) if hasattr(forms, "pick") else str(forms)
        return chosen.replace("{count}", self.number(n))

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
            "fill": self.fill,
            "quoted": self.quoted,
            "unit_word": self.unit_word,
            "tile_value": self.tile_value,
            "tile_qualifier": self.tile_qualifier,
            "plural": self.plural,
            "target_by": self.by,
        }


def language_tag(lang: str) -> str:
    return patterns(lang).tag


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


# ------------------------------------------------------------------ Kazakh endings
# Kazakh writes case endings after a number with a hyphen ("60 000-нан астам") and
# after a word directly ("долларынан"). The ending follows the last sound of the word
# as read aloud (vowel harmony: back or front; and the last consonant).

_KK_UNITS = ["", "бір", "екі", "үш", "төрт", "бес", "алты", "жеті", "сегіз", "тоғыз"]
_KK_TENS = ["", "он", "жиырма", "отыз", "қырық", "елу", "алпыс", "жетпіс", "сексен", "тоқсан"]
_KK_BACK = set("аоұыя")
_KK_FRONT = set("әөүіеэ")
_KK_VOWELS = _KK_BACK | _KK_FRONT | set("уиюё")
_KK_VOICELESS = set("пфктшсщхцчқ")
_KK_NASAL = set("мнң")


def _kk_number_word(n: int) -> str:
    """The last word of ``n`` read aloud in Kazakh (what its ending agrees with)."""
    n = abs(int(n))
    if n == 0:
        return "нөл"
    for scale, word in ((10**12, "триллион"), (10**9, "миллиард"), (10**6, "миллион")):
        if n % scale == 0:
            return word
    if n % 1000 == 0:
        return "мың"
    n %= 1000
    if n % 100 == 0:
        return "жүз"
    n %= 100
    return _KK_UNITS[n % 10] if n % 10 else _KK_TENS[n // 10]


def _kk_back(word: str) -> bool:
    for ch in reversed(word.lower()):
        if ch in _KK_BACK:
            return True
        if ch in _KK_FRONT or ch == "и":
            return False
    return True


def kk_suffix(text: str, case: str) -> str:
    """``text`` with the Kazakh ablative (``abl``: -нан, -тен...) or dative (``dat``:
    -ға, -ке...) ending: after a number with a hyphen, after a word directly."""
    stripped = text.rstrip()
    m = re.search(r"(\d[\d\s\u00a0\u202f]*)(?:[.,](\d+))?$", stripped)
    if m:
        digits = re.sub(r"\D", "", m.group(2) or m.group(1))
        word, hyphen = _kk_number_word(int(digits or 0)), "-"
    elif stripped.endswith("%"):
        word, hyphen = "пайыз", "-"
    else:
        word, hyphen = stripped.split()[-1] if stripped.split() else "", ""
    last = word[-1:].lower()
    back = _kk_back(word)
    # a word ending in the possessive -ы/-і ("АҚШ доллары") takes the n-form: долларынан
    possessive = (
        not hyphen and last in "ыі" and len(word) > 2 and word[-2].lower() not in _KK_VOWELS
    )
    if case == "abl":
        if last in _KK_NASAL or possessive:
            first = "н"
        elif last in _KK_VOICELESS or last in "бвгдж":
            first = "т"
        else:
            first = "д"
        return f"{stripped}{hyphen}{first}{'ан' if back else 'ен'}"
    if possessive:
        return f"{stripped}{'на' if back else 'не'}"  # долларына
    if last in _KK_VOICELESS or last in "бвгдж":
        return f"{stripped}{hyphen}{'қа' if back else 'ке'}"
    return f"{stripped}{hyphen}{'ға' if back else 'ге'}"
