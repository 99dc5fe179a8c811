"""Loading visit files: YAML 1.2 meaning of scalars, every problem at once, positions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kzru_reports.data import json_schema, load_visit, parse_visit
from kzru_reports.errors import DataError

from .readers import SHIPPED, SUMMIT

MINIMAL = """\
schema: visit/1
id: example-minimal
title: Working visit
parties:
  - {id: aa, country: Country A, role: host}
  - {id: bb, country: Country B, role: guest}
"""


def problems(text: str, name: str = "v.yaml") -> list[str]:
    with pytest.raises(DataError) as info:
        parse_visit(text.encode(), name, json_syntax=name.endswith(".json"))
    return [str(p) for p in info.value.items]


def test_minimal_file_from_the_spec_loads() -> None:
    visit = parse_visit(MINIMAL.encode(), "v.yaml")
    assert visit.id == "example-minimal"
    assert visit.classification == "official"
    assert [p.role for p in visit.parties] == ["host", "guest"]


def test_shipped_and_fixture_visits_load() -> None:
    assert load_visit(SHIPPED).agreements
    assert len(load_visit(SUMMIT).parties) == 3


def test_plain_scalars_keep_their_text() -> None:
    text = MINIMAL.replace("title: Working visit", "title: NO") + (
        "location: {city: '012345', venue: 12:30, country: 012345}\n"
    )
    visit = parse_visit(text.encode(), "v.yaml")
    assert visit.title == "NO"
    assert visit.location is not None
    assert (visit.location.venue, visit.location.country) == ("12:30", "012345")


def test_every_problem_is_reported_at_once_with_positions() -> None:
    text = MINIMAL.replace("id: example-minimal", "id: Bad_Id").replace(
        "role: guest}", "role: gust, leadr: x}"
    ) + (
        "figures:\n  - {id: f, label: x, value: 20 billion, topic: ecnomy}\n"
        "topics:\n  - {id: economy, title: Economy}\n"
    )
    found = problems(text)
    assert "v.yaml:2:1: id: 'Bad_Id' is not a valid id" in found[0]
    assert any(
        "v.yaml:6:34: parties[1].role: 'gust' is not one of host, guest, "
        "participant (did you mean 'guest'?)" in p
        for p in found
    )
    assert any(
        "parties[1].leadr: unknown field 'leadr' (did you mean 'leader'?)" in p for p in found
    )
    assert any(":8:" in p and "figures[0].value: expected a number" in p for p in found)
    assert any(
        "figures[0].topic: unknown topic 'ecnomy' (did you mean 'economy'?)" in p for p in found
    )


def test_dangling_references_name_the_probable_id() -> None:
    text = MINIMAL + (
        "statements:\n  - {speaker: aaa, text: hi, source: pres}\n"
        "sources:\n  - {id: press, title: Press release}\n"
    )
    found = problems(text)
    assert any("statements[0].speaker: unknown speaker 'aaa'" in p and "'aa'" in p for p in found)
    assert any(
        "statements[0].source: unknown source 'pres' (did you mean 'press'?)" in p for p in found
    )


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("title: x\ntitle: y\n", "duplicate key 'title'"),
        ("schema: visit/2\n", "unknown format 'visit/2'; known formats: visit/1"),
        ("date: 2025-02-30\n", "'2025-02-30' is not a date that exists"),
        ('title: "a\\x07b"\n', "control character U+0007"),
        ("title: !!python/object:os.system x\n", "YAML tag"),
        ("dates: {start: 2025-11-12, end: 2025-11-11}\n", "is before start"),
    ],
)
def test_bad_values_are_refused_with_reasons(snippet: str, expected: str) -> None:
    text = MINIMAL.replace("title: Working visit\n", "title: Working visit\n" + snippet, 1)
    if snippet.startswith("title"):
        text = MINIMAL.replace("title: Working visit\n", snippet)
    if snippet.startswith("schema"):
        text = MINIMAL.replace("schema: visit/1\n", snippet)
    assert any(expected in p for p in problems(text)), problems(text)


def test_characters_a_document_cannot_carry_are_one_problem_naming_each() -> None:
    """Two control characters in one text: one problem naming both (not a second one
    from the font check for the same field, in its language)."""
    snippet = 'title:\n  en: "bell \\a and \\e here"\n  ru: "\\a"\n'
    found = problems(MINIMAL.replace("title: Working visit\n", snippet))
    assert len(found) == 1, found
    assert "control characters U+0007, U+001B (the first at position 6)" in found[0]


def test_yaml_syntax_error_names_line() -> None:
    found = problems(MINIMAL + "events: [unclosed\n")
    assert found[0].startswith("v.yaml:") and "YAML syntax" in found[0]


def test_alias_bomb_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    found = problems(MINIMAL + "\n".join(lines) + "\n")
    assert any("refusing to expand" in p for p in found)


def test_not_utf8_names_the_line() -> None:
    raw = MINIMAL.encode() + b"summary: caf\xe9\n"
    with pytest.raises(DataError) as info:
        parse_visit(raw, "v.yaml")
    assert str(info.value).startswith("v.yaml:7:") and "not UTF-8" in str(info.value)


def test_json_positions_duplicates_and_nan() -> None:
    doc = {
        "schema": "visit/1",
        "id": "j",
        "title": "T",
        "parties": [{"id": "aa", "country": "A"}, {"id": "bb", "country": 5}],
    }
    text = json.dumps(doc, indent=2)
    found = problems(text, "v.json")
    assert any(
        p.startswith("v.json:12:7:") and "parties[1].country: expected text" in p for p in found
    ), found
    assert any("duplicate key 'id'" in p for p in problems('{"id": "a", "id": "b"}', "v.json"))
    assert any("NaN" in p for p in problems('{"x": NaN}', "v.json"))


def test_string_ok_items_accept_plain_strings() -> None:
    visit = parse_visit((MINIMAL + "follow_ups: [Call back, {text: Write}]\n").encode(), "v.yaml")
    assert [f.text for f in visit.follow_ups] == ["Call back", "Write"]


def test_json_schema_agrees_with_the_loader() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = json_schema()
    for path in (SHIPPED, SUMMIT):
        data = json.loads(json.dumps(yaml.safe_load(Path(path).read_text("utf-8")), default=str))
        jsonschema.validate(data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"schema": "visit/1", "id": "x", "title": "t", "parties": [], "bogus": 1}, schema
        )
