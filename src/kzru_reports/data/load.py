"""Loading a visit file: parse, validate against the typed model, check references.

Every problem of a file is collected and raised at once as one ``DataError`` whose
items name the file, the line and column, and the field path.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kzru_reports import limits
from kzru_reports.data.fields import SCHEMA_TAGS
from kzru_reports.data.lang import is_language, localize, text_values
from kzru_reports.data.links import check_references
from kzru_reports.data.schema import Visit
from kzru_reports.data.tree import (
    MAX_BYTES,
    FieldPath,
    Positions,
    decode,
    format_path,
    locate,
    oversize,
    parse_json,
    parse_yaml,
    strings,
)
from kzru_reports.errors import DataError, Problem, did_you_mean
from kzru_reports.theme import Theme
from kzru_reports.theme.glyphs import Coverage, describe, theme_coverage

SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"  # a path of "-" reads one visit from standard input
STDIN_NAME = "<stdin>"  # what messages call it
_stdin: tuple[Any, bytes] | None = None  # (the stream read, what it held)


def source_name(path: str | Path) -> str:
    """What messages call a visit file: its path, or ``<stdin>``."""
    return STDIN_NAME if str(path) == STDIN else str(path)


def looks_like_json(raw: bytes) -> bool:
    """Text read without a file name is JSON when it starts with ``{``, else YAML."""
    return raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def is_json(path: str | Path, raw: bytes) -> bool:
    """Whether a visit file is read as JSON: by its suffix, or by its text on stdin."""
    if str(path) == STDIN or str(path) == STDIN_NAME:
        return looks_like_json(raw)
    return Path(path).suffix.lower() == ".json"


def read_stdin() -> bytes:
    """Standard input, read once (no more than the loader's limit plus one byte) and
    kept while it is the process's standard input: a build reads it when planning, a
    second look (``validate`` after a build, in one process) gets the same bytes."""
    import sys

    global _stdin
    if _stdin is None or _stdin[0] is not sys.stdin:
        _stdin = (sys.stdin, sys.stdin.buffer.read(MAX_BYTES + 1))
    return _stdin[1]


def load_visit(
    path: str | Path,
    display: str | None = None,
    theme: Theme | None = None,
    warnings: list[Problem] | None = None,
) -> Visit:
    """Read, parse and validate one visit file; raise ``DataError`` with every problem.

    ``theme`` is the theme whose fonts must be able to show every character (the
    default theme when not given); ``warnings``, when given, receives the pre-flight
    warnings of a valid file (``preflight``).
    """
    path = Path(path)
    name = display or source_name(path)
    raw = read_limited(path, name)
    return parse_visit(raw, name, json_syntax=is_json(path, raw), theme=theme, warnings=warnings)


def read_limited(path: Path, name: str) -> bytes:
    """The bytes of a regular file no larger than the loader's limit.

    A FIFO, a device (``/dev/zero``) or a folder is refused before it is opened for
    reading, and never more than the limit plus one byte is read. The path ``-`` is
    standard input.
    """
    if str(path) == STDIN:
        return read_stdin()
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise DataError([Problem(name, "not a regular file; give a visit file or a folder")])
        if info.st_size > MAX_BYTES:
            raise DataError([Problem(name, oversize(info.st_size))])
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise DataError([Problem(name, f"cannot read: {exc.strerror or exc}")]) from None
    return raw  # an oversize file is reported by decode(), with its size


def parse_visit(
    raw: bytes,
    name: str,
    json_syntax: bool = False,
    theme: Theme | None = None,
    warnings: list[Problem] | None = None,
) -> Visit:
    text = decode(raw, name)
    tree, positions = (parse_json if json_syntax else parse_yaml)(text, name)
    if not isinstance(tree, dict):
        raise DataError(
            [Problem(name, "a visit file holds a mapping of fields at the top", line=1, column=1)]
        )
    _check_schema_tag(tree, name, positions)
    problems = list(check_references(tree, positions, name))
    visit = None
    lang = tree.get("lang")
    lang = lang if isinstance(lang, str) and is_language(lang) else "en"
    try:
        visit = Visit.model_validate(tree, context={"lang": lang})
    except ValidationError as exc:
        problems += _from_pydantic(exc, tree, positions, name)
    problems += check_tree(  # the file's own language here; others when a document is made
        _own_language(tree, lang),
        theme_coverage(theme),
        lambda p: locate(p, positions),
        name,
        skip=[p.path for p in problems],
    )
    if problems or visit is None:
        raise DataError(capped(_sorted(problems), name))
    visit._origin = (name, positions)
    if warnings is not None:
        from kzru_reports.data import preflight

        found = preflight.warnings(visit, name, lambda p: locate(p, positions))
        warnings += capped(_sorted(found), name)
    return visit


def visit_in(
    visit: Visit, lang: str, fallback: bool = False, untranslated: str = "{text}"
) -> Visit:
    """``visit`` as a document in ``lang`` reads it: every text in ``lang``.

    A field without ``lang`` text is an error, all of them reported at once
    (``file:line:col: path: no ru text``); with ``fallback`` the file's own text is
    used instead, formatted with ``untranslated`` (which marks it in the document).
    """
    mark = (lambda text: untranslated.format(text=text)) if fallback else None
    localized, missing = localize(visit, lang, visit.lang, mark)
    if missing and not fallback:
        name, positions = visit._origin or ("", {})
        problems = []
        for m in missing:
            line, col = locate(m.path, positions)
            path = format_path(m.path)
            problems.append(Problem(name, f"no {lang} text", path=path, line=line, column=col))
        raise DataError(capped(_sorted(problems), name))
    localized = _resolve_speakers(visit, localized)
    localized._origin = visit._origin
    return localized  # type: ignore[no-any-return]


def _resolve_speakers(source: Visit, localized: Visit) -> Visit:
    """A statement's speaker written as a person's name (in any language) becomes
    that person's name in the document's language; a party id stays as it is."""
    names: dict[str, str] = {}
    for party, party_l in zip(source.parties, localized.parties, strict=True):
        people = [
            (party.leader, party_l.leader),
            *zip(party.delegation, party_l.delegation, strict=True),
        ]
        for person, person_l in people:
            if person is None or person_l is None:
                continue
            for text in text_values(person.name):
                names.setdefault(text, person_l.name)
    ids = {p.id for p in source.parties}
    statements = []
    for s, s_l in zip(source.statements, localized.statements, strict=True):
        spoken = list(text_values(s.speaker))
        if any(v in ids for v in spoken):
            s_l = s_l.model_copy(update={"speaker": next(v for v in spoken if v in ids)})
        else:
            named = next((names[v] for v in spoken if v in names), None)
            if named is not None:
                s_l = s_l.model_copy(update={"speaker": named})
        statements.append(s_l)
    return localized.model_copy(update={"statements": statements})


def _own_language(tree: Any, lang: str) -> Any:
    """``tree`` with each mapping of languages to text cut to the file language's text
    (paths stay the same: ``title.en``)."""
    if isinstance(tree, dict):
        if (
            tree
            and all(isinstance(k, str) and is_language(k) for k in tree)
            and all(isinstance(v, str | dict) for v in tree.values())
        ):
            return {k: _own_language(v, lang) for k, v in tree.items() if k == lang}
        return {k: _own_language(v, lang) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_own_language(v, lang) for v in tree]
    return tree


def check_tree(
    tree: Any,
    cov: Coverage,
    locate: Callable[[FieldPath], tuple[int | None, int | None]],
    name: str,
    skip: Iterable[str] = (),
) -> Iterator[Problem]:
    """A problem for every string of ``tree`` holding characters ``cov`` cannot show.

    ``locate(path)`` gives ``(line, column)``; fields named in ``skip`` (already
    reported for another reason) are left out.
    """
    skipped = set(skip)
    for path, text in strings(tree):
        chars = cov.missing(text)
        if not chars:
            continue
        shown = format_path(path)
        if any(shown == s or shown.startswith((s + ".", s + "[")) for s in skipped):
            continue  # the field, or the one it is part of, is reported already
        line, column = locate(path)
        yield Problem(name, describe(chars, cov), path=shown, line=line, column=column)


def _sorted(items: list[Problem]) -> list[Problem]:
    return sorted(items, key=lambda p: (p.line or 0, p.column or 0, p.path))


def capped(items: list[Problem], name: str) -> list[Problem]:
    """The first ``PROBLEMS_SHOWN`` problems, and one more that counts the rest."""
    shown = limits.PROBLEMS_SHOWN
    if len(items) <= shown:
        return items
    rest = len(items) - shown
    return [*items[:shown], Problem(name, f"and {rest:,} more problem{'s' * (rest > 1)}")]


def _check_schema_tag(tree: dict[str, Any], name: str, positions: Positions) -> None:
    tag = tree.get("schema")
    if tag is None or tag in SCHEMA_TAGS:
        return
    line, col = positions.get(("schema",), (None, None))
    raise DataError(
        [
            Problem(
                name,
                f"unknown format {str(tag)!r}; known formats: {', '.join(SCHEMA_TAGS)}",
                path="schema",
                line=line,
                column=col,
            )
        ]
    )


# ----------------------------------------------------------------- pydantic errors


def _from_pydantic(
    exc: ValidationError, tree: Any, positions: Positions, name: str
) -> Iterator[Problem]:
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        path = _data_path(err["loc"], tree)
        message = _message(err, tree, path)
        key = (format_path(path), message)
        if key in seen:
            continue
        seen.add(key)
        line, col = locate(path, positions)
        yield Problem(name, message, path=format_path(path), line=line, column=col)


def _data_path(loc: Iterable[Any], tree: Any) -> FieldPath:
    """Keep the parts of a pydantic location that address the data (drop union tags)."""
    out: list[str | int] = []
    node = tree
    for part in loc:
        if part == "schema_":
            part = "schema"
        if isinstance(node, dict) and isinstance(part, str):
            out.append(part)
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int):
            out.append(part)
            node = node[part] if part < len(node) else None
        elif isinstance(part, str) and not isinstance(node, dict | list) and out:
            continue  # a validator's name
        else:
            continue
    return tuple(out)


def _message(err: Any, tree: Any, path: FieldPath) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "extra_forbidden":
        field = str(path[-1]) if path else "?"
        allowed = _allowed_fields(path[:-1], tree)
        return f"unknown field {field!r}{did_you_mean(field, allowed)}"
    if kind == "missing":
        return "required field is missing"
    if kind in ("literal_error", "enum"):
        value = err.get("input")
        expected = ctx.get("expected", "")
        options = [o.strip().strip("'") for o in expected.replace(" or ", ", ").split(",")]
        return f"{value!r} is not one of {', '.join(options)}{did_you_mean(str(value), options)}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} entries"
    if kind == "too_long":
        return (
            f"{ctx.get('actual_length', 0):,} entries; the limit is "
            f"{ctx.get('max_length', 0):,} (split the visit, or keep the most important)"
        )
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "expected a mapping of fields"
    if kind == "list_type":
        return "expected a list"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return err["msg"]


def _allowed_fields(path: FieldPath, tree: Any) -> list[str]:
    from kzru_reports.data import schema

    model: Any = Visit
    for part in path:
        if isinstance(part, int):
            continue
        info = model.model_fields.get("schema_" if part == "schema" else part)
        if info is None:
            return []
        model = _inner_model(info.annotation, schema)
        if model is None:
            return []
    return [f.alias or n for n, f in model.model_fields.items()]


def _inner_model(annotation: Any, schema: Any) -> Any:
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, schema.Record):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg, schema)
        if found is not None:
            return found
    return None


def find_visit_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into their visit files (sorted), keep files as given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(
                sorted(f for f in p.iterdir() if f.suffix.lower() in SUFFIXES and f.is_file())
            )
        else:
            out.append(p)
    return out
