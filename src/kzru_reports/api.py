"""The build pipeline, top to bottom.

1. plan: for each visit file, audience and document, fingerprint the inputs and
   compare with the manifest; what is current is reported ``unchanged`` at once.
2. render: the rest become jobs (one per visit, audience and document, every format
   of it at once), run in this process or in a pool of worker processes.
3. write: a visit is all or nothing. Its files are written, atomically, only when
   every one of its jobs succeeded; the manifest never lists a file it does not hold.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from kzru_reports.audiences import BUILTIN, Audience, for_audience
from kzru_reports.data import Visit, find_visit_files, load_visit
from kzru_reports.data.load import read_limited
from kzru_reports.data.schema import DEVICE_NAMES, LEVELS
from kzru_reports.errors import KzruError, Problem, RenderError, UsageError
from kzru_reports.files import write_atomic
from kzru_reports.handling import MarkingScheme
from kzru_reports.manifest import (
    Entry,
    Manifest,
    engine_digest,
    remove_partial_files,
    sha256_file,
    sha256_text,
    stable_repr,
)
from kzru_reports.shards import Shard
from kzru_reports.shards import select as select_shard
from kzru_reports.theme import Theme, default_theme
from kzru_reports.writers import FORMAT_NAMES, count_pages

PARTS = ("memo", "factsheet", "agreements")
DOCUMENTS = (*PARTS, "pack")
FORMATS = FORMAT_NAMES
log = logging.getLogger(__name__)


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

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, object]:
        return {
            "outputs": [o.as_json() for o in self.outputs],
            "errors": [e.as_json() for e in self.errors],
        }


class Progress(Protocol):
    """What a build tells its caller as it goes (the CLI draws a bar or log lines)."""

    def start(self, jobs: int) -> None: ...

    def job_done(self, job: Job) -> None: ...

    def output(self, output: Output) -> None: ...


@dataclass(frozen=True)
class BuildOptions:
    out: str = "build"
    documents: tuple[str, ...] = DOCUMENTS
    formats: tuple[str, ...] = FORMATS
    audiences: tuple[Audience, ...] = (BUILTIN["analyst"],)
    templates: tuple[str, ...] = ()
    theme: Theme = field(default_factory=default_theme)
    marking: MarkingScheme = field(default_factory=MarkingScheme)
    lang: str = "en"  # the workspace's language: its outputs' names carry no language tag
    langs: tuple[str, ...] = ()  # the languages to build; none given: ``lang``
    fallback: bool = False  # a text missing in a language: the file's own, marked
    build_time: datetime | None = None  # SOURCE_DATE_EPOCH: file properties only
    issue_date: date | None = None  # the cover's date of issue; None: today
    shard: Shard | None = None  # build only this share of the visits
    force: bool = False
    jobs: int = 1


def shipped_visits() -> Path:
    """The folder of visits that ship with the package (or the checkout's data/visits)."""
    packaged = Path(str(resources.files("kzru_reports"))) / "visits"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "data" / "visits"


def build_time_from_env(environ: dict[str, str] | None = None) -> datetime | None:
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
    ext = f"{lang}.{fmt}" if lang else fmt
    names = (visit_id, audience, f"{visit_id}-{document}.{ext}")
    for name in names:
        if not _SAFE_NAME.fullmatch(name) or name.split(".")[0].lower() in DEVICE_NAMES:
            raise RenderError(f"{name!r} cannot name an output file or folder")
    return names


# ------------------------------------------------------------------ rendering


def render_models(
    visit: Visit,
    audience: Audience,
    document: str,
    options: BuildOptions,
    lang: str | None = None,
) -> Any:
    """One document (or pack) of one visit for one audience in ``lang`` (default: the
    build's language), as the document model."""
    from kzru_reports.handling import level_of, mark, raise_frame
    from kzru_reports.model.levels import UnknownLevel
    from kzru_reports.packs import compose
    from kzru_reports.templating import audience_search_path, render_document, template_name
    from kzru_reports.templating.locale import load_labels
    from kzru_reports.theme.glyphs import check_glyphs
    from kzru_reports.view import VisitView

    lang = lang or options.lang
    visit = localized(visit, lang, options.fallback)
    view = VisitView(for_audience(visit, audience), audience, lang)
    when = stamp(options, visit)
    issued = issue_date(options)
    labels = load_labels(lang, audience_search_path(options.templates, audience))
    banner = options.marking.banner(lang, labels)
    portion = (
        options.marking.portion(lang, labels) if options.marking.portions_for(audience) else None
    )

    def marked(name: str, shown: str) -> Any:
        # build_date: the old name of issue_date
        extra = {"issue_date": issued, "build_date": issued, "marking": banner[shown]}
        doc = render_document(name, view, audience, options.templates, lang, extra)
        try:
            return mark(doc, view.level, banner, portion)
        except UnknownLevel as exc:
            raise RenderError(f"{template_name(name, audience)}: {exc}") from None

    def one(name: str, floor: str | None = None) -> Any:
        """``name`` rendered and marked by what it holds. A template may show the
        marking (``marking``: a memo's header): it is given the highest level the
        reader may see first, and rendered again when what it holds is marked lower.
        A pack's cover is marked ``floor``, the highest marking inside."""
        doc = marked(name, floor or view.level)
        if floor is not None:
            doc = raise_frame(doc, floor)
        elif level_of(doc) != view.level:
            doc = marked(name, level_of(doc))
        check_glyphs(doc, options.theme)
        return replace(doc, meta=replace(doc.meta, created=when))

    if document != "pack":
        return one(document)
    parts = [one(p) for p in PARTS]
    inside = max((level_of(p) for p in parts), key=LEVELS.index)
    return compose(one("pack", inside), parts, labels["labels"]["contents"])


def render_job(job: Job, options: BuildOptions) -> list[tuple[str, bytes]]:
    """Every format of one job's document, as (format, bytes)."""
    from kzru_reports.writers import render as write

    visit = _load_cached(job.file, job.display, options.theme, job.inputs["data"])
    model = render_models(visit, job.audience, job.document, options, job.lang)
    return [(fmt, write(fmt, options.theme, model)) for fmt in job.formats]


_VISITS: dict[tuple[str, str, str, str], Visit] = {}
_LOCALIZED: dict[tuple[int, str, bool], tuple[Visit, Visit]] = {}


def localized(visit: Visit, lang: str, fallback: bool = False) -> Visit:
    """``visit`` with every text in ``lang`` (once per process for each loaded visit);
    ``DataError`` lists every field without ``lang`` text unless ``fallback``."""
    from kzru_reports.data.load import visit_in
    from kzru_reports.templating.locale import load_labels

    key = (id(visit), lang, fallback)
    hit = _LOCALIZED.get(key)
    if hit is not None and hit[0] is visit:
        return hit[1]
    if len(_LOCALIZED) > 256:
        _LOCALIZED.clear()
    mark = str(load_labels(lang)["labels"]["untranslated"])
    result = visit_in(visit, lang, fallback, mark)
    _LOCALIZED[key] = (visit, result)
    return result


def _load_cached(file: str, display: str, theme: Theme, sha: str) -> Visit:
    """A process loads each version of a visit file once, however many jobs it gets
    from it (``sha`` is the file's content hash, so an edited file is read again)."""
    key = (file, display, sha, repr(theme))
    if key not in _VISITS:
        if len(_VISITS) > 256:
            _VISITS.clear()
        _VISITS[key] = load_visit(file, display, theme)
    return _VISITS[key]


# ------------------------------------------------------------------ planning


@dataclass(frozen=True)
class Job:
    file: str
    display: str
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
        return relative_path(self.visit, self.audience.name, self.document, fmt, self.name_lang)


def _theme_digests(theme: Theme) -> tuple[str, str]:
    """Hashes of the theme's settings and of its files (fonts, logo, reference DOCX)."""
    h = hashlib.sha256()
    for family in (theme.body_font, theme.heading_font):
        for face in (family.regular, family.bold, family.italic, family.bold_italic):
            h.update(sha256_file(theme.font_path(face)).encode())
    for extra in (theme.logo, theme.reference_docx):
        if extra is not None:
            h.update(sha256_file(extra).encode())
    return sha256_text(stable_repr(theme)), h.hexdigest()


def _inputs(
    file: str,
    data_sha: str,
    audience: Audience,
    document: str,
    options: BuildOptions,
    theme: tuple[str, str],
    lang: str,
) -> dict[str, Any]:
    from kzru_reports.templating import audience_search_path, template_closure, template_name
    from kzru_reports.templating.catalog import labels_digest

    names = [
        template_name(d, audience)
        for d in ((*PARTS, "pack") if document == "pack" else (document,))
    ]
    inputs: dict[str, Any] = {
        "data_file": file,
        "data": data_sha,
        "templates": template_closure(names, options.templates, lang, audience),
        "theme": theme[0],
        "fonts": theme[1],
        "engine": engine_digest(),
        "audience": sha256_text(stable_repr(audience)),
        "marking": sha256_text(stable_repr(options.marking)),
        "lang": lang,
        "labels": labels_digest(lang, audience_search_path(options.templates, audience)),
        "fallback": options.fallback,
        "stamp": options.build_time.isoformat() if options.build_time else None,
    }
    if document == "pack":
        inputs["issue_date"] = issue_date(options).isoformat()
    return inputs


def _plan(
    files: list[Path], options: BuildOptions, manifest: Manifest, report: Report
) -> Iterator[Job]:
    theme = _theme_digests(options.theme)
    seen: dict[str, str] = {}
    for file in files:
        display = str(file)
        try:
            raw = read_limited(file, display)  # a FIFO or /dev/zero is never read
        except KzruError as exc:
            report.errors += [_in_file(p, display) for p in exc.problems()]
            continue
        data_sha = hashlib.sha256(raw).hexdigest()
        known = {e.visit for e in manifest.entries.values() if e.inputs.get("data") == data_sha}
        visit_id = next(iter(known)) if len(known) == 1 else None
        jobs: list[Job] = []
        for audience in options.audiences:
            for lang in build_langs(options, audience):
                tag = name_lang(options, lang)
                for document in (d for d in options.documents if audience.gets(d)):
                    inputs = _inputs(display, data_sha, audience, document, options, theme, lang)
                    job = Job(
                        str(file), display, visit_id or "", audience, document,
                        options.formats, inputs, lang, tag,
                    )  # fmt: skip
                    entries = (
                        [manifest.entries.get(job.path(f)) for f in options.formats]
                        if visit_id is not None and not options.force
                        else [None]
                    )
                    current = all(
                        e is not None and e.is_current(options.out, inputs) for e in entries
                    )
                    if current:
                        for e in entries:
                            assert e is not None
                            report.outputs.append(_unchanged(e, options))
                    else:
                        jobs.append(job)
        if not jobs:
            continue
        try:  # validate once here, so a bad file is reported once, not per job;
            # the loaded visit is kept, and forked workers inherit it
            visit = _load_cached(str(file), display, options.theme, data_sha)
        except KzruError as exc:
            report.errors += [_in_file(p, display) for p in exc.problems()]
            continue
        if visit.id in seen:
            report.errors.append(
                Problem(
                    display,
                    f"visit id {visit.id!r} is also used by "
                    f"{seen[visit.id]}; ids name the output files",
                    path="id",
                )
            )
            continue
        seen[visit.id] = display
        failed: set[str] = set()
        for lang in dict.fromkeys(j.lang for j in jobs):
            try:  # a language whose texts are missing fails alone, every field listed
                localized(visit, lang, options.fallback)
            except KzruError as exc:
                report.errors += [_in_file(p, display) for p in exc.problems()]
                failed.add(lang)
        yield from (replace(j, visit=visit.id) for j in jobs if j.lang not in failed)


def _unchanged(e: Entry, options: BuildOptions) -> Output:
    return Output(
        os.path.join(options.out, e.path),
        e.visit,
        e.audience,
        e.document,
        e.format,
        e.sha256,
        e.bytes,
        "unchanged",
        e.pages,
        e.lang,
    )


# ------------------------------------------------------------------ the build


def build(
    paths: Sequence[str | Path],
    options: BuildOptions,
    progress: Progress | None = None,
) -> Report:
    """Build every requested document of every visit file; collect all failures."""
    report = Report()
    files = find_visit_files(paths or [shipped_visits()])
    if options.shard is not None:
        files = select_shard(files, options.shard)
    Path(options.out).mkdir(parents=True, exist_ok=True)
    with _locked(options.out):
        remove_partial_files(options.out)
        manifest = Manifest.load(options.out)
        jobs = list(_plan(files, options, manifest, report))
        if progress:
            for o in report.outputs:
                progress.output(o)
            progress.start(len(jobs))
        by_visit: dict[tuple[str, str], list[tuple[Job, list[tuple[str, bytes]]]]] = {}
        failed: set[tuple[str, str]] = set()
        for job, result in _run(jobs, options):
            if progress:
                progress.job_done(job)
            if isinstance(result, KzruError):
                report.errors += [_in_file(p, job.display) for p in result.problems()]
                failed.add(job.unit)
            else:
                by_visit.setdefault(job.unit, []).append((job, result))
        ready = {v: r for v, r in by_visit.items() if v not in failed}
        _refuse_unsafe_paths(ready, options, report)
        _write(ready, options, manifest, report, progress)
    return report


def _run(jobs: list[Job], options: BuildOptions) -> Iterator[tuple[Job, Any]]:
    """Render jobs here, or in worker processes forked after the imports are done."""
    if options.jobs <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield job, _attempt(job, options)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _warm(options, jobs)
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=min(options.jobs, len(jobs)),
        mp_context=ctx,
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        # The heaviest jobs (packs hold three documents) start first, so that no worker
        # is left with one at the end while the others wait; results keep job order.
        futures = {
            id(job): pool.submit(_attempt, job, options)
            for job in sorted(jobs, key=lambda j: j.document != "pack")
        }
        for job in jobs:
            yield job, futures[id(job)].result()


def _exit_with_parent(parent: int) -> None:
    """A worker ends as soon as the build that forked it is gone (killed, say): an
    orphan would keep the output folder's lock, inherited at fork, held for ever.
    Its memory is bounded (``limits.apply_worker_limits``) before it takes a job."""
    import threading
    import time

    from kzru_reports.limits import apply_worker_limits

    apply_worker_limits()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _warm(options: BuildOptions, jobs: Sequence[Job] = ()) -> None:
    """Import the writers, load fonts and styles and compile the templates before
    forking, so workers start ready and none of them does it again."""
    from kzru_reports.templating import warm_templates
    from kzru_reports.templating.locale import language_tag
    from kzru_reports.writers import get_writer

    tags = sorted({language_tag(j.lang) for j in jobs}) or [language_tag(options.lang)]
    for fmt in options.formats:
        get_writer(fmt, options.theme).warm(tags)
    names: dict[tuple[str, str], tuple[Audience, set[str]]] = {}
    for job in jobs:  # every template of every document an audience gets, per language
        names.setdefault((job.audience.name, job.lang), (job.audience, set()))[1].update(
            job.inputs.get("templates", {})
        )
    for (_, lang), (audience, templates) in names.items():
        warm_templates(sorted(templates), options.templates, lang, audience)


def _attempt(job: Job, options: BuildOptions) -> Any:
    try:
        return render_job(job, options)
    except KzruError as exc:
        return exc
    except MemoryError:
        from kzru_reports.limits import memory_limit_mib

        cap = memory_limit_mib()
        limit = f" of {cap:,} MiB" if cap else ""
        return RenderError(f"{job.document}: the memory limit{limit} was reached; stopped")
    except Exception as exc:  # a bug, not the data's fault: still only this visit fails
        log.debug("building %s failed", job.display, exc_info=True)
        return RenderError(f"internal error: {type(exc).__name__}: {exc}")


def _refuse_unsafe_paths(
    ready: dict[tuple[str, str], list[tuple[Job, list[tuple[str, bytes]]]]],
    options: BuildOptions,
    report: Report,
) -> None:
    """Drop (and report) a visit any of whose outputs could not be written safely."""
    for visit, results in list(ready.items()):
        try:
            for job, files in results:
                for fmt, _ in files:
                    output_path(options.out, *_where(job, fmt))
        except RenderError as exc:
            report.errors += [_in_file(p, results[0][0].display) for p in exc.problems()]
            del ready[visit]


def _write(
    ready: dict[tuple[str, str], list[tuple[Job, list[tuple[str, bytes]]]]],
    options: BuildOptions,
    manifest: Manifest,
    report: Report,
    progress: Progress | None,
) -> None:
    planned = [
        job.path(fmt) for results in ready.values() for job, files in results for fmt, _ in files
    ]
    if planned:  # first forget what is about to be replaced: the manifest stays true
        for path in planned:
            manifest.entries.pop(path, None)
        manifest.save()
    for results in ready.values():
        for job, files in results:
            for fmt, data in files:
                path = output_path(options.out, *_where(job, fmt))
                write_atomic(Path(path), data)
                sha = hashlib.sha256(data).hexdigest()
                pages = count_pages(fmt, options.theme, data)
                rel = job.path(fmt)
                manifest.entries[rel] = Entry(
                    rel,
                    job.visit,
                    job.audience.name,
                    job.document,
                    fmt,
                    len(data),
                    pages,
                    sha,
                    job.inputs,
                    job.lang,
                )
                output = Output(
                    path,
                    job.visit,
                    job.audience.name,
                    job.document,
                    fmt,
                    sha,
                    len(data),
                    "built",
                    pages,
                    job.lang,
                )
                report.outputs.append(output)
                if progress:
                    progress.output(output)
    if planned or not manifest.file.exists():
        manifest.save()


def _where(job: Job, fmt: str) -> tuple[str, str, str, str, str | None]:
    return (job.visit, job.audience.name, job.document, fmt, job.name_lang)


@contextlib.contextmanager
def _locked(out: str) -> Iterator[None]:
    """One build at a time per output folder; a second waits for the first (where
    the platform has POSIX advisory locks; elsewhere builds are not serialised)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return

    fd = _open_lock(Path(out) / ".kzru.lock")
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _open_lock(path: Path) -> int:
    """The lock file, made with ``O_EXCL`` or opened as the regular file it is, never
    through a symbolic link (which could point out of the output folder)."""
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        if path.is_symlink():
            raise RenderError(
                f"the lock file {path} is a symbolic link; remove it (it is not followed)"
            ) from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise RenderError(f"the lock file {path} is not a regular file; remove it")
    return fd


def _in_file(problem: Problem, file: str) -> Problem:
    return problem if problem.file else replace(problem, file=file)


def validate(
    paths: Sequence[str | Path], theme: Theme | None = None, langs: Sequence[str] = ()
) -> Report:
    """Load and check every visit file (text against ``theme``'s fonts, the default
    theme's when not given), and that every text has each of ``langs``; build nothing."""
    from kzru_reports.data.load import visit_in

    report = Report()
    for file in find_visit_files(paths or [shipped_visits()]):
        try:
            visit = load_visit(file, str(file), theme)
        except KzruError as exc:
            report.errors += [_in_file(p, str(file)) for p in exc.problems()]
            continue
        for lang in langs:
            try:
                visit_in(visit, lang)
            except KzruError as exc:
                report.errors += [_in_file(p, str(file)) for p in exc.problems()]
    return report
