"""The user's cache folder: what a build may keep between runs to start faster.

Only derived data lives here (compiled templates), each entry checked against its
source before use, so deleting the folder at any time loses nothing but speed.
``KZRU_CACHE_DIR`` names the folder; set it empty to keep nothing between runs.
Otherwise it is ``$XDG_CACHE_HOME/kzru-reports`` (``~/.cache/kzru-reports``).

What is read back from here is run as code (compiled templates), so a folder is
used only if it belongs to the user running the build and nobody else can write to
it; anything else (a shared or read-only folder, no home) turns the cache off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import stat
import sys
import tempfile
from pathlib import Path

from kzru_reports import limits

ENV = "KZRU_CACHE_DIR"
MAX_ENTRIES = limits.CACHE_ENTRIES  # per kind; the oldest go first


def folder(kind: str) -> Path | None:
    """The cache folder for one kind of entry, created if need be; None when caching
    is off or the folder cannot be trusted."""
    return _folder(kind, os.environ.get(ENV), os.environ.get("XDG_CACHE_HOME"))


@functools.cache
def _folder(kind: str, configured: str | None, xdg: str | None) -> Path | None:
    if configured is not None:
        if not configured.strip():
            return None
        root = Path(configured).expanduser()
    else:
        try:
            base = Path(xdg) if xdg else Path.home() / ".cache"
        except RuntimeError:  # no home folder
            return None
        root = base / "kzru-reports"
    path = root / kind
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return path if _trusted(root) and _trusted(path) else None


def _trusted(path: Path) -> bool:
    """Owned by this user, a real folder, writable by nobody else."""
    try:
        info = path.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    getuid = getattr(os, "getuid", None)
    return getuid is None or info.st_uid == getuid()


def entry_name(suffix: str, *parts: str | bytes) -> str:
    """The file name of the entry made from ``parts``: a hash of them together with
    the engine's own digest and the Python version, so that an entry written by other
    code (another release, an edited checkout) is never read back."""
    from kzru_reports.manifest import engine_digest

    h = hashlib.sha256()
    for part in (engine_digest(), sys.version, *parts):
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)
    return f"{h.hexdigest()[:40]}.{suffix}"


def read(kind: str, name: str) -> bytes | None:
    """An entry's bytes, or None (no cache, no entry, unreadable)."""
    where = folder(kind)
    if where is None:
        return None
    try:
        return (where / name).read_bytes()
    except OSError:
        return None


def write(kind: str, name: str, data: bytes) -> None:
    """Store an entry (whole or not at all: written aside, then renamed); failures
    are ignored, the cache being only an aid."""
    where = folder(kind)
    if where is None:
        return
    with contextlib.suppress(OSError):
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".part", dir=where)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, where / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _prune(where)


def _prune(where: Path) -> None:
    entries = [p for p in where.iterdir() if not p.name.startswith(".")]
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for old in entries[: len(entries) - MAX_ENTRIES]:
        with contextlib.suppress(OSError):
            old.unlink()
