"""Keeping the vector index in step with the store: embed what is new (through the cache), add and
remove chunk vectors, persist, and swap the index a searcher sees only when it is complete."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from index import Embedder, VectorIndex, VectorIndexError, load_embedder, read_manifest
from kb.catalog import Catalog, chunk_fingerprint
from kb.settings import Settings
from kb.store import Store

EMBED_BATCH = 64

Progress = Callable[[int, int], None]  # (texts embedded so far, texts to embed)


@dataclass
class IndexReport:
    added: int = 0
    removed: int = 0
    embedded: int = 0  # texts that went through the model (the rest came from the cache)
    rebuilt: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        line = f"index: {self.added} added, {self.removed} removed, {self.embedded} newly embedded"
        return line + (" (rebuilt)" if self.rebuilt else "")


class DenseIndex:
    """The process's one embedding model and vector index, shared by all threads."""

    def __init__(self, settings: Settings, threads: int | None = None):
        self.settings = settings
        self._threads = settings.threads or threads
        self._embedder: Embedder | None = None
        self._index: VectorIndex | None = None
        self._generation: int | None = None
        self._sync_lock = threading.Lock()
        # One model call at a time: the engine is not documented as thread-safe, and on two cores
        # parallel calls only compete for the same cores.
        self._model_lock = threading.RLock()

    @property
    def embedder(self) -> Embedder:
        with self._model_lock:
            if self._embedder is None:
                self._embedder = load_embedder(
                    self.settings.model,
                    threads=self._threads,
                    query_prefix=self.settings.query_prefix,
                    passage_prefix=self.settings.passage_prefix,
                )
            return self._embedder

    def current(self, store: Store) -> VectorIndex:
        """The index matching the store now; brought up to date first if the store has changed."""
        if self._index is None or self._generation != store.generation():
            self.sync(store)
        assert self._index is not None
        return self._index

    def embed_query(self, text: str) -> np.ndarray:
        with self._model_lock:
            return self.embedder.embed_queries([text])[0]

    def vectors_for(
        self, store: Store, texts: dict[str, str], progress: Progress | None = None
    ) -> tuple[dict[str, np.ndarray], int]:
        """Vectors for {text_hash: text}: from the cache, the rest embedded and cached. Returns (vectors, n embedded)."""
        model_id = self.embedder.model_id
        found = store.cached_vectors(model_id, texts)
        missing = [h for h in texts if h not in found]
        for start in range(0, len(missing), EMBED_BATCH):
            batch = missing[start : start + EMBED_BATCH]
            with self._model_lock:
                vectors = self.embedder.embed_passages([texts[h] for h in batch])
            fresh = dict(zip(batch, vectors, strict=True))
            store.cache_vectors(model_id, fresh)
            found.update(fresh)
            if progress:
                progress(min(start + EMBED_BATCH, len(missing)), len(missing))
        return found, len(missing)

    def sync(self, store: Store, rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
        """Bring the index up to date with the store; rebuild when asked or when it cannot be trusted."""
        with self._sync_lock:
            return self._sync_locked(store, rebuild, progress)

    def _sync_locked(self, store: Store, rebuild: bool, progress: Progress | None) -> IndexReport:
        report = IndexReport()
        catalog = Catalog(store.db)
        generation = store.generation()
        refs = catalog.chunk_refs()
        # From the same read as the chunk list: a commit landing between two reads would leave an
        # index that names chunks it does not hold, and no later sync would notice.
        fingerprint = chunk_fingerprint((chunk_id, text_hash) for chunk_id, text_hash, _ in refs)
        index = None if rebuild else self._usable_index(report)
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
        vectors, report.embedded = self.vectors_for(
            store, {wanted[i][0]: wanted[i][1] for i in todo}, progress
        )
        if todo:
            index.add(np.array(todo, dtype=np.int64), np.stack([vectors[wanted[i][0]] for i in todo]))
        report.added = len(todo)
        index.save(self.settings.index_dir, fingerprint)
        self._index, self._generation = index, generation
        return report

    def _usable_index(self, report: IndexReport) -> VectorIndex | None:
        """The index in memory or on disk, if it was built by the configured model; None means rebuild."""
        index = self._index
        if index is None:
            if read_manifest(self.settings.index_dir) is None:
                return None
            try:
                index = VectorIndex.load(self.settings.index_dir)
            except VectorIndexError as error:
                report.notes.append(f"vector index unreadable ({error}); rebuilding")
                return None
        model_id = self.embedder.model_id
        if index.manifest is None or index.manifest.model_id != model_id:
            built_with = index.manifest.model_id if index.manifest else "an unknown model"
            report.notes.append(
                f"vector index was built with {built_with}, configured model is {model_id}; rebuilding"
            )
            return None
        return index
