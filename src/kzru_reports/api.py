"""The public façade over the engine, for callers of the functions that came before it.

``build`` and ``validate`` each use a short-lived ``Engine``; a program that builds
again and again (a watcher, a service) keeps one (see ``kzru_reports.engine``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from kzru_reports.audiences import Audience
from kzru_reports.data import find_visit_files, load_visit
from kzru_reports.data.load import source_name
from kzru_reports.engine import (
    DEFAULT_FORMATS,
    DOCUMENTS,
    PARTS,
    BuildOptions,
    Engine,
    Job,
    Output,
    Progress,
    Report,
    Settings,
    build_time_from_env,
    issue_date,
    output_path,
    parse_issue_date,
    relative_path,
    render_models,
    shipped_visits,
    stamp,
)
from kzru_reports.engine.options import in_file
from kzru_reports.errors import KzruError, Problem
from kzru_reports.theme import Theme


def settings_of(options: BuildOptions) -> Settings:
    """The engine settings a set of build options renders with."""
    return Settings(
        templates=options.templates,
        theme=options.theme,
        marking=options.marking,
        furniture=options.furniture,
        lang=options.lang,
        build_time=options.build_time,
        issue_date=options.issue_date,
    )


def build(
    paths: Sequence[str | Path],
    options: BuildOptions,
    progress: Progress | None = None,
) -> Report:
    """Build every requested document of every visit file; collect all failures."""
    with Engine(settings_of(options), workers=options.jobs if options.jobs > 1 else 0) as engine:
        return engine.build(paths, options, progress)


def validate(
    paths: Sequence[str | Path],
    theme: Theme | None = None,
    strict: bool = False,
    audiences: Sequence[Audience] = (),
    langs: Sequence[str] = (),
) -> Report:
    """Load and check every visit file (text against ``theme``'s fonts, the default
    theme's when not given), and that every text has each of ``langs``; build nothing.
    Pre-flight warnings go to ``report.warnings``, or with ``strict`` to
    ``report.errors``; so does, for each of ``audiences`` that may see nothing of a
    visit, what a build would not write and why."""
    from kzru_reports.data.load import visit_in
    from kzru_reports.handling import nothing_to_show

    report = Report()
    for file in find_visit_files(paths or [shipped_visits()]):
        name = source_name(file)
        found: list[Problem] = []
        try:
            visit = load_visit(file, name, theme, warnings=found)
            for lang in langs:
                try:
                    visit_in(visit, lang)
                except KzruError as exc:
                    report.errors += [in_file(p, name) for p in exc.problems()]
        except KzruError as exc:
            report.errors += [in_file(p, name) for p in exc.problems()]
            visit = None
        found = [in_file(p, name) for p in found]
        for audience in audiences if visit is not None else ():
            withheld = nothing_to_show(visit, audience)
            if withheld is not None:
                found.append(
                    Problem(
                        name,
                        f"{audience.name} may see nothing of visit {visit.id!r}, so a build "
                        f"writes none of its documents: {withheld.reason()}",
                        severity="warning",
                    )
                )
        if strict:
            report.errors += [replace(p, severity="error") for p in found]
        else:
            report.warnings += found
    return report


__all__ = [
    "DEFAULT_FORMATS",
    "DOCUMENTS",
    "PARTS",
    "BuildOptions",
    "Engine",
    "Job",
    "Output",
    "Progress",
    "Report",
    "Settings",
    "build",
    "build_time_from_env",
    "issue_date",
    "output_path",
    "parse_issue_date",
    "relative_path",
    "render_models",
    "shipped_visits",
    "stamp",
    "validate",
]
