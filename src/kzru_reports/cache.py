"""The user's cache folder: what a build may keep between runs to start faster.

Only derived data lives here (compiled templates), each entry checked against its
source before use, so deleting the folder at any time loses nothing but speed.
``KZRU_CACHE_DIR`` names the folder; set it empty to keep nothing between runs.
Otherwise it is ``$XDG_CACHE_HOME/kzru-reports`` (``~/.cache/kzru-reports``).

What is read back from here is run as code (compiled templates), so nothing is
trusted for being there: every entry is signed (HMAC-SHA256 over its kind, name and
bytes) with a per-user key kept in the folder (``key``, mode 0600, made once with
``O_EXCL``), and read back only when the signature is right and the entry is a
regular file of this user that nobody else can write, opened without following a
link. The folder is used only if it and the folders above it belong to the user
(or the system) and nobody else can write to them (a sticky ``/tmp`` excepted);
anything else (a shared or read-only folder, no home) turns the cache off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import secrets
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from kzru_reports import limits

ENV = "KZRU_CACHE_DIR"
T = TypeVar("T")
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
    trusted = _trusted(root) and _trusted(path) and _ancestors_trusted(root)
    return path if trusted and _key(root) is not None else None


def _uid() -> int | None:
    getuid = getattr(os, "getuid", None)
    return None if getuid is None else int(getuid())


def _trusted(path: Path) -> bool:
    """Owned by this user, a real folder, writable by nobody else."""
    try:
        info = path.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    return _uid() is None or info.st_uid == _uid()


def _ancestors_trusted(root: Path) -> bool:
    """Every folder above the cache folder, up to ``/``, belongs to this user or to
    the system (root), and is writable by nobody else unless it is sticky (``/tmp``):
    otherwise someone else could move the cache folder away and put theirs there."""
    uid = _uid()
    if uid is None:  # pragma: no cover - no POSIX owners
        return True
    for folder in Path(os.path.abspath(root)).parents:
        try:
            info = folder.stat()  # a link above the cache folder is followed, as the OS does
        except OSError:
            return False
        if info.st_uid not in (uid, 0):
            return False
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not info.st_mode & stat.S_ISVTX:
            return False
    return True


_KEY_NAME = "key"
_MAGIC = b"kzru-cache-hmac-sha256\n"


def _key(root: Path) -> bytes | None:
    """The per-user secret that signs every entry (``ROOT/key``, mode 0600, made
    once with ``O_EXCL``); None when it is not this user's own private file."""
    path = root / _KEY_NAME
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(
            path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600
        )
    except FileExistsError:
        pass
    except OSError:
        return None
    else:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not _private(os.fstat(fh.fileno())):
            return None
        key = fh.read(65)
    return key if len(key) == 32 else None


def _private(info: os.stat_result) -> bool:
    """A regular file of this user that nobody else can read or write."""
    if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077:
        return False
    return _uid() is None or info.st_uid == _uid()


def _signature(key: bytes, kind: str, name: str, data: bytes) -> bytes:
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in (kind.encode(), name.encode(), data):
        mac.update(len(part).to_bytes(8, "big") + part)
    return mac.digest()


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
    """An entry's bytes, or None (no cache, no entry, unreadable, or not exactly as
    this user's engine wrote it: an entry is used only when it is a regular file of
    this user that nobody else can write, not a link, and its signature, made with
    the per-user key over the kind, the name and the bytes, is right)."""
    where = folder(kind)
    key = None if where is None else _key(where.parent)
    if where is None or key is None:
        return None
    try:
        fd = os.open(
            where / name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o022:
            return None
        if _uid() is not None and info.st_uid != _uid():
            return None
        raw = fh.read()
    head, size = len(_MAGIC), len(_MAGIC) + 32
    if not raw.startswith(_MAGIC) or len(raw) < size:
        return None
    data = raw[size:]
    if not hmac.compare_digest(raw[head:size], _signature(key, kind, name, data)):
        return None
    return data


def kept(
    kind: str,
    name: str,
    make: Callable[[], T],
    encode: Callable[[T], bytes],
    decode: Callable[[bytes], T | None],
) -> T:
    """The value kept under ``name``, as ``decode`` reads it back, or made now and
    kept. ``decode`` answers None (or fails) for an entry it cannot use, which is then
    made again: entries are signed by this user's engine, so such an entry is one of
    another layout or damaged, never someone else's."""
    data = read(kind, name)
    if data is not None:
        try:
            value = decode(data)
        except Exception:
            value = None
        if value is not None:
            return value
    value = make()
    write(kind, name, encode(value))
    return value


def write(kind: str, name: str, data: bytes) -> None:
    """Store an entry (whole or not at all: written aside, then renamed); failures
    are ignored, the cache being only an aid."""
    where = folder(kind)
    key = None if where is None else _key(where.parent)
    if where is None or key is None:
        return
    with contextlib.suppress(OSError):
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".part", dir=where)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_MAGIC + _signature(key, kind, name, data) + data)
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
