"""The engine: one object that builds and renders, keeping warm what builds share.

An ``Engine`` holds its settings (templates, theme, audiences, language), a bounded
cache of loaded visits and one pool of worker processes, forked once after the
engine has warmed up and kept for every later build and render. ``build`` is what
``kzru build`` does; ``render`` returns files as bytes and touches no folder;
``validate`` checks a visit. An engine may be used from several threads at once.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from kzru_reports import limits
from kzru_reports.data import Visit, find_visit_files
from kzru_reports.data.load import is_json, parse_visit, read_limited
from kzru_reports.documents import DOCUMENTS, PACK
from kzru_reports.engine.options import (
    BuildOptions,
    Job,
    NotWritten,
    Progress,
    Report,
    Settings,
    file_name,
    in_file,
    shipped_visits,
)
from kzru_reports.engine.plan import depends_on, plan
from kzru_reports.engine.pool import WorkerPool
from kzru_reports.engine.render import Shipment, attempt
from kzru_reports.engine.write import locked, write_as_done
from kzru_reports.errors import (
    DataError,
    KzruError,
    NothingToShow,
    Problem,
    RenderTimeout,
    UsageError,
)
from kzru_reports.manifest import Manifest, remove_partial_files
from kzru_reports.memo import BoundedCache
from kzru_reports.shards import select as select_shard
from kzru_reports.versions import baseline, check_revision, is_revision
from kzru_reports.writers import DEFAULT_FORMATS, extension

JOB_SECONDS = limits.JOB_SECONDS  # a build's job still running after this: worker killed
MAX_VISITS = 64  # loaded visits kept (each version of each file, per theme)


@dataclass(frozen=True)
class VisitSource:
    """A visit given as text (an upload, an editor's buffer) instead of a file.

    ``suffix`` ``.json`` reads JSON; otherwise text starting with ``{`` is tried as
    JSON first, anything else is YAML. ``name`` is what problems say the file is."""

    text: str | bytes
    name: str = "<upload>"
    suffix: str = ".yaml"

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8") if isinstance(self.text, str) else self.text


@dataclass(frozen=True)
class RenderedFile:
    """One rendered output, in memory; ``name`` is the file name ``kzru build`` gives it."""

    name: str
    visit: str
    audience: str
    document: str
    format: str
    lang: str
    data: bytes
    sha256: str
    pages: int | None


class Engine:
    """Builds and renders with one set of ``settings`` and up to ``workers`` worker
    processes (``0``: everything in the calling process, with no time limits)."""

    def __init__(self, settings: Settings | None = None, workers: int | None = None) -> None:
        self.settings = settings or Settings()
        self.workers = (os.cpu_count() or 1) if workers is None else max(0, workers)
        self._pool = WorkerPool(self.workers) if self.workers else None
        self._visits: BoundedCache[Visit] = BoundedCache("visits", MAX_VISITS)
        self._shipments: BoundedCache[tuple[Visit, Shipment]] = BoundedCache(
            "shipments", MAX_VISITS
        )
        self._warm_lock = threading.Lock()
        self._dispatch = ThreadPoolExecutor(max(1, self.workers), thread_name_prefix="kzru")
        self._closed = False

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers; the engine cannot be used afterwards."""
        self._closed = True
        if self._pool is not None:
            self._pool.close()
        self._dispatch.shutdown(wait=False, cancel_futures=True)

    def reset(self) -> None:
        """Forget everything kept warm (loaded visits, and the workers' state: they are
        started again, forked after the next warm-up). A watcher calls this when a
        font, logo or reference document changes in place."""
        self._visits.clear()
        self._shipments.clear()
        from kzru_reports import memo

        memo.clear()
        if self._pool is not None:
            self._pool.restart()

    def reconfigure(self, settings: Settings) -> None:
        """Use new settings from now on (a changed ``kzru.toml``); caches are kept,
        being keyed by what they were made from, but the workers start afresh."""
        self.settings = settings
        if self._pool is not None:
            self._pool.restart()

    @property
    def worker_pids(self) -> list[int]:
        """The process ids of the workers alive now (for monitoring and tests)."""
        return self._pool.pids() if self._pool is not None else []

    @property
    def restarts(self) -> int:
        """Workers replaced so far, after dying or being killed past a deadline."""
        return self._pool.replaced if self._pool is not None else 0

    def options(self, **changes: Any) -> BuildOptions:
        """Build options with this engine's settings; ``changes`` override fields."""
        s = self.settings
        base = BuildOptions(
            templates=s.templates,
            theme=s.theme,
            marking=s.marking,
            furniture=s.furniture,
            lang=s.lang,
            build_time=s.build_time,
            issue_date=s.issue_date,
            jobs=max(1, self.workers),
        )
        return replace(base, **changes)

    # ------------------------------------------------------------ build

    def build(
        self,
        paths: Sequence[str | Path],
        options: BuildOptions | None = None,
        progress: Progress | None = None,
    ) -> Report:
        """Build every requested document of every visit file (a folder: each visit
        file in it; none: the shipped visits); collect all failures. Outputs already
        current are reported ``unchanged``."""
        options = options or self.options()
        report = Report()
        files = find_visit_files(paths or [shipped_visits()])
        if options.shard is not None:
            files = select_shard(files, options.shard)
        if options.since and is_revision(options.since):
            # an unknown revision is a usage error, found before anything is built
            # (and resolved once: every visit compares with the same commit)
            commit = check_revision(options.since, files[0].parent if files else None)
            options = replace(options, since=commit)
        Path(options.out).mkdir(parents=True, exist_ok=True)
        with locked(options.out):
            remove_partial_files(options.out)
            manifest = Manifest.load(options.out)
            planned = list(plan(files, options, manifest, report, self._loader(options)))
            report.warnings += _unhyphenated({job.lang for job, _ in planned}, options)
            if not options.allow_empty:
                planned = _without_empty(planned, report)
            for job, _ in planned:
                files_used = depends_on(job, options, self.settings.files)
                for fmt in job.formats:
                    report.depends[job.path(fmt)] = files_used
            if progress:
                for o in report.outputs:
                    progress.output(o)
                progress.start(len(planned))
            jobs = [job for job, _ in planned]
            write_as_done(self._run(planned, options), jobs, options, manifest, report, progress)
        return report

    def _run(
        self, planned: list[tuple[Job, Visit]], options: BuildOptions
    ) -> Iterator[tuple[Job, Any]]:
        """Render the jobs: in this process when there is no pool or nothing to share
        out, else in the workers, each visit's pack first; each job's result given
        (in job order) as soon as it is done."""
        pool = self._pool

        def args_of(
            job: Job, visit: Visit, formats: tuple[str, ...] | None = None
        ) -> tuple[Any, ...] | KzruError:
            try:  # the earlier version, with --since (read here, once per file)
                previous = baseline(job.display, options.since) if options.since else None
            except KzruError as exc:
                return exc
            return (
                visit,
                job.audience,
                job.document,
                formats or job.formats,
                options,
                previous,
                job.lang,
            )

        if pool is None or (len(planned) <= 1 and not pool.started):
            for job, visit in planned:
                args = args_of(job, visit)
                yield job, args if isinstance(args, KzruError) else attempt(*args)
            return
        self._start(options, [job for job, _ in planned])

        def one(job: Job, visit: Visit, formats: tuple[str, ...]) -> Any:
            deadline = time.monotonic() + JOB_SECONDS
            args = args_of(job, visit, formats)
            if isinstance(args, KzruError):
                return args
            try:
                return pool.call(attempt, self._shipped(args), deadline)
            except KzruError as exc:
                return exc

        # Fewer jobs than workers (a watcher's rebuild of one document): each format
        # of a job is its own task, so the formats are written side by side.
        split = len(planned) < pool.size
        tasks = [
            (i, fmts)
            for i, (job, _) in enumerate(planned)
            for fmts in ([(f,) for f in job.formats] if split else [job.formats])
        ]
        # each visit's documents together, its pack (the heaviest) first: a worker that
        # takes several of them finds their paragraphs already laid out (see
        # writers.pdf.text), and no pack is left to run alone at the end
        groups: dict[tuple[str, str, str], int] = {}
        for job, _ in planned:
            groups.setdefault((job.display, job.audience.name, job.lang), len(groups))

        def order(task: tuple[int, Any]) -> tuple[int, bool]:
            job = planned[task[0]][0]
            return groups[(job.display, job.audience.name, job.lang)], lighter(job.document)

        tasks.sort(key=order)
        futures: dict[int, list[Future[Any]]] = {}
        for i, fmts in tasks:
            futures.setdefault(i, []).append(self._dispatch.submit(one, *planned[i], fmts))
        for i, (job, _) in enumerate(planned):  # each job once all its formats are done
            result: Any = []
            for future in futures.pop(i):
                part = future.result()
                if not isinstance(result, KzruError):
                    result = part if isinstance(part, KzruError) else [*result, *part]
            if not isinstance(result, KzruError):
                place = {fmt: n for n, fmt in enumerate(job.formats)}
                result = sorted(result, key=lambda r: place[r[0]])
            yield job, result

    def start(self, options: BuildOptions | None = None) -> None:
        """Warm up and start the workers now, rather than at the first build that has
        work to share (a watcher or a service: even a one-document rebuild then runs
        in a warm worker, its formats side by side)."""
        if self._pool is not None:
            self._start(options or self.options(), resident=True)

    def _start(
        self, options: BuildOptions, jobs: Sequence[Job] = (), resident: bool = False
    ) -> None:
        """Warm up, then fork the workers' zygote (once; again after ``reset``);
        ``resident``: for many requests to come (``start``, ``render``), not a build."""
        assert self._pool is not None
        if self._pool.started:
            return
        with self._warm_lock:
            if not self._pool.started:
                warm(options, jobs, resident)
                self._pool.start()

    def _shipped(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """A task's arguments with its visit (the first) as a ``Shipment``: pickled once
        here, unpickled once in each worker, which keeps it (and so, for instance, its
        translation into a language) for the next task on the same visit."""
        visit = args[0]
        # keyed by identity: each entry holds its visit, so no other object takes its id
        _, shipment = self._shipments.get_or_make(id(visit), lambda: (visit, Shipment.of(visit)))
        return (shipment, *args[1:])

    def _loader(self, options: BuildOptions) -> Any:
        theme = options.theme

        def load(display: str, sha: str, raw: bytes) -> Visit:
            key = (display, sha, repr(theme))
            json_syntax = is_json(display, raw)
            return self._visits.get_or_make(
                key, lambda: parse_visit(raw, display, json_syntax, theme)
            )

        return load

    # ------------------------------------------------------------ in memory

    def load(self, source: Path | str | VisitSource) -> Visit:
        """Read, parse and check a visit; ``DataError`` lists every problem."""
        theme = self.settings.theme
        if isinstance(source, VisitSource):
            raw, name = source.data, source.name
            sha = hashlib.sha256(raw).hexdigest()
            key = (name, sha, repr(theme))
            return self._visits.get_or_make(key, lambda: _parse_source(source, theme))
        path = Path(source)
        raw = read_limited(path, str(path))
        return self._loader(self.options())(str(path), hashlib.sha256(raw).hexdigest(), raw)

    def validate(self, source: Path | str | VisitSource) -> list[Problem]:
        """Every problem of one visit (empty when it is good); builds nothing."""
        try:
            self.load(source)
        except DataError as exc:
            return exc.problems()
        except KzruError as exc:
            name = source.name if isinstance(source, VisitSource) else str(source)
            return [in_file(p, name) for p in exc.problems()]
        return []

    def render(
        self,
        source: Path | str | VisitSource,
        audience: str,
        documents: Sequence[str] = DOCUMENTS,
        formats: Sequence[str] = DEFAULT_FORMATS,
        lang: str | None = None,
        timeout: float | None = None,
        allow_empty: bool = False,
    ) -> list[RenderedFile]:
        """Render documents of one visit for one audience, as bytes; no folder is read
        or written. ``timeout`` (seconds from this call) passed: the worker is killed
        and ``RenderTimeout`` raised. Bad data raises ``DataError`` (every problem,
        with line and column); a template or writer failure a ``KzruError``; an
        audience that may see nothing of the visit ``NothingToShow``, unless
        ``allow_empty`` (as a build writes nothing for it)."""
        from kzru_reports.writers import FORMATS, count_pages

        deadline = None if timeout is None else time.monotonic() + timeout
        profile = self.settings.audience(audience)
        for fmt in formats:
            if fmt not in FORMATS:
                raise UsageError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
        for doc in documents:
            if doc not in DOCUMENTS:
                raise UsageError(f"unknown document {doc!r} (known: {', '.join(DOCUMENTS)})")
            if not profile.gets(doc):
                raise UsageError(f"the audience {audience!r} does not get the {doc}")
        language = lang or self.settings.lang
        options = self.options(
            documents=tuple(dict.fromkeys(documents)),
            formats=tuple(dict.fromkeys(formats)),
            audiences=(profile,),
            lang=language,
        )
        visit = self.load(source)
        if not allow_empty:
            from kzru_reports.handling import nothing_to_show

            withheld = nothing_to_show(visit, profile)
            if withheld is not None:
                raise NothingToShow(
                    f"{profile.name} may see nothing of the visit: {withheld.reason()} "
                    "(allow_empty makes its documents anyway)"
                )
        pool = self._pool
        split = pool is not None and len(options.documents) < pool.size  # formats side by side
        jobs = [
            (doc, (visit, profile, doc, fmts, options))
            for doc in options.documents
            for fmts in ([(f,) for f in options.formats] if split else [options.formats])
        ]
        if pool is None:
            results = [attempt(*args) for _, args in jobs]
        else:
            self._start(options, resident=True)

            def one(args: tuple[Any, ...]) -> Any:
                return pool.call(attempt, self._shipped(args), deadline)

            # the heaviest first (as a build orders its jobs), answered in the order asked
            first = sorted(range(len(jobs)), key=lambda i: lighter(jobs[i][0]))
            futures = {i: self._dispatch.submit(one, jobs[i][1]) for i in first}
            results = [futures[i].result() for i in range(len(jobs))]
        if deadline is not None and time.monotonic() > deadline:
            raise RenderTimeout("the render took longer than its time limit and was stopped")
        files: list[RenderedFile] = []
        for (doc, _), result in zip(jobs, results, strict=True):
            if isinstance(result, KzruError):
                raise result
            for fmt, data in result:
                stem = file_name(visit.id, profile.name, doc, fmt)
                if language != self.settings.lang:
                    ext = extension(fmt)
                    stem = stem.removesuffix(f".{ext}") + f".{language}.{ext}"
                files.append(
                    RenderedFile(
                        stem,
                        visit.id,
                        profile.name,
                        doc,
                        fmt,
                        language,
                        data,
                        hashlib.sha256(data).hexdigest(),
                        count_pages(fmt, options.theme, data),
                    )
                )
        return files


def lighter(document: str) -> bool:
    """Sorts a document after the heaviest: a pack lays out its parts again, so it goes
    to a worker first and is not left to run alone at the end."""
    return document != PACK


def _without_empty(planned: list[tuple[Job, Visit]], report: Report) -> list[tuple[Job, Visit]]:
    """The jobs whose audience may see something of the visit; the others are
    reported (``report.not_written``), by visit, audience and document, with why."""
    from kzru_reports.handling import nothing_to_show

    found: dict[tuple[str, str], Any] = {}
    kept = []
    for job, visit in planned:
        key = (visit.id, job.audience.name)
        if key not in found:
            found[key] = nothing_to_show(visit, job.audience)
        if found[key] is None:
            kept.append((job, visit))
        else:
            report.not_written.append(
                NotWritten(job.display, job.visit, job.audience.name, job.document, found[key])
            )
    return kept


def _parse_source(source: VisitSource, theme: Any) -> Visit:
    raw = source.data
    as_json = source.suffix.lower() == ".json"
    if as_json or raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        try:
            return parse_visit(raw, source.name, json_syntax=True, theme=theme)
        except DataError:
            if as_json:
                raise
    return parse_visit(raw, source.name, json_syntax=False, theme=theme)


def warm(options: BuildOptions, jobs: Sequence[Job] = (), resident: bool = False) -> None:
    """Import the writers, load fonts and styles and compile the templates before
    forking, so workers start ready and none of them does it again (``resident``: see
    ``Writer.warm``)."""
    from kzru_reports.templating import template_name, warm_templates
    from kzru_reports.templating.locale import language_tag
    from kzru_reports.writers import get_writer

    tags = sorted({language_tag(j.lang) for j in jobs}) or [language_tag(options.lang)]
    for fmt in options.formats:
        get_writer(fmt, options.theme).warm(tags, resident)
    names: dict[tuple[str, str], tuple[Any, set[str]]] = {}
    for job in jobs:  # every template of every document an audience gets, per language
        names.setdefault((job.audience.name, job.lang), (job.audience, set()))[1].update(
            job.inputs.get("templates", {})
        )
    for audience in options.audiences:
        if not any(name == audience.name for name, _ in names):
            docs = [d for d in DOCUMENTS if audience.gets(d)]
            key = (audience.name, options.lang)
            names[key] = (audience, {template_name(d, audience) for d in docs})
    for (_, lang), (audience, templates) in names.items():
        warm_templates(sorted(templates), options.templates, lang, audience)


def _unhyphenated(langs: set[str], options: BuildOptions) -> list[Problem]:
    """Said once per build, for each language it renders that has no hyphenation
    patterns (a language a workspace adds, ``uz``): its long words are not broken."""
    from kzru_reports.hyphenate import hyphenates
    from kzru_reports.templating.catalog import catalog_files

    return [
        Problem(
            os.path.relpath(catalog_files(lang, options.templates)[0][0]),
            f"no hyphenation patterns for {lang!r}: long words are not broken at line ends",
            severity="warning",
        )
        for lang in sorted(langs)
        if not hyphenates(lang)
    ]
