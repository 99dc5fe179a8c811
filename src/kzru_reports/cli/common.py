"""What every command shares: running an action with its errors mapped to exit codes,
printing whatever a terminal can take, the ``--lang`` option, the end-of-command report."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Callable
from typing import Any

import click

from kzru_reports.data.lang import LANGS, did_you_mean_lang, is_language
from kzru_reports.errors import KzruError, one_line


class Lang(click.ParamType):
    """A language tag: a built-in one (en, ru, kk) or another ISO 639 code, which the
    workspace must have a catalog for (checked once the workspace is read); a near
    miss (``kz``, ``ru-RU``) says which one was meant."""

    name = "TAG"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if is_language(str(value)):
            return str(value)
        self.fail(
            f"{value!r} is not one of {', '.join(LANGS)} or another language's ISO 639 code"
            f"{did_you_mean_lang(str(value))}",
            param,
            ctx,
        )


def lang_option(help: str) -> Callable[[Any], Any]:
    """``-l/--lang TAG``, repeatable, as ``langs``."""
    return click.option("-l", "--lang", "langs", multiple=True, type=Lang(), help=help)


def run_action(debug: bool, action: Callable[[], int]) -> None:
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
            err(one_line(f"error: {problem.message}") if not problem.file else str(problem))
        code = exc.exit_code
    except KeyboardInterrupt:
        err("interrupted")
        code = 130
    except OSError as exc:  # a full disk, a folder that cannot be written...
        if debug:
            traceback.print_exc()
        where = f" ({exc.filename})" if exc.filename else ""
        err(one_line(f"error: {exc.strerror or exc}{where}; earlier outputs are untouched"))
        code = 1
    except Exception as exc:
        if debug:
            traceback.print_exc()
        err(one_line(f"error: internal error: {type(exc).__name__}: {exc} (--debug shows where)"))
        code = 1
    sys.exit(code)


def printable(text: str) -> str:
    """Text any terminal encoding can take: undecodable bytes of file names (held as
    lone surrogates) become backslash escapes instead of failing to print."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def err(text: str) -> None:
    click.echo(printable(text), err=True)


def echo_out(text: str) -> None:
    click.echo(printable(text))


def relative(path: Any) -> str:
    """A workspace path as short as it can be said from the current folder."""
    from kzru_reports.files import short_path

    return "" if path is None else short_path(path)


def finish(report: Any, as_json: bool) -> int:
    """Print the report's problems (and the JSON report); the exit code: 1 when a visit
    failed or a document was not written for having nothing to show."""
    if as_json:
        click.echo(printable(json.dumps(report.as_json(), indent=2, ensure_ascii=False)))
    for problem in report.errors:
        err(str(problem))
    for empty in getattr(report, "not_written", ()):
        err(empty.message())
    return 0 if report.ok and not getattr(report, "not_written", ()) else 1


def unique(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
