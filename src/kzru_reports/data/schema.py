"""The typed records of visit format 1 (``schema: visit/1``), one class per table of
the spec. The JSON Schema that ``kzru schema`` prints is generated from these classes,
so the validator and the published schema cannot disagree.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
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
        code = ord(bad.group())
        what = (
            "a lone surrogate"
            if 0xD800 <= code <= 0xDFFF
            else "a noncharacter"
            if code >= 0xFFFE
            else "the control character"
        )
        raise ValueError(
            f"contains {what} U+{code:04X} at position {bad.start() + 1}; "
            "documents cannot carry it (remove it from the text)"
        )
    return str(v)


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


_LANG_MAP = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": {"enum": list(LANGS)},
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
Lang = Annotated[str, PlainValidator(_lang), WithJsonSchema({"enum": list(LANGS)})]
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


class Record(BaseModel):
    # defer_build: validators are made when first used, so a command that never reads
    # a visit does not pay for them, and a visit builds one validator for its whole
    # tree instead of one per record class
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=False, defer_build=True
    )


class Classified(Record):
    classification: Level | None = None
    source: Slug | None = None


def _is_lang_map(v: Any) -> bool:
    """A mapping of languages to text given where an item may be a plain string."""
    return isinstance(v, dict) and bool(v) and all(k in LANGS for k in v)


class StringOk(Classified):
    """An item that may be written as a plain string, short for ``{text: ...}``."""

    text: Text

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, v: Any) -> Any:
        return {"text": v} if isinstance(v, str) or _is_lang_map(v) else v

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {"anyOf": [{"type": "string"}, handler(core_schema)]}


class Person(Record):
    name: Text
    title: Text | None = None


class Party(Record):
    id: Slug
    country: Text
    role: Literal["host", "guest", "participant"] = "participant"
    leader: Person | None = None
    delegation: list[Person] = Field(default_factory=list, max_length=limits.DELEGATION)


class DateRange(Record):
    start: IsoDate
    end: IsoDate

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Location(Record):
    city: Text | None = None
    country: Text | None = None
    venue: Text | None = None


class Event(Classified):
    id: Slug
    kind: Literal["ceremony", "talks", "signing", "press", "meeting", "other"] | None = None
    format: EventFormat | None = None
    title: Text
    date: IsoDate | None = None
    venue: Text | None = None
    summary: Text | None = None


class Statement(Classified):
    speaker: SpeakerRef
    text: Text
    lang: Lang | None = None  # the language the words were spoken in; default the file's
    event: Slug | None = None
    context: Text | None = None


class Target(Record):
    value: Number
    unit: Unit | None = None
    by: Text | None = None
    better: Literal["higher", "lower"] = "higher"


class Figure(Classified):
    id: Slug
    label: Text
    value: Number
    unit: Unit | None = None
    qualifier: Literal["more_than", "about", "less_than", "up_to"] | None = None
    period: Text | None = None
    target: Target | None = None
    topic: Slug | None = None


class Point(StringOk):
    pass


class Project(Classified):
    id: Slug
    name: Text
    partner: Text | None = None
    status: Text | None = None
    summary: Text | None = None


class Topic(Record):
    id: Slug
    title: Text
    summary: Text | None = None
    points: list[Point] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    projects: list[Project] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    classification: Level | None = None


AGREEMENT_KINDS = (
    "declaration",
    "agreement",
    "memorandum",
    "programme",
    "protocol",
    "plan",
    "letter",
    "other",
)


class Agreement(Classified):
    id: Slug
    title: Text
    kind: Literal[
        "declaration", "agreement", "memorandum", "programme", "protocol", "plan", "letter", "other"
    ] = "other"
    status: Literal["signed", "adopted", "exchanged", "announced"] | None = None
    parties: list[Slug] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    signatories: list[Text] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    summary: Text | None = None
    topic: Slug | None = None


class FollowUp(StringOk):
    pass


class Source(Record):
    id: Slug
    title: Text
    publisher: Text | None = None
    date: IsoDate | None = None
    url: Text | None = None
    kind: Literal["press release", "article", "transcript", "official document", "note"] | None = (
        None
    )


class Visit(Record):
    """One visit: the root of a visit/1 file."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        defer_build=True,
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "kzru-reports visit, format 1",
        },
    )

    schema_: Literal["visit/1"] = Field(alias="schema")
    lang: Lang = "en"  # the language of every plain string in the file
    id: FileSlug
    title: Text
    kind: Text | None = None
    classification: Level = "official"
    summary: Text | None = None
    date: IsoDate | None = None
    dates: DateRange | None = None
    location: Location | None = None
    parties: list[Party] = Field(min_length=2, max_length=limits.LIST_ITEMS)
    events: list[Event] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    statements: list[Statement] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    figures: list[Figure] = Field(default_factory=list, max_length=limits.FIGURES)
    topics: list[Topic] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    agreements: list[Agreement] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    follow_ups: list[FollowUp] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    sources: list[Source] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    # where each field was written (file name, positions), for messages after loading
    _origin: Any = PrivateAttr(default=None)

    @property
    def start(self) -> date | None:
        return self.dates.start if self.dates else self.date

    @property
    def end(self) -> date | None:
        return self.dates.end if self.dates else self.date


def json_schema() -> dict[str, Any]:
    """The JSON Schema of visit format 1, as published by ``kzru schema``."""
    return Visit.model_json_schema(by_alias=True, mode="validation")
