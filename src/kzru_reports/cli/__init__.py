"""The ``kzru`` command line: parse options, call the API, print. No logic lives here.

Modules: ``common`` (errors to exit codes, printing, shared options), ``build``
(``build`` and ``watch``), ``commands`` (every other command). This module holds the
group and the program's entry point."""

from __future__ import annotations

import logging
import os
import sys

import click

from kzru_reports import __version__
from kzru_reports.cli import build as _build
from kzru_reports.cli import commands as _commands
from kzru_reports.cli.build import BuildArgs
from kzru_reports.cli.common import err
from kzru_reports.errors import UsageError


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
            err(str(exc.code))
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


for _command in (
    _build.build,
    _build.watch,
    _commands.validate,
    _commands.diff,
    _commands.schema,
    _commands.init,
    _commands.audiences,
    _commands.templates,
    _commands.serve,
    _commands.manifest,
):
    main.add_command(_command)

__all__ = ["BuildArgs", "UsageError", "main", "run"]
