"""Reading a TOML table as a checker does: every problem collected with the line of
its key, a near miss named ("did you mean ..."), values checked for their kind and
range. Knows nothing of what the tables mean (``sections`` does)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kzru_reports import limits
from kzru_reports.data.lang import LANGS, did_you_mean_lang, is_language
from kzru_reports.errors import ConfigError, DataError, Problem, did_you_mean
from kzru_reports.files import in_workspace, read_regular


def read_config(path: Path) -> str:
    try:
        return read_regular(path, limits.THEME_FILE_BYTES, "config").decode("utf-8")
    except ConfigError as exc:
        raise DataError([Problem(str(path), str(exc))]) from None
    except UnicodeDecodeError as exc:
        raise DataError([Problem(str(path), f"cannot read: {exc}")]) from None


def toml_line(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


class TableReader:
    """Checks the parsed file, collecting problems with the line of each key."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.root = path.parent.resolve()
        self.lines = text.splitlines()
        self.problems: list[Problem] = []
        self.templates: tuple[Path, ...] = ()  # the workspace's template folder
        self.languages: tuple[str, ...] = LANGS  # and the languages its catalogs add

    # -- reporting
    def line_of(self, dotted: str) -> int | None:
        """The line where a key (or table) is written: the table's header, else the key
        inside its table, else the key anywhere (inline tables)."""
        parts = dotted.split(".")
        header = re.compile(r"^\s*\[+\s*" + r"\s*\.\s*".join(map(re.escape, parts)) + r"\s*\]+")
        key = re.compile(r"^\s*(\"?)" + re.escape(parts[-1]) + r"\1\s*=")
        for number, line in enumerate(self.lines, 1):
            if header.match(line):
                return number
        start = self.line_of(".".join(parts[:-1])) if len(parts) > 1 else 0
        for number, line in enumerate(self.lines[start or 0 :], (start or 0) + 1):
            if start and number > start and line.lstrip().startswith("["):
                break
            if key.match(line):
                return number
        if start:
            return self.line_of(parts[-1]) or start
        return None

    def fail(self, dotted: str, message: str) -> None:
        self.problems.append(
            Problem(str(self.path), message, path=dotted, line=self.line_of(dotted))
        )

    def known(self, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                dotted = f"{where}.{key}" if where else key
                self.fail(
                    dotted,
                    f"unknown key{did_you_mean(key, allowed)}; "
                    f"known keys: {', '.join(sorted(allowed))}",
                )

    # -- typed values
    def text(self, table: Mapping[str, Any], key: str, where: str) -> str | None:
        return self.typed(table, key, where, str, "text")  # type: ignore[no-any-return]

    def typed(self, table: Mapping[str, Any], key: str, where: str, kind: type, what: str) -> Any:
        """The value at ``key`` if it is a ``kind`` (``what`` says what was expected)."""
        value = table.get(key)
        if value is not None and not isinstance(value, kind):
            self.fail(join(where, key), f"expected {what}, got {type(value).__name__}")
            return None
        return value

    def names(
        self, table: Mapping[str, Any], key: str, where: str, choices: Iterable[str]
    ) -> tuple[str, ...] | None:
        value = table.get(key)
        if value is None:
            return None
        choices = tuple(choices)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(join(where, key), "expected a list of names")
            return None
        for v in value:
            if v not in choices:
                self.fail(join(where, key), self.not_one_of(v, choices))
        return tuple(dict.fromkeys(v for v in value if v in choices))

    def choice(
        self, table: Mapping[str, Any], key: str, where: str, choices: Iterable[str]
    ) -> str | None:
        value = self.text(table, key, where)
        choices = tuple(choices)
        if value is not None and value not in choices:
            self.fail(join(where, key), self.not_one_of(value, choices))
            return None
        return value

    def not_one_of(self, value: str, choices: tuple[str, ...]) -> str:
        if choices == self.languages:
            if is_language(value):  # a language, but no catalog for it
                from kzru_reports.templating.catalog import unknown_language

                return unknown_language(value, self.templates)
            hint = did_you_mean(value, choices) or did_you_mean_lang(value)
        else:
            hint = did_you_mean(value, choices)
        return f"{value!r} is not one of {', '.join(choices)}{hint}"

    def folder(self, table: Mapping[str, Any], key: str) -> Path | None:
        value = self.text(table, key, "")
        if not value:
            return None
        try:
            return in_workspace(self.root, value)
        except ConfigError as exc:
            self.fail(key, str(exc))
            return None

    def table(self, raw: Mapping[str, Any], key: str, where: str = "") -> dict[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            self.fail(join(where, key), "expected a table")
            return {}
        return value

    # -- the file
    def flag(self, table: Mapping[str, Any], key: str, where: str) -> bool | None:
        return self.typed(table, key, where, bool, "true or false")  # type: ignore[no-any-return]

    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        where: str,
        low: float,
        high: float,
        whole: bool = True,
    ) -> Any:
        """A number within ``low``..``high`` (a whole one unless ``whole`` is false)."""
        value = table.get(key)
        if value is None:
            return None
        kinds: tuple[type, ...] = (int,) if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            kind = "a whole number" if whole else "a number"
            self.fail(join(where, key), f"expected {kind}, got {type(value).__name__}")
            return None
        if not low <= value <= high:
            self.fail(join(where, key), f"{value} is outside {low:g}..{high:g}")
            return None
        return value


def first(value: bool | None, default: bool | None) -> bool | None:
    return default if value is None else value


def existing(folder: Path) -> Path | None:
    return folder if folder.is_dir() else None


def join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
