"""Paths and files from outside: symbolic links on the way to a template, config
paths confined to the workspace, devices and FIFOs named by the config, the output
folder's lock file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from kzru_reports.cli import main
from kzru_reports.config import load_config
from kzru_reports.errors import DataError
from kzru_reports.files import allow_outside_workspace

from .test_limits import run_capped

SECRET = "SECRET-LINE-OF-A-SYSTEM-FILE"


def _outside(tmp_path: Path) -> Path:
    """A folder outside the workspace holding a file the build must never read."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "passwd").write_text(f"{SECRET}\n")
    return folder


def _cli(ws: Path, *args: str) -> tuple[int, dict[str, object], str]:
    old = Path.cwd()
    os.chdir(ws)
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(old)
        allow_outside_workspace(False)
    report = json.loads(result.stdout) if result.stdout.strip().startswith("{") else {}
    return result.exit_code, report, result.stderr


def test_an_audience_folder_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    ws = tmp_path / "ws"
    (ws / "templates").mkdir(parents=True)
    (ws / "kzru.toml").write_text('templates = "templates"\n')
    (ws / "templates" / "press").symlink_to(outside)
    (ws / "templates" / "memo.xml.j2").write_text(
        '{% extends "builtin/memo.xml.j2" %}{% block summary %}'
        '<p>{% include "passwd" %}</p>{% endblock %}'
    )
    code, _, stderr = _cli(ws, "build", "-a", "press", "-d", "memo", "-o", "out")
    assert code == 1
    assert "is a symbolic link, which is not followed" in stderr
    assert SECRET not in stderr
    for path in (ws / "out").rglob("*"):
        assert not path.is_file() or SECRET.encode() not in path.read_bytes()


@pytest.mark.parametrize("key", ["templates", "data", "output"])
def test_config_paths_stay_in_the_workspace(tmp_path: Path, key: str) -> None:
    outside = _outside(tmp_path)
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "kzru.toml").write_text(f'{key} = "../elsewhere"\n')
    with pytest.raises(DataError) as info:
        load_config(ws / "kzru.toml")
    [problem] = info.value.problems()
    assert problem.path == key and problem.line == 1
    assert "../elsewhere is outside the workspace" in problem.message
    assert SECRET not in str(info.value)
    (ws / "link").symlink_to(outside)
    (ws / "kzru.toml").write_text(f'{key} = "link"\n')
    with pytest.raises(DataError, match="goes through the symbolic link"):
        load_config(ws / "kzru.toml")
    allow_outside_workspace(True)  # what `kzru --allow-outside-workspace` does
    try:
        assert getattr(load_config(ws / "kzru.toml"), key) == outside
    finally:
        allow_outside_workspace(False)


def test_templates_far_outside_do_not_quote_a_system_file(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    ws = tmp_path / "ws"
    ws.mkdir()
    up = "../" * (len(ws.parts) - 1)
    (ws / "kzru.toml").write_text(
        f'templates = "{up}{str(outside).lstrip("/")}"\n'
        '[audiences.press]\nbase = "press"\ntemplates = { memo = "passwd" }\n'
    )
    code, _, stderr = _cli(ws, "build", "-a", "press", "-d", "memo", "-o", "out")
    assert code == 1 and "is outside the workspace" in stderr and SECRET not in stderr
    code, _, stderr = _cli(ws, "--allow-outside-workspace", "validate")
    assert "outside the workspace" not in stderr


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_theme_file_that_is_a_device_or_a_fifo_is_refused(tmp_path: Path, target: str) -> None:
    """Read with a size cap after checking the open file: no hang, no gigabytes."""
    if target == "fifo":
        os.mkfifo(tmp_path / "theme.toml")
        value = "theme.toml"
    else:
        value = target
    (tmp_path / "kzru.toml").write_text(f'[theme]\nfile = "{value}"\n')
    for flags in ([], ["--allow-outside-workspace"]):
        result = run_capped([*flags, "validate"], tmp_path, timeout=30)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
        assert "kzru.toml:2: theme.file:" in result.stderr
        says = "is not a regular file" if flags or target == "fifo" else "outside the workspace"
        assert says in result.stderr


def test_a_config_file_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "kzru.toml")
    result = run_capped(["validate"], tmp_path, timeout=30)
    assert result.returncode == 1 and "is not a regular file" in result.stderr


def test_the_lock_file_is_never_followed_out_of_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim"
    (out / ".kzru.lock").symlink_to(victim)
    result = CliRunner().invoke(main, ["build", "-d", "memo", "-a", "press", "-o", str(out)])
    assert result.exit_code == 1
    assert "lock file" in result.stderr and "symbolic link" in result.stderr
    assert not victim.exists()
    (out / ".kzru.lock").unlink()
    os.mkfifo(out / ".kzru.lock")
    result = CliRunner().invoke(main, ["build", "-d", "memo", "-a", "press", "-o", str(out)])
    assert result.exit_code == 1 and "is not a regular file" in result.stderr


# ------------------------------------------------------------------ smaller promises

RLO = "\u202e"
_GOOD = Path(__file__).parent / "corpus" / "good-control.yaml"


def test_bidi_controls_never_reach_document_properties(tmp_path: Path) -> None:
    import io
    import zipfile

    from pypdf import PdfReader

    visit = tmp_path / "bidi.yaml"
    visit.write_text(
        _GOOD.read_text()
        .replace("id: good-control", "id: bidi")
        .replace("title: Working visit", f"title: Working {RLO}fdp.exe visit")
    )
    args = ["build", str(visit), "-a", "analyst", "-d", "memo", "-o", str(tmp_path / "out")]
    assert CliRunner().invoke(main, args).exit_code == 0
    folder = tmp_path / "out" / "bidi" / "analyst"
    info = PdfReader(folder / "bidi-memo.pdf").metadata or {}
    properties = " ".join(str(v) for v in info.values())
    assert "fdp.exe" in properties and RLO not in properties
    with zipfile.ZipFile(io.BytesIO((folder / "bidi-memo.docx").read_bytes())) as z:
        core = z.read("docProps/core.xml").decode()
    assert "fdp.exe" in core and RLO not in core


def test_bidi_controls_in_messages_are_escaped(tmp_path: Path) -> None:
    visit = tmp_path / f"evil{RLO}lmy.yaml"
    visit.write_text(_GOOD.read_text() + f"unknown{RLO}field: 1\n")
    result = CliRunner().invoke(main, ["validate", str(visit)])
    assert result.exit_code == 1
    assert RLO not in result.stderr and "\\u202e" in result.stderr


def test_an_oversize_file_is_reported_with_its_real_size(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:  # 69 MB, sparse: nothing is written
        fh.truncate(69 * 1024 * 1024)
    result = CliRunner().invoke(main, ["validate", str(big)])
    assert result.exit_code == 1
    assert "file is 72,351,744 bytes; the limit is 8,388,608 bytes" in result.stderr


def test_after_a_full_disk_the_manifest_describes_the_files_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from kzru_reports import files
    from kzru_reports.manifest import Manifest

    out = tmp_path / "out"
    args = ["build", str(_GOOD), "-a", "analyst", "-d", "memo", "-o", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = Manifest.load(str(out)).entries
    assert len(before) == 2
    real = files.os.fsync

    def full(fd: int) -> None:  # the disk fills while outputs are written
        if not os.readlink(f"/proc/self/fd/{fd}").split("/")[-1].startswith(".manifest"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(files.os, "fsync", full)
    result = CliRunner().invoke(main, [*args, "--force"])
    assert result.exit_code == 1 and "No space left" in result.stderr
    after = Manifest.load(str(out)).entries
    assert after == before
    assert all(e.is_current(str(out), e.inputs) for e in after.values())


# ------------------------------------------------------------------ damaged fonts and images


@pytest.mark.parametrize(
    ("make", "says"),
    [
        ("font_units_per_em_zero", "the font bad.ttf is damaged"),
        ("font_cmap_count_ffff", "the font bad.ttf"),
    ],
)
def test_a_damaged_font_is_a_config_error_naming_it(tmp_path: Path, make: str, says: str) -> None:
    from . import bad_files

    getattr(bad_files, make)(tmp_path / "bad.ttf")
    (tmp_path / "kzru.toml").write_text('[theme.fonts.body]\nname = "Bad"\nregular = "bad.ttf"\n')
    result = run_capped(["validate"], tmp_path, timeout=60)
    assert result.returncode == 1
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert "kzru.toml" in result.stderr and says in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("make", "name", "says"),
    [
        ("png_iccp_bomb", "logo.png", "the logo logo.png is not a readable image"),
        ("png_ztxt_bomb", "logo.png", "the logo logo.png is not a readable image"),
        ("jpeg_huge", "logo.jpg", "the logo logo.jpg"),
    ],
)
def test_an_image_bomb_is_a_config_error_naming_it(
    tmp_path: Path, make: str, name: str, says: str
) -> None:
    from . import bad_files

    getattr(bad_files, make)(tmp_path / name)
    (tmp_path / "kzru.toml").write_text(f'[theme]\nlogo = "{name}"\n')
    result = run_capped(["validate"], tmp_path, timeout=60)
    assert result.returncode == 1
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert "kzru.toml:2: theme.logo:" in result.stderr and says in result.stderr, result.stderr
