"""Keeping the vector index in step with the store: embed what is new (through the cache), add and
remove chunk vectors, persist, and swap the index a searcher sees only when it is complete."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import TypeVar

import numpy as np

from index import Embedder, IndexMismatchError, VectorIndex, VectorIndexError, load_embedder, read_manifest
from index.embedders import fit_to_tokens
from index.index_files import Manifest
from kb.bounded_cache import ByteBoundedCache
from kb.catalog import Catalog, chunk_fingerprint
from kb.chunking import text_hash
from kb.input_limits import MAX_QUERY_TOKENS
from kb.settings import Settings
from kb.store import Store

EMBED_BATCH = 64
BACKGROUND_NICE = 10
# Vectors of recent queries: 384 float32 plus the query text, ~2-4 KB each, so ~1,000-2,000 queries.
QUERY_VECTOR_CACHE_BYTES = 4 * 1024 * 1024
# Threads that run a search's keyword half while its own thread embeds the query; as many as the
# web server has request threads, so no search queues behind another for a thread.
QUERY_EMBED_WORKERS = 4
# A query that the bound without the model puts at up to this many tokens is embedded whole while
# a worker counts its tokens; the count exceeds MAX_QUERY_TOKENS for no ordinary text so short,
# and where it does the cut query is embedded after: one embedding of at most this many tokens
# (about 2.5 times a normal query's) in vain.
QUERY_TOKENS_EMBEDDED_IN_VAIN = 2 * MAX_QUERY_TOKENS
# Off the request path, small batches: a search waits for the model at most one batch long.
BACKGROUND_BATCH = 8
# While another process is embedding (its vectors keep arriving in the shared cache) the catch-up
# only takes them from there; it embeds itself once no vector has arrived for a while (that
# process died, or never embeds).
BACKGROUND_POLL_S = 1.0
BACKGROUND_STALL_S = 10.0
BACKGROUND_PAUSE_S = 0.05  # between batches, so waiting searches get the model (locks are not fair)

T = TypeVar("T")
Progress = Callable[[int, int], None]  # (texts embedded so far, texts to embed)


@dataclass
class IndexReport:
    added: int = 0
    removed: int = 0
    embedded: int = 0  # texts that went through the model (the rest came from the cache)
    rebuilt: bool = False
    missing: int = 0  # passages left out for want of a vector (a catch-up that does not embed)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        line = f"index: {self.added} added, {self.removed} removed, {self.embedded} newly embedded"
        return line + (" (rebuilt)" if self.rebuilt else "")


class IndexSynchroniser:
    """The process's one embedding model and vector index, shared by all threads."""

    def __init__(self, settings: Settings, threads: int | None = None, embedder: Embedder | None = None):
        """embedder: one made elsewhere (tests); otherwise settings.model is loaded on first use."""
        self.settings = settings
        self._threads = settings.threads or threads
        self._embedder: Embedder | None = embedder
        self._injected = embedder is not None  # tests: the catch-up shares it (see _passage_model)
        self._catch_up_model: Embedder | None = None
        self._catch_up_lock = threading.RLock()
        self._index: VectorIndex | None = None
        self._generation: int | None = None
        self._sync_lock = threading.Lock()
        self._background_lock = threading.Lock()
        self._background: threading.Thread | None = None
        # One model call at a time: the engine is not documented as thread-safe, and on two cores
        # parallel calls only compete for the same cores. The process's one model lock: the
        # embedder backends have none of their own.
        self._model_lock = threading.RLock()
        self._query_vectors = ByteBoundedCache(QUERY_VECTOR_CACHE_BYTES)
        self._query_pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is not None:  # loaded: no lock (a search holds it for its whole model call)
            return self._embedder
        with self._model_lock:
            if self._embedder is None:
                self._embedder = load_embedder(
                    self.settings.model,
                    threads=self._threads,
                    query_prefix=self.settings.query_prefix,
                    passage_prefix=self.settings.passage_prefix,
                )
            return self._embedder

    def current(self, store: Store, generation: int | None = None) -> VectorIndex:
        """The index to search now: the complete index for the store's latest state where it can be
        had without waiting or embedding; otherwise the last complete one (the keyword half of a
        search already sees new text). Only the very first call of a process waits for a sync.
        generation: the store's, where the caller (a search) has read it already (a mismatch is
        read again: a write may have landed, and been indexed, since)."""
        if self._index is None:
            self.sync(store)
        elif (
            self._generation != generation
            and self._generation != store.generation()
            and self._sync_lock.acquire(blocking=False)
        ):
            try:
                self._sync_locked(store, rebuild=False, progress=None, embed=False)
            finally:
                self._sync_lock.release()
            if self._generation != store.generation():
                self._start_background_sync()
        assert self._index is not None
        return self._index

    def _start_background_sync(self) -> None:
        """Embed what no one has embedded yet (a writer still at work, or one that died) off the
        request path; searches meanwhile use the last index and wait at most for one small batch."""
        with self._background_lock:
            if self._background is not None and self._background.is_alive():
                return
            self._background = threading.Thread(
                target=self._background_sync, name="index-catch-up", daemon=True
            )
            self._background.start()

    def _background_sync(self) -> None:
        # This thread embeds what another process's ingest left missing: at a lower priority than
        # the searches of the same process (Linux sets a nice value per thread).
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
        store = Store(self.settings.db_path)
        try:
            missing, last_progress, embedding = None, time.monotonic(), False
            while self._generation != store.generation():
                embedding = embedding or time.monotonic() - last_progress > BACKGROUND_STALL_S
                if embedding:
                    # One small batch into the shared cache, outside the index lock: each step
                    # below takes it, or the index another process saved meanwhile (holding the
                    # lock through all batches kept a finished ingest's index out for minutes).
                    self._embed_missing_batch(store)
                    time.sleep(BACKGROUND_PAUSE_S)
                else:
                    time.sleep(BACKGROUND_POLL_S)
                with self._sync_lock:
                    report = self._sync_locked(store, rebuild=False, progress=None, embed=False)
                if missing is None or report.missing < missing or report.added:
                    last_progress = time.monotonic()
                missing = report.missing
        finally:
            store.close()

    def _embed_missing_batch(self, store: Store) -> None:
        """Embed (into the cache) up to BACKGROUND_BATCH passages the served index lacks."""
        index = self._index
        present = set(index.ids().tolist()) if index is not None else set()
        catalog = Catalog(store.db)
        # half a batch of passages: each may come with its text without the title (_sync_locked),
        # and the two together still make one model call of at most BACKGROUND_BATCH texts
        todo = [(i, h, text) for i, h, text in catalog.chunk_refs() if i not in present]
        todo = todo[: max(1, BACKGROUND_BATCH // 2)]
        if todo:
            texts = {h: text for _, h, text in todo}
            if self.settings.untitled_order:
                texts.update(catalog.untitled_passages([i for i, _, _ in todo]))
            self.vectors_for(store, texts, batch=BACKGROUND_BATCH)

    def wait_for_background_sync(self, timeout: float | None = None) -> None:
        """Wait until a catch-up running off the request path has finished (for tests and tools)."""
        thread = self._background
        if thread is not None:
            thread.join(timeout)

    @property
    def model_lock(self) -> threading.RLock:
        """Held around every model call (tools that call the embedder directly take it too)."""
        return self._model_lock

    def embed_query(self, text: str) -> np.ndarray:
        """The query's vector, from at most MAX_QUERY_TOKENS of it; a query asked again (a filter
        change, the way back, the answer page, the partner finder after a search) comes from a
        cache bounded in bytes, not the model."""
        return self.embed_query_beside(text, None)[0]

    def embed_query_beside(self, text: str, work: Callable[[], T] | None) -> tuple[np.ndarray, T | None]:
        """The query's vector (as embed_query) and what `work` returns, `work` running on a worker
        thread while this one is inside the model call.

        The model call releases the interpreter, so Python work beside it is free. The other way
        round (the model on a worker, the keyword half here) cost ~10 ms per search on the sample:
        each of the worker's steps into and out of native code had to win the interpreter lock back
        from the busy caller, which can take a switch interval (5 ms), and waking the worker took
        as long again on a loaded machine; here the worker wakes while the model runs."""
        key = (self.embedder.model_id, " ".join(text.split()))
        vector = self._query_vectors.get(key)
        if vector is not None:
            return vector, work() if work else None
        future: Future | None = None
        if not self._model_lock.acquire(blocking=False):  # another call has the model: start meanwhile
            future = self._submit(work)
            self._model_lock.acquire()
        try:
            counted, future = self._count_beside(key[1], work, future)
            if counted is None:  # the tokenizer belongs to the model: counted here, before the call
                count = getattr(self.embedder, "query_tokens", None)
                at_most = getattr(self.embedder, "query_tokens_at_most", None)
                fitted = fit_to_tokens(key[1], MAX_QUERY_TOKENS, count, at_most) if count else key[1]
                future = future or self._submit(work)
                vector = self.embedder.embed_queries([fitted])[0]
            else:
                vector = self._embed_counted_beside(key[1], counted)
        except BaseException:
            self._model_lock.release()  # first: the work may need the model (through an index sync)
            if future is not None:
                wait([future])  # the work may use the caller's store connection: let it finish first
            raise
        self._model_lock.release()
        vector.flags.writeable = False  # shared by every search that asks the same
        self._query_vectors.put(key, vector)
        return vector, future.result() if future else None

    def _count_beside(
        self, text: str, work: Callable[[], T] | None, started: Future | None
    ) -> tuple[Future | None, Future | None]:
        """(the query's token count, the work's future): the count started on a worker thread,
        ahead of the work in the same job, for a query that the bound without the model cannot
        settle but that is short enough to embed whole in vain (None: count it first, on this
        thread). A new query's count took 0.2 ms after a model call, on the search's path; beside
        the model it is free, and the embedding of the uncut query is the right one unless the
        count exceeds MAX_QUERY_TOKENS (the bound is 2-7 times the count of ordinary text;
        exceeding the limit within the bound takes under ~2 characters a token). One job, not
        two: each hand-over to a worker costs the searching thread 0.05-0.08 ms."""
        embedder = self.embedder
        if not getattr(embedder, "counts_beside_model", False):
            return None, started
        at_most = embedder.query_tokens_at_most(text)
        if at_most <= MAX_QUERY_TOKENS or at_most > QUERY_TOKENS_EMBEDDED_IN_VAIN:
            return None, started
        if started is not None or work is None:  # the work runs already, or there is none
            return self._submit(lambda: embedder.query_tokens(text)), started
        counted: Future = Future()

        def count_then_work() -> T:
            try:
                counted.set_result(embedder.query_tokens(text))
            except Exception as error:  # the searching thread raises it
                counted.set_exception(error)
            return work()

        return counted, self._submit(count_then_work)

    def _embed_counted_beside(self, text: str, counted: Future) -> np.ndarray:
        """The uncut query's vector if it is within MAX_QUERY_TOKENS, else the cut one's (the same
        cut as fit_to_tokens makes on this thread)."""
        vector = self.embedder.embed_queries([text])[0]
        # Never wait for the worker while holding the model: its queue may hold other searches'
        # keyword halves, which wait for the index, whose sync may wait for the model (a deadlock
        # of every search of a fresh process, seen with concurrent first searches). Not counted
        # yet: counted here, as before the count moved beside the model.
        tokens = counted.result() if counted.done() else self.embedder.query_tokens(text)
        if tokens <= MAX_QUERY_TOKENS:
            return vector
        fitted = fit_to_tokens(text, MAX_QUERY_TOKENS, self.embedder.query_tokens)
        return self.embedder.embed_queries([fitted])[0]

    def _submit(self, work: Callable[[], T] | None) -> Future | None:
        if work is None:
            return None
        with self._pool_lock:
            if self._query_pool is None:
                self._query_pool = ThreadPoolExecutor(QUERY_EMBED_WORKERS, thread_name_prefix="query-beside")
            return self._query_pool.submit(work)

    def forget_query_vectors(self) -> None:
        self._query_vectors.clear()

    def close(self) -> None:
        """End the query threads (a search still running gets its vector first)."""
        with self._pool_lock:
            pool, self._query_pool = self._query_pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def passage_vectors(self, store: Store, texts: list[str]) -> np.ndarray:
        """Vectors of passages that are not chunks (the relevance floor's counter-passages), in
        order, through the embedding cache: embedded once per model and store, not per process."""
        hashes = [text_hash(text) for text in texts]
        found, _ = self.vectors_for(store, dict(zip(hashes, texts, strict=True)))
        return np.stack([found[h] for h in hashes])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._model_lock:
            return self.embedder.embed_queries(texts)

    def vectors_for(
        self,
        store: Store,
        texts: dict[str, str],
        progress: Progress | None = None,
        embed: bool = True,
        batch: int = EMBED_BATCH,
        pause: float = 0.0,
    ) -> tuple[dict[str, np.ndarray], int]:
        """Vectors for {text_hash: text}: from the cache, the rest embedded and cached (unless not
        to embed). Returns (vectors, n embedded)."""
        model_id = self.embedder.model_id
        found = store.cached_vectors(model_id, texts)
        missing = [h for h in texts if h not in found] if embed else []
        embedder, model_lock = self._passage_model() if missing else (self.embedder, self._model_lock)
        for start in range(0, len(missing), batch):
            hashes = missing[start : start + batch]
            with model_lock:
                vectors = embedder.embed_passages([texts[h] for h in hashes])
            fresh = dict(zip(hashes, vectors, strict=True))
            store.cache_vectors(model_id, fresh)
            found.update(fresh)
            if progress:
                progress(min(start + batch, len(missing)), len(missing))
            if pause:
                time.sleep(pause)
        return found, len(missing)

    def _passage_model(self) -> tuple[Embedder, threading.RLock]:
        """The model and its lock for embedding passages on this thread. The catch-up thread runs
        at nice 10 and gets little CPU while searches and an ingest are busy: holding the searches'
        model lock, one batch of it kept searches waiting up to 10.9 s (bench/load.py, during an
        ingest). It embeds with a model instance of its own (~25 MB, made on first use) instead."""
        if threading.current_thread() is not self._background or self._injected:
            return self.embedder, self._model_lock
        with self._background_lock:
            if self._catch_up_model is None:
                self._catch_up_model = load_embedder(
                    self.settings.model,
                    threads=1,
                    query_prefix=self.settings.query_prefix,
                    passage_prefix=self.settings.passage_prefix,
                )
        return self._catch_up_model, self._catch_up_lock

    def sync(
        self,
        store: Store,
        rebuild: bool = False,
        progress: Progress | None = None,
        batch: int = EMBED_BATCH,
        pause: float = 0.0,
    ) -> IndexReport:
        """Bring the index up to date with the store; rebuild when asked or when it cannot be trusted."""
        with self._sync_lock:
            return self._sync_locked(store, rebuild, progress, batch=batch, pause=pause)

    def _sync_locked(
        self,
        store: Store,
        rebuild: bool,
        progress: Progress | None,
        embed: bool = True,
        batch: int = EMBED_BATCH,
        pause: float = 0.0,
    ) -> IndexReport:
        """Sync; with embed=False (a search catching up) only cached vectors are used, and an index
        still missing some is served but neither saved nor taken as up to date."""
        report = IndexReport()
        catalog = Catalog(store.db)
        generation = store.generation()
        refs = catalog.chunk_refs()
        # From the same read as the chunk list: a commit landing between two reads would leave an
        # index that names chunks it does not hold, and no later sync would notice.
        fingerprint = chunk_fingerprint((chunk_id, text_hash) for chunk_id, text_hash, _ in refs)
        index = None if rebuild else self._usable_index(report, fingerprint)
        if index is not None and index.manifest and index.manifest.fingerprint == fingerprint:
            self._index, self._generation = index, generation
            return report
        wanted = {chunk_id: (text_hash, text) for chunk_id, text_hash, text in refs}
        if index is None:
            index = VectorIndex.create(
                self.embedder.dim,
                self.embedder.model_id,
                kind=self.settings.index_kind,
                expected_size=len(refs),
            )
            report.rebuilt = True
        else:
            index = index.copy()  # searchers keep the old one until the new one is complete
        present = set(index.ids().tolist())
        stale = np.array(sorted(present - wanted.keys()), dtype=np.int64)
        if len(stale):
            report.removed = index.remove(stale)
        todo = sorted(wanted.keys() - present)
        texts = {wanted[i][0]: wanted[i][1] for i in todo}
        if embed and self.settings.untitled_order:  # German questions are ordered by the passages
            # without their title too (kb.untitled_order; the vectors go to the cache only)
            texts.update(catalog.untitled_passages(todo))
        vectors, report.embedded = self.vectors_for(
            store, texts, progress, embed=embed, batch=batch, pause=pause
        )
        ready = [i for i in todo if wanted[i][0] in vectors]
        if ready:
            index.add(np.array(ready, dtype=np.int64), np.stack([vectors[wanted[i][0]] for i in ready]))
        report.added = len(ready)
        if len(ready) < len(todo):  # another process is still embedding: serve what we have
            report.missing = len(todo) - len(ready)
            self._index = label_partial(index, wanted)
            return report
        index.save(self.settings.index_dir, fingerprint)
        self._index, self._generation = index, generation
        return report

    def _usable_index(self, report: IndexReport, fingerprint: str) -> VectorIndex | None:
        """The index to update: the one on disk if another process saved it for exactly this store
        state, else the one in memory, else the one on disk; None means rebuild."""
        index = self._index
        on_disk = read_manifest(self.settings.index_dir)
        # VectorIndex.load checks that an index on disk was built with the configured model
        ours = {"expect_model_id": self.embedder.model_id, "expect_dim": self.embedder.dim}
        if index is not None and on_disk is not None and on_disk.fingerprint == fingerprint:
            try:  # another process saved the index for exactly this store state: take it
                index = VectorIndex.load(self.settings.index_dir, **ours)
            except VectorIndexError:
                pass  # keep updating the one in memory
        elif index is None:
            if on_disk is None:
                return None
            try:
                index = VectorIndex.load(self.settings.index_dir, **ours)
            except IndexMismatchError as error:
                report.notes.append(f"vector index: {error.args[0].removesuffix('; rebuild it')}; rebuilding")
                return None
            except VectorIndexError as error:
                report.notes.append(f"vector index unreadable ({error}); rebuilding")
                return None
        if index.manifest is None:  # in memory, never saved: made before a model was recorded with it
            report.notes.append("vector index was built with an unknown model; rebuilding")
            return None
        return index


def label_partial(index: VectorIndex, wanted: dict[int, tuple[str, str]]) -> VectorIndex:
    """The index, with a manifest naming exactly the chunks it holds (it is served, never saved).

    A copy keeps the manifest of the index it was copied from; a catch-up that found only some of
    the new vectors would otherwise be served under the old store state's fingerprint: searches
    saw an index whose vectors were not the chunks its manifest names, and once the store returned
    to that state (the new file deleted again) the index would pass as complete, vectors of deleted
    chunks and all. Every id held is in `wanted` (stale ones were removed)."""
    held = chunk_fingerprint((chunk_id, wanted[chunk_id][0]) for chunk_id in index.ids().tolist())
    base = index.manifest or Manifest(index.model_id, index.dim, 0, "", index.kind)
    index.manifest = replace(base, fingerprint=held, count=len(index), generation="", files={})
    return index
