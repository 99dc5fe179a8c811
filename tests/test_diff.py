"""``kzru diff``: two versions of a visit compared by meaning, for people and machines."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from kzru_reports.cli import main
from kzru_reports.data import Visit, parse_visit
from kzru_reports.diff import DifferentVisits, compare, describe, groups, summary

from .conftest import FIXTURES, SHIPPED

BASE = """\
schema: visit/1
id: v
title: Working visit
parties:
  - {id: aa, country: Country A, role: host}
  - {id: bb, country: Country B, role: guest}
figures:
  - {id: trade, label: Trade, value: 20000000000, unit: USD, period: January–September 2025}
  - {id: students, label: Students, value: 5000, unit: students}
topics:
  - id: energy
    title: Energy
    points: [Build the plant]
    projects:
      - {id: plant, name: Plant, status: planned}
agreements:
  - {id: consulate-aktau, title: Consulate in Aktau, status: announced}
  - {id: visas, title: Visa agreement}
follow_ups:
  - Prepare the next round of talks
  - Send the note on railways to the minister
"""


def visit(text: str = BASE, name: str = "v.yaml") -> Visit:
    return parse_visit(text.encode(), name)


def test_same_visit_is_equal_whatever_the_order_and_spelling() -> None:
    reordered = BASE.replace(
        "  - {id: consulate-aktau, title: Consulate in Aktau, status: announced}\n"
        "  - {id: visas, title: Visa agreement}\n",
        "  - {id: visas, title: Visa agreement, kind: other}\n"  # the default, spelt out
        "  - {title: Consulate in Aktau, status: announced, id: consulate-aktau}\n",
    )
    result = compare(visit(), visit(reordered))
    assert result.equal
    assert summary(result) == "no changes"


def test_changed_fields_with_old_and_new_values() -> None:
    new = BASE.replace("value: 20000000000", "value: 21400000000").replace(
        "January–September 2025", "January–October 2025"
    )
    new = new.replace("status: announced}", "status: signed}")
    result = compare(visit(), visit(new))
    lines = [describe(c) for c in result.changes]
    assert lines == [
        "figure trade: value 20,000,000,000 -> 21,400,000,000 USD; "
        "period January–September -> January–October 2025",
        "agreement consulate-aktau: status announced -> signed",
    ]
    assert result.counts() == {"added": 0, "removed": 0, "changed": 2}
    data = result.as_json()
    assert data["changes"][0]["fields"][0] == {
        "field": "value",
        "old": 20000000000,
        "new": 21400000000,
    }


def test_items_without_id_matched_by_text_and_counted() -> None:
    new = BASE.replace(
        "  - Send the note on railways to the minister\n",
        "  - Send the note on railways to the minister today\n"
        "  - Ask for the loan figures\n"
        "  - Invite the delegation\n",
    ).replace("  - Prepare the next round of talks\n", "")
    result = compare(visit(), visit(new))
    kinds = [(c.kind, c.section, c.label) for c in result.changes]
    assert kinds == [
        ("changed", "follow_ups", "Send the note on railways to the minister today"),
        ("added", "follow_ups", "Ask for the loan figures"),
        ("added", "follow_ups", "Invite the delegation"),
        ("removed", "follow_ups", "Prepare the next round of talks"),
    ]
    [group] = groups(result)
    text = [line for _, line in group.lines]
    assert group.title == "Follow-ups"
    assert text[0] == (
        "follow-up reworded: Send the note on railways to the minister -> "
        "Send the note on railways to the minister today"
    )
    assert "2 follow-ups added" in text
    assert text[-1] == "follow-up removed: Prepare the next round of talks"


def test_nested_points_and_projects_name_their_topic() -> None:
    new = BASE.replace("status: planned", "status: under construction").replace(
        "points: [Build the plant]", "points: [Build the plant, Train the engineers]"
    )
    result = compare(visit(), visit(new))
    assert [(c.kind, c.section, c.parent, c.path) for c in result.changes] == [
        ("added", "points", "energy", "topics[energy].points['Train the engineers']"),
        ("changed", "projects", "energy", "topics[energy].projects[plant]"),
    ]
    assert describe(result.changes[1]) == (
        "project plant (topic energy): status planned -> under construction"
    )


def test_added_and_removed_items_with_ids_and_visit_fields() -> None:
    new = BASE.replace("  - {id: visas, title: Visa agreement}\n", "").replace(
        "title: Working visit", "title: State visit\nsummary: Talks held."
    )
    new = new.replace("figures:\n", "figures:\n  - {id: gdp, label: GDP, value: 3, unit: '%'}\n")
    result = compare(visit(), visit(new))
    lines = [describe(c) for c in result.changes]
    assert lines == [
        "visit: title Working -> State visit; summary (none) -> Talks held.",
        "figure gdp added: GDP",
        "agreement visas removed: Visa agreement",
    ]


def test_two_different_visits_are_refused() -> None:
    with pytest.raises(DifferentVisits, match=r"'v'.*'w'"):
        compare(visit(), visit(BASE.replace("id: v\n", "id: w\n")))


# ------------------------------------------------------------------ the command


def run(*args: str, color: bool = False) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["diff", *args], color=color)
    return result.exit_code, result.stdout, result.stderr


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def test_cli_exit_codes_text_and_json(tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml", BASE)
    new = write(tmp_path, "new.yaml", BASE.replace("status: announced}", "status: signed}"))
    assert run(str(old), str(old))[0] == 0
    code, out, _ = run(str(old), str(new))
    assert code == 1
    assert "Agreements\n  ~ agreement consulate-aktau: status announced -> signed\n" in out
    assert out.rstrip().endswith("1 changed, 0 added, 0 removed")
    assert "\x1b[" not in out  # no colour when not on a terminal
    assert "\x1b[33m" in run(str(old), str(new), color=True)[1]
    code, out, _ = run(str(old), str(new), "--json")
    assert code == 1
    report = json.loads(out)
    assert report["visit"] == "v" and report["equal"] is False and report["errors"] == []
    assert report["changes"][0]["path"] == "agreements[consulate-aktau]"


def test_cli_bad_input_exits_2_with_the_reason(tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml", BASE)
    other = write(tmp_path, "other.yaml", BASE.replace("id: v\n", "id: w\n"))
    code, _, err = run(str(old), str(other))
    assert code == 2 and "two different visits" in err and "'v'" in err and "'w'" in err
    broken = write(tmp_path, "broken.yaml", BASE.replace("title: Visa", "titel: Visa"))
    code, _, err = run(str(broken), str(old))
    assert code == 2
    assert "broken.yaml:18:17:" in err and "unknown field 'titel'" in err
    code, out, err = run(str(old), str(tmp_path / "missing.yaml"), "--json")
    assert code == 2 and "missing.yaml" in err
    assert json.loads(out)["errors"][0]["file"].endswith("missing.yaml")


git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _repo(tmp_path: Path) -> Path:
    env = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
    (tmp_path / "data").mkdir()
    file = write(tmp_path / "data", "v.yaml", BASE)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "."], check=True)
    subprocess.run(["git", "-C", str(tmp_path), *env, "commit", "-qm", "one"], check=True)
    file.write_text(BASE.replace("value: 5000", "value: 5200"), "utf-8")
    return file


@git
def test_cli_reads_a_revision_from_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, err = run("HEAD:data/v.yaml", "data/v.yaml")
    assert (code, err) == (1, "")
    assert "figure students: value 5,000 -> 5,200 students" in out
    assert run("HEAD:data/v.yaml", "HEAD:./data/v.yaml")[0] == 0


@git
def test_cli_git_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, _, err = run("nosuchrev:data/v.yaml", "data/v.yaml")
    assert code == 2 and "unknown git revision 'nosuchrev'" in err
    code, _, err = run("HEAD:data/gone.yaml", "data/v.yaml")
    assert code == 2 and "data/gone.yaml" in err and "HEAD" in err
    code, _, err = run("--", "--output=x:data/v.yaml", "data/v.yaml")
    assert code == 2 and "must not start with '-'" in err
    assert not (tmp_path / "x").exists()


def test_shipped_visit_against_itself_and_a_fixture() -> None:
    assert run(str(SHIPPED), str(SHIPPED))[0] == 0
    code, _, err = run(str(SHIPPED), str(FIXTURES / "official-visit.yaml"))
    assert code == 2 and "two different visits" in err
