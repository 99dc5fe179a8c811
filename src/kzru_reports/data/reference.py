"""The visit format's reference, ``docs/visit-format.md``, written from the model.

Every field's meaning, allowed values, default and example come from the classes in
``data.schema`` (each field's docstring is its description, which ``kzru schema``
publishes too), through the same JSON Schema that ``kzru schema`` prints, so the
reference, the schema and the validator cannot disagree. Regenerate the file with::

    python -m kzru_reports.data.reference > docs/visit-format.md

and ``tests/test_visit_format.py`` fails while it is not current.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kzru_reports.data.fields import SLUG_RE
from kzru_reports.data.schema import json_schema

_EXAMPLE = re.compile(r"\s*Example: (.*)$", re.S)

INTRO = """\
# The visit file, format `visit/1`

A visit file describes one visit: who met, what was said, the figures, the topics,
the agreements and where each fact comes from. It is YAML (`.yaml`, `.yml`) or JSON
(`.json`); `kzru validate FILE` checks it and names the file, line, column and field
of every problem, and `kzru schema` prints the same rules as a JSON Schema for
editors. The visit that ships with kzru-reports,
[`data/visits/kz-ru-state-visit-2025.yaml`](../data/visits/kz-ru-state-visit-2025.yaml),
uses most fields and is a full example.

This reference is written from the model that validates the files (`python -m
kzru_reports.data.reference > docs/visit-format.md`); a test fails when the two
disagree. An optional field may be left out; a list left out is empty.

## Handling levels

Every item may carry `classification`: `public`, `official` or `restricted`. An item
without one takes the visit's `classification`, which is `official` when the file does
not set it. Each audience sees the items at or below its clearance (`press`: public
only; `leadership` and `analyst`: everything), nothing that depends on an item it may
not see (a topic's points and figures, a statement at an event), and documents marked
by the highest level they hold. A visit known from public reporting should say
`classification: public`; a press build of a file that sets nothing is refused as
empty, since every item in it is official.

## Writing values

- **text**: any text; quote it when YAML could read it as something else (a colon
  followed by a space, a leading `-`, `*`, `&`, `!`, `%`, `@`, `` ` ``, or `yes`/`no`).
  Text is never markup: `<b>` or `**x**` come out as written.
- **id**: lower-case letters, digits and hyphens, starting with a letter or digit, at
  most 64 characters (`kz`, `talks-narrow`). Ids are unique within their list.
- **date**: `YYYY-MM-DD`.
- **number**: digits, an optional sign, decimal point and exponent; no units, spaces
  or thousands separators (`20000000000`, `2.5`).
- A field that lists values takes exactly one of them.
"""


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _anchor(name: str) -> str:
    return name.lower()


def _type(p: dict[str, Any]) -> str:
    if "$ref" in p:
        name = _ref_name(p["$ref"])
        return f"[{name}](#{_anchor(name)})"
    if "anyOf" in p:
        kinds = [_type(a) for a in p["anyOf"] if a.get("type") != "null"]
        return " or ".join(kinds)
    if "const" in p:
        return f"`{p['const']}`"
    if "enum" in p:
        return "one of " + ", ".join(f"`{v}`" for v in p["enum"])
    kind = p.get("type")
    if kind == "array":
        inner = _type(p.get("items", {}))
        bounds = []
        if "minItems" in p:
            bounds.append(f"at least {p['minItems']:,}")
        if "maxItems" in p:
            bounds.append(f"at most {p['maxItems']:,}")
        return f"list of {inner}" + (f" ({', '.join(bounds)})" if bounds else "")
    if kind == "string":
        if p.get("pattern") == SLUG_RE.pattern:
            return "id"
        if p.get("format") == "date":
            return "date"
        return "text"
    if kind in ("number", "integer"):
        return "number"
    if kind == "object":
        return "mapping"
    return str(kind or "any")


def _default(name: str, p: dict[str, Any], required: set[str]) -> str:
    if name in required:
        return "required"
    if "default" not in p or p["default"] is None or p["default"] == []:
        return "optional"
    return f"`{p['default']}`"


def _split(description: str) -> tuple[str, str]:
    m = _EXAMPLE.search(description)
    if not m:
        return description.strip(), ""
    return description[: m.start()].strip(), m.group(1).strip()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _object(schema: dict[str, Any]) -> dict[str, Any]:
    """The mapping form of a record (a record written as a string too has two)."""
    for option in schema.get("anyOf", []):
        if option.get("type") == "object":
            return option
    return schema


def _section(name: str, schema: dict[str, Any]) -> Iterator[str]:
    obj = _object(schema)
    yield f"## {name}"
    yield ""
    about = schema.get("description") or obj.get("description") or ""
    if about:
        yield about.strip()
        yield ""
    if "anyOf" in schema:
        yield "Written as a mapping, or as a plain string, short for `{text: ...}`."
        yield ""
    yield "| field | type | default | meaning | example |"
    yield "| --- | --- | --- | --- | --- |"
    required = set(obj.get("required", []))
    for field, p in obj.get("properties", {}).items():
        meaning, example = _split(p.get("description", ""))
        yield (
            f"| `{field}` | {_cell(_type(p))} | {_default(field, p, required)} "
            f"| {_cell(meaning)} | {_cell(example)} |"
        )
    yield ""


def _order(schema: dict[str, Any]) -> list[str]:
    """Record names in the order a reader meets them, from the visit down."""
    seen: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref:
                name = _ref_name(ref)
                if name not in seen:
                    seen.append(name)
                    walk(schema["$defs"][name])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema.get("properties", {}))
    return seen


def markdown() -> str:
    """The whole reference, as ``docs/visit-format.md`` holds it."""
    schema = json_schema()
    lines = [INTRO, *_section("Visit", {k: v for k, v in schema.items() if k != "$defs"})]
    for name in _order(schema):
        lines += _section(name, schema["$defs"][name])
    return "\n".join(lines).rstrip() + "\n"


def undocumented() -> list[str]:
    """Fields of the model without a description (each needs one)."""
    schema = json_schema()
    found = []
    for name, record in [("Visit", schema), *schema["$defs"].items()]:
        for field, p in _object(record).get("properties", {}).items():
            if not p.get("description"):
                found.append(f"{name}.{field}")
    return found


if __name__ == "__main__":
    import sys

    sys.stdout.write(markdown())
