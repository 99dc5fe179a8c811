"""The ``kzru`` command line: parse options, call the API, print. No logic lives here."""

from __future__ import annotations

import copy
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from kzru_reports import __version__
from kzru_reports.data.lang import LANGS, did_you_mean_lang
from kzru_reports.documents import DOCUMENTS
from kzru_reports.errors import KzruError, Problem, UsageError, one_line
from kzru_reports.writers import DEFAULT_FORMATS, FORMATS

LANG_CHOICES = LANGS


class _Lang(click.Choice):  # type: ignore[type-arg]
    """A language tag; a near miss (``kz``, ``ru-RU``) says which one was meant."""

    def __init__(self) -> None:
        super().__init__(LANG_CHOICES)

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if value in LANG_CHOICES:
            return value
        self.fail(
            f"{value!r} is not one of {', '.join(LANG_CHOICES)}{did_you_mean_lang(str(value))}",
            param,
            ctx,
        )


def _lang_option(help: str) -> Callable[[Any], Any]:
    """``-l/--lang TAG``, repeatable, as ``langs``."""
    return click.option("-l", "--lang", "langs", multiple=True, type=_Lang(), help=help)


def _run(debug: bool, action: Callable[[], int]) -> None:
    """Run a command; deliberate errors print one line each and map to exit codes.

    A traceback is printed only with ``--debug``; without it even an unexpected
    failure is one line on stderr (and exit 1).
    """
    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
    try:
        code = action()
    except KzruError as exc:
        if debug:
            traceback.print_exc()
        for problem in exc.problems():
            _err(one_line(f"error: {problem.message}") if not problem.file else str(problem))
        code = exc.exit_code
    except KeyboardInterrupt:
        _err("interrupted")
        code = 130
    except OSError as exc:  # a full disk, a folder that cannot be written...
        if debug:
            traceback.print_exc()
        where = f" ({exc.filename})" if exc.filename else ""
        _err(one_line(f"error: {exc.strerror or exc}{where}; earlier outputs are untouched"))
        code = 1
    except Exception as exc:
        if debug:
            traceback.print_exc()
        _err(one_line(f"error: internal error: {type(exc).__name__}: {exc} (--debug shows where)"))
        code = 1
    sys.exit(code)


def _printable(text: str) -> str:
    """Text any terminal encoding can take: undecodable bytes of file names (held as
    lone surrogates) become backslash escapes instead of failing to print."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _err(text: str) -> None:
    click.echo(_printable(text), err=True)


def run() -> None:
    """The ``kzru`` program: run the command line, then end the process at once.

    By the time a command returns, its outputs are written, renamed into place and
    reported. Tearing the interpreter down after that (freeing every module's objects:
    parsed fonts, styles, compiled templates) took a tenth of a second of a build, so
    the streams are flushed and the process ends without it.

    The process's memory is bounded (``limits.apply_worker_limits``): documents may
    be rendered here, and a runaway input must end as an error, not take the machine."""
    from kzru_reports.limits import apply_worker_limits

    apply_worker_limits()
    try:
        main()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            _err(str(exc.code))
            code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a closed pipe: nothing more can be said
        code = code or 1
    logging.shutdown()
    os._exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kzru")
@click.option(
    "--allow-outside-workspace",
    is_flag=True,
    help="Let kzru.toml name files and folders outside its workspace or through links.",
)
def main(allow_outside_workspace: bool = False) -> None:
    """kzru-reports: briefing packs in DOCX and PDF from visit data."""
    from kzru_reports.files import allow_outside_workspace as allow

    allow(allow_outside_workspace)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "-o", "--out", default=None, help="Where outputs go (default: the workspace's, else build)."
)
@click.option(
    "-d",
    "--doc",
    "docs",
    multiple=True,
    type=click.Choice(DOCUMENTS),
    help="Document to build (repeatable); default: all.",
)
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(tuple(FORMATS)),
    help="Output format (repeatable); default: docx and pdf.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Parallel build processes; default: the number of CPUs.",
)
@click.option("--force", is_flag=True, help="Rebuild even what is up to date.")
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Write documents whose audience may see nothing of the visit (by default they "
    "are reported and the build exits 1).",
)
@click.option(
    "--issue-date",
    default=None,
    metavar="DATE|today|commit",
    help="The date of issue on the pack's cover: YYYY-MM-DD, today (the default), or "
    "commit (SOURCE_DATE_EPOCH's date).",
)
@click.option(
    "--since",
    default=None,
    metavar="REV|FILE",
    help="Mark what changed since an earlier version: a git revision (each visit file "
    "as it was then), or a visit file or folder (matched by visit id).",
)
@click.option(
    "--shard",
    default=None,
    metavar="K/N",
    callback=lambda _ctx, _param, value: _shard(value),
    help="Build only the K-th of N shares of the visits (by visit id, balanced by "
    "size), e.g. in a CI matrix; join the outputs with kzru manifest merge.",
)
@click.option(
    "-a",
    "--audience",
    "audiences",
    multiple=True,
    help="Audience profile (repeatable); default: every audience of the workspace.",
)
@_lang_option("Language of the documents (repeatable); default: the workspace's, else en.")
@click.option(
    "--fallback",
    is_flag=True,
    default=None,
    help="Build a language whose texts are missing, with the file's own text marked.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report on stdout.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def build(
    paths: tuple[str, ...],
    out: str | None,
    docs: tuple[str, ...],
    formats: tuple[str, ...],
    jobs: int | None,
    force: bool,
    allow_empty: bool,
    issue_date: str | None,
    since: str | None,
    shard: Any,
    audiences: tuple[str, ...],
    langs: tuple[str, ...],
    fallback: bool | None,
    as_json: bool,
    debug: bool,
) -> None:
    """Build documents for each visit file (a folder means every visit file in it; -
    reads one visit, YAML or JSON, from standard input); no PATH: the workspace's data
    folder, else the shipped visits."""

    args = BuildArgs(
        out,
        docs,
        formats,
        jobs,
        force,
        issue_date,
        shard,
        audiences,
        since,
        allow_empty,
        langs,
        fallback,
    )

    def action() -> int:
        import time

        from kzru_reports.config import load_workspace
        from kzru_reports.engine import Engine

        ws = load_workspace()
        engine = Engine(args.settings(ws), workers=args.workers)
        options = args.options(engine, ws)
        targets = list(paths) or ([_relative(ws.data)] if ws.data else [])
        started = time.perf_counter()
        live = not as_json and sys.stdout.isatty()
        progress = None if as_json else _Progress(live)
        from kzru_reports.writers import fewer_collections

        with engine, fewer_collections():  # loading, templating and writing make many objects
            report = engine.build(targets, options, progress=progress)
        if progress is not None:
            progress.done(report, time.perf_counter() - started)
        return _finish(report, as_json)

    _run(debug, action)


@dataclass(frozen=True)
class BuildArgs:
    """``build``'s options as given on the command line (``watch`` takes the same);
    what was not given comes from the workspace."""

    out: str | None = None
    docs: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    jobs: int | None = None
    force: bool = False
    issue_date: str | None = None
    shard: Any = None
    audiences: tuple[str, ...] = ()
    since: str | None = None
    allow_empty: bool = False
    langs: tuple[str, ...] = ()
    fallback: bool | None = None  # None: the workspace's choice

    @property
    def workers(self) -> int:
        return self.jobs or os.cpu_count() or 1

    def settings(self, ws: Any) -> Any:
        from kzru_reports.engine import build_time_from_env, parse_issue_date
        from kzru_reports.engine.options import workspace_settings

        build_time = build_time_from_env()
        return workspace_settings(ws, build_time, parse_issue_date(self.issue_date, build_time))

    def options(self, engine: Any, ws: Any) -> Any:
        return engine.options(
            out=self.out or _relative(ws.output) or "build",
            documents=_unique(self.docs) or ws.documents or DOCUMENTS,
            formats=_unique(self.formats) or ws.formats or DEFAULT_FORMATS,
            audiences=ws.select(self.audiences),
            langs=_unique(self.langs) or ws.langs or (ws.lang,),
            fallback=ws.fallback if self.fallback is None else self.fallback,
            shard=self.shard,
            since=self.since,
            force=self.force,
            allow_empty=self.allow_empty,
        )


class _Progress:
    """Plain log lines for logs and CI; a progress bar and a summary on a terminal."""

    WIDTH = 28

    def __init__(self, live: bool) -> None:
        self.live = live
        self.total = 0
        self.done_jobs = 0

    def start(self, jobs: int) -> None:
        self.total = jobs
        self._draw("")

    def job_done(self, job: Any) -> None:
        self.done_jobs += 1
        self._draw(f"{job.visit} {job.audience.name} {job.document}")

    def output(self, output: Any) -> None:
        if not self.live:
            click.echo(_printable(f"{output.status} {output.path}"))

    def _draw(self, label: str) -> None:
        if not self.live or not self.total:
            return
        filled = self.WIDTH * self.done_jobs // self.total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        line = _printable(one_line(f"[{bar}] {self.done_jobs}/{self.total} {label}"))[:120]
        click.echo(f"\r\033[K{line}", nl=False)

    def done(self, report: Any, seconds: float) -> None:
        built = sum(o.status == "built" for o in report.outputs)
        unchanged = len(report.outputs) - built
        failed = len({e.file for e in report.errors})
        empty = len(report.not_written)
        if not self.live:
            not_written = f", {empty} not written (nothing to show)" if empty else ""
            click.echo(
                f"{built} built, {unchanged} unchanged, {failed} failed{not_written} "
                f"in {seconds:.1f}s"
            )
            return
        click.echo("\r\033[K", nl=False)
        rows = [("built", built), ("unchanged", unchanged), ("failed visits", failed)]
        if empty:
            rows.append(("not written", empty))
        for label, value in rows:
            click.echo(f"  {label:<14}{value:>6}")
        click.echo(f"  {'time':<14}{seconds:>5.1f}s")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@_lang_option("Also check that every text has this language (repeatable).")
@click.option(
    "--format",
    "style",
    type=click.Choice(("plain", "github", "json")),
    default="plain",
    help="plain: file:line:column: field: problem on stderr; github: GitHub Actions "
    "annotations (::error file=,line=,col=::) on stdout; json: one JSON report on stdout.",
)
@click.option(
    "-a",
    "--audience",
    "audiences",
    multiple=True,
    help="Warn when this audience may see nothing of a visit (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--strict",
    is_flag=True,
    help="Treat pre-flight warnings (no source, no period, odd unit, unknown signatory) as errors.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def validate(
    paths: tuple[str, ...],
    langs: tuple[str, ...],
    style: str,
    audiences: tuple[str, ...],
    as_json: bool,
    strict: bool,
    debug: bool,
) -> None:
    """Load and check visit files (- reads one from standard input); print every
    problem and pre-flight warning (exit 0 with warnings only, 1 with errors or, with
    --strict, warnings); build nothing."""

    def action() -> int:
        from kzru_reports import api
        from kzru_reports.config import load_workspace

        ws = load_workspace()  # its theme's fonts decide which characters can be shown
        targets = list(paths) or ([_relative(ws.data)] if ws.data else [])
        chosen = tuple(ws.audience(a) for a in dict.fromkeys(audiences))
        report = api.validate(
            targets, ws.theme, strict=strict, audiences=chosen, langs=_unique(langs)
        )
        if style == "github" and not as_json:
            for problem in [*report.errors, *report.warnings]:
                click.echo(_printable(problem.as_github()))
            if report.ok:
                click.echo("ok")
            return 0 if report.ok else 1
        json_out = as_json or style == "json"
        if not json_out:
            for warning in report.warnings:
                _err(str(warning))
            if report.ok:
                click.echo("ok")
        return _finish(report, json_out)

    _run(debug, action)


@main.command()
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report on stdout.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def diff(old: str, new: str, as_json: bool, debug: bool) -> None:
    """What changed between two versions of a visit, item by item.

    OLD and NEW are visit files, or REV:path to read a file from git
    (kzru diff HEAD~1:data/visits/x.yaml data/visits/x.yaml). Exit 0 when they mean
    the same, 1 when they differ, 2 when either cannot be read or validated."""

    def action() -> int:
        from kzru_reports.config import load_workspace
        from kzru_reports.diff import DifferentVisits, compare, groups, summary
        from kzru_reports.versions import read_version

        problems = []
        visits = []
        try:
            theme = load_workspace().theme
            for spec in (old, new):
                try:
                    visits.append(read_version(spec).load(theme))
                except KzruError as exc:
                    problems += exc.problems()
            if not problems:
                result = compare(visits[0], visits[1])
        except KzruError as exc:
            problems += exc.problems()
        except DifferentVisits as exc:
            problems.append(Problem("", f"{old} and {new}: {exc}"))
        if problems:
            if as_json:
                errors = [p.as_json() for p in problems]
                click.echo(_printable(json.dumps({"old": old, "new": new, "errors": errors})))
            for problem in problems:
                _err(one_line(f"error: {problem.message}") if not problem.file else str(problem))
            return 2
        if as_json:
            report = {"old": old, "new": new, **result.as_json(), "errors": []}
            click.echo(_printable(json.dumps(report, indent=2, ensure_ascii=False)))
            return 0 if result.equal else 1
        colours = {"added": "green", "removed": "red", "changed": "yellow"}
        marks = {"added": "+", "removed": "-", "changed": "~"}
        click.echo(_printable(f"{result.visit}: {old} -> {new}"))
        for group in groups(result):
            click.echo(click.style(group.title, bold=True))
            for kind, line in group.lines:
                text = _printable(one_line(f"  {marks[kind]} {line}"))
                click.echo(click.style(text, fg=colours[kind]))
        click.echo(summary(result))
        return 0 if result.equal else 1

    _run(debug, action)


def _watch(paths: tuple[str, ...], as_json: bool, debug: bool, **given: Any) -> None:
    """Build, then rebuild what each saved change to the data, templates, theme or
    config affects, until stopped (Ctrl-C). Takes build's options."""
    args = BuildArgs(**{k: v for k, v in given.items() if k in BuildArgs.__dataclass_fields__})

    def action() -> int:
        from kzru_reports.watch import Watcher

        return Watcher(list(paths), args, as_json, _echo_out, _err).run()

    _run(debug, action)


def _echo_out(text: str) -> None:
    click.echo(_printable(text))


main.add_command(
    click.Command(
        "watch",
        callback=_watch,
        params=[copy.copy(p) for p in build.params],
        help=_watch.__doc__,
        short_help="Build, then rebuild on every saved change, until stopped.",
    )
)


@main.command()
def schema() -> None:
    """Print the JSON Schema of visit format 1."""
    from kzru_reports.data import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@main.command()
@click.argument("folder", default=".", type=click.Path(file_okay=False))
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def init(folder: str, debug: bool) -> None:
    """Make a new workspace: config, one sample visit, an empty templates folder."""

    def action() -> int:
        from pathlib import Path

        from kzru_reports import api
        from kzru_reports.workspace import SAMPLE_VISIT, init_workspace

        for path in init_workspace(Path(folder), api.shipped_visits() / SAMPLE_VISIT):
            click.echo(f"made {path}")
        click.echo(f"next: cd {folder} && kzru build")
        return 0

    _run(debug, action)


@main.group()
def audiences() -> None:
    """Audience profiles: who reads what."""


@audiences.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the profiles as JSON.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def audiences_list(as_json: bool, debug: bool) -> None:
    """Show the audience profiles and what each includes."""

    def action() -> int:
        from kzru_reports.config import load_workspace
        from kzru_reports.workspace import describe, profile_lines

        ws = load_workspace()
        if as_json:
            profiles = [describe(a, ws) for a in ws.audiences.values()]
            click.echo(json.dumps(profiles, indent=2, ensure_ascii=False))
        else:
            click.echo("\n".join(profile_lines(ws)))
        return 0

    _run(debug, action)


@main.group()
def templates() -> None:
    """The template set: list it, copy one out to customise."""


@templates.command("list")
@click.option("-a", "--audience", default=None, help="Show the set one audience uses.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def templates_list(audience: str | None, debug: bool) -> None:
    """Show each template and where it resolves from."""

    def action() -> int:
        from kzru_reports.config import load_workspace
        from kzru_reports.workspace import list_templates

        ws = load_workspace()
        profile = ws.audience(audience) if audience else None
        entries = list_templates(ws, profile)
        width = max(len(e.name) for e in entries)
        for e in entries:
            note = "  (overrides the built-in)" if e.overrides else ""
            click.echo(f"{e.name:<{width}}  {e.origin:<18} {e.path}{note}")
        if profile is not None:
            for doc, name in profile.templates.items():
                click.echo(f"{profile.name} renders {doc} from {name}")
        return 0

    _run(debug, action)


@templates.command("eject")
@click.argument("name")
@click.option(
    "--to",
    "to",
    default=None,
    type=click.Path(file_okay=False),
    help="Folder to copy into (default: the workspace's templates folder).",
)
@click.option("--force", is_flag=True, help="Replace a file that is already there.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def templates_eject(name: str, to: str | None, force: bool, debug: bool) -> None:
    """Copy a built-in template out for customising."""

    def action() -> int:
        from pathlib import Path

        from kzru_reports.config import load_workspace
        from kzru_reports.workspace import eject

        ws = load_workspace()
        folder = Path(to) if to else (ws.templates or Path("templates"))
        click.echo(f"copied to {eject(name, folder, force)}")
        return 0

    _run(debug, action)


@main.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port (default 8750).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Render processes; default: the number of CPUs.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def serve(host: str | None, port: int | None, workers: int | None, debug: bool) -> None:
    """Run the on-demand service (HTTP API and web page) over the workspace."""

    def action() -> int:
        from pathlib import Path

        from kzru_reports import api
        from kzru_reports.config import load_workspace
        from kzru_reports.service.server import serve as run_service

        ws = load_workspace()
        data = Path(ws.data) if ws.data else api.shipped_visits()
        run_service(ws, data, host, port, workers, lambda line: click.echo(line))
        return 0

    _run(debug, action)


def _shard(value: str | None) -> Any:
    """``--shard K/N`` parsed, or a usage error (exit 2) saying what is wrong."""
    if value is None:
        return None
    from kzru_reports.shards import parse_shard

    try:
        return parse_shard(value)
    except UsageError as exc:
        raise click.BadParameter(str(exc).removeprefix(f"--shard {value!r}: ")) from None


@main.group()
def manifest() -> None:
    """Build manifests: join the manifests of sharded builds."""


@manifest.command("merge")
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder of the joined build: its manifest.json, and every shard's files.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def manifest_merge(sources: tuple[str, ...], out: str, debug: bool) -> None:
    """Join the manifests of shard builds (kzru build --shard K/N) into one.

    SOURCES are the shards' output folders (or their manifest.json files). Their files
    are copied into OUT, checked against their checksums. Two shards holding the same
    output, or built by different engine versions, are refused, naming both files."""

    def action() -> int:
        from kzru_reports.shards import merge

        merged = merge(sources, out)
        click.echo(
            _printable(
                f"{len(merged.entries)} outputs from {len(sources)} manifests in {merged.file}"
            )
        )
        return 0

    _run(debug, action)


def _relative(path: Any) -> str:
    """A workspace path as short as it can be said from the current folder."""
    import os

    if path is None:
        return ""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def _finish(report: Any, as_json: bool) -> int:
    """Print the report's problems (and the JSON report); the exit code: 1 when a visit
    failed or a document was not written for having nothing to show."""
    if as_json:
        click.echo(_printable(json.dumps(report.as_json(), indent=2, ensure_ascii=False)))
    for problem in report.errors:
        _err(str(problem))
    for empty in getattr(report, "not_written", ()):
        _err(empty.message())
    return 0 if report.ok and not getattr(report, "not_written", ()) else 1


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


__all__ = ["UsageError", "main"]
