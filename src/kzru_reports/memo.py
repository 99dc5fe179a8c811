"""Caches of derived objects (parsed fonts, styles, writers, theme blanks, label
catalogs, template environments), bounded and resettable in one place.

Each is keyed by everything its value is made from. A cache whose value is made
from files (a font, a logo, a theme's files) also keys on each file's identity
(``file_key``: modification time, size and inode), so a file replaced in place, as
an editor saves it, is read again rather than served stale: a resident engine
never needs to be told. An engine empties them all with ``clear``.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from pathlib import Path

F = TypeVar("F", bound=Callable[..., Any])
V = TypeVar("V")
Info = namedtuple("Info", "hits misses maxsize currsize")  # as functools.lru_cache says


class BoundedCache(Generic[V]):
    """At most ``maxsize`` entries; ``get_or_make`` makes a missing one (outside the
    lock: two threads may both make it, one result is kept)."""

    def __init__(self, name: str, maxsize: int) -> None:
        self.name = name
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
        value = make()
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    cache_clear = clear  # the names memo.clear and memo.sizes use

    def cache_info(self) -> Info:
        return Info(self.hits, self.misses, self.maxsize, len(self._data))


_ALL: dict[str, Any] = {}


def cached(
    maxsize: int, files: Callable[..., Iterable[str | os.PathLike[str]]] | None = None
) -> Callable[[F], F]:
    """``functools.lru_cache(maxsize)``, registered so that ``clear`` empties it;
    ``files`` (given the same arguments) names the files the value is made from."""

    def wrap(fn: F) -> F:
        name = f"{fn.__module__}.{fn.__qualname__}"
        if files is None:
            wrapped = functools.lru_cache(maxsize=maxsize)(fn)
            _ALL[name] = wrapped
            return wrapped  # type: ignore[return-value]

        def keyed(stamps: tuple[Any, ...], *args: Any) -> Any:
            return fn(*args)

        inner = functools.lru_cache(maxsize=maxsize)(keyed)
        _ALL[name] = inner

        @functools.wraps(fn)
        def outer(*args: Any) -> Any:
            return inner(tuple(file_key(f) for f in files(*args)), *args)

        outer.cache_info = inner.cache_info  # type: ignore[attr-defined]
        outer.cache_clear = inner.cache_clear  # type: ignore[attr-defined]
        # the same cache for a caller that has just looked at the files itself (a
        # loop asking thousands of times about one file stats it once): ``stamped(
        # tuple(file_key(f) for f in files(*args)), *args)``
        outer.stamped = inner  # type: ignore[attr-defined]
        return outer  # type: ignore[return-value]

    return wrap


def register(name: str, cache: Any) -> None:
    """Count a cache of another kind (one with ``cache_clear`` and ``cache_info``, as
    ``engine.caches.BoundedCache``) among those ``clear`` empties and ``sizes`` lists."""
    _ALL[name] = cache


def clear() -> None:
    """Empty every registered cache."""
    for fn in _ALL.values():
        fn.cache_clear()


def sizes() -> dict[str, tuple[int, int | None]]:
    """Each registered cache's (entries, bound), by qualified name."""
    out = {}
    for name, fn in _ALL.items():
        info = fn.cache_info()
        out[name] = (info.currsize, info.maxsize)
    return out


def file_key(path: str | os.PathLike[str]) -> tuple[str, int, int, int]:
    """A file's path with what changes when the file does."""
    try:
        st = os.stat(path)
    except OSError:
        return (str(path), -1, -1, -1)
    return (str(path), st.st_mtime_ns, st.st_size, st.st_ino)


def theme_files(theme: Any) -> tuple[Path, ...]:
    """Every file a ``Theme`` draws on: its fonts, logo and reference DOCX (this
    module imports nothing of the project, so that every cache can use it)."""
    found: list[Path] = []
    for family in (theme.body_font, theme.heading_font):
        found += [theme.font_path(face) for face in family.files]
    found += [f for f in (theme.logo, theme.reference_docx) if f is not None]
    return tuple(dict.fromkeys(found))
