"""The cache folder: compiled templates kept between runs, checked before use, and
only in a folder nobody else can write to."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import jinja2
import pytest

from kzru_reports import cache
from kzru_reports.templating.env import _BytecodeCache

from .readers import ROOT, SHIPPED


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV, str(where))
    return where


def _env(sources: dict[str, str]) -> jinja2.Environment:
    """A new environment with a new in-memory layer: as a new process would start."""
    return jinja2.Environment(loader=jinja2.DictLoader(sources), bytecode_cache=_BytecodeCache())


def _refuse_compiling(env: jinja2.Environment, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    compiled: list[str] = []
    real = env.compile

    def compile(source: object, name: str | None = None, *args: object, **kw: object) -> object:
        compiled.append(str(name))
        return real(source, name, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(env, "compile", compile)
    return compiled


def test_a_template_compiled_once_is_read_back_by_the_next_run(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _env({"a": "Hello {{ name }}"}).get_template("a").render(name="A") == "Hello A"
    assert len(list((folder / "templates").iterdir())) == 1

    again = _env({"a": "Hello {{ name }}"})
    compiled = _refuse_compiling(again, monkeypatch)
    assert again.get_template("a").render(name="B") == "Hello B"
    assert compiled == []


def test_an_edited_or_damaged_entry_is_compiled_again(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env({"a": "one"}).get_template("a")
    edited = _env({"a": "two"})
    compiled = _refuse_compiling(edited, monkeypatch)
    assert edited.get_template("a").render() == "two"
    assert compiled == ["a"]

    [entry] = (folder / "templates").iterdir()
    entry.write_bytes(b"j2" + os.urandom(64))
    damaged = _env({"a": "two"})
    compiled = _refuse_compiling(damaged, monkeypatch)
    assert damaged.get_template("a").render() == "two"
    assert compiled == ["a"]


def test_a_folder_others_can_write_to_is_not_used(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (folder / "templates").mkdir(parents=True)
    folder.chmod(0o777)
    assert cache.folder("templates") is None
    _env({"a": "x"}).get_template("a")
    assert list((folder / "templates").iterdir()) == []


def test_an_empty_setting_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV, "")
    assert cache.folder("templates") is None
    assert cache.read("templates", "x") is None
    cache.write("templates", "x", b"y")  # nowhere to go, and no error


def test_a_folder_that_cannot_be_made_turns_the_cache_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(cache.ENV, str(blocker / "cache"))
    assert cache.folder("templates") is None


def test_old_entries_are_pruned(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    for i in range(5):
        cache.write("templates", f"e{i}", b"x")
        os.utime(folder / "templates" / f"e{i}", (i, i))
    assert sorted(p.name for p in (folder / "templates").iterdir()) == ["e2", "e3", "e4"]


def test_builds_with_an_empty_and_a_filled_cache_make_the_same_files(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "SOURCE_DATE_EPOCH": "1700000000",
        cache.ENV: str(tmp_path / "cache"),
    }
    made = []
    for run in ("empty", "filled"):
        out = tmp_path / run
        done = subprocess.run(
            [sys.executable, "-m", "kzru_reports", "build", str(SHIPPED), "-o", str(out)],
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        made.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*.*")})
        assert list((tmp_path / "cache" / "templates").iterdir())
        assert list((tmp_path / "cache" / "docx").iterdir())
    assert made[0] == made[1]


def test_the_docx_blank_of_a_theme_is_read_back_and_a_damaged_one_made_again(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kzru_reports.theme import default_theme
    from kzru_reports.writers.docx import blank as writer

    theme = default_theme()
    writer.blank_for.cache_clear()
    made = writer.blank_for(theme, None)
    [entry] = (folder / "docx").iterdir()

    def refuse(theme: object) -> None:
        raise AssertionError("made again instead of read back")

    writer.blank_for.cache_clear()
    with monkeypatch.context() as m:
        m.setattr(writer, "_make_blank", refuse)
        assert writer.blank_for(theme, None) == made

    def same(a: writer.Blank, b: writer.Blank) -> bool:  # zip entry times aside
        def parts(data: bytes) -> dict[str, bytes]:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return {name: z.read(name) for name in z.namelist()}

        return (a.ids, a.list_num_id, parts(a.data)) == (b.ids, b.list_num_id, parts(b.data))

    for damage in (b"not json\nPK", b'{"ids": {}, "list_num_id": null}\nPK\x03\x04 cut short'):
        entry.write_bytes(damage)
        writer.blank_for.cache_clear()
        assert same(writer.blank_for(theme, None), made)
        assert entry.read_bytes() != damage  # and the entry is whole again
    writer.blank_for.cache_clear()


def test_the_blank_a_process_keeps_is_stored_and_the_cached_one_compressed(folder: Path) -> None:
    """Each document opens the blank again: the process keeps its parts uncompressed
    (the same parts, in the same order), while the cache folder holds it compressed."""
    from kzru_reports.theme import default_theme
    from kzru_reports.writers.docx import blank as writer

    writer.blank_for.cache_clear()
    kept = writer.blank_for(default_theme(), None)
    [entry] = (folder / "docx").iterdir()
    on_disk = entry.read_bytes().partition(b"\n")[2]
    with zipfile.ZipFile(io.BytesIO(kept.data)) as a, zipfile.ZipFile(io.BytesIO(on_disk)) as b:
        assert {i.compress_type for i in a.infolist()} == {zipfile.ZIP_STORED}
        assert zipfile.ZIP_DEFLATED in {i.compress_type for i in b.infolist()}
        assert a.namelist() == b.namelist()
        assert all(a.read(name) == b.read(name) for name in a.namelist())
    assert len(on_disk) < len(kept.data)


def test_a_template_analysis_is_read_back_and_gives_the_same_lines(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kzru_reports.templating import env as tenv

    source = (
        '{% extends "base.xml.j2" %}\n{% import "macros.xml.j2" as m %}\n\n'
        "{% block x %}{% endblock %}\n"
    )
    monkeypatch.setattr(tenv, "_ANALYSES", {})
    first = tenv.analyse(source, "t.xml.j2")
    assert first == tenv.Analysis("base.xml.j2", (("x", 4),), ("base.xml.j2", "macros.xml.j2"))

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed again instead of read back")

    monkeypatch.setattr(tenv, "_ANALYSES", {})  # as a new process
    with monkeypatch.context() as m:
        m.setattr(tenv._SYNTAX, "parse", refuse)
        assert tenv.analyse(source, "t.xml.j2") == first

    for entry in (folder / "templates").glob("*.analysis"):
        entry.write_bytes(b'{"extends": 1, "blocks": [], "references": []}')
    monkeypatch.setattr(tenv, "_ANALYSES", {})
    assert tenv.analyse(source, "t.xml.j2") == first


def test_a_symlinked_cache_folder_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "elsewhere"
    (real / "templates").mkdir(parents=True, mode=0o700)
    real.chmod(0o700)
    (tmp_path / "link").symlink_to(real)
    monkeypatch.setenv(cache.ENV, str(tmp_path / "link"))
    assert cache.folder("templates") is None


def test_code_compiled_by_one_kind_of_environment_is_not_read_by_another(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sandboxed environment never runs code that an unsandboxed one compiled."""
    from jinja2.sandbox import SandboxedEnvironment

    _env({"a": "{{ x }}"}).get_template("a")
    sandboxed = SandboxedEnvironment(
        loader=jinja2.DictLoader({"a": "{{ x }}"}), bytecode_cache=_BytecodeCache()
    )
    compiled = _refuse_compiling(sandboxed, monkeypatch)
    sandboxed.get_template("a")
    assert compiled == ["a"]


# ------------------------------------------------------------------ a poisoned cache


def _entry(folder: Path) -> Path:
    [entry] = (folder / "templates").iterdir()
    return entry


def _compiled_again(monkeypatch: pytest.MonkeyPatch) -> bool:
    """A new process's view: template "a" renders from source, not from the entry."""
    fresh = _env({"a": "good"})
    compiled = _refuse_compiling(fresh, monkeypatch)
    return fresh.get_template("a").render() == "good" and compiled == ["a"]


def test_an_entry_not_signed_with_the_users_key_is_never_loaded(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bytecode someone else wrote (a poisoned entry under the right name) is not
    loaded, not even when it is well-formed: it is compiled again from source."""
    _env({"a": "good"}).get_template("a")
    entry = _entry(folder)
    poisoned = jinja2.Environment(loader=jinja2.DictLoader({"a": "POISON"}))
    bucket = jinja2.bccache.Bucket(poisoned, "a", "")
    bucket.code = poisoned.compile("POISON", "a", None)
    entry.write_bytes(bucket.bytecode_to_string())  # well-formed, but unsigned
    assert _compiled_again(monkeypatch)


def test_an_entry_others_can_write_is_not_loaded(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env({"a": "good"}).get_template("a")
    _entry(folder).chmod(0o666)
    assert _compiled_again(monkeypatch)


@pytest.mark.skipif(os.getuid() != 0, reason="making a file of another user needs root")
def test_an_entry_of_another_user_is_not_loaded(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env({"a": "good"}).get_template("a")
    os.chown(_entry(folder), 12345, 12345)
    assert _compiled_again(monkeypatch)


def test_a_cache_below_a_folder_others_can_write_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # world-writable, not sticky: the cache could be swapped
    monkeypatch.setenv(cache.ENV, str(shared / "kzru"))
    assert cache.folder("templates") is None
    monkeypatch.setenv(cache.ENV, "")
    monkeypatch.delenv(cache.ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
    assert cache.folder("templates") is None
    shared.chmod(0o1777)  # sticky, as /tmp: nobody else may move what is ours
    cache._folder.cache_clear()
    assert cache.folder("templates") is not None


def test_a_key_others_can_read_turns_the_cache_off(folder: Path) -> None:
    assert cache.folder("templates") is not None
    key = folder / "key"
    assert key.stat().st_mode & 0o777 == 0o600
    key.chmod(0o644)
    cache._folder.cache_clear()
    assert cache.folder("templates") is None
    key.unlink()
    key.symlink_to(folder / "elsewhere")
    cache._folder.cache_clear()
    assert cache.folder("templates") is None


@pytest.mark.parametrize("size", [100, 10_000, 100_000])
def test_a_part_written_again_gives_the_bytes_zipfile_gives(size: int) -> None:
    """Parts from 4 kB are kept compressed between documents: a document written
    with them again is byte for byte what zipfile itself writes."""
    from types import SimpleNamespace

    from kzru_reports.writers.docx.package import _StampedZip

    blob = bytes(range(256)) * (size // 512) + b"<w:t>text</w:t>" * (size // 30)
    uri = SimpleNamespace(membername="word/part.xml")
    made = []
    for _ in range(2):
        buf = io.BytesIO()
        with _StampedZip(buf, None) as out:
            out.write(uri, blob)
        made.append(buf.getvalue())
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w", zipfile.ZIP_DEFLATED) as z:
        entry = zipfile.ZipInfo("word/part.xml", date_time=(2000, 1, 1, 0, 0, 0))
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o600 << 16
        z.writestr(entry, blob)
    assert made[0] == made[1] == plain.getvalue()


def test_a_kept_value_is_made_once_and_made_again_when_unreadable(folder: Path) -> None:
    made: list[int] = []

    def make() -> dict[str, int]:
        made.append(1)
        return {"n": len(made)}

    def keep(value: dict[str, int]) -> bytes:
        return json.dumps(value).encode()

    def read_back(data: bytes) -> dict[str, int] | None:
        value = json.loads(data)
        return value if value.get("n") else None

    assert cache.kept("test", "one", make, keep, read_back) == {"n": 1}
    assert cache.kept("test", "one", make, keep, read_back) == {"n": 1} and len(made) == 1
    cache.write("test", "one", b"{not json")  # another layout: made again
    assert cache.kept("test", "one", make, keep, read_back) == {"n": 2}
    cache.write("test", "one", b'{"n": 0}')  # read back, but not usable
    assert cache.kept("test", "one", make, keep, read_back) == {"n": 3}
    assert cache.kept("test", "one", make, keep, read_back) == {"n": 3}
