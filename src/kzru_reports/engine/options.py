"""What a build is asked to do, what it reports, and where its outputs go."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kzru_reports.audiences import BUILTIN, Audience, find
from kzru_reports.data.fields import DEVICE_NAMES
from kzru_reports.documents import DOCUMENTS
from kzru_reports.errors import Problem, RenderError, UsageError
from kzru_reports.furniture import Furniture
from kzru_reports.handling import MarkingScheme, Withheld
from kzru_reports.shards import Shard
from kzru_reports.theme import Theme, default_theme
from kzru_reports.writers import DEFAULT_FORMATS, extension

if TYPE_CHECKING:
    from kzru_reports.config import Workspace
    from kzru_reports.data import Visit


@dataclass(frozen=True)
class Output:
    path: str
    visit: str
    audience: str
    document: str
    format: str
    sha256: str
    bytes: int
    status: str = "built"
    pages: int | None = None
    lang: str = "en"

    def as_json(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class Report:
    outputs: list[Output] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    not_written: list[NotWritten] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # pre-flight (validate, -a)
    # output (relative to the output folder) -> every file it was made from, for each
    # output rendered by this build (the data, templates, theme files, config)
    depends: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, object]:
        return {
            "outputs": [o.as_json() for o in self.outputs],
            "errors": [e.as_json() for e in self.errors],
            "not_written": [n.as_json() for n in self.not_written],
            "warnings": [w.as_json() for w in self.warnings],
        }


@dataclass(frozen=True)
class NotWritten:
    """A document not written because its audience may see nothing of the visit."""

    file: str
    visit: str
    audience: str
    document: str
    withheld: Withheld

    def message(self) -> str:
        return (
            f"{self.file}: visit {self.visit!r}: {self.audience} {self.document} not written, "
            f"as {self.audience} may see nothing of the visit: {self.withheld.reason()} "
            "(--allow-empty writes it anyway)"
        )

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "visit": self.visit,
            "audience": self.audience,
            "document": self.document,
            **self.withheld.as_json(),
        }


@dataclass(frozen=True)
class Job:
    """One document of one visit for one audience, in every format asked for."""

    file: str  # the visit file, as given ("-": standard input)
    display: str  # what messages call it ("<stdin>" for standard input)
    visit: str
    audience: Audience
    document: str
    formats: tuple[str, ...]
    inputs: dict[str, Any] = field(hash=False, compare=False)
    lang: str = "en"
    name_lang: str | None = None  # the language tag in the output names, if any

    @property
    def unit(self) -> tuple[str, str]:
        """What succeeds or fails as a whole: one visit in one language."""
        return (self.visit, self.lang)

    def path(self, fmt: str) -> str:
        """Where this job's output in ``fmt`` lives inside the output folder."""
        return relative_path(self.visit, self.audience.name, self.document, fmt, self.name_lang)

    def where(self, fmt: str) -> tuple[str, str, str, str, str | None]:
        """The parts of ``output_path`` for this job's output in ``fmt``."""
        return (self.visit, self.audience.name, self.document, fmt, self.name_lang)


class Progress(Protocol):
    """What a build tells its caller as it goes (the CLI draws a bar or log lines)."""

    def start(self, jobs: int) -> None: ...

    def job_done(self, job: Job) -> None: ...

    def output(self, output: Output) -> None: ...


@dataclass(frozen=True)
class Settings:
    """What every build and render of an engine shares: where templates are looked
    for, the theme, the audience profiles known by name, the default language and the
    time written into files. ``files`` are the configuration files these came from
    (``kzru.toml``, a theme file), recorded as inputs of every output."""

    templates: tuple[str, ...] = ()
    theme: Theme = field(default_factory=default_theme)
    marking: MarkingScheme = field(default_factory=MarkingScheme)
    furniture: Furniture = field(default_factory=Furniture)  # [memo]: from, to, reference
    audiences: Mapping[str, Audience] = field(default_factory=lambda: dict(BUILTIN))
    lang: str = "en"
    build_time: datetime | None = None  # SOURCE_DATE_EPOCH: file properties only
    issue_date: date | None = None  # the cover's date of issue; None: today
    files: tuple[str, ...] = ()

    def audience(self, name: str) -> Audience:
        return find(self.audiences, name)


def workspace_settings(
    ws: Workspace, build_time: datetime | None = None, issue_date: date | None = None
) -> Settings:
    """The settings of a workspace (its ``kzru.toml``, or the defaults without one)."""
    return Settings(
        templates=tuple(str(f) for f in ws.template_folders()),
        theme=ws.theme,
        marking=ws.marking,
        furniture=ws.furniture,
        audiences=dict(ws.audiences),
        lang=ws.lang,
        build_time=build_time,
        issue_date=issue_date,
        files=tuple(str(f) for f in ws.files),
    )


@dataclass(frozen=True)
class BuildOptions:
    """One build: where outputs go, which documents, formats and audiences, and the
    settings it renders with (an engine's ``options()`` fills those in)."""

    out: str = "build"
    documents: tuple[str, ...] = DOCUMENTS
    formats: tuple[str, ...] = DEFAULT_FORMATS
    audiences: tuple[Audience, ...] = (BUILTIN["analyst"],)
    templates: tuple[str, ...] = ()
    theme: Theme = field(default_factory=default_theme)
    marking: MarkingScheme = field(default_factory=MarkingScheme)
    furniture: Furniture = field(default_factory=Furniture)  # [memo]: from, to, reference
    lang: str = "en"  # the workspace's language: its outputs' names carry no language tag
    langs: tuple[str, ...] = ()  # the languages to build; none given: ``lang``
    fallback: bool = False  # a text missing in a language: the file's own, marked
    build_time: datetime | None = None  # SOURCE_DATE_EPOCH: file properties only
    issue_date: date | None = None  # the cover's date of issue; None: today
    shard: Shard | None = None  # build only this share of the visits
    since: str | None = None  # a git revision, or a visit file or folder: mark changes
    allow_empty: bool = False  # write documents whose audience may see nothing of the visit
    force: bool = False
    jobs: int = 1


def shipped_visits() -> Path:
    """The folder of visits that ship with the package (or the checkout's data/visits)."""
    packaged = Path(str(resources.files("kzru_reports"))) / "visits"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "data" / "visits"


def build_time_from_env(environ: Mapping[str, str] | None = None) -> datetime | None:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else None (today)."""
    value = (environ if environ is not None else os.environ).get("SOURCE_DATE_EPOCH")
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise UsageError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01, not {value!r}"
        )
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (OverflowError, OSError, ValueError):
        raise UsageError(f"SOURCE_DATE_EPOCH {value!r} is out of range") from None


def issue_date(options: BuildOptions) -> date:
    """The date of issue a pack's cover shows: the one asked for (``--issue-date``),
    else today's. Never ``SOURCE_DATE_EPOCH``'s unless asked for (``commit``): that
    stamp makes files reproducible, it does not say when a pack was issued."""
    return options.issue_date or date.today()


def parse_issue_date(value: str | None, build_time: datetime | None) -> date | None:
    """``--issue-date``: ``YYYY-MM-DD``, ``today`` (the default), or ``commit`` (the
    date of ``SOURCE_DATE_EPOCH``, which CI sets to the commit's time)."""
    if value is None or value == "today":
        return date.today()
    if value == "commit":
        if build_time is None:
            raise UsageError(
                "--issue-date commit takes the date of SOURCE_DATE_EPOCH, which is not set"
            )
        return build_time.date()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise UsageError(f"--issue-date {value!r}: give a date as YYYY-MM-DD, 'today' or 'commit'")


def stamp(options: BuildOptions, visit: Visit) -> datetime:
    """The time written into file properties: never the wall clock, so rebuilding the
    same inputs gives the same bytes. ``SOURCE_DATE_EPOCH``, else the visit's last day."""
    if options.build_time is not None:
        return options.build_time
    day = visit.end or date(2000, 1, 1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def build_langs(options: BuildOptions, audience: Audience) -> tuple[str, ...]:
    """The languages an audience's documents are built in: its own when its profile
    pins one, else the build's."""
    if audience.lang:
        return (audience.lang,)
    return options.langs or (options.lang,)


def name_lang(options: BuildOptions, lang: str) -> str | None:
    """The language tag an output's name carries: none in the workspace's language."""
    return None if lang == options.lang else lang


def relative_path(
    visit_id: str, audience: str, document: str, fmt: str, lang: str | None = None
) -> str:
    """Where an output lives inside the output folder (``lang``: the tag its name
    carries, None in the workspace's own language)."""
    return "/".join(_names(visit_id, audience, document, fmt, lang))


def file_name(
    visit_id: str, audience: str, document: str, fmt: str, lang: str | None = None
) -> str:
    """An output's file name (the last part of ``relative_path``)."""
    return _names(visit_id, audience, document, fmt, lang)[2]


def output_path(
    out: str, visit_id: str, audience: str, document: str, fmt: str, lang: str | None = None
) -> str:
    """An output's path as the user gave the output folder (the report's ``path``).

    Ids are slugs already; as a second line of defence every name must be one plain
    path component and no device name, and the path must resolve inside ``out`` (a
    symlinked folder pointing elsewhere is refused)."""
    path = os.path.join(out, *_names(visit_id, audience, document, fmt, lang))
    root = os.path.realpath(out)
    if os.path.commonpath([root, os.path.realpath(path)]) != root:
        raise RenderError(f"output {path} would be outside the output folder {out}")
    return path


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def _names(
    visit_id: str, audience: str, document: str, fmt: str, lang: str | None = None
) -> tuple[str, str, str]:
    ext = f"{lang}.{extension(fmt)}" if lang else extension(fmt)
    names = (visit_id, audience, f"{visit_id}-{document}.{ext}")
    for name in names:
        if not _SAFE_NAME.fullmatch(name) or name.split(".")[0].lower() in DEVICE_NAMES:
            raise RenderError(f"{name!r} cannot name an output file or folder")
    return names


def in_file(problem: Problem, file: str) -> Problem:
    """``problem``, said to be in ``file`` unless it names its own (a template's)."""
    from dataclasses import replace

    return problem if problem.file else replace(problem, file=file)
