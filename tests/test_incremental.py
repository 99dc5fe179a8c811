"""Builds fit for CI: reproducible bytes, a true manifest, incremental and parallel."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kzru_reports import api
from kzru_reports.engine import render

from .readers import SHIPPED, SUMMIT, pdf_text


def files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def build(out: Path, *paths: Path, **kw: object) -> api.Report:
    options = api.BuildOptions(out=str(out), **kw)  # type: ignore[arg-type]
    return api.build(list(paths) or [SHIPPED, SUMMIT], options)


def test_same_inputs_give_identical_files_in_any_folder_and_any_jobs(tmp_path: Path) -> None:
    when = api.build_time_from_env({"SOURCE_DATE_EPOCH": "1767225600"})
    a = build(tmp_path / "a", build_time=when, jobs=1)
    b = build(tmp_path / "b", build_time=when, jobs=2)
    assert a.ok and b.ok
    fa, fb = files(tmp_path / "a"), files(tmp_path / "b")
    assert fa == fb and len(fa) > 16
    for output in b.outputs:  # every sha256 in the report is true
        assert hashlib.sha256(Path(output.path).read_bytes()).hexdigest() == output.sha256


def test_a_themes_logo_gives_the_same_bytes_from_any_folder(tmp_path: Path) -> None:
    """The logo's place on disk is not written into the PDF (reportlab names an image
    by a digest of what it is given: a path would make each folder's PDF differ)."""
    from PIL import Image

    from kzru_reports.config import load_config

    made = []
    for name in ("one", "two/deeper"):
        ws = tmp_path / name
        ws.mkdir(parents=True)
        Image.new("RGB", (120, 60), "#0B4F6C").save(ws / "logo.png")
        (ws / "kzru.toml").write_text('[theme]\nlogo = "logo.png"\nletterhead = ["Ministry"]\n')
        theme = load_config(ws / "kzru.toml").theme
        assert build(ws / "out", SUMMIT, documents=("memo",), theme=theme).ok
        made.append({k: v for k, v in files(ws / "out").items() if not k.endswith(".json")})
    assert made[0] == made[1] and len(made[0]) >= 3


def test_manifest_lists_every_output_with_inputs(tmp_path: Path) -> None:
    report = build(tmp_path, SHIPPED, documents=("memo", "pack"))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    entries = {e["path"]: e for e in manifest["outputs"]}
    assert len(entries) == len(report.outputs) == 4
    for e in entries.values():
        data = (tmp_path / e["path"]).read_bytes()
        assert e["sha256"] == hashlib.sha256(data).hexdigest() and e["bytes"] == len(data)
        assert set(e["inputs"]) >= {"data", "templates", "theme", "fonts", "engine"}
        assert e["inputs"]["data"] == hashlib.sha256(SHIPPED.read_bytes()).hexdigest()
    pack = entries["kz-ru-state-visit-2025/analyst/kz-ru-state-visit-2025-pack.pdf"]
    assert pack["pages"] >= 8
    assert {"memo.xml.j2", "factsheet.xml.j2", "pack.xml.j2"} <= set(pack["inputs"]["templates"])


def test_second_build_rewrites_nothing(tmp_path: Path) -> None:
    first = build(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.pdf")}
    second = build(tmp_path)
    assert {o.status for o in second.outputs} == {"unchanged"}
    assert len(second.outputs) == len(first.outputs)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.pdf")} == before
    forced = build(tmp_path, force=True)
    assert {o.status for o in forced.outputs} == {"built"}


def test_touching_one_visit_rebuilds_only_its_outputs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(SHIPPED, data)
    shutil.copy(SUMMIT, data)
    out = tmp_path / "out"
    build(out, data)
    summit = data / SUMMIT.name
    summit.write_text(summit.read_text().replace("Test note", "Test note two"))
    report = build(out, data)
    status = {(o.visit, o.document, o.format): o.status for o in report.outputs}
    assert {s for (v, _, _), s in status.items() if v == "astana-summit-2026"} == {"built"}
    assert {s for (v, _, _), s in status.items() if v != "astana-summit-2026"} == {"unchanged"}
    # ... and rebuilt from the edited file, even in the same process
    memo = next(
        o
        for o in report.outputs
        if o.visit == "astana-summit-2026" and o.document == "memo" and o.format == "pdf"
    )
    assert "Test note two" in pdf_text(Path(memo.path).read_bytes())


def test_changing_a_template_rebuilds_only_what_uses_it(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    build(tmp_path / "out", SHIPPED, templates=(str(templates),))
    (templates / "factsheet.xml.j2").write_text(
        '{% extends "builtin/factsheet.xml.j2" %}{% block agreements %}{% endblock %}'
    )
    report = build(tmp_path / "out", SHIPPED, templates=(str(templates),))
    rebuilt = {o.document for o in report.outputs if o.status == "built"}
    assert rebuilt == {"factsheet", "pack"}


def test_a_failing_visit_leaves_earlier_outputs_and_the_manifest_true(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    visit = data / "v.yaml"
    shutil.copy(SUMMIT, visit)
    out = tmp_path / "out"
    assert build(out, data).ok
    good = files(out)
    visit.write_text(visit.read_text().replace("kind: memorandum", "kind: memorandumm"))
    report = build(out, data)
    assert not report.ok and report.errors[0].path == "agreements[1].kind"
    assert files(out) == good


def test_a_build_stopped_midway_keeps_and_records_the_visits_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each visit is written as soon as its documents are made: a build stopped while
    rendering the second visit has written the first whole, and its manifest says so
    (the next build finds it unchanged), and nothing of the second."""
    from kzru_reports.engine import Engine, Settings
    from kzru_reports.manifest import Manifest

    real = render.render_formats

    def stop_at_the_summit(visit: Any, *args: Any, **kw: Any) -> Any:
        if visit.id == "astana-summit-2026":
            raise KeyboardInterrupt
        return real(visit, *args, **kw)

    monkeypatch.setattr(render, "render_formats", stop_at_the_summit)
    out = tmp_path / "out"
    with Engine(Settings(), workers=0) as engine, pytest.raises(KeyboardInterrupt):
        engine.build([SHIPPED, SUMMIT], engine.options(out=str(out), documents=("memo",)))
    written = {p.parts[0] for p in (Path(k) for k in files(out)) if len(p.parts) > 1}
    assert written == {"kz-ru-state-visit-2025"}
    listed = Manifest.load(str(out)).entries
    assert listed and all(k.startswith("kz-ru-state-visit-2025/") for k in listed)
    monkeypatch.undo()
    report = build(out, SHIPPED, SUMMIT, documents=("memo",))
    statuses = {(o.visit, o.status) for o in report.outputs}
    assert statuses == {("kz-ru-state-visit-2025", "unchanged"), ("astana-summit-2026", "built")}


def test_killed_build_leaves_good_outputs_and_no_partial_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    out = tmp_path / "out"
    text = SUMMIT.read_text()
    for i in range(3):
        (data / f"v{i}.yaml").write_text(text.replace("astana-summit-2026", f"visit-{i}"))
    assert build(out, data).ok
    good = files(out)
    for i in range(3):  # every visit changes, so the next build rewrites everything
        (data / f"v{i}.yaml").write_text(
            text.replace("astana-summit-2026", f"visit-{i}").replace("Test note", "Note 2")
        )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        # the audience the API build above used (the command line's default is all three)
        [
            sys.executable,
            "-m",
            "kzru_reports",
            "build",
            str(data),
            "-o",
            str(out),
            "-j",
            "1",
            "-a",
            "analyst",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    with proc.stdout:
        proc.stdout.readline()  # the first new file is written: kill it mid-way
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    manifest = json.loads((out / "manifest.json").read_text())
    for entry in manifest["outputs"]:  # whatever the manifest lists is true
        data_ = (out / entry["path"]).read_bytes()
        assert hashlib.sha256(data_).hexdigest() == entry["sha256"]
    for path, _sha in files(out).items():  # each file is the old or a complete new one
        if path.endswith((".pdf", ".docx")):
            assert path in good
    again = build(out, data)
    assert again.ok
    assert not list(out.rglob("*.part"))
    assert {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} == set(good)


def test_parallel_jobs_render_in_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids: set[int] = set()
    real = render.render_formats

    def spy(*args: Any) -> list[tuple[str, bytes]]:
        result = real(*args)
        return [(fmt, data + f"%{os.getpid()}".encode()) for fmt, data in result]

    monkeypatch.setattr(render, "render_formats", spy)
    report = build(tmp_path, SHIPPED, SUMMIT, jobs=2)
    assert report.ok and len(report.outputs) == 16
    for output in report.outputs:
        pids.add(int(Path(output.path).read_bytes().rsplit(b"%", 1)[1]))
    assert pids and os.getpid() not in pids  # rendered in forked workers, not here
