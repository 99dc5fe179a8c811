"""Every document of a visit rendered again by an engine that has rendered before:
what a resident process (watch mode, the on-demand service) pays, without Python's
start, the imports, fonts, styles and templates a fresh ``kzru build`` loads first.

    python benchmarks/resident.py VISIT OUT_DIR RUNS

Through the public engine call: one ``Engine`` (a worker per CPU), and for each
built-in audience ``engine.render(VISIT, audience, its documents, both formats)``,
the audiences side by side in threads, as a service would serve three requests.
Renders once to warm up, then RUNS times; prints the wall times in seconds and the
number of files of one run as JSON. Nothing is written (OUT_DIR is not used; kept
for the command line of earlier versions, which built through the CLI).
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def main(visit: str, runs: int) -> tuple[list[float], int]:
    from kzru_reports.engine import DOCUMENTS, FORMATS, Engine, Settings

    with Engine(Settings()) as engine:
        audiences = list(engine.settings.audiences.values())

        def one(audience: object) -> int:
            docs = [d for d in DOCUMENTS if audience.gets(d)]  # type: ignore[attr-defined]
            name = audience.name  # type: ignore[attr-defined]
            return len(engine.render(visit, name, docs, FORMATS))

        def all_files() -> tuple[float, int]:
            start = time.perf_counter()
            with ThreadPoolExecutor(len(audiences)) as threads:
                files = sum(threads.map(one, audiences))
            return time.perf_counter() - start, files

        all_files()
        timed = [all_files() for _ in range(runs)]
    return [t for t, _ in timed], timed[-1][1]


if __name__ == "__main__":
    visit, runs = sys.argv[1], int(sys.argv[3])
    times, files = main(visit, runs)
    print(json.dumps({"times": times, "files": files}))
