"""Bounded caches an engine owns: least recently used entries go first, every
cache can be emptied, and each is safe to use from several threads."""

from __future__ import annotations

import threading
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

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
