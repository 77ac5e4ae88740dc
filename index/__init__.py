"""Text → vectors (embedder backends) and vectors → neighbours (FAISS), saved with a manifest.

Knows nothing of projects: takes strings and numpy arrays, returns arrays and ids.
"""

from index.embedders import Embedder, EmbedderError, load_embedder
from index.vector_index import (
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    Manifest,
    VectorIndex,
    VectorIndexError,
    read_manifest,
)

__all__ = [
    "Embedder",
    "EmbedderError",
    "IndexCorruptError",
    "IndexMismatchError",
    "IndexMissingError",
    "Manifest",
    "VectorIndex",
    "VectorIndexError",
    "load_embedder",
    "read_manifest",
]
