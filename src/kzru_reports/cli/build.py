"""``kzru build`` and ``kzru watch`` (which takes build's options): the options as given,
what the workspace fills in, and the progress shown while the engine works."""

from __future__ import annotations

import copy
import os
import sys
from dataclasses import dataclass
from typing import Any

import click

from kzru_reports.cli.common import (
    echo_out,
    err,
    finish,
    lang_option,
    printable,
    relative,
    run_action,
    unique,
)
from kzru_reports.documents import DOCUMENTS
from kzru_reports.errors import UsageError, one_line
from kzru_reports.writers import DEFAULT_FORMATS, FORMATS


@click.command()
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
@lang_option("Language of the documents (repeatable); default: the workspace's, else en.")
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
        targets = list(paths) or ([relative(ws.data)] if ws.data else [])
        started = time.perf_counter()
        live = not as_json and sys.stdout.isatty()
        progress = None if as_json else _Progress(live)
        from kzru_reports.writers import fewer_collections

        with engine, fewer_collections():  # loading, templating and writing make many objects
            report = engine.build(targets, options, progress=progress)
        if progress is not None:
            progress.done(report, time.perf_counter() - started)
        if not as_json:
            for warning in report.warnings:
                err(str(warning))
        return finish(report, as_json)

    run_action(debug, action)


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
            out=self.out or relative(ws.output) or "build",
            documents=unique(self.docs) or ws.documents or DOCUMENTS,
            formats=unique(self.formats) or ws.formats or DEFAULT_FORMATS,
            audiences=ws.select(self.audiences),
            langs=ws.check_langs(unique(self.langs)) or ws.langs or (ws.lang,),
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
            click.echo(printable(f"{output.status} {output.path}"))

    def _draw(self, label: str) -> None:
        if not self.live or not self.total:
            return
        filled = self.WIDTH * self.done_jobs // self.total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        line = printable(one_line(f"[{bar}] {self.done_jobs}/{self.total} {label}"))[:120]
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


def _watch(paths: tuple[str, ...], as_json: bool, debug: bool, **given: Any) -> None:
    """Build, then rebuild what each saved change to the data, templates, theme or
    config affects, until stopped (Ctrl-C). Takes build's options."""
    args = BuildArgs(**{k: v for k, v in given.items() if k in BuildArgs.__dataclass_fields__})

    def action() -> int:
        from kzru_reports.watch import Watcher

        return Watcher(list(paths), args, as_json, echo_out, err).run()

    run_action(debug, action)


watch = click.Command(
    "watch",
    callback=_watch,
    params=[copy.copy(p) for p in build.params],
    help=_watch.__doc__,
    short_help="Build, then rebuild on every saved change, until stopped.",
)


def _shard(value: str | None) -> Any:
    """``--shard K/N`` parsed, or a usage error (exit 2) saying what is wrong."""
    if value is None:
        return None
    from kzru_reports.shards import parse_shard

    try:
        return parse_shard(value)
    except UsageError as exc:
        raise click.BadParameter(str(exc).removeprefix(f"--shard {value!r}: ")) from None
