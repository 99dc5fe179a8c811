"""The workspace configuration: ``kzru.toml``, found in the current folder or above.

Typed, with defaults; every problem of the file is reported at once, each naming the
file, its line and the key, and an unknown key says which known one was probably
meant. Paths in the file are relative to the folder that holds it.

::

    data = "data"            # visit files; `kzru build` with no PATH builds these
    templates = "templates"  # searched before the built-in templates
    output = "build"         # (these three are the defaults, beside kzru.toml)

    [defaults]
    docs = ["memo", "factsheet", "agreements", "pack"]
    formats = ["docx", "pdf"]
    lang = "en"
    audiences = ["leadership", "analyst", "press"]

    [theme]                  # inline settings, and/or file = "theme.toml"
    accent = "#0B4F6C"

    [marking]                # handling marks (see kzru_reports.handling)
    portion_marks = true     # every audience; default: those cleared above public
    banner = { official = "ДСП" }                                   # per level
    portion = { public = "(P)", official = "(O)", restricted = "(R)" }
    [marking.ru]             # words for documents in one language only
    portion = { official = "(ДСП)" }

    [memo]                   # the memo's header and the pack's cover (kzru_reports.furniture)
    from = "Department of Asia"
    to = { leadership = "Minister" }
    reference = "{year}/{visit}/{n}"

    [audiences.ministers]    # a profile of your own (or one that changes a built-in)
    base = "leadership"
    label = "Ministers"
    portion_marks = false

    [serve]                  # `kzru serve` (docs/service.md); all optional
    host = "127.0.0.1"
    port = 8750
    timeout = 30             # seconds a request may take from arrival, queue included
    queue = 32               # requests that may wait for a worker; more get 429
    max_body = 8388608       # bytes of one uploaded visit file; more get 413

    [serve.tokens.press-office]
    env = "KZRU_TOKEN_PRESS" # the variable holding the secret (never the secret itself)
    audiences = ["press"]
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from kzru_reports.config.model import (
    CONFIG_NAME,
    ServeSettings,
    TokenRule,
    Workspace,
    known_languages,
)
from kzru_reports.config.reader import read_config, toml_line
from kzru_reports.config.sections import WorkspaceReader
from kzru_reports.errors import DataError, Problem


def find_config(start: Path | None = None) -> Path | None:
    """The nearest ``kzru.toml`` in ``start`` (default: the current folder) or above."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        candidate = folder / CONFIG_NAME
        if candidate.exists() and not candidate.is_dir():  # a FIFO is refused when read
            return candidate
    return None


def load_workspace(start: Path | None = None) -> Workspace:
    """The workspace around ``start``: its config file's settings, else the defaults."""
    path = find_config(start)
    if path is None:
        return Workspace(root=(start or Path.cwd()).resolve())
    return load_config(path)


def load_config(path: Path) -> Workspace:
    """Read and check one ``kzru.toml``; raise ``DataError`` with every problem."""
    text = read_config(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = toml_line(str(exc))
        raise DataError([Problem(str(path), f"not valid TOML: {exc}", line=line)]) from None
    return WorkspaceReader(path, text).workspace(raw)


__all__ = [
    "CONFIG_NAME",
    "ServeSettings",
    "TokenRule",
    "Workspace",
    "find_config",
    "known_languages",
    "load_config",
    "load_workspace",
]
