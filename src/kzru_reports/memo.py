"""Caches of derived objects (parsed fonts, styles, theme blanks, label catalogs),
bounded and resettable in one place.

Each is keyed by everything its value is made from; a cache keyed by a file's path
also carries the file's identity (``file_key``: modification time, size and inode),
so a font or logo replaced in place is read again rather than served stale. An
engine empties them all with ``clear`` when it starts afresh.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_ALL: list[Any] = []


def cached(maxsize: int) -> Callable[[F], F]:
    """``functools.lru_cache(maxsize)``, registered so that ``clear`` empties it."""

    def wrap(fn: F) -> F:
        wrapped = functools.lru_cache(maxsize=maxsize)(fn)
        _ALL.append(wrapped)
        return wrapped  # type: ignore[return-value]

    return wrap


def clear() -> None:
    """Empty every registered cache."""
    for fn in _ALL:
        fn.cache_clear()


def sizes() -> dict[str, tuple[int, int]]:
    """Each registered cache's (entries, bound), by qualified name."""
    out = {}
    for fn in _ALL:
        info = fn.cache_info()
        out[f"{fn.__module__}.{fn.__qualname__}"] = (info.currsize, info.maxsize)
    return out


def file_key(path: str | os.PathLike[str]) -> tuple[str, int, int, int]:
    """A file's path with what changes when the file does."""
    try:
        st = os.stat(path)
    except OSError:
        return (str(path), -1, -1, -1)
    return (str(path), st.st_mtime_ns, st.st_size, st.st_ino)
