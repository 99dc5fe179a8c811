"""A full build inside a process that has built before: what a resident process
(watch mode, the on-demand service) pays for a build, without Python's start, the
imports, fonts, styles and templates that a fresh ``kzru build`` loads first.

    python benchmarks/resident.py VISIT OUT_DIR RUNS

Runs the same command line as ``kzru build VISIT -o OUT --force --json`` through the
CLI's own entry point, once to warm up and then RUNS times, each into a fresh output
folder, and prints the wall times in seconds as JSON.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sys
import time
from pathlib import Path


def main(visit: str, out: str, runs: int) -> list[float]:
    from kzru_reports.cli import main as cli

    def build() -> float:
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()) as report:
            try:
                cli.main(["build", visit, "-o", out, "--force", "--json"], standalone_mode=False)
            except SystemExit as exc:
                if exc.code:
                    raise RuntimeError(f"build failed ({exc.code}): {report.getvalue()}") from None
        return time.perf_counter() - start

    build()
    return [build() for _ in range(runs)]


if __name__ == "__main__":
    visit, out, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print(json.dumps(main(visit, str(Path(out)), runs)))
