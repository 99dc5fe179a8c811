"""The benchmark suite: whole-process timings of ``kzru``, printed as a table and
written to ``docs/performance.md`` with the machine, date and versions.

    python benchmarks/run.py                 # every scenario (a few minutes)
    python benchmarks/run.py --only cold,noop --runs 3 --no-write

Every timing is a whole process (``python -m kzru_reports ...``, as a user runs it),
started with ``subprocess`` and measured with ``time.perf_counter``; CPU time and
peak memory come from ``os.wait4`` (the child's own resource usage). Each scenario
runs once to warm up (page cache, compiled bytecode) and then ``--runs`` times; the
tables show medians. Where two things are compared (the engine against LibreOffice,
against the bare libraries) their runs alternate, A B A B, in the same session, and
the comparison is the ratio of the two medians.

Scenarios:

- ``cold``: a fresh full build of the shipped visit (every audience, document and
  format the installed version builds by default; ``--force`` when it has it).
- ``batch``: 200 generated visits of realistic size, every document in both formats
  (``-j 2`` when the version has ``--jobs``): files per second.
- ``big``: agreement summaries of 100, 1,000 and 5,000 agreements, both formats:
  time, peak memory, growth from 1,000 to 5,000 (the most one list may hold).
- ``langs``: the ``cold`` build in English, Russian and Kazakh at once (``-l en -l ru
  -l kk``) against the same build in English only, alternated: three languages
  should cost no more than three times one.
- ``noop``: a second build of the shipped visit with nothing changed.
- ``floor``: the memo by ``benchmarks/floor.py`` (reportlab and python-docx used
  directly) against ``kzru build -d memo``.
- ``libreoffice``: ``soffice --convert-to pdf`` of the DOCX files of ``cold`` in one
  call, against the whole ``cold`` build (skipped where ``soffice`` is missing).
- ``serve``: ``kzru serve`` on a loopback port (``benchmarks/serve.py``): one memo
  of an unseen visit, p50/p95; the shipped 24-file set against LibreOffice
  converting its 12 DOCX files; a 500-request mixed load from 8 clients
  (throughput, p50/p95/p99, errors, memory over the run).
- ``resident``: every document of the shipped visit rendered again through the public
  engine call (``Engine.render``) by an engine that has rendered before
  (``benchmarks/resident.py``): what a service pays per request. Not a whole process;
  compared with LibreOffice's time from ``libreoffice`` (same run) when measured.
- ``watch``: ``kzru watch`` running in a workspace (``benchmarks/watch.py``): the time
  from a saved edit (a template, then the visit file, each saved by rename) to both
  files of one audience's memo rebuilt.

Benchmarks are not tests: nothing here fails on a slow machine; the targets are
shown next to the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import visit as make_visit  # noqa: E402
from generate import write_visit, write_visits  # noqa: E402

SHIPPED = ROOT / "data" / "visits" / "kz-ru-state-visit-2025.yaml"
SCENARIOS = (
    "cold",
    "langs",
    "libreoffice",
    "resident",
    "watch",
    "noop",
    "floor",
    "batch",
    "big",
    "serve",
)
# the largest is the most one list of a visit may hold (kzru_reports.limits.LIST_ITEMS)
BIG_LARGEST = 5_000
BIG_SIZES = (100, 1_000, BIG_LARGEST)


# ------------------------------------------------------------------ running


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and the children it waited for
    rss_mb: float  # peak resident memory of the largest process, MiB
    out: str = ""


@dataclass
class Sample:
    runs: list[Run] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss_mb(self) -> float:
        return max(r.rss_mb for r in self.runs)

    @property
    def spread(self) -> str:
        walls = [r.wall for r in self.runs]
        return f"{min(walls):.2f}–{max(walls):.2f} s"


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    # Run the checkout's code, as an installed package would run (bytecode cached).
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("SOURCE_DATE_EPOCH", "1763000000")
    if _CACHE[0] is not None:  # the engine's cache folder (compiled templates): the suite's own
        env["KZRU_CACHE_DIR"] = str(_CACHE[0])
    return env


_CWD: list[Path | None] = [None]  # where commands run: the work folder, no workspace config
_CACHE: list[Path | None] = [None]


def run(cmd: Sequence[str], cwd: Path | None = None, check: bool = True) -> Run:
    """One whole process: wall time, and from ``os.wait4`` its CPU time (user +
    system) and peak resident memory, each including the processes it waited for."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), cwd=cwd or _CWD[0], env=child_env(), stdout=out, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errors = out.read(), err.read()
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{errors[-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text)


def kzru(*args: str) -> list[str]:
    return [sys.executable, "-m", "kzru_reports", *args]


def timed(
    cmd_for: Callable[[int], Sequence[str]], runs: int, before: Callable[[], None] | None = None
) -> Sample:
    """Warm up once, then ``runs`` timed runs; ``cmd_for(i)`` gives each command."""
    sample = Sample()
    for i in range(runs + 1):
        if before:
            before()
        r = run(cmd_for(i))
        if i:
            sample.runs.append(r)
    return sample


def alternate(a: Callable[[], Run], b: Callable[[], Run], runs: int) -> tuple[Sample, Sample]:
    """A and B alternately (after one warm-up of each), so both see the same machine."""
    a(), b()
    sa, sb = Sample(), Sample()
    for _ in range(runs):
        sa.runs.append(a())
        sb.runs.append(b())
    return sa, sb


# ------------------------------------------------------------------ what the CLI offers


@dataclass(frozen=True)
class Features:
    force: bool
    jobs: bool
    audience: bool
    help_text: str


def features() -> Features:
    """What this version's ``kzru build`` offers (the suite adapts to it)."""
    text = run(kzru("build", "--help")).out
    return Features(
        force="--force" in text,
        jobs="--jobs" in text,
        audience="--audience" in text,
        help_text=text,
    )


def build_args(
    feat: Features,
    out: Path,
    *extra: str,
    force: bool = True,
    jobs: int = 0,
    one_audience: bool = False,
) -> list[str]:
    """``kzru build`` into ``out`` with a JSON report; ``--force`` where the version
    has it; ``-j`` when asked; ``-a analyst`` for scenarios about one document set."""
    args = ["build", "-o", str(out), "--json"]
    if force and feat.force:
        args.append("--force")
    if jobs and feat.jobs:
        args += ["-j", str(jobs)]
    if one_audience and feat.audience:
        args += ["-a", "analyst"]
    return kzru(*args, *extra)


def outputs(report: str) -> list[dict[str, object]]:
    return list(json.loads(report).get("outputs", []))


# ------------------------------------------------------------------ scenarios


@dataclass
class Row:
    scenario: str
    what: str
    value: str
    target: str
    ok: bool | None
    detail: str = ""


def scenario_cold(
    feat: Features, work: Path, runs: int, rows: list[Row], ctx: dict[str, object]
) -> None:
    out = work / "cold"

    def fresh() -> None:
        shutil.rmtree(out, ignore_errors=True)

    sample = timed(lambda i: build_args(feat, out, str(SHIPPED)), runs, before=fresh)
    made = outputs(sample.runs[-1].out)
    ctx["cold"] = sample
    ctx["cold_files"] = made
    kinds = sorted({(str(o["audience"]), str(o["document"])) for o in made})
    what = (
        f"full build of the shipped visit: {len(made)} files "
        f"({len({a for a, _ in kinds})} audience(s), "
        f"{len({d for _, d in kinds})} documents, both formats)"
    )
    rows.append(
        Row(
            "cold",
            what,
            f"{sample.wall:.2f} s",
            "<= 0.8 s",
            sample.wall <= 0.8,
            f"CPU {sample.cpu:.2f} s; runs {sample.spread}",
        )
    )

    # The same, each time with an empty cache folder: a machine's very first build
    # (the templates compiled, not read back).
    def fresh_and_no_cache() -> None:
        fresh()
        if _CACHE[0] is not None:
            shutil.rmtree(_CACHE[0], ignore_errors=True)

    empty = timed(lambda i: build_args(feat, out, str(SHIPPED)), runs, before=fresh_and_no_cache)
    rows.append(
        Row(
            "cold",
            f"{what}, with an empty cache folder (a machine's first build)",
            f"{empty.wall:.2f} s",
            "–",
            None,
            f"CPU {empty.cpu:.2f} s; runs {empty.spread}",
        )
    )


def converting(soffice: str, work: Path, files: list[str], out: Path) -> Callable[[], Run]:
    """One timed run of LibreOffice converting ``files`` to PDF in one call."""
    command = [
        soffice,
        f"-env:UserInstallation=file://{work / 'lo-profile'}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out),
        *files,
    ]

    def office() -> Run:
        shutil.rmtree(out, ignore_errors=True)
        return run(command)

    return office


def scenario_libreoffice(
    feat: Features, work: Path, runs: int, rows: list[Row], ctx: dict[str, object]
) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        rows.append(Row("libreoffice", "soffice not installed: skipped", "–", ">= 6x", None))
        return
    out = work / "lo-cold"
    first = run(build_args(feat, out, str(SHIPPED)))
    # copies of the DOCX files, so the engine's next fresh build does not remove them
    keep_dir = work / "lo-docx"
    keep_dir.mkdir(exist_ok=True)
    keep: list[str] = []
    for o in outputs(first.out):
        if o["format"] == "docx":
            target = keep_dir / f"{len(keep)}-{Path(str(o['path'])).name}"
            shutil.copy(str(o["path"]), target)
            keep.append(str(target))
    office = converting(soffice, work, keep, work / "lo-pdf")

    def engine() -> Run:
        shutil.rmtree(out, ignore_errors=True)
        return run(build_args(feat, out, str(SHIPPED)))

    eng, lo = alternate(engine, office, runs)
    ratio = lo.wall / eng.wall
    ctx["libreoffice_wall"] = lo.wall
    ctx["libreoffice_version"] = run([soffice, "--version"], check=False).out.strip()
    rows.append(
        Row(
            "libreoffice",
            f"LibreOffice converting the {len(keep)} DOCX files of `cold` to PDF in one call, "
            "against the whole `cold` build (DOCX and PDF)",
            f"{lo.wall:.2f} s vs {eng.wall:.2f} s = {ratio:.1f}x",
            ">= 6x",
            ratio >= 6,
            f"LibreOffice CPU {lo.cpu:.2f} s, peak {lo.rss_mb:.0f} MiB; "
            f"engine CPU {eng.cpu:.2f} s, peak {eng.rss_mb:.0f} MiB",
        )
    )


def scenario_resident(
    feat: Features, work: Path, runs: int, rows: list[Row], ctx: dict[str, object]
) -> None:
    done = run(
        [sys.executable, str(HERE / "resident.py"), str(SHIPPED), str(work / "res"), str(runs)]
    )
    result = json.loads(done.out.strip().splitlines()[-1])
    times = result["times"] if isinstance(result, dict) else result
    files = f"{result['files']} files, " if isinstance(result, dict) else ""
    wall = statistics.median(times)
    office = ctx.get("libreoffice_wall")
    ratio = office / wall if isinstance(office, float) else None
    rows.append(
        Row(
            "resident",
            f"every document of the shipped visit ({files}every audience, both formats) "
            "rendered again by a resident engine (`Engine.render`, one request per "
            "audience at once), against LibreOffice converting only the DOCX files",
            f"{wall:.2f} s" + (f"; LibreOffice {office:.2f} s = {ratio:.1f}x" if ratio else ""),
            ">= 10x LibreOffice",
            None if ratio is None else ratio >= 10,
            f"runs {min(times):.2f}–{max(times):.2f} s",
        )
    )


def scenario_langs(
    feat: Features, work: Path, runs: int, rows: list[Row], ctx: dict[str, object]
) -> None:
    if "--lang" not in feat.help_text:
        rows.append(Row("langs", "this version builds one language only", "–", "–", None))
        return
    one_out, three_out = work / "langs-one", work / "langs-three"

    def build(out: Path, *langs: str) -> Run:
        shutil.rmtree(out, ignore_errors=True)
        extra = [arg for lang in langs for arg in ("-l", lang)]
        return run(build_args(feat, out, str(SHIPPED), *extra))

    one, three = alternate(
        lambda: build(one_out, "en"), lambda: build(three_out, "en", "ru", "kk"), runs
    )
    made = outputs(three.runs[-1].out)
    langs = sorted({str(o.get("lang")) for o in made})
    ratio = three.wall / one.wall if one.wall else float("inf")
    rows.append(
        Row(
            "langs",
            f"the shipped visit in {', '.join(langs)} ({len(made)} files) against English "
            f"only ({len(outputs(one.runs[-1].out))} files)",
            f"{three.wall:.2f} s vs {one.wall:.2f} s: {ratio:.2f}x",
            "<= 3x",
            ratio <= 3,
            f"CPU {three.cpu:.2f} s vs {one.cpu:.2f} s; runs {three.spread} vs {one.spread}",
        )
    )


def scenario_watch(
    feat: Features, work: Path, runs: int, rows: list[Row], ctx: dict[str, object]
) -> None:
    if "watch" not in run(kzru("--help")).out:
        rows.append(Row("watch", "no `kzru watch` in this version: skipped", "–", "<= 0.3 s", None))
        return
    done = run(
        [sys.executable, str(HERE / "watch.py"), str(SHIPPED), str(work / "watch"), str(runs)]
    )
    result = json.loads(done.out.strip().splitlines()[-1])
    for edit in ("template", "data"):
        times = result[edit]
        wall = statistics.median(times)
        rows.append(
            Row(
                "watch",
                f"`kzru watch -j 2`: a {edit} edit saved (by rename) to both the memo's files "
                "rebuilt (one audience, DOCX and PDF)",
                f"{wall:.2f} s",
                "<= 0.3 s",
                wall <= 0.3,
                f"runs {min(times):.2f}–{max(times):.2f} s",
            )
        )


def scenario_noop(
    feat: Features, work: Path, runs: int, rows: list[Row], ctx: dict[str, object]
) -> None:
    out = work / "noop"
    shutil.rmtree(out, ignore_errors=True)
    run(build_args(feat, out, str(SHIPPED)))
    sample = timed(lambda i: build_args(feat, out, str(SHIPPED), force=False), runs)
    statuses = {str(o.get("status")) for o in outputs(sample.runs[-1].out)}
    real = statuses == {"unchanged"}
    rows.append(
        Row(
            "noop",
            "second build of the shipped visit, nothing changed"
            + ("" if real else " (this version has no up-to-date check: it rebuilds)"),
            f"{sample.wall:.2f} s",
            "<= 0.3 s",
            sample.wall <= 0.3,
            f"statuses {sorted(statuses)}; CPU {sample.cpu:.2f} s; runs {sample.spread}",
        )
    )


def scenario_floor(
    feat: Features, work: Path, runs: int, rows: list[Row], ctx: dict[str, object]
) -> None:
    out_e, out_f = work / "floor-engine", work / "floor-direct"

    def engine() -> Run:
        shutil.rmtree(out_e, ignore_errors=True)
        return run(build_args(feat, out_e, "-d", "memo", str(SHIPPED), one_audience=True))

    def direct() -> Run:
        shutil.rmtree(out_f, ignore_errors=True)
        return run([sys.executable, str(HERE / "floor.py"), str(SHIPPED), str(out_f)])

    eng, flo = alternate(engine, direct, runs)
    made = len(outputs(eng.runs[-1].out))
    ratio = eng.wall / flo.wall
    rows.append(
        Row(
            "floor",
            f"the memo, DOCX + PDF ({made} files): `kzru build -d memo` against reportlab and "
            "python-docx used directly (`benchmarks/floor.py`), whole processes",
            f"{eng.wall:.2f} s vs {flo.wall:.2f} s = {ratio:.2f}x",
            "<= 1.5x",
            ratio <= 1.5,
            f"CPU {eng.cpu:.2f} s vs {flo.cpu:.2f} s = {eng.cpu / flo.cpu:.2f}x",
        )
    )


def scenario_batch(
    feat: Features,
    work: Path,
    runs: int,
    rows: list[Row],
    ctx: dict[str, object],
    count: int = 200,
) -> None:
    folder = work / "batch-visits"
    if not folder.exists():
        write_visits(folder, count, seed=1)
    warm = work / "batch-warm"
    if not warm.exists():
        write_visits(warm, 4, seed=10_001)
    out = work / "batch"
    run(build_args(feat, out, str(warm), jobs=2, one_audience=True))  # warm-up
    sample = Sample()
    for _ in range(min(runs, 3)):
        shutil.rmtree(out, ignore_errors=True)
        sample.runs.append(run(build_args(feat, out, str(folder), jobs=2, one_audience=True)))
    files = len(outputs(sample.runs[-1].out))
    rate = files / sample.wall
    rows.append(
        Row(
            "batch",
            f"{count} generated visits, every document, both formats"
            + (", `-j 2`" if feat.jobs else " (this version has no -j)")
            + (", one audience" if feat.audience else "")
            + f": {files} files",
            f"{rate:.0f} files/s ({sample.wall:.1f} s)",
            ">= 50 files/s",
            rate >= 50,
            f"CPU {sample.cpu:.1f} s ({1000 * sample.cpu / files:.0f} ms a file); "
            f"runs {sample.spread}; peak {sample.rss_mb:.0f} MiB",
        )
    )


def scenario_big(
    feat: Features,
    work: Path,
    runs: int,
    rows: list[Row],
    ctx: dict[str, object],
    sizes: Sequence[int] = BIG_SIZES,
) -> None:
    times: dict[int, float] = {}
    files: dict[int, Path] = {}
    for size in sizes:
        files[size] = work / "big" / f"agreements-{size}.yaml"
        if not files[size].exists():
            write_visit(files[size], make_visit(seed=size, agreements=size, prefix=f"big{size}"))
    out = work / "big-out"

    def one(size: int) -> Run:
        shutil.rmtree(out, ignore_errors=True)
        return run(build_args(feat, out, "-d", "agreements", str(files[size]), one_audience=True))

    one(min(sizes))  # warm-up
    for size in sizes:
        sample = Sample([one(size) for _ in range(runs if size < BIG_LARGEST else min(runs, 3))])
        times[size] = sample.wall
        limit = size == BIG_LARGEST
        rows.append(
            Row(
                "big",
                f"agreement summary of {size:,} agreements, DOCX + PDF",
                f"{sample.wall:.2f} s, {sample.rss_mb:.0f} MiB",
                "<= 20 s, <= 400 MB" if limit else "",
                (sample.wall <= 20 and sample.rss_mb * 1.048576 <= 400) if limit else None,
                f"CPU {sample.cpu:.2f} s; runs {sample.spread}",
            )
        )
    if 1_000 in times and BIG_LARGEST in times:
        growth = times[BIG_LARGEST] / times[1_000]
        bound = 1.2 * BIG_LARGEST / 1_000  # linear, with a fifth to spare
        rows.append(
            Row(
                "big",
                f"growth from 1,000 to {BIG_LARGEST:,} agreements (time)",
                f"{growth:.1f}x",
                f"<= {bound:g}x",
                growth <= bound,
            )
        )
    # each writer on its own: 4x the rows should cost about 4x (16x if quadratic)
    small, large = 1_000, 4_000
    if small in times and BIG_LARGEST in times and "--format" in feat.help_text:
        path = work / "big" / f"agreements-{large}.yaml"
        if not path.exists():
            write_visit(path, make_visit(seed=large, agreements=large, prefix=f"big{large}"))
        files[large] = path
        for fmt in ("pdf", "docx"):

            def alone(size: int, fmt: str = fmt) -> Run:
                shutil.rmtree(out, ignore_errors=True)
                args = ("-d", "agreements", "-f", fmt, str(files[size]))
                return run(build_args(feat, out, *args, one_audience=True))

            alone(small)  # warm-up
            a = Sample([alone(small) for _ in range(runs)])
            b = Sample([alone(large) for _ in range(runs)])
            growth = b.wall / a.wall
            rows.append(
                Row(
                    "big",
                    f"{fmt.upper()} only: growth from {small:,} to {large:,} agreements (time)",
                    f"{growth:.1f}x",
                    "<= 6x",
                    growth <= 6,
                    f"{a.wall:.2f} s and {b.wall:.2f} s; runs {a.spread} and {b.spread}",
                )
            )


def scenario_serve(
    feat: Features, work: Path, runs: int, rows: list[Row], ctx: dict[str, object]
) -> None:
    import serve

    env = child_env()
    env.pop("KZRU_SERVE_TOKEN", None)
    folder = work / "serve"
    folder.mkdir(exist_ok=True)
    workers = min(2, os.cpu_count() or 1)
    with serve.running(folder, env, workers) as service:
        started = service.rss_mib()
        times = serve.unseen(service, max(40, runs * 10))
        ms = [t * 1000 for t in times]
        p50, p95 = statistics.median(ms), serve.percentile(ms, 95)
        rows.append(
            Row(
                "serve",
                "one memo, PDF and DOCX, of a visit the service has not seen "
                f"(`POST /v1/build`, {len(times)} requests one at a time)",
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms",
                "p50 <= 60 ms, p95 <= 150 ms",
                p50 <= 60 and p95 <= 150,
                f"{serve.summary(times)}; {workers} workers; service and workers "
                f"{started:.0f} MiB resident after start",
            )
        )
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        docx = work / "serve-docx"
        serve.whole_set(service, keep=docx)
        if soffice is None:
            sets = Sample([Run(serve.whole_set(service), 0, 0) for _ in range(runs)])
            rows.append(
                Row(
                    "serve",
                    "the shipped visit's 24 files over HTTP",
                    f"{sets.wall:.2f} s",
                    "–",
                    None,
                )
            )
        else:
            keep = sorted(str(p) for p in docx.iterdir())
            office = converting(soffice, work, keep, work / "serve-lo")
            cpu_before = service.cpu_seconds()
            sets, lo = alternate(lambda: Run(serve.whole_set(service), 0, 0), office, runs)
            cpu = (service.cpu_seconds() - cpu_before) / (runs + 1)  # and the warm-up set
            ratio = lo.wall / sets.wall
            rows.append(
                Row(
                    "serve",
                    "the shipped visit's whole 24-file set over HTTP (three `POST /v1/build`, "
                    f"one per audience, at once, from one client) against LibreOffice "
                    f"converting only its {len(keep)} DOCX files to PDF",
                    f"{sets.wall:.2f} s vs {lo.wall:.2f} s = {ratio:.1f}x",
                    ">= 10x",
                    ratio >= 10,
                    f"service runs {sets.spread}; service and workers CPU {cpu:.2f} s a set "
                    f"(LibreOffice's CPU {lo.cpu / cpu:.1f}x that); LibreOffice CPU "
                    f"{lo.cpu:.2f} s, peak {lo.rss_mb:.0f} MiB",
                )
            )
        count, clients = 500, 8
        result = serve.load(service, count, clients)
        after_warm = [m for t, m in result.memory if t >= result.seconds * 0.2] or [0.0]
        memory = (
            f"memory {result.memory[0][1]:.0f} MiB at the start, "
            f"{min(after_warm):.0f}–{max(after_warm):.0f} MiB after the first fifth, "
            f"{result.memory[-1][1]:.0f} MiB at the end"
        )
        errors = sum(result.errors.values())
        rows.append(
            Row(
                "serve",
                f"load: {count} mixed requests (3 audiences, 4 documents, 2 formats, one "
                f"upload in ten), {clients} concurrent clients",
                f"{result.ok / result.seconds:.1f} requests/s; {serve.summary(result.times)}; "
                f"{errors} errors",
                "0 errors; memory flat after warm-up",
                errors == 0 and max(after_warm) <= 1.2 * min(after_warm),
                f"{memory}; errors {result.errors or 'none'}; {result.seconds:.1f} s in all",
            )
        )
        ctx["serve_rps"] = result.ok / result.seconds


RUNNERS = {
    "cold": scenario_cold,
    "langs": scenario_langs,
    "libreoffice": scenario_libreoffice,
    "resident": scenario_resident,
    "watch": scenario_watch,
    "noop": scenario_noop,
    "floor": scenario_floor,
    "batch": scenario_batch,
    "big": scenario_big,
    "serve": scenario_serve,
}


# ------------------------------------------------------------------ report


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    libs = {}
    for name in (
        "reportlab",
        "rl_accel",
        "python-docx",
        "lxml",
        "Jinja2",
        "pydantic",
        "Babel",
        "PyYAML",
        "click",
        "pillow",
    ):
        try:
            libs[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libs[name] = "not installed"
    load = _load()
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "libs": ", ".join(f"{k} {v}" for k, v in libs.items()),
        "load": load,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def table(rows: list[Row]) -> str:
    head = "| scenario | what | measured | target | met |\n| --- | --- | --- | --- | --- |\n"
    body = "".join(
        f"| `{r.scenario}` | {r.what} | {r.value} | {r.target or '–'} | "
        f"{'–' if r.ok is None else ('yes' if r.ok else '**no**')} |\n"
        for r in rows
    )
    return head + body


def details(rows: list[Row]) -> str:
    return "".join(f"- `{r.scenario}` {r.what}: {r.detail}\n" for r in rows if r.detail)


def report(
    rows: list[Row], info: dict[str, str], ctx: dict[str, object], runs: int, command: str
) -> str:
    notes = (HERE / "notes.md").read_text(encoding="utf-8")
    lo = ctx.get("libreoffice_version")
    return (
        "# Performance\n\n"
        f"Generated by `{command}` on {info['date']}; every number below comes from that "
        "run. Whole-process timings, median of "
        f"{runs} runs after one warm-up ({min(runs, 3)} for `batch` and the 5,000-agreement "
        "build); comparisons alternate their two sides in the same run.\n\n"
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['os']}; load average "
        f"{info['load']} at the start and {_load()} at the end (the machine may be shared "
        "with other work: CPU times are given with the wall times)\n"
        f"- Python {info['python']}; {info['libs']}\n"
        + (f"- {lo}\n" if lo else "")
        + "\n## Results\n\n"
        + table(rows)
        + "\n### Details\n\n"
        + details(rows)
        + "\n"
        + notes
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kzru-reports benchmarks")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument(
        "--runs", type=int, default=5, help="timed runs per scenario (after a warm-up)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(RUNNERS))
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)} (known: {', '.join(SCENARIOS)})")

    info = machine()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kzru-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    ctx: dict[str, object] = {}
    _CWD[0] = work
    _CACHE[0] = work / "cache"
    try:
        feat = features()
        for name in SCENARIOS:
            if name in chosen:
                print(f"... {name}", file=sys.stderr, flush=True)
                RUNNERS[name](feat, work, args.runs, rows, ctx)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(table(rows))
    print(details(rows))
    if not args.no_write:
        command = "python benchmarks/run.py" + (
            f" {' '.join(argv or sys.argv[1:])}" if (argv or sys.argv[1:]) else ""
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report(rows, info, ctx, args.runs, command), encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
