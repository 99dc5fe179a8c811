"""The build engine: planning, rendering in warm worker processes, writing.

    from kzru_reports.engine import Engine, Settings, VisitSource

    with Engine(Settings(), workers=2) as engine:
        report = engine.build(["data/visit.yaml"], engine.options(out="build"))
        files = engine.render(VisitSource(text), "analyst", ["memo"], ["pdf"])

``kzru build``, ``kzru watch`` and ``kzru serve`` are clients of it.
"""

from kzru_reports.engine.core import Engine, RenderedFile, VisitSource, warm
from kzru_reports.engine.options import (
    DOCUMENTS,
    FORMATS,
    PARTS,
    BuildOptions,
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
    shipped_visits,
    stamp,
)
from kzru_reports.engine.render import render_formats, render_models
from kzru_reports.errors import RenderTimeout, WorkerLost

__all__ = [
    "DOCUMENTS",
    "FORMATS",
    "PARTS",
    "BuildOptions",
    "Engine",
    "Job",
    "Output",
    "Progress",
    "RenderTimeout",
    "RenderedFile",
    "Report",
    "Settings",
    "VisitSource",
    "WorkerLost",
    "build_time_from_env",
    "issue_date",
    "output_path",
    "parse_issue_date",
    "relative_path",
    "render_formats",
    "render_models",
    "shipped_visits",
    "stamp",
    "warm",
]
