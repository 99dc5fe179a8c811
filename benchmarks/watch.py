"""Save-to-rebuilt-file with ``kzru watch``: the time from a saved edit to both files
of the memo it affects having been replaced.

    python benchmarks/watch.py VISIT WORK_DIR RUNS

Makes a workspace in WORK_DIR (the visit, a memo template that extends the built-in
one, a config asking for the analyst's memo in DOCX and PDF), starts ``kzru watch
-j 2`` there and waits until it watches. Then, RUNS times after one warm-up: edits
the template, then the visit file, each saved as editors save (written beside and
renamed over), and times from the rename to both output files replaced (polled
every millisecond; each rebuild's line is awaited before the next edit). Prints the
times in seconds as JSON: {"template": [...], "data": [...]}.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

CONFIG = """data = "data"
templates = "templates"
output = "build"
[defaults]
docs = ["memo"]
formats = ["docx", "pdf"]
audiences = ["analyst"]
"""
TEMPLATE = '{%% extends "builtin/memo.xml.j2" %%}\n{%% block doc_title %%}Memo %d{%% endblock %%}\n'


def save(path: Path, text: str) -> float:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)
    return time.perf_counter()


def identity(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except FileNotFoundError:
        return (0, 0)
    return (st.st_ino, st.st_mtime_ns)


def main(visit: str, work: Path, runs: int) -> dict[str, list[float]]:
    shutil.rmtree(work, ignore_errors=True)
    (work / "data").mkdir(parents=True)
    (work / "templates").mkdir()
    data = work / "data" / Path(visit).name
    shutil.copy(visit, data)
    template = work / "templates" / "memo.xml.j2"
    template.write_text(TEMPLATE % 0)
    (work / "kzru.toml").write_text(CONFIG)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kzru_reports", "watch", "-j", "2"],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if line.startswith("watching"):
                break
        outputs = list((work / "build").rglob("*-memo.*"))
        assert len(outputs) == 2, outputs
        original = data.read_text("utf-8")
        times: dict[str, list[float]] = {"template": [], "data": []}
        for i in range(1, runs + 2):
            for edit in ("template", "data"):
                before = [identity(p) for p in outputs]
                if edit == "template":
                    saved = save(template, TEMPLATE % i)
                else:
                    saved = save(data, original + f"\n# edit {i}\n")
                while any(identity(p) == b for p, b in zip(outputs, before, strict=True)):
                    time.sleep(0.001)
                took = time.perf_counter() - saved
                for line in proc.stdout:  # the rebuild's own line: it is over
                    if "rebuilt" in line or "problems" in line:
                        break
                if i > 1:  # the first round warms up
                    times[edit].append(took)
        return times
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]))))
