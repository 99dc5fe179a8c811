"""Templates from other offices: no way out of the sandbox, no change to the data, no
runaway time or memory, no symlinks, no silent "None"."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest

from kzru_reports import api
from kzru_reports.audiences import BUILTIN
from kzru_reports.data import load_visit
from kzru_reports.errors import TemplateError
from kzru_reports.model.dump import dump
from kzru_reports.templating import env as template_env

from .readers import SUMMIT


def render_with(tmp_path: Path, block: str) -> str:
    """The memo, as text, rendered with its summary block replaced by ``block``."""
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    (folder / "memo.xml.j2").write_text(
        '{% extends "builtin/memo.xml.j2" %}{% block summary %}<p>' + block + "</p>{% endblock %}"
    )
    options = api.BuildOptions(templates=(str(folder),))
    return dump(api.render_models(load_visit(SUMMIT), options.audiences[0], "memo", options))


def refused(tmp_path: Path, block: str, says: str, line: int | None = 1) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        render_with(tmp_path, block)
    problem = info.value.problems()[0]
    assert problem.file.endswith("memo.xml.j2") and problem.line == line, problem
    assert says in problem.message, problem.message
    return info.value


def test_a_plain_override_renders(tmp_path: Path) -> None:
    """The override is used (the refusals below would prove nothing if it were not)."""
    options = api.BuildOptions()
    plain = dump(api.render_models(load_visit(SUMMIT), BUILTIN["analyst"], "memo", options))
    text = render_with(tmp_path, "Overridden: {{ visit.id }}")
    assert "## Summary" in plain and "Overridden" not in plain
    assert "Overridden: astana-summit-2026" in text
    assert "## Summary" not in text  # the whole block replaced, its heading too


@pytest.mark.parametrize(
    "block",
    [
        "{{ cycler.__init__.__globals__.os.popen('touch pwned').read() }}",
        "{{ joiner.__init__.__globals__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ visit.__class__ }}",
        "{{ visit._sources }}",
        "{{ lipsum.__globals__ }}",
        "{{ range.__self__ }}",
    ],
)
def test_python_internals_are_out_of_reach(tmp_path: Path, block: str) -> None:
    with pytest.raises(TemplateError):
        render_with(tmp_path, block)
    assert not Path("pwned").exists()


@pytest.mark.parametrize(
    "block",
    [
        "{{ visit.parties.append(1) }}",
        "{% set x = visit.parties.pop() %}",
        "{{ visit.parties[0].delegation.clear() }}",
        "{{ visit.data.model_config.update({'frozen': False}) }}",
    ],
)
def test_templates_cannot_change_the_data(tmp_path: Path, block: str) -> None:
    before = load_visit(SUMMIT)
    refused(tmp_path, block, "unsafe")
    assert load_visit(SUMMIT) == before


@pytest.mark.parametrize(
    ("block", "says"),
    [
        ("{{ 'x' * 1000000000 }}", "repetition producing 1,000,000,000 items"),
        ("{{ [1] * 1000000000 }}", "repetition"),
        ("{{ range(1000000000) | list }}", "range of 1,000,000,000 items"),
        ("{{ 'x' | center(1000000000) }}", "center width"),
        ("{{ 'x'.ljust(1000000000) }}", "ljust() width"),
        ("{{ '{:>1000000000}'.format(1) }}", "format field width"),
        ("{{ '%1000000000d' % 1 }}", "format field width"),
        ("{{ '%1000000000d' | format(1) }}", "format field width"),
        ("{{ ('x' * 100000).replace('x', 'y' * 100000) }}", "replace() result"),
        ("{{ 10 ** 100000 }}", "exponent"),
    ],
)
def test_memory_bombs_are_refused_at_once(tmp_path: Path, block: str, says: str) -> None:
    started = time.perf_counter()
    refused(tmp_path, block, says)
    assert time.perf_counter() - started < 15  # at once, not after minutes


LOOP = "{% for i in range(100000) %}{% for j in range(100000) %}{{ '' }}{% endfor %}{% endfor %}"


def test_a_runaway_loop_is_stopped_by_the_time_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(template_env, "MAX_SECONDS", 0.5)
    started = time.perf_counter()
    refused(tmp_path, LOOP, "rendering took longer than 0.5 seconds")
    assert time.perf_counter() - started < 15  # the limit, not the loop's minutes


def test_the_time_limit_holds_without_signals_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a worker thread no timer signal can be used: the deadline check stops it."""
    monkeypatch.setattr(template_env, "MAX_SECONDS", 0.5)
    caught: list[BaseException] = []

    def work() -> None:
        try:
            render_with(
                tmp_path,
                "{% for i in range(100000) %}{% for j in range(100000) %}"
                "{{ i }}{% endfor %}{% endfor %}",
            )
        except BaseException as exc:
            caught.append(exc)

    started = time.perf_counter()
    worker = threading.Thread(target=work)
    worker.start()
    worker.join(10)
    assert not worker.is_alive()
    assert time.perf_counter() - started < 15  # the limit, not the loop's minutes
    [exc] = caught
    assert isinstance(exc, TemplateError) and "took longer" in str(exc)


def test_an_earlier_timer_and_handler_are_given_back(tmp_path: Path) -> None:
    def handler(signum: int, frame: object) -> None:
        raise AssertionError("the outer timer fired during the test")

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 100)
    try:
        render_with(tmp_path, "{{ visit.title }}")
        assert signal.getsignal(signal.SIGALRM) is handler
        assert 90 < signal.getitimer(signal.ITIMER_REAL)[0] <= 100
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_output_size_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_env, "MAX_OUTPUT", 100_000)
    refused(tmp_path, "{% for i in range(50000) %}{{ visit.title }}{% endfor %}", "output over")


@pytest.mark.parametrize("block", ["{{ none }}", "{{ visit.data.dates.start and none }}"])
def test_printing_none_is_an_error(tmp_path: Path, block: str) -> None:
    refused(tmp_path, block, "absent (None)")


def test_undefined_names_are_errors(tmp_path: Path) -> None:
    refused(tmp_path, "{{ visit.titel }}", "undefined value")


def test_symlinked_templates_are_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "memo.xml.j2").symlink_to(secret)
    options = api.BuildOptions(templates=(str(folder),))
    with pytest.raises(TemplateError) as info:
        api.render_models(load_visit(SUMMIT), options.audiences[0], "memo", options)
    assert "symbolic link" in str(info.value) and "top secret" not in str(info.value)
    inner = tmp_path / "linked"
    inner.symlink_to(folder, target_is_directory=True)
    sub = tmp_path / "t2"
    sub.mkdir()
    (sub / "parts").symlink_to(tmp_path, target_is_directory=True)
    (sub / "memo.xml.j2").write_text('{% include "parts/secret.txt" %}')
    options = api.BuildOptions(templates=(str(sub),))
    with pytest.raises(TemplateError, match="symbolic link"):
        api.render_models(load_visit(SUMMIT), options.audiences[0], "memo", options)
