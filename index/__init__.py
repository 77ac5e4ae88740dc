"""Text → vectors (embedder backends) and vectors → neighbours (FAISS), saved with a manifest.

Knows nothing of projects: takes strings and numpy arrays, returns arrays and ids.
"""

from index.embedders import Embedder, EmbedderError, load_embedder
from index.index_files import (
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    Manifest,
    VectorIndexError,
    read_manifest,
)
from index.vector_index import VectorIndex

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
