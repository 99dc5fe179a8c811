"""The typed records of visit format 1 (``schema: visit/1``), one class per table of
the spec. The JSON Schema that ``kzru schema`` prints is generated from these classes,
so the validator and the published schema cannot disagree.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)

from kzru_reports import limits
from kzru_reports.data.fields import (
    Count,
    EventFormat,
    FileSlug,
    IsoDate,
    Lang,
    Level,
    Number,
    Slug,
    SpeakerRef,
    Text,
    Unit,
)
from kzru_reports.data.lang import is_language


class Record(BaseModel):
    # defer_build: validators are made when first used, so a command that never reads
    # a visit does not pay for them, and a visit builds one validator for its whole
    # tree instead of one per record class
    # use_attribute_docstrings: the string under each field is its description, which
    # `kzru schema` publishes and docs/visit-format.md is written from
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=False,
        defer_build=True,
        use_attribute_docstrings=True,
    )


class Classified(Record):
    classification: Level | None = None
    """This item's level when it differs from the visit's: `public`, `official` or
    `restricted`. A reader never sees an item above their clearance, nor anything that
    depends on it. Example: `restricted`"""
    source: Slug | None = None
    """The `id` of the source (in `sources`) this item comes from; shown as a numbered
    reference. Example: `kremlin-2025-11-12`"""


def _is_lang_map(v: Any) -> bool:
    """A mapping of languages to text given where an item may be a plain string."""
    return isinstance(v, dict) and bool(v) and all(isinstance(k, str) and is_language(k) for k in v)


class StringOk(Classified):
    """An item that may be written as a plain string, short for ``{text: ...}``."""

    text: Text
    """The text, as documents show it. A plain string is short for `{text: ...}`. Example:
    `Prepare the next round of talks`"""

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, v: Any) -> Any:
        return {"text": v} if isinstance(v, str) or _is_lang_map(v) else v

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {"anyOf": [{"type": "string"}, handler(core_schema)]}


class Person(Record):
    name: Text
    """The person's full name. Example: `Vladimir Putin`"""
    title: Text | None = None
    """Their position. Example: `President of the Russian Federation`"""


class Party(Record):
    id: Slug
    """How other fields name this party (`agreements[].parties`, `statements[].speaker`).
    Example: `ru`"""
    country: Text
    """The country's name as documents show it. Example: `Russia`"""
    role: Literal["host", "guest", "participant"] = "participant"
    """`host`, `guest` or `participant`; the host is named first where it matters. Example:
    `host`"""
    leader: Person | None = None
    """Who heads the delegation: `{name, title}`. Example: `{name: Vladimir Putin, title:
    President of the Russian Federation}`"""
    delegation: list[Person] = Field(default_factory=list, max_length=limits.DELEGATION)
    """The other members of the delegation, each `{name, title}`. Example: `[{name: Sergey
    Lavrov, title: Minister of Foreign Affairs}]`"""


class DateRange(Record):
    start: IsoDate
    """The first day. Example: `2025-11-11`"""
    end: IsoDate
    """The last day, not before `start`. Example: `2025-11-12`"""

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Location(Record):
    city: Text | None = None
    """The city. Example: `Moscow`"""
    country: Text | None = None
    """The country. Example: `Russia`"""
    venue: Text | None = None
    """The building or place. Example: `Kremlin`"""


class Event(Classified):
    id: Slug
    """How statements name this event (`statements[].event`). Example: `talks-narrow`"""
    kind: Literal["ceremony", "talks", "signing", "press", "meeting", "other"] | None = None
    """What sort of event: `ceremony`, `talks`, `signing`, `press`, `meeting` or `other`.
    Example: `talks`"""
    format: EventFormat | None = None
    """How it was held, when the title does not say. Example: `narrow format`"""
    title: Text
    """The event's name in the programme. Example: `Russian-Kazakh talks`"""
    date: IsoDate | None = None
    """The day it took place. Example: `2025-11-12`"""
    venue: Text | None = None
    """Where, when not the visit's venue. Example: `St George Hall`"""
    summary: Text | None = None
    """One or two sentences on what happened. Example: `The presidents discussed trade and
    energy.`"""


class Statement(Classified):
    speaker: SpeakerRef
    """Who said it: a party's `id` (its leader) or the exact name of a leader or delegation
    member. Example: `kz`"""
    text: Text
    """The words, as quoted. Example: `Russia is our strategic partner and ally.`"""
    lang: Lang | None = None
    """The language the words were spoken in (`en`, `ru`, `kk`); default the file's `lang`.
    Shown in another language, a quotation is marked as a translation. Example: `ru`"""
    event: Slug | None = None
    """The `id` of the event where it was said. Example: `press-statements`"""
    context: Text | None = None
    """Where it was said, when not at an event of the programme. Example: `interview with
    Izvestia`"""


class Target(Record):
    value: Number
    """The number aimed at, without units. Example: `30000000000`"""
    unit: Unit | None = None
    """Its unit, when not the figure's own. Example: `USD`"""
    by: Text | None = None
    """When it should be reached, in words. Example: `2030`"""
    better: Literal["higher", "lower"] = "higher"
    """Which way is better: `higher` (trade, students) or `lower` (a time, a cost or a
    tariff to cut). Example: `lower`"""


class Figure(Classified):
    id: Slug
    """A name for the figure, unique in the visit. Example: `trade-turnover`"""
    label: Text
    """What the number counts. Example: `Trade turnover`"""
    value: Number
    """The number, without units, spaces or separators. Example: `20000000000`"""
    unit: Unit | None = None
    """A currency code (`USD`, `RUB`), `%`, or a word the label does not say (`students`).
    Example: `USD`"""
    qualifier: Literal["more_than", "about", "less_than", "up_to"] | None = None
    """How exact the number is: `more_than`, `about`, `less_than` or `up_to`. Example:
    `more_than`"""
    period: Text | None = None
    """The time the number covers. Example: `January–September 2025`"""
    target: Target | None = None
    """The value aimed at: `{value, unit, by}`, drawn beside the figure. Example: `{value:
    30000000000, unit: USD}`"""
    topic: Slug | None = None
    """The `id` of the topic the figure belongs to (it goes with that topic's level). Example:
    `trade`"""


class Point(StringOk):
    pass


class Project(Classified):
    id: Slug
    """A name for the project, unique in the visit. Example: `soyuz-5`"""
    name: Text
    """The project's name. Example: `Soyuz-5 launch vehicle`"""
    partner: Text | None = None
    """Who carries it out. Example: `Roscosmos`"""
    status: Text | None = None
    """Where it stands, in words. Example: `under construction`"""
    summary: Text | None = None
    """One or two sentences on it. Example: `First launch planned from Baikonur.`"""


class Topic(Record):
    id: Slug
    """A name for the topic; figures and agreements refer to it. Example: `energy`"""
    title: Text
    """The topic's heading. Example: `Energy`"""
    summary: Text | None = None
    """A sentence that opens the topic. Example: `Gas supplies and nuclear power.`"""
    points: list[Point] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    """The points of the topic (each a string or `{text, classification, source}`); the brief
    memo shows the first. Example: `- Gas supplies continue`"""
    projects: list[Project] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    """Projects under this topic. Example: `- {id: plant, name: Nuclear power plant}`"""
    classification: Level | None = None
    """The topic's level: its title, summary, points, projects and figures are never below it.
    Example: `official`"""


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
    """A name for the agreement, unique in the visit. Example: `declaration-alliance`"""
    title: Text
    """The document's title. Example: `Declaration on comprehensive strategic partnership`"""
    kind: Literal[
        "declaration", "agreement", "memorandum", "programme", "protocol", "plan", "letter", "other"
    ] = "other"
    """What sort of document: `declaration`, `agreement`, `memorandum`, `programme`,
    `protocol`, `plan`, `letter` or `other`; the agreement summary groups by it. Example:
    `declaration`"""
    status: Literal["signed", "adopted", "exchanged", "announced"] | None = None
    """`signed`, `adopted`, `exchanged` (notes) or `announced`; left out when not known
    (the documents then say nothing of it). Example: `signed`"""
    parties: list[Slug] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    """The `id`s of the parties to it. Example: `[kz, ru]`"""
    signatories: list[Text] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    """Who signed, by name and office. Example: `[Kassym-Jomart Tokayev, Vladimir Putin]`"""
    summary: Text | None = None
    """What it provides for. Example: `Raises relations to an alliance.`"""
    topic: Slug | None = None
    """The `id` of the topic it belongs to. Example: `transport`"""


class FollowUp(StringOk):
    pass


class PointToRaise(StringOk):
    topic: Slug | None = None
    """The `id` of the topic the point belongs to: it goes with that topic's level, and
    is withheld with it. Example: `transport-logistics`"""


class AgreementsTotal(Classified):
    count: Count
    """How many documents were signed, adopted or exchanged in all, by the source's
    count; at least as many as `agreements` lists. Example: `14`"""


class Source(Record):
    id: Slug
    """How items cite this source (`source: ...`). Example: `kremlin-2025-11-12`"""
    title: Text
    """The source's title. Example: `Press statements following Russian-Kazakh talks`"""
    publisher: Text | None = None
    """Who published it. Example: `Kremlin press service`"""
    date: IsoDate | None = None
    """When it was published. Example: `2025-11-12`"""
    url: Text | None = None
    """Where it can be read. Example: `http://kremlin.ru/events/president/news/78414`"""
    kind: Literal["press release", "article", "transcript", "official document", "note"] | None = (
        None
    )
    """`press release`, `article`, `transcript`, `official document` or `note`. Example: `press
    release`"""


class Visit(Record):
    """One visit: the root of a visit/1 file."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        defer_build=True,
        use_attribute_docstrings=True,
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "kzru-reports visit, format 1",
        },
    )

    schema_: Literal["visit/1"] = Field(alias="schema")
    """The format of the file: `visit/1`. Example: `visit/1`"""
    lang: Lang = "en"
    """The language of every plain string in the file: `en`, `ru` or `kk`, or a language a
    workspace adds, by its ISO 639 code (`de`, `uz`). A text field may instead give each
    language's text: `{en: ..., ru: ..., kk: ...}`. Example: `ru`"""
    id: FileSlug
    """Names the output folder and files: lower-case letters, digits and hyphens.
    Example: `kz-ru-state-visit-2025`"""
    title: Text
    """The visit's title, on every document. Example: `State visit of the President of
    Kazakhstan to Russia`"""
    kind: Text | None = None
    """What sort of visit, after the title in a memo's header. Example: `State visit`"""
    classification: Level = "official"
    """The level of the visit's title, kind and summary, and of every item that sets none:
    `public` (anyone, the press included), `official` (officials only; the default) or
    `restricted`. A file that sets nothing is all `official`, so the press sees nothing of
    it: set `public` for a visit known from public reporting. Example: `public`"""
    summary: Text | None = None
    """A paragraph that opens the memo and the fact sheet. Example: `The presidents held talks
    and signed 14 documents.`"""
    summary_sources: list[Slug] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    """The `id`s of the sources (in `sources`) the summary draws on: the summary then cites
    them like any item. Example: `[press-release, kazinform]`"""
    date: IsoDate | None = None
    """The day of a one-day visit (or give `dates`). Example: `2025-11-12`"""
    dates: DateRange | None = None
    """The first and last day of a visit of several days. Example: `{start: 2025-11-11, end:
    2025-11-12}`"""
    location: Location | None = None
    """Where the visit took place: `{city, country, venue}`. Example: `{city: Moscow, country:
    Russia, venue: Kremlin}`"""
    parties: list[Party] = Field(min_length=2, max_length=limits.LIST_ITEMS)
    """The countries taking part, at least two. Example: `- {id: kz, country: Kazakhstan, role:
    guest}`"""
    events: list[Event] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    """The programme: talks, ceremonies, signings, press events. Example: `- {id: talks, kind:
    talks, title: Talks}`"""
    statements: list[Statement] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    """What was said and by whom, shown as quotations. Example: `- {speaker: ru, text: ...,
    event: talks}`"""
    figures: list[Figure] = Field(default_factory=list, max_length=limits.FIGURES)
    """Numbers worth knowing, each with its unit and period. Example: `- {id: trade, label:
    Trade turnover, value: 20000000000, unit: USD}`"""
    topics: list[Topic] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    """The subjects discussed, each with its points and projects. Example: `- {id: energy,
    title: Energy, points: [...]}`"""
    agreements: list[Agreement] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    """The documents signed, adopted, exchanged or announced. Example: `- {id: decl, title:
    Declaration, kind: declaration}`"""
    agreements_total: AgreementsTotal | None = None
    """How many documents the visit produced in all, when `agreements` lists only some:
    `{count, source}`. Counts then say what they count ("9 of the 14 documents are
    listed"). Example: `{count: 14, source: kazinform}`"""
    follow_ups: list[FollowUp] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    """What to do next (each a string or `{text, classification, source}`). Example: `- Prepare
    the next round of talks`"""
    points_to_raise: list[PointToRaise] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    """What the reader should raise at the next meeting, as the memo's "Points to raise"
    (each a string or `{text, classification, source, topic}`). Without them the memo has
    no such section: it never makes points of what was already said. Example: `- Ask for
    a date for the first flight test of Soyuz-5 from Baiterek`"""
    sources: list[Source] = Field(default_factory=list, max_length=limits.LIST_ITEMS)
    """Where the facts come from; items cite them with `source`. Example: `- {id: press, title:
    Press release, kind: press release}`"""
    # where each field was written (file name, positions), for messages after loading
    _origin: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _total_covers_list(self) -> Visit:
        total = self.agreements_total
        if total is not None and total.count < len(self.agreements):
            raise ValueError(
                f"agreements_total.count is {total.count}, but agreements lists "
                f"{len(self.agreements)}: the total counts every document, listed or not"
            )
        return self

    @property
    def start(self) -> date | None:
        return self.dates.start if self.dates else self.date

    @property
    def end(self) -> date | None:
        return self.dates.end if self.dates else self.date


def json_schema() -> dict[str, Any]:
    """The JSON Schema of visit format 1, as published by ``kzru schema``: each field's
    description is its docstring, on one line."""
    return _one_line(Visit.model_json_schema(by_alias=True, mode="validation"))


def _one_line(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: " ".join(v.split()) if k == "description" and isinstance(v, str) else _one_line(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_one_line(v) for v in node]
    return node
