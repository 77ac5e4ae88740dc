"""A small deterministic embedder for tests that are not about the model (routes, CLI, index upkeep).

Words and character trigrams are hashed (with a stable hash, not Python's salted one) into a
signed 96-dimensional count vector, normalised: texts sharing words come out close, so ranking
behaves plausibly, but nothing here says anything about the quality of the real model. Tests
about ranking, the model, integration and the browser use the real default model.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

DIM = 96
WORD = re.compile(r"\w+")


class HashingEmbedder:
    """Implements index.Embedder; counts its calls so tests can see what was embedded."""

    model_id = f"test:hashing-{DIM}"
    dim = DIM

    def __init__(self) -> None:
        self.calls = 0
        self.texts = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def _embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        vectors = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in _features(text):
                digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=4).digest()
                bucket = int.from_bytes(digest[:3], "little") % DIM
                vectors[row, bucket] += 1.0 if digest[3] & 1 else -1.0
            if not vectors[row].any():  # no words (or features cancelling out): still a unit vector
                vectors[row, 0] = 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _features(text: str) -> list[str]:
    words = [w.lower() for w in WORD.findall(text)]
    grams = [f"#{w[i : i + 3]}" for w in words for i in range(max(1, len(w) - 2))]
    return words + grams
