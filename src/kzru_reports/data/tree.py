"""Parsing YAML and JSON into plain Python trees that remember where each value was.

Both parsers return ``(tree, positions)``: ``tree`` is made of dicts, lists, ``str``,
``Plain`` (an unquoted YAML scalar, kept as its source text), ``int``, ``float`` and
``None``; ``positions`` maps a field path (a tuple of keys and indexes) to the
``(line, column)`` where it starts, 1-based.

YAML is read with the YAML 1.2 core schema in mind: no scalar is turned into a bool,
a date or an octal number by the loader (``NO`` stays ``"NO"``, ``012345`` stays
``"012345"``, ``12:30`` stays ``"12:30"``); typed fields decide what a plain scalar
means. Duplicate keys, non-string keys, custom tags, deep nesting and alias bombs are
refused. JSON refuses duplicate keys, ``NaN`` and ``Infinity``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from kzru_reports.errors import DataError, Problem

MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 40
MAX_NODES = 500_000

Path = tuple[str | int, ...]
Positions = dict[Path, tuple[int, int]]

_NULLS = {"", "~", "null", "Null", "NULL"}
_STD_TAG = "tag:yaml.org,2002:"
_TAGS = {_STD_TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
try:  # the C composer is several times faster and gives the same marks
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader


class Plain(str):
    """An unquoted YAML scalar: its meaning (text, number, date) is up to the field."""

    __slots__ = ()


class _Fail(Exception):
    def __init__(self, message: str, line: int | None, column: int | None, path: Path = ()):
        super().__init__(message)
        self.message, self.line, self.column, self.path = message, line, column, path


def decode(raw: bytes, name: str) -> str:
    """Decode UTF-8 (a BOM is allowed) or fail naming the line of the first bad byte."""
    if len(raw) > MAX_BYTES:
        raise DataError([Problem(name, f"file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataError(
            [
                Problem(
                    name,
                    f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded "
                    "(save the file as UTF-8)",
                    line=line,
                    column=col,
                )
            ]
        ) from None


# ---------------------------------------------------------------- YAML


def parse_yaml(text: str, name: str) -> tuple[Any, Positions]:
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = f"YAML syntax: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            msg += f" ({exc.context})"
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise DataError([Problem(name, msg, line=line, column=column)]) from None
    except yaml.YAMLError as exc:
        raise DataError([Problem(name, f"YAML syntax: {exc}")]) from None
    except RecursionError:
        raise DataError([Problem(name, f"nesting deeper than {MAX_DEPTH} levels")]) from None
    if not nodes or nodes[0] is None:
        raise DataError([Problem(name, "the file is empty; a visit is a mapping of fields")])
    if len(nodes) > 1:
        mark = nodes[1].start_mark
        raise DataError(
            [
                Problem(
                    name,
                    "more than one YAML document; one visit per file",
                    line=mark.line + 1,
                    column=mark.column + 1,
                )
            ]
        )
    builder = _YamlBuilder()
    try:
        tree = builder.build(nodes[0], (), 0)
    except _Fail as f:
        raise DataError(
            [Problem(name, f.message, path=format_path(f.path), line=f.line, column=f.column)]
        ) from None
    return tree, builder.positions


class _YamlBuilder:
    def __init__(self) -> None:
        self.positions: Positions = {}
        self.count = 0

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.count += 1
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        if self.count > MAX_NODES:
            raise _Fail(
                f"more than {MAX_NODES:,} values (aliases included); refusing to expand further",
                line,
                col,
                path,
            )
        if depth > MAX_DEPTH:
            raise _Fail(f"nesting deeper than {MAX_DEPTH} levels", line, col, path)
        self.positions.setdefault(path, (line, col))
        if node.tag not in _TAGS:
            raise _Fail(
                f"YAML tag {node.tag!r} is not supported; write plain values", line, col, path
            )
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            kline, kcol = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if key_node.tag == _STD_TAG + "merge" or key_node.value == "<<":
                raise _Fail("YAML merge keys (<<) are not supported", kline, kcol, path)
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Fail("a key must be a plain name, not a list or mapping", kline, kcol, path)
            key = key_node.value
            if key in out:
                first = self.positions.get((*path, key), (None, None))[0]
                raise _Fail(
                    f"duplicate key {key!r} (first given on line {first})",
                    kline,
                    kcol,
                    (*path, key),
                )
            self.positions[(*path, key)] = (kline, kcol)
            out[key] = self.build(value_node, (*path, key), depth + 1)
        return out

    @staticmethod
    def _scalar(node: yaml.ScalarNode) -> Any:
        if not node.style:  # plain (None, or '' from libyaml): the typed field decides
            return None if node.value in _NULLS else Plain(node.value)
        return str(node.value)


# ---------------------------------------------------------------- JSON

_WS = re.compile(r"[ \t\n\r]*")


def parse_json(text: str, name: str) -> tuple[Any, Positions]:
    parser = _JsonParser(text)
    try:
        tree, end = parser.value(parser.skip(0), (), 0)
        end = parser.skip(end)
        if end != len(text):
            raise parser.fail("extra data after the JSON value", end, ())
    except _Fail as f:
        raise DataError(
            [Problem(name, f.message, path=format_path(f.path), line=f.line, column=f.column)]
        ) from None
    return tree, parser.positions


class _JsonParser:
    """A small recursive reader that records where every value starts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.positions: Positions = {}
        self.decoder = json.JSONDecoder(parse_constant=self._constant)

    def skip(self, i: int) -> int:
        return _WS.match(self.text, i).end()  # type: ignore[union-attr]

    def where(self, i: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, i) + 1
        return line, i - (self.text.rfind("\n", 0, i) + 1) + 1

    def fail(self, message: str, i: int, path: Path) -> _Fail:
        return _Fail(message, *self.where(i), path)

    def _constant(self, name: str) -> Any:
        raise ValueError(f"{name} is not a number JSON allows")

    def value(self, i: int, path: Path, depth: int) -> tuple[Any, int]:
        if depth > MAX_DEPTH:
            raise self.fail(f"nesting deeper than {MAX_DEPTH} levels", i, path)
        self.positions.setdefault(path, self.where(i))
        ch = self.text[i : i + 1]
        if ch == "{":
            return self.obj(i, path, depth)
        if ch == "[":
            return self.array(i, path, depth)
        try:
            return self.decoder.raw_decode(self.text, i)
        except ValueError as exc:
            msg = str(exc).split(":")[0]
            raise self.fail(f"JSON syntax: {msg}", i, path) from None

    def obj(self, i: int, path: Path, depth: int) -> tuple[dict[str, Any], int]:
        out: dict[str, Any] = {}
        i = self.skip(i + 1)
        if self.text.startswith("}", i):
            return out, i + 1
        while True:
            if not self.text.startswith('"', i):
                raise self.fail("JSON syntax: expected a key in double quotes", i, path)
            key, j = json.decoder.scanstring(self.text, i + 1)
            if key in out:
                raise self.fail(f"duplicate key {key!r}", i, (*path, key))
            self.positions[(*path, key)] = self.where(i)
            j = self.skip(j)
            if not self.text.startswith(":", j):
                raise self.fail("JSON syntax: expected ':'", j, path)
            out[key], j = self.value(self.skip(j + 1), (*path, key), depth + 1)
            self.positions[(*path, key)] = self.where(i)
            j = self.skip(j)
            if self.text.startswith("}", j):
                return out, j + 1
            if not self.text.startswith(",", j):
                raise self.fail("JSON syntax: expected ',' or '}'", j, path)
            i = self.skip(j + 1)

    def array(self, i: int, path: Path, depth: int) -> tuple[list[Any], int]:
        out: list[Any] = []
        i = self.skip(i + 1)
        if self.text.startswith("]", i):
            return out, i + 1
        while True:
            item, j = self.value(i, (*path, len(out)), depth + 1)
            out.append(item)
            j = self.skip(j)
            if self.text.startswith("]", j):
                return out, j + 1
            if not self.text.startswith(",", j):
                raise self.fail("JSON syntax: expected ',' or ']'", j, path)
            i = self.skip(j + 1)


def format_path(path: Path) -> str:
    """``("agreements", 2, "kind")`` -> ``agreements[2].kind``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
