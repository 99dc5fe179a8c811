"""The field types of visit format 1: what a text, a number, a date, an id, a unit or a
language tag must be, each a validator and the JSON Schema it publishes (``schema``
builds its records from these)."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
)

from kzru_reports import limits
from kzru_reports.data.lang import LANGS, LText, check_lang, parse_text
from kzru_reports.data.tree import Plain

SCHEMA_TAGS = ("visit/1",)
LEVELS = ("public", "official", "restricted")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# Characters XML 1.0 cannot carry (so neither DOCX nor our markup can), noncharacters
# U+FFFE/U+FFFF and lone surrogates. Tab, newline and carriage return are fine.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_INT_RE = re.compile(r"[-+]?[0-9]+")
_FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _kind(v: Any) -> str:
    if v is None:
        return "nothing"
    if isinstance(v, bool):
        return "true/false"
    return {dict: "a mapping", list: "a list", int: "a number", float: "a number"}.get(
        type(v), "text"
    )


def _text(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError(f"expected text, got {_kind(v)}")
    bad = _BAD_CHARS.search(v)
    if bad:
        found = list(dict.fromkeys(m.group() for m in _BAD_CHARS.finditer(v)))
        codes = ", ".join(f"U+{ord(c):04X}" for c in found)
        kinds = {_unshowable(c) for c in found}
        if len(found) == 1:
            raise ValueError(
                f"contains {_unshowable(found[0])[0]} {codes} at position {bad.start() + 1}; "
                "documents cannot carry it (remove it from the text)"
            )
        plural = next(iter(kinds))[1] if len(kinds) == 1 else "characters"
        raise ValueError(
            f"contains the {plural} {codes} (the first at position {bad.start() + 1}); "
            "documents cannot carry them (remove them from the text)"
        )
    return str(v)


def _unshowable(char: str) -> tuple[str, str]:
    """What a character documents cannot carry is, said of one and of several."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return "a lone surrogate", "lone surrogates"
    if code >= 0xFFFE:
        return "a noncharacter", "noncharacters"
    return "the control character", "control characters"


def _slug(v: Any) -> str:
    v = _text(v)
    if not SLUG_RE.fullmatch(v):  # match() would let a trailing newline through
        raise ValueError(
            f"{v!r} is not a valid id (lower-case letters, digits and hyphens, "
            "starting with a letter or digit, at most 64 characters)"
        )
    return v


# Names Windows reserves for devices, in any case and with any extension: a folder
# or file called ``con`` or ``nul.pdf`` cannot be made there. A visit id names files.
DEVICE_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{p}{i}" for p in ("com", "lpt") for i in range(10)]
)


def _file_slug(v: Any) -> str:
    v = _slug(v)
    if v in DEVICE_NAMES:
        raise ValueError(
            f"{v!r} cannot be a visit id: it names the output files, and Windows reserves "
            "it for a device (add a word, e.g. 'con-2025')"
        )
    return v


def _number(v: Any) -> int | float:
    if isinstance(v, Plain):
        if _INT_RE.fullmatch(v):
            v = int(v)
        elif _FLOAT_RE.fullmatch(v):
            v = float(v)
        else:
            raise ValueError(f"expected a number, got {str(v)!r}")
    if isinstance(v, bool) or not isinstance(v, int | float):
        got = repr(v) if isinstance(v, str) else _kind(v)
        raise ValueError(f"expected a number (no unit or quotes inside), got {got}")
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError("expected a finite number")
    if abs(v) > limits.NUMBER_ABS:
        raise ValueError(
            f"{v:g} is too large: a figure is at most {limits.NUMBER_ABS:,} (10^15) "
            "in magnitude; give it in larger units (billions, say)"
        )
    return v


def _date(v: Any) -> date:
    if isinstance(v, date):
        return v
    if not isinstance(v, str) or not _DATE_RE.fullmatch(v):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {v!r}")
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise ValueError(f"{v!r} is not a date that exists") from None


def _source_lang(info: ValidationInfo) -> str:
    context = info.context or {}
    return str(context.get("lang", "en"))


def _ltext(v: Any, info: ValidationInfo) -> LText:
    return parse_text(v, _source_lang(info), _text)


_CODE_RE = re.compile(r"[A-Z]{3}")


def _unit(v: Any, info: ValidationInfo) -> str:
    """A unit: a currency code or ``%`` (the same in every language), else a word,
    which is text like any other and may give plural forms per language."""
    if isinstance(v, str) and (v == "%" or _CODE_RE.fullmatch(v)):
        return str(v)
    return parse_text(v, _source_lang(info), _text, plural=True)


EVENT_FORMATS = ("narrow", "expanded")


def _event_format(v: Any, info: ValidationInfo) -> str:
    """``narrow`` and ``expanded`` are named in each document's language; other
    formats are free text."""
    if isinstance(v, str) and v in EVENT_FORMATS:
        return str(v)
    return _ltext(v, info)


def _reference_text(v: Any, info: ValidationInfo) -> str:
    """A speaker: a party id or a person's name as written in the file (any language);
    it names someone, so it is never translated: documents show that person's name."""
    if isinstance(v, str):
        return _text(v)
    return _ltext(v, info)


def _lang(v: Any) -> str:
    return check_lang(v)


# en, ru and kk are built in; any other ISO 639 code is a language a workspace may add
_LANG_TAG = {"anyOf": [{"enum": list(LANGS)}, {"type": "string", "pattern": "^[a-z]{2,3}$"}]}
_LANG_MAP = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": _LANG_TAG,
}
Text = Annotated[
    str,
    PlainValidator(_ltext),
    WithJsonSchema(
        {"anyOf": [{"type": "string"}, {**_LANG_MAP, "additionalProperties": {"type": "string"}}]}
    ),
]
Unit = Annotated[
    str,
    PlainValidator(_unit),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {
                    **_LANG_MAP,
                    "additionalProperties": {
                        "anyOf": [
                            {"type": "string"},
                            {"type": "object", "additionalProperties": {"type": "string"}},
                        ]
                    },
                },
            ]
        }
    ),
]
Lang = Annotated[str, PlainValidator(_lang), WithJsonSchema(_LANG_TAG)]
_TEXT_SCHEMA = {
    "anyOf": [{"type": "string"}, {**_LANG_MAP, "additionalProperties": {"type": "string"}}]
}
EventFormat = Annotated[str, PlainValidator(_event_format), WithJsonSchema(_TEXT_SCHEMA)]
SpeakerRef = Annotated[str, PlainValidator(_reference_text), WithJsonSchema(_TEXT_SCHEMA)]
Slug = Annotated[
    str,
    BeforeValidator(_slug),
    WithJsonSchema({"type": "string", "pattern": SLUG_RE.pattern}),
]
FileSlug = Annotated[
    str,
    BeforeValidator(_file_slug),
    WithJsonSchema(
        {"type": "string", "pattern": SLUG_RE.pattern, "not": {"enum": sorted(DEVICE_NAMES)}}
    ),
]
Number = Annotated[float, BeforeValidator(_number), WithJsonSchema({"type": "number"})]
IsoDate = Annotated[
    date, BeforeValidator(_date), WithJsonSchema({"type": "string", "format": "date"})
]
Level = Literal["public", "official", "restricted"]


def _count(v: Any) -> int:
    v = _number(v)
    if not isinstance(v, int) or v < 1:
        raise ValueError(f"expected a whole number of at least 1, got {v!r}")
    return v


Count = Annotated[int, BeforeValidator(_count), WithJsonSchema({"type": "integer", "minimum": 1})]
