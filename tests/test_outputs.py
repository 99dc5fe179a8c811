"""Outputs: paths stay inside the output folder, one build at a time per folder, and a
build killed at any moment leaves every earlier output whole."""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from kzru_reports import api
from kzru_reports.errors import RenderError

ROOT = Path(__file__).resolve().parents[1]
GOOD = Path(__file__).parent / "corpus" / "good-control.yaml"
DOCS = ("memo", "factsheet", "agreements")


@pytest.mark.parametrize(
    ("visit", "audience"),
    [("..", "analyst"), ("v", "../x"), ("/abs", "analyst"), ("con", "analyst"), ("v", "NUL")],
)
def test_output_path_refuses_names_that_are_not_plain(visit: str, audience: str) -> None:
    with pytest.raises(RenderError):
        api.output_path("out", visit, audience, "memo", "pdf")


def test_output_path_is_inside_the_folder() -> None:
    path = api.output_path("out", "v-1", "analyst", "memo", "pdf")
    assert path == os.path.join("out", "v-1", "analyst", "v-1-memo.pdf")


def test_a_symlink_out_of_the_output_folder_is_not_followed(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "good-control").symlink_to(elsewhere, target_is_directory=True)
    report = api.build([GOOD], api.BuildOptions(out=str(out), documents=("memo",)))
    assert not report.ok
    assert "outside the output folder" in report.errors[0].message
    assert list(elsewhere.iterdir()) == []


def _cli(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "kzru_reports", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_a_second_build_waits_for_the_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out / ".kzru.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as a running build holds it
    try:
        proc = _cli("build", str(GOOD), "-o", str(out), "-d", "memo", "-f", "pdf", "-a", "analyst")
        time.sleep(1.0)
        assert proc.poll() is None, proc.communicate()
        assert not (out / "good-control").exists()
    finally:
        os.close(fd)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert (out / "good-control" / "analyst" / "good-control-memo.pdf").exists()


def _whole(path: Path) -> bool:
    data = path.read_bytes()
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return data.rstrip().endswith(b"%%EOF") and len(PdfReader(io.BytesIO(data)).pages) > 0
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.testzip() is None and "word/document.xml" in z.namelist()


def _children(pid: int) -> list[int]:
    """The processes ``pid`` has started (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _visits(folder: Path, title: str) -> None:
    body = GOOD.read_text()
    for i in range(4):
        text = body.replace("good-control", f"visit-{i}").replace(
            "Working visit of the control group", f"{title} {i}"
        )
        summary = " ".join(f"Sentence {j} of a long summary." for j in range(1500))
        (folder / f"visit-{i}.yaml").write_text(text + f"summary: {summary}\n")


@pytest.mark.slow
@pytest.mark.parametrize("when", ["after-first-write", "while-rendering"])
def test_sigkill_mid_build_leaves_earlier_outputs_whole(tmp_path: Path, when: str) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    _visits(data, "First")
    options = api.BuildOptions(out=str(out), documents=DOCS)
    assert api.build([data], options).ok
    before = {p: p.read_bytes() for p in out.rglob("*.*") if p.suffix in (".pdf", ".docx")}
    assert len(before) == 4 * len(DOCS) * 2

    _visits(data, "Second")
    docs = (f"--doc={d}" for d in DOCS)
    proc = _cli("build", str(data), "-o", str(out), "-a", "analyst", "-j", "2", *docs)
    assert proc.stdout is not None
    if when == "after-first-write":
        first = proc.stdout.readline()
        assert first.startswith("built "), first
    else:  # the workers are forked once the jobs are planned: rendering has begun
        deadline = time.monotonic() + 60
        while not _children(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    visible = {p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")}
    # nothing lost, no temporary file among the outputs
    assert visible == {*before, out / "manifest.json"}
    json.loads((out / "manifest.json").read_text())
    outputs = visible - {out / "manifest.json"}
    changed = [p for p in outputs if p.read_bytes() != before[p]]
    assert all(_whole(p) for p in outputs)
    if when == "after-first-write":
        assert changed  # the kill did land in the middle of writing
    else:
        assert not changed  # files are written only once every job has rendered

    # The next build finishes the job and sweeps what the killed one left behind.
    assert api.build([data], options).ok
    assert not [p for p in out.rglob("*.part")]


def test_a_full_disk_leaves_the_previous_file_and_no_partial_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from kzru_reports import files

    target = tmp_path / "out" / "v" / "v-memo.pdf"
    files.write_atomic(target, b"the good one")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        files.write_atomic(target, b"x" * 100_000)
    assert target.read_bytes() == b"the good one"
    assert [p.name for p in target.parent.iterdir()] == ["v-memo.pdf"]


def test_a_full_disk_during_a_build_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from click.testing import CliRunner

    from kzru_reports import files
    from kzru_reports.cli import main

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    result = CliRunner().invoke(
        main, ["build", str(GOOD), "-o", str(tmp_path), "-a", "analyst", "-d", "memo"]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: No space left on device")
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert not list(tmp_path.rglob("*.part"))
