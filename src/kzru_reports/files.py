"""The one place that writes output files: atomically, never half-written.

Content goes to a temporary file in the target folder, is flushed and fsynced, then
renamed over the target; a failure at any point leaves the previous file untouched.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path


def short_path(path: str | os.PathLike[str]) -> str:
    """A path as short as it can be said from the current folder: relative inside it,
    whole outside it (or on another drive), as messages name files."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)
    return str(path) if rel.startswith("..") else rel


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_dir(path.parent)


_OUTSIDE: ContextVar[bool] = ContextVar("kzru_outside_workspace", default=False)
_ROOT: ContextVar[Path | None] = ContextVar("kzru_workspace_root", default=None)


def allow_outside_workspace(allow: bool) -> None:
    """Let the config name files and folders outside its workspace (``kzru
    --allow-outside-workspace``); set once per command."""
    _OUTSIDE.set(allow)


@contextlib.contextmanager
def workspace_root(root: Path) -> Iterator[None]:
    """Paths read while this holds are confined to ``root`` (see ``in_workspace``)."""
    token = _ROOT.set(root)
    try:
        yield
    finally:
        _ROOT.reset(token)


def in_workspace(base: Path, value: str) -> Path:
    """``value`` (a path from a config file, relative to ``base``) as an absolute path,
    confined to the workspace being read: it may not leave the workspace's folder,
    and no folder or file on the way from the workspace's folder to it may be a
    symbolic link. ``ConfigError`` otherwise, unless the user allowed paths outside
    the workspace. Components are walked one by one, never resolved through a link."""
    from kzru_reports.errors import ConfigError

    root = _ROOT.get()
    if root is None or _OUTSIDE.get():
        return (base / value).resolve()
    hint = "(kzru --allow-outside-workspace lets the config name it)"
    start = Path(os.path.abspath(base))
    current = start if not os.path.isabs(value) else Path(Path(value).anchor)
    for part in Path(value).parts[1:] if os.path.isabs(value) else Path(value).parts:
        if part == "..":
            current = current.parent
            continue
        current = current / part
        if current.is_relative_to(root) and current.is_symlink():
            raise ConfigError(f"{value} goes through the symbolic link {current} {hint}")
    if not current.is_relative_to(root):
        raise ConfigError(f"{value} is outside the workspace {root} {hint}")
    return current


def read_regular(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ``ConfigError`` otherwise.

    The file is opened without blocking and checked on the open descriptor, so a
    FIFO (which would wait for a writer for ever), a device (``/dev/zero``, endless)
    or a folder is refused before a byte is read, and never more than ``limit`` plus
    one byte is read, whatever the file claims."""
    from kzru_reports.errors import ConfigError

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ConfigError(f"the {what} {path} cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"the {what} {path} is not a regular file")
        if info.st_size > limit:
            raise ConfigError(
                f"the {what} {path} is {info.st_size:,} bytes, over the limit of {limit:,}"
            )
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ConfigError(f"the {what} {path} is more than {limit:,} bytes, over the limit")
    return data


def _sync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
