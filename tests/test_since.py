"""``kzru build --since``: a "Changes since" section in the memo and NEW / CHANGED tags
on items, as each audience may see them, from a file or a git revision."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from kzru_reports.cli import main

from .readers import FIXTURES, docx_text, pdf_text

CLASSIFIED = FIXTURES / "classified-visit.yaml"
ENV = {"SOURCE_DATE_EPOCH": "1700000000"}
OPTIONS = ["-d", "memo", "-d", "factsheet", "-j", "1", "--json"]


def build(*args: str) -> tuple[int, dict, str]:
    result = CliRunner(env=ENV).invoke(main, ["build", *args, *OPTIONS])
    report = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, report, result.stderr


def text_of(out: Path, audience: str, doc: str, fmt: str = "pdf") -> str:
    data = (out / "classified-visit" / audience / f"classified-visit-{doc}.{fmt}").read_bytes()
    return pdf_text(data) if fmt == "pdf" else docx_text(data)


def edit(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


PUBLIC_CHANGE = ("value: 100, unit: USD, target", "value: 120, unit: USD, target")
RESTRICTED_CHANGES = (
    ("value: 500, unit: USD", "value: 650, unit: USD"),
    (
        "  - {id: ag-res-2,",
        "  - {id: ag-canary, title: Treaty CANARYRESNEW, classification: restricted}\n"
        "  - {id: ag-res-2,",
    ),
    ("  - {text: Follow RESMARKFOLLOWUP", "  - {text: Entirely unlike it CANARYRESFOLLOW"),
)


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    old = tmp_path / "old" / "classified-visit.yaml"
    old.parent.mkdir()
    shutil.copy(CLASSIFIED, old)
    new = tmp_path / "new" / "classified-visit.yaml"
    new.parent.mkdir()
    return old, new


def test_changes_section_and_tags_per_audience(versions: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = versions
    new.write_text(edit(old.read_text("utf-8"), PUBLIC_CHANGE, *RESTRICTED_CHANGES), "utf-8")
    out = tmp_path / "out"
    code, _, err = build(
        str(new), "-o", str(out), "--since", str(old), "-a", "press", "-a", "analyst"
    )
    assert code == 0, err

    analyst = text_of(out, "analyst", "memo")
    assert "Changes since" in analyst
    assert "Trade PUBMARKFIGURE: value USD 120 (was USD 100)" in analyst
    assert "Credit RESMARKFIGURE: value USD 650 (was USD 500)" in analyst
    assert "Agreement: Treaty CANARYRESNEW" in analyst and "[NEW] Treaty CANARYRESNEW" in analyst
    assert "Withdrawn" in analyst and "Follow RESMARKFOLLOWUP" in analyst
    assert "[CHANGED] Trade PUBMARKFIGURE" in text_of(out, "analyst", "factsheet")

    press = text_of(out, "press", "memo")
    assert "Changes since" in press and "[CHANGED] Trade PUBMARKFIGURE" in press
    assert "Trade PUBMARKFIGURE: value USD 120 (was USD 100)" in press
    for canary in ("CANARY", "RESMARK", "OFFMARK", "650", "Added", "Withdrawn"):
        assert canary not in press, canary
    assert "CANARY" not in text_of(out, "press", "factsheet")


def test_a_press_reader_cannot_tell_that_restricted_items_changed(
    versions: tuple[Path, Path], tmp_path: Path
) -> None:
    """Only restricted items changed: the press documents are byte for byte those of
    a build that compares the old version with itself."""
    old, new = versions
    new.write_text(edit(old.read_text("utf-8"), *RESTRICTED_CHANGES), "utf-8")
    same = tmp_path / "same" / "classified-visit.yaml"
    same.parent.mkdir()
    shutil.copy(old, same)
    for version, out in ((new, "changed"), (same, "unchanged")):
        code, _, err = build(
            str(version), "-o", str(tmp_path / out), "--since", str(old), "-a", "press"
        )
        assert code == 0, err
    for doc in ("memo", "factsheet"):
        for fmt in ("pdf", "docx"):
            name = f"classified-visit/press/classified-visit-{doc}.{fmt}"
            assert (tmp_path / "changed" / name).read_bytes() == (
                tmp_path / "unchanged" / name
            ).read_bytes(), name
    assert "No changes." in text_of(tmp_path / "changed", "press", "memo")


def test_tags_in_docx_too_and_no_section_without_since(
    versions: tuple[Path, Path], tmp_path: Path
) -> None:
    old, new = versions
    new.write_text(edit(old.read_text("utf-8"), PUBLIC_CHANGE), "utf-8")
    code, _, _ = build(
        str(new), "-o", str(tmp_path / "a"), "--since", str(old.parent), "-a", "press"
    )
    assert code == 0
    assert "[CHANGED] Trade PUBMARKFIGURE" in text_of(tmp_path / "a", "press", "memo", "docx")
    code, _, _ = build(str(new), "-o", str(tmp_path / "b"), "-a", "press")
    assert code == 0
    plain = text_of(tmp_path / "b", "press", "memo")
    assert "Changes since" not in plain and "[CHANGED]" not in plain


def test_a_changed_baseline_rebuilds(versions: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = versions
    new.write_text(edit(old.read_text("utf-8"), PUBLIC_CHANGE), "utf-8")
    args = (str(new), "-o", str(tmp_path / "out"), "--since", str(old), "-a", "press")
    assert build(*args)[0] == 0
    _, report, _ = build(*args)
    assert {o["status"] for o in report["outputs"]} == {"unchanged"}
    old.write_text(new.read_text("utf-8"), "utf-8")  # now nothing changed since it
    _, report, _ = build(*args)
    assert {o["status"] for o in report["outputs"]} == {"built"}
    assert "No changes." in text_of(tmp_path / "out", "press", "memo")


git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@git
def test_since_a_git_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    file = repo / "data" / "classified-visit.yaml"
    shutil.copy(CLASSIFIED, file)
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(
        ["git", "-C", str(repo), *ident, "commit", "-qm", "one", "--date", "2025-11-10T12:00:00"],
        check=True,
        env={"GIT_COMMITTER_DATE": "2025-11-10T12:00:00", "PATH": "/usr/bin:/bin"},
    )
    file.write_text(edit(file.read_text("utf-8"), PUBLIC_CHANGE), "utf-8")
    monkeypatch.chdir(repo)
    code, _, err = build("data", "-o", "out", "--since", "HEAD", "-a", "press")
    assert code == 0, err
    memo = text_of(repo / "out", "press", "memo")
    assert "Changes since 10 November 2025" in memo
    assert "[CHANGED] Trade PUBMARKFIGURE" in memo

    code, _, err = build("data", "-o", "out2", "--since", "nosuchrev", "-a", "press")
    assert code == 2 and "unknown git revision 'nosuchrev'" in err
    assert not (repo / "out2").exists()
    code, _, err = build("data", "-o", "out2", "--since", "-x", "-a", "press")
    assert code == 2
