"""Shared fixtures: a cache folder of the tests' own, the shipped visit and a made-up one
built once a session, and a fresh current folder. Helpers are in ``readers``."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .readers import SHIPPED, SUMMIT

# The tests, and the programs they start, keep compiled templates in a folder of their
# own, never in the user's cache (set on import, before any test module reads environ).
_CACHE = tempfile.mkdtemp(prefix="kzru-test-cache-")
os.environ["KZRU_CACHE_DIR"] = _CACHE


@pytest.fixture(autouse=True, scope="session")
def _own_cache_folder() -> Iterator[None]:
    yield
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped visit built once for the whole session (all documents, both formats)."""
    from kzru_reports import api

    out = tmp_path_factory.mktemp("shipped")
    report = api.build([SHIPPED], api.BuildOptions(out=str(out)))
    assert report.ok, report.errors
    return out / "kz-ru-state-visit-2025" / "analyst"


@pytest.fixture(scope="session")
def summit_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kzru_reports import api

    out = tmp_path_factory.mktemp("summit")
    report = api.build([SUMMIT], api.BuildOptions(out=str(out)))
    assert report.ok, report.errors
    return out / "astana-summit-2026" / "analyst"


@pytest.fixture()
def inside(tmp_path: Path) -> Iterator[Path]:
    """Run with the current folder in a fresh temporary folder."""
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)
