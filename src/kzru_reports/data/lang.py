"""Languages of visit data: multilingual text fields and choosing one language's text.

Every text field of a visit is either a plain string, in the file's ``lang``, or a
mapping of language tags to text (``{en: ..., ru: ..., kk: ...}``). Loading keeps all
of them (as ``LText``, a ``str`` holding the file language's text with every
language's text beside it); ``localize`` then makes the visit a document in one
language reads: every ``LText`` replaced by that language's plain text, or a list of
every field that has none.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

LANGS = ("en", "ru", "kk")  # the built-in languages; a workspace may add others
# Tags people write for these languages that are not the ISO 639-1 code: a country
# code (KZ, RU), the three-letter codes, the languages' own names.
_ALIASES = {
    "kz": "kk",
    "kaz": "kk",
    "qaz": "kk",
    "kazakh": "kk",
    "қазақ": "kk",
    "rus": "ru",
    "russian": "ru",
    "рус": "ru",
    "eng": "en",
    "english": "en",
    "gb": "en",
}
_TAG = re.compile(r"[a-z]{2,3}")
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
# Units that are not words: currency codes and percent read the same in every language.
NEUTRAL_UNIT_WORDS = ("%",)


def did_you_mean_lang(tag: str) -> str:
    """`` (did you mean 'kk'?)`` for a tag that is close to a known language, else ""."""
    word = str(tag).strip().lower().replace("_", "-")
    guess = _ALIASES.get(word) or _ALIASES.get(word.split("-")[0])
    if guess is None and word.split("-")[0] in LANGS:
        guess = word.split("-")[0]
    return f" (did you mean {guess!r}?)" if guess and guess != tag else ""


@functools.cache
def is_language(tag: str) -> bool:
    """Whether ``tag`` names a language text may be written in: a built-in one, or any
    other that CLDR knows by its ISO 639 code (``de``, ``uz``: a workspace adds its
    catalog to make documents in it). A country code or a name (``kz``, ``kazakh``)
    is not one."""
    if tag in LANGS:
        return True
    if not _TAG.fullmatch(tag) or tag in _ALIASES:
        return False
    from babel import localedata

    return bool(localedata.exists(tag))


def check_lang(tag: Any) -> str:
    """A language tag, or ``ValueError`` saying which one was probably meant."""
    if isinstance(tag, str) and is_language(tag):
        return tag
    shown = repr(tag) if isinstance(tag, str) else "a " + type(tag).__name__
    raise ValueError(
        f"{shown} is not a language of the documents ({', '.join(LANGS)})"
        f"{did_you_mean_lang(tag) if isinstance(tag, str) else ''}"
    )


class LText(str):
    """A text field as loaded: the text in the file's language (what ``str`` gives),
    with every language's text in ``texts``. For a unit, a language's text may be a
    mapping of CLDR plural categories to forms."""

    __slots__ = ("texts",)
    texts: Mapping[str, str | Mapping[str, str]]

    def __new__(cls, texts: Mapping[str, Any], source_lang: str) -> LText:
        first = texts.get(source_lang)
        if first is None:
            first = next(iter(texts.values()))
        obj = super().__new__(cls, _one_form(first))
        obj.texts = dict(texts)
        return obj

    def __reduce__(self) -> Any:  # pickled to worker processes like any str
        return (_rebuild, (dict(self.texts), str(self)))


def _rebuild(texts: dict[str, Any], shown: str) -> LText:
    obj = str.__new__(LText, shown)
    obj.texts = texts
    return obj


class PluralText(str):
    """A unit word in one language with its plural forms by CLDR category; ``str``
    gives the ``other`` form (or the only one), ``form(n, locale)`` the one for ``n``."""

    __slots__ = ("forms",)
    forms: Mapping[str, str]

    def __new__(cls, forms: Mapping[str, str]) -> PluralText:
        obj = super().__new__(cls, _one_form(forms))
        obj.forms = dict(forms)
        return obj

    def __reduce__(self) -> Any:
        return (PluralText, (dict(self.forms),))

    def form(self, number: float, locale: Any) -> str:
        if len(self.forms) == 1:
            return next(iter(self.forms.values()))
        category = locale.plural_form(abs(number))
        return self.forms.get(category) or self.forms.get("other") or str(self)


def _one_form(value: str | Mapping[str, str]) -> str:
    if isinstance(value, str):
        return value
    return value.get("other") or value.get("many") or next(iter(value.values()))


def parse_text(
    value: Any, source_lang: str, check: Callable[[Any], str], plural: bool = False
) -> LText:
    """Validate a text field (a string, or a mapping of languages to strings; for a
    unit, a language's value may be a mapping of plural categories to strings)."""
    if isinstance(value, str):
        return LText({source_lang: check(value)}, source_lang)
    if not isinstance(value, dict):
        check(value)  # raises "expected text, got ..."
    if not value:
        raise ValueError(
            f"an empty mapping: give the text, or a mapping of languages to text "
            f"({', '.join(f'{lang}: ...' for lang in LANGS)})"
        )
    texts: dict[str, Any] = {}
    for tag, text in value.items():
        if not isinstance(tag, str) or not is_language(tag):
            raise ValueError(
                f"{tag!r} is not a language of the documents ({', '.join(LANGS)})"
                f"{did_you_mean_lang(str(tag))}"
            )
        if plural and isinstance(text, dict):
            texts[tag] = _plural_forms(tag, text, check)
            continue
        try:
            texts[tag] = check(text)
        except ValueError as exc:
            raise ValueError(f"{tag}: {exc}") from None
    return LText(texts, source_lang)


def _plural_forms(tag: str, forms: dict[Any, Any], check: Callable[[Any], str]) -> dict[str, str]:
    if not forms:
        raise ValueError(f"{tag}: an empty mapping: give the word, or its plural forms")
    out: dict[str, str] = {}
    for category, word in forms.items():
        if category not in PLURAL_CATEGORIES:
            raise ValueError(
                f"{tag}.{category}: not a plural category ({', '.join(PLURAL_CATEGORIES)})"
            )
        try:
            out[category] = check(word)
        except ValueError as exc:
            raise ValueError(f"{tag}.{category}: {exc}") from None
    return out


# ------------------------------------------------------------------ localizing


@dataclass(frozen=True)
class Missing:
    """A text field with no text in the language asked for."""

    path: tuple[str | int, ...]
    lang: str


def localize(
    model: BaseModel,
    lang: str,
    source_lang: str,
    untranslated: Callable[[str], str] | None = None,
) -> tuple[Any, list[Missing]]:
    """``model`` with every text in ``lang``, and every field that has no ``lang`` text.

    With ``untranslated`` (fallback allowed), a field without ``lang`` text gets the
    source language's text passed through ``untranslated`` (which marks it), and is
    still listed as missing.
    """
    missing: list[Missing] = []

    def text(value: LText, path: tuple[str | int, ...]) -> str:
        found = value.texts.get(lang)
        if found is None:
            missing.append(Missing(path, lang))
            source = value.texts.get(source_lang)
            if source is None:
                source = next(iter(value.texts.values()))
            shown = _one_form(source)
            return untranslated(shown) if untranslated else shown
        if isinstance(found, Mapping):
            return PluralText(found)
        return found

    def walk(value: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(value, LText):
            return text(value, path)
        if isinstance(value, BaseModel):
            update = {}
            for name in type(value).model_fields:
                item = getattr(value, name)
                key = "schema" if name == "schema_" else name
                new = walk(item, (*path, key))
                if new is not item:
                    update[name] = new
            return value.model_copy(update=update) if update else value
        if isinstance(value, list):
            items = [walk(v, (*path, i)) for i, v in enumerate(value)]
            changed = any(a is not b for a, b in zip(items, value, strict=True))
            return items if changed else value
        return value

    return walk(model, ()), missing


def text_values(value: str) -> Iterator[str]:
    """Every language's text of a field (one for a plain string)."""
    if isinstance(value, LText):
        for text in value.texts.values():
            yield _one_form(text)
    else:
        yield value
