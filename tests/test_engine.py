"""The resident engine: in-memory renders, isolation between callers, bounded caches,
workers killed from outside and replaced, and builds byte-identical to a fresh one."""

from __future__ import annotations

import hashlib
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from kzru_reports import api
from kzru_reports.engine import (
    Engine,
    RenderTimeout,
    Settings,
    VisitSource,
    WorkerLost,
    build_time_from_env,
    render,
)
from kzru_reports.engine.core import MAX_VISITS
from kzru_reports.engine.pool import WorkerPool
from kzru_reports.errors import DataError, UsageError
from kzru_reports.theme import Theme

from .readers import SHIPPED, SUMMIT, pdf_text

WHEN = build_time_from_env({"SOURCE_DATE_EPOCH": "1767225600"})


def test_render_returns_bytes_named_as_a_build_names_them(tmp_path: Path) -> None:
    with Engine(Settings(build_time=WHEN), workers=0) as engine:
        files = engine.render(SUMMIT, "analyst", ["memo"], ["pdf", "docx"])
    assert [(f.name, f.format) for f in files] == [
        ("astana-summit-2026-memo.pdf", "pdf"),
        ("astana-summit-2026-memo.docx", "docx"),
    ]
    pdf = files[0]
    assert pdf.data.startswith(b"%PDF") and pdf.pages and pdf.pages >= 1
    assert pdf.sha256 == hashlib.sha256(pdf.data).hexdigest()
    assert (pdf.visit, pdf.audience, pdf.document, pdf.lang) == (
        "astana-summit-2026",
        "analyst",
        "memo",
        "en",
    )
    assert not list(tmp_path.iterdir())  # nothing written anywhere


def test_render_answers_in_the_order_asked_whatever_the_workers_took_first() -> None:
    """Workers take a pack first (the heaviest); the files come back as asked."""
    with Engine(Settings(build_time=WHEN), workers=2) as engine:
        files = engine.render(SUMMIT, "analyst", ["memo", "agreements", "pack"], ["docx", "pdf"])
    assert [(f.document, f.format) for f in files] == [
        (d, f) for d in ("memo", "agreements", "pack") for f in ("docx", "pdf")
    ]


def test_render_makes_nothing_for_an_audience_that_may_see_nothing() -> None:
    """As a build writes no document for an audience that may see nothing of a visit,
    ``render`` makes none (it would be an empty document that looks real), unless
    ``allow_empty``."""
    from kzru_reports.errors import NothingToShow

    with Engine(Settings(build_time=WHEN), workers=0) as engine:
        with pytest.raises(NothingToShow, match="press may see nothing of the visit"):
            engine.render(SUMMIT, "press", ["memo"], ["pdf"])  # official throughout
        [pdf] = engine.render(SUMMIT, "press", ["memo"], ["pdf"], allow_empty=True)
        assert pdf.data.startswith(b"%PDF")
        assert engine.render(SHIPPED, "press", ["memo"], ["pdf"])  # public: made


def test_render_of_text_equals_a_build_of_the_file(tmp_path: Path) -> None:
    """YAML text, the same visit as JSON, and a build: the same bytes."""
    import json

    import yaml

    text = SUMMIT.read_text("utf-8")
    as_json = json.dumps(yaml.safe_load(text), default=str)
    options = api.BuildOptions(out=str(tmp_path), documents=("memo",), build_time=WHEN)
    assert api.build([SUMMIT], options).ok
    built = tmp_path / "astana-summit-2026" / "analyst" / "astana-summit-2026-memo.pdf"
    with Engine(Settings(build_time=WHEN), workers=0) as engine:
        [yaml_pdf] = engine.render(VisitSource(text), "analyst", ["memo"], ["pdf"])
        [json_pdf] = engine.render(VisitSource(as_json, "v.json"), "analyst", ["memo"], ["pdf"])
    assert yaml_pdf.data == built.read_bytes()
    assert json_pdf.data == yaml_pdf.data


def test_bad_data_raises_every_problem_with_its_place() -> None:
    text = SUMMIT.read_text("utf-8").replace("end: 2026-", "end: 20x6-", 1)
    with Engine(workers=0) as engine:
        with pytest.raises(DataError) as caught:
            engine.render(VisitSource(text, "mine.yaml"), "analyst", ["memo"], ["pdf"])
        problems = caught.value.problems()
        assert problems and problems[0].file == "mine.yaml" and problems[0].line
        assert engine.validate(VisitSource(text, "mine.yaml")) == problems
        assert engine.validate(SUMMIT) == []
        with pytest.raises(UsageError):
            engine.render(SUMMIT, "nobody", ["memo"], ["pdf"])
        with pytest.raises(UsageError):
            engine.render(SUMMIT, "analyst", ["memo"], ["odt"])


def test_two_engines_in_two_threads_never_see_each_others_theme_or_visit() -> None:
    letter = Settings(theme=replace(Theme(), page_size="Letter", accent="#AA0000"))
    a4 = Settings()
    with Engine(letter, workers=0) as one, Engine(a4, workers=0) as two:
        alone = {
            "one": one.render(SUMMIT, "analyst", ["memo"], ["pdf"])[0].data,
            "two": two.render(SHIPPED, "analyst", ["memo"], ["pdf"])[0].data,
        }
        assert b"/MediaBox [ 0 0 612 792 ]" in alone["one"]
        assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in alone["two"]

        def run(i: int) -> tuple[str, bytes]:
            if i % 2:
                return "one", one.render(SUMMIT, "analyst", ["memo"], ["pdf"])[0].data
            return "two", two.render(SHIPPED, "analyst", ["memo"], ["pdf"])[0].data

        with ThreadPoolExecutor(4) as threads:
            for name, data in threads.map(run, range(12)):
                assert data == alone[name], name


def test_one_engine_from_two_threads_with_workers() -> None:
    with Engine(Settings(build_time=WHEN), workers=2) as engine:
        alone = {
            v: engine.render(v, "analyst", ["memo"], ["pdf"])[0].data for v in (SUMMIT, SHIPPED)
        }
        with ThreadPoolExecutor(4) as threads:
            got = list(
                threads.map(
                    lambda v: (v, engine.render(v, "analyst", ["memo"], ["pdf"])[0].data),
                    [SUMMIT, SHIPPED] * 3,
                )
            )
        assert all(data == alone[v] for v, data in got)
        assert len(engine.worker_pids) <= 2


def test_loaded_visits_are_bounded() -> None:
    text = SUMMIT.read_text("utf-8")
    with Engine(workers=0) as engine:
        for i in range(MAX_VISITS + 5):
            engine.validate(VisitSource(text + f"\n# {i}\n", f"v{i}.yaml"))
        assert len(engine._visits) == MAX_VISITS


def test_memo_caches_are_bounded_and_cleared() -> None:
    from kzru_reports import memo

    with Engine(workers=0) as engine:
        engine.render(SUMMIT, "analyst", ["memo"], ["pdf", "docx"])
        sizes = memo.sizes()
        assert sizes and all(bound is not None and n <= bound for n, bound in sizes.values())
        engine.reset()
        assert all(n == 0 for n, _ in memo.sizes().values())


def _worker_caches() -> dict[str, tuple[int, int, int]]:
    """(hits, misses, entries) of the caches a worker keeps of the visits it is sent."""
    from kzru_reports.engine.render import _LOCALIZED, _RECEIVED

    return {
        name: (info.hits, info.misses, info.currsize)
        for name, info in (
            ("received", _RECEIVED.cache_info()),
            ("localized", _LOCALIZED.cache_info()),
        )
    }


def test_a_worker_keeps_each_visit_it_is_sent_once_and_a_bounded_number() -> None:
    """A visit is unpickled and put into its language once per worker, however many
    requests name it; new visits (uploads) push out the oldest, so a worker's memory
    stays flat under a long run of them."""
    from kzru_reports.engine.render import LOCALIZED_VISITS, RECEIVED_VISITS

    text = SUMMIT.read_text("utf-8")
    with Engine(Settings(build_time=WHEN), workers=1) as engine:
        engine.start()
        assert engine._pool is not None
        before = engine._pool.call(_worker_caches, (), None)
        for _ in range(3):
            engine.render(SUMMIT, "analyst", ["memo"], ["pdf"])
        after = engine._pool.call(_worker_caches, (), None)
        for name in ("received", "localized"):  # (hits, misses): the first was a miss
            assert (after[name][0] - before[name][0], after[name][1] - before[name][1]) == (2, 1)
        for i in range(RECEIVED_VISITS + 3):
            engine.render(
                VisitSource(text + f"\n# {i}\n", f"v{i}.yaml"), "analyst", ["memo"], ["pdf"]
            )
        caches = engine._pool.call(_worker_caches, (), None)
        assert caches["received"][2] == RECEIVED_VISITS
        assert caches["localized"][2] <= LOCALIZED_VISITS


def test_a_worker_runs_the_cycle_collector_as_seldom_as_a_writer() -> None:
    """A worker only makes documents: it keeps the writers' collector thresholds for
    its whole life (templating included), whatever the engine's process uses."""
    import gc

    from kzru_reports.writers import RENDERING_GC

    assert gc.get_threshold() != RENDERING_GC
    with Engine(Settings(build_time=WHEN), workers=1) as engine:
        engine.start()
        assert engine._pool is not None
        assert engine._pool.call(gc.get_threshold, (), None) == RENDERING_GC
        engine.render(SUMMIT, "analyst", ["memo"], ["pdf"])
        assert engine._pool.call(gc.get_threshold, (), None) == RENDERING_GC
    assert gc.get_threshold() != RENDERING_GC


def _slow_when_flagged(flag: Path) -> Any:
    """A render that, in a worker and while ``flag`` exists, writes its pid there and
    waits (for the summit visit only)."""
    real = render.render_formats
    test = os.getpid()

    def slow(*args: Any) -> Any:
        if flag.exists() and os.getpid() != test and args[0].id == "astana-summit-2026":
            flag.write_text(str(os.getpid()))
            time.sleep(120)
        return real(*args)

    return slow


def test_a_render_past_its_timeout_is_killed_and_the_next_one_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flag = tmp_path / "slow"
    monkeypatch.setattr(render, "render_formats", _slow_when_flagged(flag))
    with Engine(workers=1) as engine:
        good = engine.render(SUMMIT, "analyst", ["memo"], ["pdf"])[0].data
        [before] = engine.worker_pids
        flag.write_text("")
        with pytest.raises(RenderTimeout):
            engine.render(SUMMIT, "analyst", ["memo"], ["pdf"], timeout=1.0)
        flag.unlink()
        assert _gone(before)
        assert engine.render(SUMMIT, "analyst", ["memo"], ["pdf"])[0].data == good
        assert engine.worker_pids != [before]


def test_a_worker_killed_mid_build_fails_that_visit_and_the_next_build_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flag = tmp_path / "slow"
    flag.write_text("")
    monkeypatch.setattr(render, "render_formats", _slow_when_flagged(flag))
    out = tmp_path / "out"
    with Engine(Settings(build_time=WHEN), workers=2) as engine:
        options = engine.options(out=str(out), documents=("memo",))
        with ThreadPoolExecutor(1) as thread:
            running = thread.submit(engine.build, [SUMMIT, SHIPPED], options)
            pid = _wait_for_pid(flag)
            assert pid in engine.worker_pids
            os.kill(pid, signal.SIGKILL)
            report = running.result(timeout=60)
        assert [e.file for e in report.errors] == [str(SUMMIT)]
        assert "worker process ended" in report.errors[0].message
        assert {Path(o.path).parent.parent.name for o in report.outputs} == {
            "kz-ru-state-visit-2025"
        }
        assert not list(out.rglob("astana-summit-2026-*"))
        assert not list(out.rglob("*.part"))
        flag.unlink()
        again = engine.build([SUMMIT, SHIPPED], options)
        assert again.ok and len(again.outputs) == 4
        assert engine._pool is not None and engine._pool.replaced >= 1
    assert _gone(pid)


def test_pool_workers_end_with_the_pool() -> None:
    pool = WorkerPool(2)
    pool.start()
    assert pool.call(os.getpid, (), None) != os.getpid()
    pids = pool.pids()
    with pytest.raises(WorkerLost):
        pool.call(os._exit, (3,), None)
    assert pool.call(sum, ([1, 2],), None) == 3
    pool.close()
    assert all(_gone(p) for p in [*pids, *pool.pids()])


def _burn(seconds: float) -> float:
    """Spend ``seconds`` of this process's CPU time (not wall time)."""
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
    return time.process_time() - start


def test_worker_cpu_time_is_counted_in_the_engines_own_accounting() -> None:
    """The workers are reaped by their zygote and the zygote by the engine, so what
    the workers spent shows in the engine's ``RUSAGE_CHILDREN`` (what ``os.wait4``
    and ``/usr/bin/time`` report for a whole ``kzru build``)."""
    import resource

    def children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    before = children()
    pool = WorkerPool(2)
    pool.start()
    spent = pool.call(_burn, (0.3,), None) + pool.call(_burn, (0.3,), None)
    pool.close()
    assert children() - before >= spent * 0.9


def test_a_resident_rebuild_is_byte_identical_to_a_fresh_build(tmp_path: Path) -> None:
    fresh, resident = tmp_path / "fresh", tmp_path / "resident"
    assert api.build([SHIPPED], api.BuildOptions(out=str(fresh), build_time=WHEN)).ok
    with Engine(Settings(build_time=WHEN), workers=2) as engine:
        options = engine.options(out=str(resident))
        assert engine.build([SUMMIT], options).ok  # warm with another visit first
        report = engine.build([SHIPPED], replace(options, force=True))
        assert report.ok and len(report.outputs) == 8
        for output in report.outputs:
            rel = Path(output.path).relative_to(resident)
            assert (fresh / rel).read_bytes() == Path(output.path).read_bytes(), rel
        # and what it records as each output's inputs
        some = next(iter(report.depends.values()))
        assert str(SHIPPED) in some and any(p.endswith("memo.xml.j2") for p in some)
        assert any(p.endswith(".ttf") for p in some)
    assert "Kazakhstan" in pdf_text((fresh / rel).read_bytes()) or rel.suffix == ".docx"


def _wait_for_pid(flag: Path) -> int:
    for _ in range(600):
        text = flag.read_text() if flag.exists() else ""
        if text.strip():
            return int(text)
        time.sleep(0.05)
    raise AssertionError("the render never started")


def _gone(pid: int) -> bool:
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # a zombie of this process (the zygote is reaped in close)
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


def test_a_font_and_a_logo_replaced_in_place_change_the_next_render(tmp_path: Path) -> None:
    """Caches keyed by a file's path see the file's new contents (as an editor or a
    copy replaces it): the resident engine renders what a fresh one would."""
    import shutil

    from PIL import Image

    from kzru_reports.config import load_config

    fonts = Path(api.__file__).parent / "fonts"
    shutil.copy(fonts / "NotoSans-Regular.ttf", tmp_path / "Mine.ttf")
    Image.new("RGB", (200, 80), "#0B4F6C").save(tmp_path / "logo.png")
    (tmp_path / "kzru.toml").write_text(
        '[theme]\nlogo = "logo.png"\n[theme.fonts.body]\nname = "Mine"\nregular = "Mine.ttf"\n'
    )

    def settings() -> Settings:
        return Settings(theme=load_config(tmp_path / "kzru.toml").theme, build_time=WHEN)

    with Engine(settings(), workers=0) as engine:
        first = engine.render(SUMMIT, "analyst", ["memo"], ["pdf", "docx"])
        shutil.copy(fonts / "NotoSerif-Regular.ttf", tmp_path / "Mine.ttf")
        Image.new("RGB", (200, 80), "#8B1A1A").save(tmp_path / "logo.png")
        second = engine.render(SUMMIT, "analyst", ["memo"], ["pdf", "docx"])
    with Engine(settings(), workers=0) as fresh:
        expected = fresh.render(SUMMIT, "analyst", ["memo"], ["pdf", "docx"])
    assert [f.data for f in second] == [f.data for f in expected]
    assert all(a.data != b.data for a, b in zip(first, second, strict=True))
    assert b"NotoSerif" in second[0].data and b"NotoSerif" not in first[0].data


def test_workers_zero_renders_in_this_process() -> None:
    with Engine(workers=0) as engine:
        assert engine.workers == 0
        engine.render(SUMMIT, "analyst", ["memo", "factsheet"], ["pdf"])
        assert engine.worker_pids == []
    with Engine(workers=1) as engine:
        assert engine.workers == 1
