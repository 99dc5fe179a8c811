"""What a new user meets first: nothing written silently empty, visits from standard
input, messages that say which ids exist, and the README's examples as printed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from kzru_reports.cli import main

from .conftest import ROOT

CANARY = "ZZCANARY"
NO_LEVEL = f"""\
schema: visit/1
id: unmarked-visit
title: Working visit {CANARY}TITLE
summary: {CANARY}SUMMARY talks were held.
parties:
  - {{id: aa, country: Country A, role: host}}
  - {{id: bb, country: Country B, role: guest}}
figures:
  - {{id: f1, label: Trade {CANARY}FIGURE, value: 5, unit: USD}}
agreements:
  - {{id: a1, title: Plan {CANARY}AGREEMENT, kind: plan}}
  - {{id: a2, title: Note {CANARY}RESTRICTED, kind: letter, classification: restricted}}
follow_ups:
  - {CANARY}FOLLOWUP
"""


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_a_press_build_of_an_unmarked_visit_writes_nothing_and_says_why(
    inside: Path,
) -> None:
    (inside / "v.yaml").write_text(NO_LEVEL, "utf-8")
    code, out, err = run("build", "v.yaml", "-a", "press", "-a", "analyst", "-f", "pdf")
    assert code == 1
    reason = "4 items are official and 1 item is restricted; press sees public only"
    for doc in ("memo", "factsheet", "agreements", "pack"):
        assert (
            f"v.yaml: visit 'unmarked-visit': press {doc} not written, as press may see "
            f"nothing of the visit: {reason} (--allow-empty writes it anyway)"
        ) in err
    assert "4 built, 0 unchanged, 0 failed, 4 not written (nothing to show)" in out
    assert not (inside / "build" / "unmarked-visit" / "press").exists()
    assert len(list((inside / "build" / "unmarked-visit" / "analyst").glob("*.pdf"))) == 4
    assert CANARY not in err + out
    assert CANARY not in (inside / "build" / "manifest.json").read_text("utf-8")

    code, out, err = run("build", "v.yaml", "-a", "press", "-d", "memo", "--json")
    assert code == 1
    [entry] = json.loads(out)["not_written"]
    assert entry == {
        "file": "v.yaml",
        "visit": "unmarked-visit",
        "audience": "press",
        "document": "memo",
        "withheld": 5,
        "levels": {"official": 4, "restricted": 1},
        "left_out": 0,
        "reason": reason,
    }

    code, out, err = run("build", "v.yaml", "-a", "press", "-d", "memo", "--allow-empty")
    assert code == 0, err
    memo = inside / "build" / "unmarked-visit" / "press" / "unmarked-visit-memo.pdf"
    assert memo.is_file() and CANARY.encode() not in memo.read_bytes()


def test_validate_warns_for_an_audience_that_would_get_nothing(inside: Path) -> None:
    (inside / "v.yaml").write_text(NO_LEVEL, "utf-8")
    code, out, err = run("validate", "v.yaml", "-a", "press", "-a", "analyst")
    assert code == 0 and out == "ok\n"
    warned = [line for line in err.splitlines() if "may see nothing" in line]
    assert warned == [
        "v.yaml: warning: press may see nothing of visit 'unmarked-visit', so a build "
        "writes none of its documents: 4 items are official and 1 item is restricted; "
        "press sees public only"
    ]
    assert CANARY not in err
    public = NO_LEVEL.replace("summary:", "classification: public\nsummary:")
    (inside / "v.yaml").write_text(public, "utf-8")
    code, out, err = run("validate", "v.yaml", "-a", "press")
    assert code == 0 and out == "ok\n" and "may see nothing" not in err
    code, out, err = run("build", "v.yaml", "-a", "press", "-f", "pdf")
    assert code == 0 and "not written" not in out + err


def test_a_visit_without_content_still_builds(inside: Path) -> None:
    """Nothing was withheld: the documents are as empty as the data, not redacted."""
    minimal = "\n".join(NO_LEVEL.splitlines()[:7]).replace("summary:", "#")
    minimal += "\nclassification: public\n"
    (inside / "v.yaml").write_text(minimal, "utf-8")
    code, _, err = run("build", "v.yaml", "-a", "press", "-d", "memo", "-f", "pdf")
    assert code == 0, err


def test_build_and_validate_read_standard_input(inside: Path) -> None:
    public = NO_LEVEL.replace("summary:", "classification: public\nsummary:")
    code, _, err = run("build", "-", "-a", "press", "-d", "memo", "-f", "pdf", stdin=public)
    assert code == 0, err
    assert (inside / "build" / "unmarked-visit" / "press" / "unmarked-visit-memo.pdf").is_file()
    as_json = json.dumps(
        {
            "schema": "visit/1",
            "id": "from-json",
            "title": "T",
            "parties": [{"id": "aa", "country": "A"}, {"id": "bb", "country": "B"}],
        }
    )
    assert run("validate", "-", stdin=as_json)[:2] == (0, "ok\n")
    code, _, err = run("validate", "-", stdin='{"schema": "visit/1", "id": 3}')
    assert code == 1 and err.startswith("<stdin>:1:") and "id: expected text" in err
    code, _, err = run("validate", "-", stdin="schema: visit/1\ntitle: Talks: day one\n")
    assert code == 1
    assert err.startswith("<stdin>:2:13: YAML syntax: mapping values are not allowed")
    assert "must be quoted" in err


def test_unknown_references_list_the_ids_there_are(inside: Path) -> None:
    many = "\n".join(f"  - {{id: e{i}, title: Event {i}}}" for i in range(20))
    text = (
        "schema: visit/1\nid: v\ntitle: T\nparties:\n  - {id: aa, country: A}\n"
        f"  - {{id: bb, country: B}}\nevents:\n{many}\nstatements:\n"
        "  - {speaker: aa, text: x, event: e99}\nagreements:\n"
        "  - {id: a, title: A, parties: [aa, cc]}\n"
    )
    (inside / "v.yaml").write_text(text, "utf-8")
    code, _, err = run("validate", "v.yaml")
    assert code == 1
    assert "unknown party 'cc'; parties are: aa, bb" in err
    assert "unknown event 'e99' (did you mean 'e9'?)\n" in err  # twenty: not listed


BLOCK = re.compile(r"<!-- readme-(example|output): ([^>]*?) -->\n```\w*\n(.*?)```", re.S)


def test_the_readme_messages_are_what_the_tool_prints(inside: Path) -> None:
    blocks = {name: body for _, name, body in BLOCK.findall((ROOT / "README.md").read_text())}
    example = blocks["my-visit.yaml"]
    (inside / "my-visit.yaml").write_text(example, "utf-8")
    code, _, err = run("validate", "my-visit.yaml")
    assert code == 1 and err == blocks["kzru validate my-visit.yaml"]
    quoted = example.replace("title: Plan: 2026–2027", 'title: "Plan: 2026–2027"')
    assert quoted != example
    (inside / "my-visit.yaml").write_text(quoted, "utf-8")
    code, _, err = run("validate", "my-visit.yaml")
    assert code == 1 and err == blocks["kzru validate my-visit.yaml (quoted)"]


def test_the_readme_minimal_visit_sets_its_level_and_builds_for_press(inside: Path) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    minimal = re.search(r"```yaml\n(schema: visit/1\nid: example-minimal.*?)```", readme, re.S)
    assert minimal is not None and "classification: public" in minimal.group(1)
    (inside / "m.yaml").write_text(minimal.group(1), "utf-8")
    code, out, err = run("validate", "m.yaml", "-a", "press")
    assert code == 0 and out == "ok\n" and "may see nothing" not in err
    assert "../shared" not in readme and "docs/visit-format.md" in readme
