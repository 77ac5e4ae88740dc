"""Graphs of their own for large filters of an hnsw index.

A filter allowing under half of an hnsw index's rows is searched exactly (index/vector_index.py):
the graph walk with the filter inside FAISS missed most of the right rows when the filter follows
the topic. For a large filter (an area of a 100k collection: 25,000 rows) that scan costs 1.5 ms
on a quiet machine and 3-5 ms right after a model call, twice a search with the feedback step.
Such a filter gets an HNSW graph over its own rows, built on a worker thread after its first
search and used once ready (a walk of ~0.5 ms, at least as good as an unfiltered one); until then, and
for small filters, the exact scan stays.

Bounded: at most MAX_BYTES of graphs (an area of 100k rows: ~45 MB; the least recently used make
room for a new one, so the filters of yesterday's day-dependent ids do not hold it), one build at
a time on one thread, none for a filter below MIN_ROWS rows. A change of the index drops every
graph (a build under way is thrown away when it ends). Graphs are kept for read-only id arrays only (kb's
AllowedChunks), by identity, holding the array so that its id is not reused.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import faiss
import numpy as np

MIN_ROWS = 10_000  # below this an exact scan of the allowed rows is cheap (< 1 ms)
MAX_BYTES = 96 * 2**20
GRAPH_M = 32
GRAPH_EF_CONSTRUCTION = 80
# The walk's breadth: on bench/search.py's 100k collection (copies of 250 passages, so many near
# ties) an area's graph found 69 % of the exact top 100 at efSearch 100, 90 % at 400 (0.5-0.6 ms
# either way), where the unfiltered walk of the whole index finds 71 %.
EF_SEARCH = 400


@dataclass(frozen=True)
class FilterGraph:
    allowed_ids: np.ndarray  # the filter it was built for (held: its id stays unique)
    index: faiss.IndexHNSWFlat
    rows: np.ndarray  # graph row -> row of the owning index
    nbytes: int


def graph_bytes(rows: int, dim: int) -> int:
    """What a graph of this many rows holds: the vectors and the bottom layer's links."""
    return rows * (4 * dim + 8 * GRAPH_M) + 1024


class FilterGraphs:
    """The graphs of one index's large filters. Thread-safe."""

    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self._graphs: dict[int, FilterGraph] = {}  # least recently used first
        self._building: threading.Thread | None = None
        self._version = 0
        self._lock = threading.Lock()

    def get(self, allowed_ids: np.ndarray) -> FilterGraph | None:
        with self._lock:
            graph = self._graphs.pop(id(allowed_ids), None)
            if graph is None:
                return None
            self._graphs[id(allowed_ids)] = graph  # now the most recently used
            return graph if graph.allowed_ids is allowed_ids else None

    def request(
        self,
        allowed_ids: np.ndarray,
        rows: np.ndarray,
        dim: int,
        vectors_of: Callable[[np.ndarray], np.ndarray | None],
    ) -> None:
        """Build a graph for this filter on a worker thread, unless one is built already, another
        build runs, or it would not fit. vectors_of(rows) gives the rows' vectors, or None when the
        index changed since."""
        needed = graph_bytes(len(rows), dim)
        with self._lock:
            if self._building is not None or id(allowed_ids) in self._graphs or needed > self.max_bytes:
                return
            while self._graphs and sum(g.nbytes for g in self._graphs.values()) + needed > self.max_bytes:
                self._graphs.pop(next(iter(self._graphs)))  # the least recently used
            version = self._version
            self._building = threading.Thread(
                target=self._build,
                args=(allowed_ids, rows, vectors_of, version),
                name="filter-graph",
                daemon=True,
            )
            self._building.start()

    def _build(
        self,
        allowed_ids: np.ndarray,
        rows: np.ndarray,
        vectors_of: Callable[[np.ndarray], np.ndarray | None],
        version: int,
    ) -> None:
        try:
            vectors = vectors_of(rows)
            if vectors is None:
                return
            nbytes = graph_bytes(len(rows), vectors.shape[1])
            index = faiss.IndexHNSWFlat(vectors.shape[1], GRAPH_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = GRAPH_EF_CONSTRUCTION
            faiss.omp_set_num_threads(1)  # this thread only: beside the searches, not over them
            index.add(vectors)
            with self._lock:
                held = sum(g.nbytes for g in self._graphs.values())
                if self._version == version and held + nbytes <= self.max_bytes:
                    self._graphs[id(allowed_ids)] = FilterGraph(allowed_ids, index, rows, nbytes)
        finally:
            with self._lock:
                self._building = None

    def clear(self) -> None:
        """The index changed: every graph is out of date, and so is a build under way."""
        with self._lock:
            self._version += 1
            self._graphs = {}

    def wait(self, timeout: float | None = None) -> None:
        """Until a build under way has ended (for tests and bench/)."""
        building = self._building
        if building is not None:
            building.join(timeout)

    @property
    def bytes_held(self) -> int:
        return sum(g.nbytes for g in self._graphs.values())
