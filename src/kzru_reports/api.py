"""The build pipeline, top to bottom: load -> redact per audience -> render templates
into the document model -> write every format -> record outputs.

Each visit is all or nothing: its documents are rendered in memory first and written
only when every one of them succeeded, so a failing visit leaves no file behind and
never touches what an earlier build wrote.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

from kzru_reports.audiences import BUILTIN, Audience, redact
from kzru_reports.data import Visit, find_visit_files, load_visit
from kzru_reports.errors import KzruError, Problem, UsageError
from kzru_reports.files import write_atomic
from kzru_reports.model.nodes import Document
from kzru_reports.theme import Theme, default_theme

DOCUMENTS = ("memo", "factsheet", "agreements")
FORMATS = ("docx", "pdf")


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

    def as_json(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class Report:
    outputs: list[Output] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, object]:
        return {
            "outputs": [o.as_json() for o in self.outputs],
            "errors": [e.as_json() for e in self.errors],
        }


@dataclass(frozen=True)
class BuildOptions:
    out: str = "build"
    documents: tuple[str, ...] = DOCUMENTS
    formats: tuple[str, ...] = FORMATS
    audiences: tuple[Audience, ...] = (BUILTIN["analyst"],)
    templates: tuple[str, ...] = ()
    theme: Theme = field(default_factory=default_theme)
    lang: str = "en"
    build_time: datetime | None = None


def shipped_visits() -> Path:
    """The folder of visits that ship with the package (or the checkout's data/visits)."""
    packaged = Path(str(resources.files("kzru_reports"))) / "visits"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "data" / "visits"


def build_time_from_env(environ: dict[str, str] | None = None) -> datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now."""
    value = (environ if environ is not None else os.environ).get("SOURCE_DATE_EPOCH")
    if value is None or value == "":
        return datetime.now(UTC).replace(microsecond=0)
    if not value.isdigit():
        raise UsageError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01, not {value!r}"
        )
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (OverflowError, OSError, ValueError):
        raise UsageError(f"SOURCE_DATE_EPOCH {value!r} is out of range") from None


def render_visit(
    visit: Visit, audience: Audience, documents: Iterable[str], options: BuildOptions
) -> list[Document]:
    """The documents of one visit for one audience, as document models."""
    from kzru_reports.templating import render_document
    from kzru_reports.view import VisitView

    view = VisitView(redact(visit, audience.clearance), audience)
    docs = []
    for name in documents:
        doc = render_document(name, view, audience, options.templates, options.lang)
        docs.append(_stamp(doc, options.build_time))
    return docs


def _stamp(doc: Document, when: datetime | None) -> Document:
    from dataclasses import replace

    return replace(doc, meta=replace(doc.meta, created=when))


def output_path(out: str, visit_id: str, audience: str, document: str, fmt: str) -> str:
    return os.path.join(out, visit_id, audience, f"{visit_id}-{document}.{fmt}")


def build(
    paths: Sequence[str | Path],
    options: BuildOptions,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Build every requested document of every visit file; collect all failures."""
    from kzru_reports.writers import get_writer

    report = Report()
    files = find_visit_files(paths or [shipped_visits()])
    seen_ids: dict[str, str] = {}
    for file in files:
        display = str(file)
        try:
            visit = load_visit(file, display)
            if visit.id in seen_ids:
                raise UsageError(
                    f"visit id {visit.id!r} is also used by {seen_ids[visit.id]}; "
                    "ids name the output files, so they must differ"
                )
            seen_ids[visit.id] = display
            pending: list[tuple[str, Output, bytes]] = []
            for audience in options.audiences:
                docs = render_visit(visit, audience, options.documents, options)
                for doc in docs:
                    for fmt in options.formats:
                        data = get_writer(fmt, options.theme).render(doc)
                        path = output_path(options.out, visit.id, audience.name, doc.name, fmt)
                        pending.append(
                            (
                                path,
                                Output(
                                    path,
                                    visit.id,
                                    audience.name,
                                    doc.name,
                                    fmt,
                                    hashlib.sha256(data).hexdigest(),
                                    len(data),
                                ),
                                data,
                            )
                        )
        except KzruError as exc:
            report.errors += [_in_file(p, display) for p in exc.problems()]
            continue
        for path, output, data in pending:
            write_atomic(Path(path), data)
            report.outputs.append(output)
            if progress:
                progress(path)
    return report


def _in_file(problem: Problem, file: str) -> Problem:
    if problem.file:
        return problem
    from dataclasses import replace

    return replace(problem, file=file)


def validate(paths: Sequence[str | Path]) -> Report:
    report = Report()
    for file in find_visit_files(paths or [shipped_visits()]):
        try:
            load_visit(file, str(file))
        except KzruError as exc:
            report.errors += [_in_file(p, str(file)) for p in exc.problems()]
    return report


def today(when: datetime | None) -> date:
    return (when or datetime.now(UTC)).date()
