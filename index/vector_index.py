"""Vectors → neighbours: a FAISS index keyed by the caller's int64 ids.

Cosine similarity as the inner product of L2-normalised vectors (rows are
normalised on the way in, so a caller cannot get that wrong).  Two kinds:

- ``flat``: exact search over every vector.  Removal deletes the rows.
- ``hnsw``: an approximate graph index for large collections.  HNSW cannot
  delete, so a removed id is marked dead and filtered out at search time;
  once a quarter of the rows are dead the graph is rebuilt from the live
  vectors (``compact``), which takes a while for a large index.

Filtered search (``allowed_ids``) returns the top k among the allowed ids: a
bitmap row selector on the flat scan; for hnsw, under half the rows allowed,
an exact scan of them, or a large filter's own graph once it is built
(index/filter_graphs.py); above half, an unfiltered walk for k / share
neighbours whose allowed ones are kept.  (A walk with the filter inside FAISS
missed most of the exact top 100 when the filter follows the topic: README,
"Search speed".)  A read-only ``allowed_ids`` array's row mask is kept until
the index changes.

Ids: the FAISS index holds rows 0..n-1; an array of labels maps each row to
the caller's id (-1 for a dead row).  Keeping that map ourselves, instead of
FAISS's IndexIDMap, lets a re-added id replace its old vector in both kinds.
Adding an id that is already present replaces its vector.

Thread safety: one lock guards every operation, so a web server may search
while another thread adds or removes.

Search threads: FAISS spreads even a single-query scan over OpenMP threads.
When another process holds a core, every parallel region waits for a
descheduled thread, and a 0.5 ms search took 40 ms in bench/ann_recall.py;
so searches run on ``search_threads`` (default 1) threads, set for the
calling thread only and restored afterwards.  Building (add, compact) keeps
FAISS's default and uses every core.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from index import filter_graphs
from index.filter_graphs import FilterGraphs
from index.index_files import (
    KINDS,
    Manifest,
    VectorIndexError,
    read_index_files,
    write_index_files,
)

# From bench/ann_recall.py on the 2-core machine: exact search at k=50 stays
# under ~5 ms up to about this many 384-dim vectors.
AUTO_FLAT_LIMIT = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
# bench/ann_recall.py, 100k clustered vectors: recall@10 0.958 at efSearch 32,
# 0.993 at 64, 1.000 at 96 (0.21 ms); 96 leaves a margin for real embeddings.
HNSW_EF_SEARCH = 96
# A filtered hnsw search walks the graph (unfiltered, for k / share neighbours)
# only if at least this share of the rows is allowed; below it, an exact scan of
# the allowed rows (100k rows, a quarter allowed: 1.5 ms, the walk for 400
# neighbours 1.0 ms and often too few of them allowed) cannot miss any.
HNSW_WALK_MIN_ALLOWED_SHARE = 0.5
HNSW_MAX_EF_SEARCH = 1024
# Row masks of recent read-only filters (100 KB per 100k rows each).
KEPT_FILTERS = 8
DEAD_FRACTION_TO_COMPACT = 0.25
DEFAULT_SEARCH_THREADS = 1


def choose_kind(expected_size: int) -> str:
    """The kind ``create(kind="auto")`` picks for a collection of this size."""
    return "flat" if expected_size <= AUTO_FLAT_LIMIT else "hnsw"


@contextmanager
def _faiss_threads(threads: int | None) -> Iterator[None]:
    """Run FAISS with ``threads`` OpenMP threads on this thread, then put the old count back.
    Set only when it differs: the two calls out of the interpreter cost a search ~0.04 ms right
    after the model call, and a searching thread nearly always has the count already."""
    if threads is None:
        yield
        return
    previous = faiss.omp_get_max_threads()
    if previous == threads:
        yield
        return
    faiss.omp_set_num_threads(threads)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def _row_selector(allowed_rows: np.ndarray) -> faiss.IDSelector:
    """A FAISS selector for a boolean row mask.

    A bitmap is built in microseconds and tested in one step per row; an
    IDSelectorBatch of 50,000 rows took ~7 ms to build and slowed the scan
    (hash lookups).  The selector keeps a reference to the bitmap it reads.
    """
    return faiss.IDSelectorBitmap(np.packbits(allowed_rows, bitorder="little"))


def _new_faiss_index(kind: str, dim: int) -> faiss.Index:
    if kind == "flat":
        return faiss.IndexFlatIP(dim)
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


class VectorIndex:
    """Cosine nearest neighbours over vectors of one model, addressed by int64 ids."""

    def __init__(self, faiss_index: faiss.Index, labels: np.ndarray, model_id: str, kind: str):
        if kind not in KINDS:
            raise VectorIndexError(f"unknown index kind '{kind}'; use one of {', '.join(KINDS)} or 'auto'")
        self._index = faiss_index
        self._labels = np.ascontiguousarray(labels, dtype=np.int64)
        self.dim = int(faiss_index.d)
        self.model_id = model_id
        self.kind = kind
        self.manifest: Manifest | None = None
        self.search_threads: int | None = DEFAULT_SEARCH_THREADS  # None: FAISS default (all cores)
        self._lock = threading.RLock()
        self._lookup: tuple[np.ndarray, np.ndarray] | None = None  # (sorted ids, their rows)
        # id(allowed_ids) -> (that array, its row mask, allowed row count): read-only arrays only
        self._kept_filters: dict[int, tuple[np.ndarray, np.ndarray, int]] = {}
        self._live_count: int | None = None
        self._filter_graphs = FilterGraphs()  # hnsw: graphs of large filters (index/filter_graphs.py)
        self._changes = 0

    @classmethod
    def create(cls, dim: int, model_id: str, kind: str = "auto", expected_size: int = 0) -> VectorIndex:
        """An empty index; ``auto`` picks flat or hnsw from ``expected_size``."""
        if dim < 1:
            raise VectorIndexError(f"dimension must be positive, got {dim}")
        if kind == "auto":
            kind = choose_kind(expected_size)
        if kind not in KINDS:
            raise VectorIndexError(f"unknown index kind '{kind}'; use one of {', '.join(KINDS)} or 'auto'")
        return cls(_new_faiss_index(kind, dim), np.zeros(0, dtype=np.int64), model_id, kind)

    def __len__(self) -> int:
        # kept until the index changes: counting 100k labels took 50-70 us, four times a search
        with self._lock:
            if self._live_count is None:
                self._live_count = int(np.count_nonzero(self._labels >= 0))
            return self._live_count

    def copy(self) -> VectorIndex:
        """An independent copy: change it while searches keep using this one, then swap."""
        with self._lock:
            twin = VectorIndex(faiss.clone_index(self._index), self._labels.copy(), self.model_id, self.kind)
            twin.manifest = self.manifest  # never mutated: save() makes a new one
            twin.search_threads = self.search_threads
            return twin

    def ids(self) -> np.ndarray:
        """Every id in the index, ascending."""
        with self._lock:
            return np.sort(self._labels[self._labels >= 0])

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under ids; an id already present gets the new vector."""
        ids = self._checked_ids(ids)
        vectors = self._checked_vectors(vectors, expected_rows=len(ids))
        if len(np.unique(ids)) != len(ids):
            raise VectorIndexError("ids passed to add() must be unique")
        with self._lock:
            self._drop_rows(self._rows_of(ids))
            self._index.add(vectors)
            self._labels = np.concatenate([self._labels, ids])
            self._changed()

    def remove(self, ids: np.ndarray) -> int:
        """Remove these ids (unknown ones are ignored); return how many were present."""
        ids = np.unique(self._checked_ids(ids))
        with self._lock:
            rows = self._rows_of(ids)
            self._drop_rows(rows)
            return len(rows)

    def compact(self) -> None:
        """Rebuild an hnsw graph without its dead rows (flat has none)."""
        with self._lock:
            live = np.flatnonzero(self._labels >= 0)
            if len(live) == len(self._labels):
                return
            vectors = self._index.reconstruct_n(0, self._index.ntotal)[live]
            rebuilt = _new_faiss_index(self.kind, self.dim)
            rebuilt.add(vectors)
            self._index = rebuilt
            self._labels = self._labels[live]
            self._changed()

    def search(
        self, query: np.ndarray, k: int, allowed_ids: np.ndarray | None = None, *, unit: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest vectors, best first; only ``allowed_ids`` if given.
        unit: the caller vouches that the query has norm 1 (a model's checked output), so it is
        taken as it is instead of normalised."""
        query = self._checked_vectors(query, expected_rows=1, normalise=not unit)
        with self._lock:
            if allowed_ids is None:
                allowed_rows = None
                k = min(k, len(self))
            else:
                allowed_rows, allowed_count = self._filter_rows(allowed_ids)
                k = min(k, allowed_count)
            if k <= 0:
                return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
            with _faiss_threads(self.search_threads):
                scores, found = self._search_rows(query, k, allowed_rows, allowed_ids)
            keep = found >= 0
            return scores[keep].astype(np.float32), self._labels[found[keep]]

    def _search_rows(
        self, query: np.ndarray, k: int, allowed_rows: np.ndarray | None, allowed_ids: object = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Search restricted to a boolean row mask (None: every live row)."""
        if self.kind == "flat":
            params = None if allowed_rows is None else faiss.SearchParameters(sel=_row_selector(allowed_rows))
            scores, found = self._index.search(query, k, params=params)
            return scores[0], found[0]
        live = len(self)
        if allowed_rows is None:
            return self._walk(query, k, self._live_rows() if live < len(self._labels) else None)
        share = np.count_nonzero(allowed_rows) / live
        if share < HNSW_WALK_MIN_ALLOWED_SHARE:
            return self._among_few(query, k, allowed_rows, allowed_ids)
        wanted = min(live, HNSW_MAX_EF_SEARCH, int(np.ceil(k / share)))
        scores, found = self._walk(query, wanted, None)
        keep = found >= 0
        keep[keep] = allowed_rows[found[keep]]
        if np.count_nonzero(keep) < k:  # the neighbours were mostly filtered out
            return self._exact_among(query, k, allowed_rows)
        return scores[keep][:k], found[keep][:k]

    def _walk(
        self, query: np.ndarray, k: int, allowed_rows: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The graph walk (allowed_rows: only to skip dead rows), exact if it ends short of k."""
        selector = None if allowed_rows is None else _row_selector(allowed_rows)
        params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, k))
        scores, found = self._index.search(query, k, params=params)
        if np.count_nonzero(found[0] >= 0) < k:
            return self._exact_among(query, k, self._live_rows() if allowed_rows is None else allowed_rows)
        return scores[0], found[0]

    def _among_few(
        self, query: np.ndarray, k: int, allowed_rows: np.ndarray, allowed_ids: object
    ) -> tuple[np.ndarray, np.ndarray]:
        """Under half the rows allowed: a walk of the filter's own graph once one is built for it,
        else an exact scan of the allowed rows (a large filter's graph is then built beside)."""
        if not isinstance(allowed_ids, np.ndarray) or allowed_ids.flags.writeable:
            return self._exact_among(query, k, allowed_rows)
        graph = self._filter_graphs.get(allowed_ids)
        if graph is not None:
            params = faiss.SearchParametersHNSW(efSearch=max(filter_graphs.EF_SEARCH, k))
            scores, found = graph.index.search(query, k, params=params)
            if np.count_nonzero(found[0] >= 0) == k:
                return scores[0], graph.rows[found[0]]
        else:
            rows = np.flatnonzero(allowed_rows)
            if len(rows) >= filter_graphs.MIN_ROWS:
                self._filter_graphs.request(allowed_ids, rows, self.dim, self._vectors_while_unchanged())
        return self._exact_among(query, k, allowed_rows)

    def wait_for_filter_graphs(self, timeout: float | None = None) -> None:
        """Until a filter's graph under construction is ready (bench/ measures the steady state)."""
        self._filter_graphs.wait(timeout)

    def _vectors_while_unchanged(self) -> Callable[[np.ndarray], np.ndarray | None]:
        changes = self._changes

        def vectors_of(rows: np.ndarray) -> np.ndarray | None:
            with self._lock:
                return None if self._changes != changes else self._index.storage.reconstruct_batch(rows)

        return vectors_of

    def _exact_among(
        self, query: np.ndarray, k: int, allowed_rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        params = faiss.SearchParameters(sel=_row_selector(allowed_rows))
        scores, found = self._index.storage.search(query, k, params=params)
        return scores[0], found[0]

    def _filter_rows(self, allowed_ids: np.ndarray) -> tuple[np.ndarray, int]:
        """(row mask, allowed row count) of allowed_ids; kept for a read-only array, which the
        caller cannot change under the kept mask (kept with it, so its id is not reused)."""
        kept = self._kept_filters.get(id(allowed_ids))
        if kept is not None and kept[0] is allowed_ids:
            return kept[1], kept[2]
        mask = self._row_mask(self._rows_of(self._checked_ids(allowed_ids)))
        count = int(np.count_nonzero(mask))
        if isinstance(allowed_ids, np.ndarray) and not allowed_ids.flags.writeable:
            if len(self._kept_filters) >= KEPT_FILTERS:
                self._kept_filters.pop(next(iter(self._kept_filters)))
            self._kept_filters[id(allowed_ids)] = (allowed_ids, mask, count)
        return mask, count

    def _row_mask(self, rows: np.ndarray) -> np.ndarray:
        mask = np.zeros(len(self._labels), dtype=bool)
        mask[rows] = True
        return mask

    def _live_rows(self) -> np.ndarray:
        return self._labels >= 0

    def _rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Rows holding these ids (ids not present are skipped)."""
        if self._lookup is None:
            live = np.flatnonzero(self._labels >= 0)
            order = np.argsort(self._labels[live], kind="stable")
            self._lookup = (self._labels[live][order], live[order])
        sorted_ids, rows = self._lookup
        if len(sorted_ids) == 0 or len(ids) == 0:
            return np.zeros(0, dtype=np.int64)
        at = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
        return rows[at[sorted_ids[at] == ids]].astype(np.int64)

    def _drop_rows(self, rows: np.ndarray) -> None:
        if len(rows) == 0:
            return
        if self.kind == "flat":
            self._index.remove_ids(faiss.IDSelectorBatch(rows))
            self._labels = np.delete(self._labels, rows)
        else:
            self._labels[rows] = -1
        self._changed()
        if self.kind == "hnsw" and np.count_nonzero(self._labels < 0) > DEAD_FRACTION_TO_COMPACT * len(
            self._labels
        ):
            self.compact()

    def _changed(self) -> None:
        self._lookup = None
        self._kept_filters = {}
        self._live_count = None
        self._changes += 1
        self._filter_graphs.clear()

    def _checked_ids(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids)
        if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
            raise VectorIndexError(f"ids must be a 1-D array of integers, got shape {ids.shape} {ids.dtype}")
        ids = ids.astype(np.int64)
        if np.any(ids < 0):
            raise VectorIndexError("ids must be non-negative (-1 marks 'no result' in FAISS)")
        return ids

    def _checked_vectors(self, vectors: np.ndarray, expected_rows: int, normalise: bool = True) -> np.ndarray:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim == 1:
            vectors = vectors.reshape(1, -1)
        if vectors.ndim != 2 or vectors.shape != (expected_rows, self.dim):
            raise VectorIndexError(
                f"expected vectors of shape ({expected_rows}, {self.dim}), got {vectors.shape}"
            )
        if not normalise:
            return vectors
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        if not np.all(np.isfinite(norms)) or np.any(norms == 0):
            raise VectorIndexError("vectors must be finite and non-zero")
        return np.ascontiguousarray(vectors / norms, dtype=np.float32)

    def save(self, directory: Path, fingerprint: str) -> None:
        """Write the index atomically into ``directory`` (see index/index_files.py)."""
        with self._lock:
            params = (
                {"M": HNSW_M, "efConstruction": int(self._index.hnsw.efConstruction)}
                if self.kind == "hnsw"
                else {}
            )
            manifest = Manifest(
                model_id=self.model_id,
                dim=self.dim,
                count=len(self),
                fingerprint=fingerprint,
                kind=self.kind,
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                params=params,
            )
            self.manifest = write_index_files(Path(directory), self._index, self._labels, manifest)

    @classmethod
    def load(
        cls, directory: Path, *, expect_model_id: str | None = None, expect_dim: int | None = None
    ) -> VectorIndex:
        """Open a saved index; every file is verified before it is used."""
        manifest, faiss_index, labels = read_index_files(
            Path(directory), expect_model_id=expect_model_id, expect_dim=expect_dim
        )
        index = cls(faiss_index, labels, manifest.model_id, manifest.kind)
        index.manifest = manifest
        return index
