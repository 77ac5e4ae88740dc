"""The model half of the target-group mapping, for one process: wordings no rule knows are filed
by the configured embedding model (kb.group_mapping holds the logic, this module the store and model)."""

from __future__ import annotations

import hashlib
import threading

import numpy as np

from kb.group_mapping import GroupModel, map_wordings, pending_wordings
from kb.indexing import IndexSynchroniser
from kb.store import Store
from kb.vocabulary import Vocabulary, load_vocabulary


class GroupMapper:
    """The model half of the mapping, for one process: the group examples' vectors are made once
    (and cached in the store's embedding cache under a query key, so a restart does not embed them again)."""

    def __init__(self, dense: IndexSynchroniser):
        self.dense = dense
        self._model: GroupModel | None = None
        self._model_key: tuple[str, str] | None = None
        self._lock = threading.Lock()

    def complete(self, store: Store) -> int:
        """Map the stored wordings whose mapping is missing or stale; returns how many were mapped."""
        vocabulary = load_vocabulary()
        model_id = self.dense.embedder.model_id
        with self._lock:
            pending = pending_wordings(store.db, vocabulary, model_id)
            if not pending:
                return 0
            model = self._group_model(store, vocabulary, model_id)
            mappings = map_wordings([text for _, text in pending], vocabulary, model)
            store.save_target_group_mappings(pending, mappings, model_id)  # type: ignore[arg-type]
            return len(pending)

    def _group_model(self, store: Store, vocabulary: Vocabulary, model_id: str) -> GroupModel:
        key = (model_id, vocabulary.version())
        if self._model is None or self._model_key != key:

            def embed(texts: list[str]) -> np.ndarray:
                return cached_query_vectors(store, self.dense, texts)

            self._model, self._model_key = GroupModel(vocabulary, embed), key
        return self._model


def cached_query_vectors(store: Store, dense: IndexSynchroniser, texts: list[str]) -> np.ndarray:
    """Query-side vectors of short texts, through the store's embedding cache (keyed apart from passages)."""
    model_id = dense.embedder.model_id
    hashes = [hashlib.sha256(f"query\0{text}".encode()).hexdigest() for text in texts]
    found = store.cached_vectors(model_id, hashes)
    missing = [i for i, h in enumerate(hashes) if h not in found]
    if missing:
        vectors = dense.embed_queries([texts[i] for i in missing])
        fresh = {hashes[i]: vector for i, vector in zip(missing, vectors, strict=True)}
        store.cache_vectors(model_id, fresh)
        found.update(fresh)
    return np.stack([found[h] for h in hashes])
