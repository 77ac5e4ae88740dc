"""A least-recently-used cache bounded by the bytes it holds, not only by its number of entries.

`functools.lru_cache(maxsize=200_000)` bounds entries, so its memory grows with what the entries
are: 200,000 cached stems of 5,000-letter words hold a gigabyte. Every cache that user input
reaches is one of these instead; the size of an entry is estimated from its key and value
(strings by their length, tuples and frozensets by their items, numpy arrays by their buffer),
which is enough to keep the total within a small multiple of the budget.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, TypeVar

T = TypeVar("T")
ENTRY_OVERHEAD = 100  # bytes of bookkeeping per entry (the ordered dict's node, the key tuple)


def approximate_size(value: Any) -> int:
    """Bytes a value holds, roughly: enough to keep a cache within its budget, cheap to compute."""
    if isinstance(value, str | bytes):
        return sys.getsizeof(value)
    if isinstance(value, tuple | list | frozenset | set):
        return sys.getsizeof(value) + sum(approximate_size(item) for item in value)
    nbytes = getattr(value, "nbytes", None)  # numpy arrays
    if isinstance(nbytes, int):
        return nbytes + 112
    if isinstance(value, re.Pattern):
        return 8 * len(value.pattern) + 200  # the compiled program is several times the pattern
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sys.getsizeof(value) + sum(
            approximate_size(getattr(value, f.name)) for f in dataclasses.fields(value)
        )
    return sys.getsizeof(value)


class ByteBoundedCache:
    """Key → value, the least recently used entries dropped once the held bytes exceed the budget.

    An entry larger than an eighth of the budget is not kept at all: one huge value must not
    push out everything else. Thread-safe.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes_held(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, default: Any = None) -> Any:
        # Without the lock: OrderedDict's get and move_to_end are each one step under the GIL; a
        # key dropped by another thread in between only misses its move to the recent end.
        entry = self._entries.get(key)
        if entry is None:
            return default
        try:
            self._entries.move_to_end(key)
        except KeyError:
            pass
        return entry[0]

    def put(self, key: Hashable, value: Any) -> None:
        size = approximate_size(key) + approximate_size(value) + ENTRY_OVERHEAD
        if size > self.max_bytes // 8:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def byte_bounded_cache(max_bytes: int) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Memoise a function of hashable positional arguments in a ByteBoundedCache (`.cache` on the wrapper)."""

    def decorate(function: Callable[..., T]) -> Callable[..., T]:
        cache = ByteBoundedCache(max_bytes)
        missing = object()

        @wraps(function)
        def cached(*args: Hashable) -> T:
            value = cache.get(args, missing)
            if value is missing:
                value = function(*args)
                cache.put(args, value)
            return value

        cached.cache = cache  # type: ignore[attr-defined]
        return cached

    return decorate
