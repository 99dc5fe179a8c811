"""One error tree. Every error the engine raises on purpose is a ``KzruError``.

Each class carries the process exit code it maps to (see the CLI contract): ``1`` for
problems in data, templates, themes and builds; ``2`` for a wrong command line.
Problems in one file are collected as ``Problem`` records, all at once, and raised
together in one ``DataError``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# control characters, line and paragraph separators, lone surrogates, and the
# bidirectional controls (U+202E can make a line read backwards on a terminal)
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the option nearest to ``word``, or nothing: the one
    hint every "unknown ..." message gives."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def one_line(text: str) -> str:
    """``text`` with line breaks, control characters and undecodable bytes escaped, so
    that one problem is always one printable line, whatever a file name or key holds."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape", "backslashreplace").decode("ascii")


def _gh_data(text: str) -> str:
    """A workflow command's message: one line (control characters escaped as
    ``one_line`` does), with ``%`` escaped as GitHub decodes it."""
    return one_line(text).replace("%", "%25")


def _gh_property(text: str) -> str:
    """A workflow command's property value: as a message, and ``:`` and ``,`` too."""
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in one input file, located as precisely as known."""

    file: str
    message: str
    path: str = ""
    line: int | None = None
    column: int | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field_part = f" {self.path}:" if self.path else ""
        kind = " warning:" if self.severity == "warning" else ""
        return one_line(f"{where}:{field_part}{kind} {self.message}")

    def as_github(self) -> str:
        """The problem as a GitHub Actions workflow command, which the run shows as an
        annotation on the file's line (``::error file=x.yaml,line=3,col=5::...``)."""
        props = [("file", self.file), ("line", self.line), ("col", self.column)]
        if self.path:
            props.append(("title", self.path))
        given = ",".join(f"{k}={_gh_property(str(v))}" for k, v in props if v not in (None, ""))
        head = f"{self.severity} {given}" if given else self.severity
        return f"::{head}::{_gh_data(self.message)}"

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


class KzruError(Exception):
    """Base of every deliberate failure; ``exit_code`` follows the CLI contract."""

    exit_code = 1

    def problems(self) -> list[Problem]:
        return [Problem(file="", message=str(self))]


@dataclass
class DataError(KzruError):
    """One or more problems in one input file (visit data, config, theme)."""

    items: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.items)

    def problems(self) -> list[Problem]:
        return list(self.items)


class TemplateError(KzruError):
    """A template failed to load or render; the message names template and line."""

    def __init__(self, message: str, template: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.template = template
        self.line = line

    def problems(self) -> list[Problem]:
        return [Problem(file=self.template, line=self.line, message=str(self.args[0]))]


class RenderError(KzruError):
    """A writer could not turn the document model into a file."""


class ConfigError(KzruError):
    """A workspace configuration, theme or audience profile is wrong."""


class UsageError(KzruError):
    """The command line itself was wrong."""

    exit_code = 2


class NothingToShow(RenderError):
    """The audience may see nothing of substance of the visit, so no document of it is
    made for it (as ``kzru build`` writes none without ``--allow-empty``); the message
    says why, in counts and level names."""


class RenderTimeout(RenderError):
    """A render ran past its deadline; the worker doing it was killed and replaced."""


class WorkerLost(RenderError):
    """A worker process ended in the middle of a render (killed, or out of memory);
    it was replaced, and the next render runs as usual."""
