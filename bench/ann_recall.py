"""Exact vs approximate (HNSW) search on synthetic clustered 384-dim vectors.

Prints, per collection size: build time, p50 latency of one query at a time
(k=10 and k=50), recall@10 of HNSW against exact search for several efSearch
values, and the latency of filtered searches (allowed_ids) through
VectorIndex.  A first table sweeps exact search latency over sizes, which is
what AUTO_FLAT_LIMIT in index/vector_index.py is chosen from.

Run: .venv/bin/python bench/ann_recall.py [--sizes 10000 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from index.vector_index import HNSW_EF_SEARCH, VectorIndex, _faiss_threads  # noqa: E402

DIM = 384
EF_VALUES = (16, 32, 64, 96, 128, 192, 256)


def cluster_centres(rng: np.random.Generator, clusters: int = 200) -> np.ndarray:
    centres = rng.standard_normal((clusters, DIM)).astype(np.float32)
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def clustered_vectors(count: int, rng: np.random.Generator, spread: float = 1.0) -> np.ndarray:
    """Unit vectors around fixed unit centres; ``spread`` is the noise norm relative to a centre."""
    centres = cluster_centres(np.random.default_rng(7))  # same centres for data and queries
    members = centres[rng.integers(0, len(centres), size=count)]
    noise = rng.standard_normal((count, DIM)).astype(np.float32) * (spread / np.sqrt(DIM))
    vectors = members + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def p50_ms(search, queries: np.ndarray) -> float:
    times = []
    for query in queries:
        start = time.perf_counter()
        search(query)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def exact_latency_sweep(sizes: list[int], queries: np.ndarray, rng: np.random.Generator) -> None:
    print("\nexact (flat) search, one query at a time, by FAISS search threads")
    print(
        f"{'vectors':>8} {'1 thr k=10':>10} {'1 thr k=50':>10} {'2 thr k=10':>10} {'2 thr k=50':>10}  (p50 ms)"
    )
    for size in sizes:
        index = VectorIndex.create(DIM, "bench", kind="flat")
        index.add(np.arange(size), clustered_vectors(size, rng))
        cells = []
        for threads in (1, 2):
            index.search_threads = threads
            for k in (10, 50):
                cells.append(p50_ms(lambda query, index=index, k=k: index.search(query, k), queries))
        print(f"{size:>8} " + " ".join(f"{cell:>10.2f}" for cell in cells))


def build(kind: str, ids: np.ndarray, vectors: np.ndarray) -> tuple[VectorIndex, float]:
    start = time.perf_counter()
    index = VectorIndex.create(DIM, "bench", kind=kind)
    index.add(ids, vectors)
    return index, time.perf_counter() - start


def recall_at_10(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(row) & set(true)) / 10 for row, true in zip(found, truth, strict=True)]))


def compare_at_size(size: int, queries: np.ndarray, rng: np.random.Generator) -> None:
    ids = np.arange(size, dtype=np.int64) * 3 + 7  # ids that are not row numbers
    vectors = clustered_vectors(size, rng)
    flat, flat_build = build("flat", ids, vectors)
    hnsw, hnsw_build = build("hnsw", ids, vectors)
    truth = np.array([flat.search(query, 10)[1] for query in queries])
    print(f"\n{size} vectors: build flat {flat_build:.2f} s, hnsw {hnsw_build:.1f} s")
    print(
        f"  exact p50 k=10 {p50_ms(lambda q: flat.search(q, 10), queries):.2f} ms, "
        f"k=50 {p50_ms(lambda q: flat.search(q, 50), queries):.2f} ms"
    )
    print(f"  {'efSearch':>8} {'recall@10':>9} {'p50 k=10 ms':>12}")
    for ef in EF_VALUES:
        with _faiss_threads(1):
            row = sweep_row(hnsw, ef, ids, queries, truth)
        print(row)
    print(f"  VectorIndex hnsw p50 k=50 {p50_ms(lambda q: hnsw.search(q, 50), queries):.2f} ms")
    filtered_searches(flat, hnsw, ids, queries, rng)


def sweep_row(hnsw: VectorIndex, ef: int, ids: np.ndarray, queries: np.ndarray, truth: np.ndarray) -> str:
    params = faiss.SearchParametersHNSW(efSearch=ef)
    raw = hnsw._index  # the sweep varies efSearch, which VectorIndex fixes
    found = np.array([ids[raw.search(query.reshape(1, -1), 10, params=params)[1][0]] for query in queries])
    latency = p50_ms(lambda q: raw.search(q.reshape(1, -1), 10, params=params), queries)
    marker = "  <- HNSW_EF_SEARCH" if ef == HNSW_EF_SEARCH else ""
    return f"  {ef:>8} {recall_at_10(found, truth):>9.3f} {latency:>12.2f}{marker}"


def filtered_searches(flat: VectorIndex, hnsw: VectorIndex, ids: np.ndarray, queries, rng) -> None:
    print(f"  {'allowed':>8} {'flat p50 ms':>11} {'hnsw p50 ms':>11} {'hnsw recall@10':>14}")
    for fraction in (0.01, 0.1, 0.3, 0.5):
        allowed = rng.choice(ids, size=max(10, int(fraction * len(ids))), replace=False)
        few = queries[:50]
        truth = np.array([flat.search(q, 10, allowed_ids=allowed)[1] for q in few])
        found = np.array([hnsw.search(q, 10, allowed_ids=allowed)[1] for q in few])
        flat_ms = p50_ms(lambda q, allowed=allowed: flat.search(q, 10, allowed_ids=allowed), few)
        hnsw_ms = p50_ms(lambda q, allowed=allowed: hnsw.search(q, 10, allowed_ids=allowed), few)
        print(f"  {fraction:>8.0%} {flat_ms:>11.2f} {hnsw_ms:>11.2f} {recall_at_10(found, truth):>14.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--sweep", type=int, nargs="+", default=[10_000, 25_000, 50_000, 100_000, 200_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(20240601)
    queries = clustered_vectors(args.queries, rng)
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"faiss {faiss.__version__}, OpenMP threads {faiss.omp_get_max_threads()}")
    exact_latency_sweep(args.sweep, queries, rng)
    for size in args.sizes:
        compare_at_size(size, queries, rng)
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
