"""The commands besides building: ``validate``, ``diff``, ``schema``, ``init``,
``audiences``, ``templates``, ``serve`` and ``manifest``. Each parses its options,
calls one function of the package and prints what it returns."""

from __future__ import annotations

import json

import click

from kzru_reports.cli.common import (
    err,
    finish,
    lang_option,
    printable,
    relative,
    run_action,
    unique,
)
from kzru_reports.errors import KzruError, Problem, one_line


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@lang_option("Also check that every text has this language (repeatable).")
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
        targets = list(paths) or ([relative(ws.data)] if ws.data else [])
        chosen = tuple(ws.audience(a) for a in dict.fromkeys(audiences))
        report = api.validate(
            targets, ws.theme, strict=strict, audiences=chosen, langs=ws.check_langs(unique(langs))
        )
        if style == "github" and not as_json:
            for problem in [*report.errors, *report.warnings]:
                click.echo(printable(problem.as_github()))
            if report.ok:
                click.echo("ok")
            return 0 if report.ok else 1
        json_out = as_json or style == "json"
        if not json_out:
            for warning in report.warnings:
                err(str(warning))
            if report.ok:
                click.echo("ok")
        return finish(report, json_out)

    run_action(debug, action)


@click.command()
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
                click.echo(printable(json.dumps({"old": old, "new": new, "errors": errors})))
            for problem in problems:
                err(one_line(f"error: {problem.message}") if not problem.file else str(problem))
            return 2
        if as_json:
            report = {"old": old, "new": new, **result.as_json(), "errors": []}
            click.echo(printable(json.dumps(report, indent=2, ensure_ascii=False)))
            return 0 if result.equal else 1
        colours = {"added": "green", "removed": "red", "changed": "yellow"}
        marks = {"added": "+", "removed": "-", "changed": "~"}
        click.echo(printable(f"{result.visit}: {old} -> {new}"))
        for group in groups(result):
            click.echo(click.style(group.title, bold=True))
            for kind, line in group.lines:
                text = printable(one_line(f"  {marks[kind]} {line}"))
                click.echo(click.style(text, fg=colours[kind]))
        click.echo(summary(result))
        return 0 if result.equal else 1

    run_action(debug, action)


@click.command()
def schema() -> None:
    """Print the JSON Schema of visit format 1."""
    from kzru_reports.data import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@click.command()
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

    run_action(debug, action)


@click.group()
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

    run_action(debug, action)


@click.group()
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

    run_action(debug, action)


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

    run_action(debug, action)


@click.command()
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

    run_action(debug, action)


@click.group()
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
            printable(
                f"{len(merged.entries)} outputs from {len(sources)} manifests in {merged.file}"
            )
        )
        return 0

    run_action(debug, action)
