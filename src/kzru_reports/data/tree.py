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

import bisect
import json
import re
from collections.abc import Iterator
from typing import Any

import yaml

from kzru_reports import limits
from kzru_reports.errors import DataError, Problem

MAX_BYTES = limits.DATA_FILE_BYTES
MAX_DEPTH = limits.DATA_DEPTH
MAX_NODES = limits.DATA_VALUES
MAX_CHARS = limits.DATA_EXPANDED_BYTES
MAX_ITEMS = limits.LIST_ITEMS

FieldPath = tuple[str | int, ...]  # keys and indexes from the top: ("agreements", 2, "kind")
Positions = dict[FieldPath, tuple[int, int]]

_NULLS = {"", "~", "null", "Null", "NULL"}
_STD_TAG = "tag:yaml.org,2002:"
_TAGS = {_STD_TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
try:  # the C composer is several times faster and gives the same marks
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader


_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


class Plain(str):
    """An unquoted YAML scalar: its meaning (text, number, date) is up to the field."""

    __slots__ = ()


class _Fail(Exception):
    def __init__(self, message: str, line: int | None, column: int | None, path: FieldPath = ()):
        super().__init__(message)
        self.message, self.line, self.column, self.path = message, line, column, path


def oversize(size: int | None) -> str:
    """What is said of a file over the size limit: its size when known."""
    said = f"{size:,} bytes" if size is not None else f"more than {MAX_BYTES // 2**20} MiB"
    return f"file is {said}; the limit is {MAX_BYTES:,} bytes (8 MiB)"


def decode(raw: bytes, name: str) -> str:
    """Decode UTF-8 (a BOM is allowed) or fail naming the line of the first bad byte."""
    if len(raw) > MAX_BYTES:  # read with the bound: its real size is not known here
        raise DataError([Problem(name, oversize(None))])
    for bom, encoding in _WIDE_BOMS:
        if raw.startswith(bom):
            raise DataError(
                [Problem(name, f"the file is {encoding}; save it as UTF-8", line=1, column=1)]
            )
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
    """Build the tree straight from the parser's event stream, without recursion.

    libyaml's own composer recurses in C (deep nesting crashes the process) and
    expands aliases before anyone can count them; reading events keeps depth and
    size under our control: an alias adds the size of what it names, so an alias
    bomb is refused after a handful of events instead of being expanded.
    """
    builder = _YamlBuilder()
    try:
        for event in yaml.parse(text, Loader=_Loader):
            builder.feed(event)
    except _Fail as f:
        raise DataError(
            [Problem(name, f.message, path=format_path(f.path), line=f.line, column=f.column)]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "nesting depth" in str(exc.problem):  # libyaml 0.2.5+ stops deep nesting itself
            top = builder.stack[-1].path if builder.stack else ()
            raise DataError(
                [
                    Problem(
                        name,
                        f"nesting deeper than {MAX_DEPTH} levels",
                        path=format_path(top[:1]),
                        line=mark.line + 1 if mark else None,
                        column=mark.column + 1 if mark else None,
                    )
                ]
            ) from None
        msg = f"YAML syntax: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            msg += f" ({exc.context})"
        if exc.problem and "mapping values are not allowed" in exc.problem:
            msg += (
                "; text holding a colon followed by a space must be quoted: "
                'put the whole value in quotes, as in title: "Talks: day one"'
            )
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise DataError([Problem(name, msg, line=line, column=column)]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise DataError(
            [
                Problem(
                    name,
                    f"YAML does not allow the character U+{ord(char):04X} in a file "
                    "(remove it, or write it as an escape in double quotes)",
                    line=line,
                    column=column,
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        raise DataError([Problem(name, f"YAML syntax: {message}")]) from None
    if not builder.done:
        raise DataError([Problem(name, "the file is empty; a visit is a mapping of fields")])
    return builder.root, builder.positions


class _Frame:
    __slots__ = ("anchor", "chars", "count", "key", "path", "value")

    def __init__(
        self,
        value: dict[str, Any] | list[Any],
        path: FieldPath,
        anchor: str | None,
        count: int,
        chars: int,
    ) -> None:
        self.value, self.path, self.anchor, self.count = value, path, anchor, count
        self.chars = chars
        self.key: str | None = None


class _YamlBuilder:
    """Turns parser events into a tree, recording where each value starts."""

    def __init__(self) -> None:
        self.positions: Positions = {}
        self.count = 0
        self.chars = 0  # characters of text, aliases counted at their full length
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int, int]] = {}
        self.root: Any = None
        self.done = False
        self._last: tuple[int, int] = (1, 1)

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.CollectionEndEvent):
            frame = self.stack.pop()
            if frame.anchor is not None:
                self.anchors[frame.anchor] = (
                    frame.value,
                    self.count - frame.count,
                    self.chars - frame.chars,
                )
            if not self.stack:
                self._finish(frame.value)
            return
        if not isinstance(event, yaml.NodeEvent):
            if isinstance(event, yaml.DocumentStartEvent) and self.done:
                raise _Fail(
                    "more than one YAML document; one visit per file", *self._mark(event), ()
                )
            return
        line, col = self._last = self._mark(event)
        top = self.stack[-1] if self.stack else None
        if isinstance(top, _Frame) and isinstance(top.value, dict) and top.key is None:
            self._key(top, event, line, col)
            return
        path: FieldPath = ()
        if top is not None:
            path = (*top.path, top.key if isinstance(top.value, dict) else len(top.value))
        if len(path) > MAX_DEPTH:
            raise _Fail(f"nesting deeper than {MAX_DEPTH} levels", line, col, path[:1])
        self.positions.setdefault(path, (line, col))
        tag = getattr(event, "tag", None)
        if tag not in (None, "!") and tag not in _TAGS:
            raise _Fail(f"YAML tag {tag!r} is not supported; write plain values", line, col, path)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                raise _Fail(
                    f"alias *{event.anchor} names no anchor defined before it", line, col, path
                )
            value, size, chars = self.anchors[event.anchor]
            self._count(size, line, col, path, chars)
            self._attach(value)
            return
        length = len(event.value) if isinstance(event, yaml.ScalarEvent) else 0
        self._count(1, line, col, path, length)
        if isinstance(event, yaml.ScalarEvent):
            value = self._scalar(event)
            if event.anchor is not None:
                self.anchors[event.anchor] = (value, 1, length)
            self._attach(value)
            return
        container: dict[str, Any] | list[Any] = (
            {} if isinstance(event, yaml.MappingStartEvent) else []
        )
        self._attach(container, opened=True)
        self.stack.append(_Frame(container, path, event.anchor, self.count - 1, self.chars))

    def _key(self, frame: _Frame, event: yaml.Event, line: int, col: int) -> None:
        if not isinstance(event, yaml.ScalarEvent):
            raise _Fail("a key must be a plain name, not a list or mapping", line, col, frame.path)
        key = event.value
        if event.tag == _STD_TAG + "merge" or (key == "<<" and not event.style):
            raise _Fail("YAML merge keys (<<) are not supported", line, col, frame.path)
        assert isinstance(frame.value, dict)
        if key in frame.value:
            first = self.positions.get((*frame.path, key), (None, None))[0]
            raise _Fail(
                f"duplicate key {key!r} (first given on line {first})",
                line,
                col,
                (*frame.path, key),
            )
        self.positions[(*frame.path, key)] = (line, col)
        self._count(0, line, col, (*frame.path, key), len(key))
        frame.value[key] = None  # keeps the key's place; the value replaces it
        frame.key = key

    def _attach(self, value: Any, opened: bool = False) -> None:
        if not self.stack:
            if not opened:
                self._finish(value)
            return
        top = self.stack[-1]
        if isinstance(top.value, dict):
            assert top.key is not None
            top.value[top.key] = value
            top.key = None
        else:
            if len(top.value) >= MAX_ITEMS:
                raise _Fail(_too_many(), *self._last, top.path)
            top.value.append(value)

    def _finish(self, value: Any) -> None:
        self.root, self.done = value, True

    def _count(self, size: int, line: int, col: int, path: FieldPath, chars: int = 0) -> None:
        self.count += size
        self.chars += chars
        if self.chars > MAX_CHARS:
            raise _Fail(
                f"more than {MAX_CHARS:,} characters of text once aliases are expanded; "
                "refusing to expand further",
                line,
                col,
                path,
            )
        if self.count > MAX_NODES:
            raise _Fail(
                f"more than {MAX_NODES:,} values (aliases included); refusing to expand further",
                line,
                col,
                path,
            )

    @staticmethod
    def _mark(event: yaml.Event) -> tuple[int, int]:
        return event.start_mark.line + 1, event.start_mark.column + 1

    @staticmethod
    def _scalar(event: yaml.ScalarEvent) -> Any:
        if event.style or event.tag in ("!", _STD_TAG + "str"):
            return str(event.value)
        # plain (None, or '' from libyaml): the typed field decides
        return None if event.value in _NULLS else Plain(event.value)


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
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.decoder = json.JSONDecoder(parse_constant=self._constant)

    def skip(self, i: int) -> int:
        return _WS.match(self.text, i).end()  # type: ignore[union-attr]

    def where(self, i: int) -> tuple[int, int]:
        before = bisect.bisect_left(self.newlines, i)  # newlines before offset i
        line_start = self.newlines[before - 1] + 1 if before else 0
        return before + 1, i - line_start + 1

    def fail(self, message: str, i: int, path: FieldPath) -> _Fail:
        return _Fail(message, *self.where(i), path)

    def _constant(self, name: str) -> Any:
        raise ValueError(f"{name} is not a number JSON allows")

    def value(self, i: int, path: FieldPath, depth: int) -> tuple[Any, int]:
        if depth > MAX_DEPTH:
            raise self.fail(f"nesting deeper than {MAX_DEPTH} levels", i, path[:1])
        self.positions.setdefault(path, self.where(i))
        ch = self.text[i : i + 1]
        if ch == "{":
            return self.obj(i, path, depth)
        if ch == "[":
            return self.array(i, path, depth)
        try:
            return self.decoder.raw_decode(self.text, i)
        except json.JSONDecodeError as exc:
            raise self.fail(f"JSON syntax: {exc.msg}", exc.pos, path) from None
        except ValueError as exc:
            msg = str(exc).split(":")[0]
            raise self.fail(f"JSON syntax: {msg}", i, path) from None

    def obj(self, i: int, path: FieldPath, depth: int) -> tuple[dict[str, Any], int]:
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

    def array(self, i: int, path: FieldPath, depth: int) -> tuple[list[Any], int]:
        out: list[Any] = []
        i = self.skip(i + 1)
        if self.text.startswith("]", i):
            return out, i + 1
        while True:
            if len(out) >= MAX_ITEMS:
                raise self.fail(_too_many(), i, path)
            item, j = self.value(i, (*path, len(out)), depth + 1)
            out.append(item)
            j = self.skip(j)
            if self.text.startswith("]", j):
                return out, j + 1
            if not self.text.startswith(",", j):
                raise self.fail("JSON syntax: expected ',' or ']'", j, path)
            i = self.skip(j + 1)


def _too_many() -> str:
    return (
        f"more than {MAX_ITEMS:,} entries in one list; the limit is {MAX_ITEMS:,} "
        "(split the visit, or keep the most important)"
    )


def locate(path: FieldPath, positions: Positions) -> tuple[int | None, int | None]:
    """Where ``path`` is written: its own line and column, else its nearest parent's."""
    for n in range(len(path), -1, -1):
        if path[:n] in positions:
            return positions[path[:n]]
    return None, None


def format_path(path: FieldPath) -> str:
    """``("agreements", 2, "kind")`` -> ``agreements[2].kind``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _NAME.fullmatch(part):
            out += f".{part}" if out else part
        else:  # a key that is not a plain name (it is an unknown field anyway)
            out += f"[{part!r}]"
    return out


_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")


def strings(tree: Any, path: FieldPath = ()) -> Iterator[tuple[FieldPath, str]]:
    """Every string value in a parsed tree with its field path (iteratively)."""
    stack: list[tuple[FieldPath, Any]] = [(path, tree)]
    while stack:
        here, node = stack.pop()
        if isinstance(node, str):
            yield here, node
        elif isinstance(node, dict):
            stack.extend(((*here, k), v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend(((*here, i), v) for i, v in reversed(list(enumerate(node))))
