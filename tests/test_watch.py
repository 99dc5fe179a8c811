"""``kzru watch`` as a user runs it: a process watching a workspace, edited the way
editors write files. Nothing here is timed: each step waits for the line it expects
(or the file it expects) with a generous bound."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .readers import SHIPPED, pdf_text

WAIT = 120.0  # seconds; a bound for a loaded machine, never a measurement
VISIT = "kz-ru-state-visit-2025"


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Session:
    """A ``kzru watch`` process and the lines it prints (stdout and stderr)."""

    def __init__(self, folder: Path, *args: str) -> None:
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kzru_reports", "watch", *args],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # Ctrl-C reaches it even when the suite runs as a background job, whose
            # children start with SIGINT ignored (Python then installs no handler)
            preexec_fn=_interruptible,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, *words: str) -> str:
        """The next line holding every one of ``words`` (earlier lines are kept)."""
        end = time.monotonic() + WAIT
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                assert self.proc.poll() is None, "\n".join(self.seen)
                continue
            self.seen.append(line)
            if all(w in line for w in words):
                return line
        raise AssertionError(f"no line with {words}; saw:\n" + "\n".join(self.seen))

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=WAIT)
        self.reader.join(timeout=WAIT)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        return code


def save_by_rename(path: Path, text: str) -> None:
    """Write as many editors do: a temporary file beside it, then renamed over it."""
    tmp = path.with_name(f".{path.name}.swp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "data").mkdir()
    (tmp_path / "templates").mkdir()
    shutil.copy(SHIPPED, tmp_path / "data" / f"{VISIT}.yaml")
    (tmp_path / "kzru.toml").write_text(
        'data = "data"\ntemplates = "templates"\noutput = "build"\n'
        '[defaults]\ndocs = ["memo"]\naudiences = ["analyst"]\n'
    )
    (tmp_path / "templates" / "memo.xml.j2").write_text(
        '{% extends "builtin/memo.xml.j2" %}\n{% block doc_title %}Memo one{% endblock %}\n'
    )
    yield tmp_path


def _processes_running(command: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                state = (entry / "stat").read_text().split()[2]
            except OSError:
                continue
            if command in cmdline and state != "Z":
                found.append(int(entry.name))
    return found


LABELS = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgctxt "labels.summary"
msgid "Summary"
msgstr "Overview"
"""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc")
def test_watch_rebuilds_each_saved_edit_and_keeps_good_outputs(workspace: Path) -> None:
    out = workspace / "build" / VISIT / "analyst"
    pdf, docx = out / f"{VISIT}-memo.pdf", out / f"{VISIT}-memo.docx"
    data = workspace / "data" / f"{VISIT}.yaml"
    template = workspace / "templates" / "memo.xml.j2"
    labels = workspace / "templates" / "locale" / "en.po"
    labels.parent.mkdir()
    session = Session(workspace, "-j", "2")
    try:
        session.expect("build:", "rebuilt 2 files")
        session.expect("watching", "data/", "templates/", "kzru.toml")
        assert "Memo one" in pdf_text(pdf.read_bytes())

        # a workspace catalog saved: the documents say its label
        save_by_rename(labels, LABELS)
        session.expect("en.po changed", "rebuilt 2 files")
        assert "Overview" in pdf_text(pdf.read_bytes())

        # a template saved by rename: only what uses it is rebuilt, with the new text
        save_by_rename(template, template.read_text().replace("Memo one", "Memo two"))
        line = session.expect("memo.xml.j2 changed", "rebuilt 2 files")
        assert "analyst memo (docx, pdf)" in line
        assert "Memo two" in pdf_text(pdf.read_bytes())

        # a broken data edit: its problem with file:line:column; the outputs stay
        good = (pdf.read_bytes(), docx.read_bytes())
        text = data.read_text("utf-8")
        save_by_rename(data, text.replace("title:", "title: [broken", 1))
        session.expect("changed", "with problems")
        problem = session.expect(f"{VISIT}.yaml:", "YAML syntax")
        assert problem.split(":")[1].isdigit() and problem.split(":")[2].isdigit()
        assert (pdf.read_bytes(), docx.read_bytes()) == good

        # the fix rebuilds; a burst of saves is one rebuild
        save_by_rename(data, text + "\n# fixed\n")
        session.expect(f"{VISIT}.yaml changed", "rebuilt 2 files")
        with data.open("a") as fh:
            for i in range(5):
                fh.write(f"# burst {i}\n")
                fh.flush()
        session.expect(f"{VISIT}.yaml changed", "rebuilt 2 files")

        # a broken kzru.toml is reported and the last good one kept: edits still build
        config = workspace / "kzru.toml"
        good_config = config.read_text()
        save_by_rename(config, good_config + "[defaults\n")
        session.expect("config changed", "last good one is kept")
        session.expect("kzru.toml", "TOML")
        save_by_rename(template, template.read_text().replace("Memo two", "Memo three"))
        session.expect("memo.xml.j2 changed", "rebuilt 2 files")
        assert "Memo three" in pdf_text(pdf.read_bytes())

        # a fixed config that asks for more is used at once
        save_by_rename(config, good_config.replace('["memo"]', '["memo", "factsheet"]'))
        session.expect("kzru.toml changed", "analyst factsheet (docx, pdf)")

        # renamed and deleted visit files: never a crash
        moved = data.with_name("renamed.yaml")
        os.replace(data, moved)
        session.expect("renamed.yaml", "changed")
        moved.unlink()
        session.expect("renamed.yaml (removed) changed")
        assert pdf.exists()  # outputs of a removed file are left as they were

        workers = [p for p in _processes_running("kzru_reports watch") if p != session.proc.pid]
    finally:
        code = session.stop()
    assert code == 0
    assert session.expect("stopped")
    assert not list(workspace.rglob("*.part"))
    for pid in workers:  # the engine's workers ended with it
        for _ in range(200):
            if pid not in _processes_running("kzru_reports watch"):
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"worker {pid} outlived kzru watch")


def test_a_resident_rebuild_equals_a_fresh_build(workspace: Path) -> None:
    """What watch writes after an edit is byte for byte what ``kzru build`` writes."""
    template = workspace / "templates" / "memo.xml.j2"
    session = Session(workspace, "-j", "2", "-f", "pdf", "-f", "docx")
    try:
        session.expect("watching")
        save_by_rename(template, template.read_text().replace("Memo one", "Memo edited"))
        session.expect("memo.xml.j2 changed", "rebuilt 2 files")
    finally:
        assert session.stop() == 0
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
    subprocess.run(
        [sys.executable, "-m", "kzru_reports", "build", "-o", "fresh", "-j", "1"],
        cwd=workspace,
        env=env,
        check=True,
        capture_output=True,
    )
    for name in (f"{VISIT}-memo.pdf", f"{VISIT}-memo.docx"):
        resident = workspace / "build" / VISIT / "analyst" / name
        fresh = workspace / "fresh" / VISIT / "analyst" / name
        assert resident.read_bytes() == fresh.read_bytes(), name


def test_what_a_change_is_to_the_build(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each file the outputs are made from is watched, by kind; an editor's swap
    file, an output or an unrelated file is not a change at all."""
    from PIL import Image

    from kzru_reports.cli import BuildArgs
    from kzru_reports.watch import Watcher

    (workspace / "assets").mkdir()
    Image.new("RGB", (20, 8), "#0B4F6C").save(workspace / "assets" / "logo.png")
    with (workspace / "kzru.toml").open("a") as fh:
        fh.write('[theme]\nlogo = "assets/logo.png"\n')
    (workspace / "templates" / "press").mkdir()
    (workspace / "templates" / "locale").mkdir()
    monkeypatch.chdir(workspace)
    watcher = Watcher([], BuildArgs(jobs=1), False, print, print)
    try:
        interest, folders = watcher.watched()
        w = str(workspace)
        assert {w + "/data", w + "/templates", w + "/templates/press", w + "/assets", w} <= folders
        assert w + "/build" not in folders  # outputs are never watched

        def kind(path: str) -> str | None:
            return watcher.kind(f"{w}/{path}", interest)

        assert kind(f"data/{VISIT}.yaml") == "data"
        assert kind("data/new-visit.json") == "data"
        assert kind(f"data/.{VISIT}.yaml.swp") is None
        assert kind("data/notes.txt") is None
        assert kind("templates/memo.xml.j2") == "templates"
        assert kind("templates/press/factsheet.xml.j2") == "templates"
        assert kind("templates/README.md") is None
        assert kind("templates/locale/ru.po") == "config"  # labels; a new one: a language
        assert kind("templates/locale/messages.pot") is None
        assert kind("templates/press/ru.po") is None
        assert kind("kzru.toml") == "config"
        assert kind("assets/logo.png") == "theme"
        assert kind("assets/other.png") is None
        assert kind(f"build/{VISIT}/analyst/{VISIT}-memo.pdf") is None
    finally:
        watcher.engine.close()
