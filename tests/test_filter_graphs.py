"""Graphs of their own for large filters of an hnsw index (index/filter_graphs.py): real FAISS."""

from __future__ import annotations

import numpy as np
import pytest

from index import VectorIndex, filter_graphs

DIM = 32


def unit_rows(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def collection() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """12,000 vectors around 60 topics; ids are not rows."""
    rng = np.random.default_rng(11)
    centres = unit_rows(rng.standard_normal((60, DIM)))
    topic = rng.integers(0, 60, 12_000)
    vectors = unit_rows(centres[topic] + 0.3 * rng.standard_normal((12_000, DIM)))
    return np.arange(12_000, dtype=np.int64) * 7 + 3, vectors, topic


def read_only(ids: np.ndarray) -> np.ndarray:
    ids = np.sort(ids)
    ids.flags.writeable = False
    return ids


def exact_top(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    return ids[np.argsort(-(vectors @ query), kind="stable")[:k]].tolist()


def test_a_large_filter_gets_its_own_graph_and_keeps_the_exact_top_results(collection, monkeypatch):
    monkeypatch.setattr(filter_graphs, "MIN_ROWS", 1_000)
    ids, vectors, topic = collection
    index = VectorIndex.create(DIM, "test-model", kind="hnsw")
    index.add(ids, vectors)
    passing = topic < 15  # a quarter of the topics, as an area filter allows
    allowed = read_only(ids[passing])
    rng = np.random.default_rng(3)
    queries = unit_rows(vectors[rng.integers(0, 12_000, 40)] + 0.2 * rng.standard_normal((40, DIM)))
    first = [index.search(query, 50, allowed_ids=allowed)[1].tolist() for query in queries]  # exact
    index._filter_graphs.wait(30)
    assert index._filter_graphs.get(allowed) is not None
    assert 0 < index._filter_graphs.bytes_held <= filter_graphs.MAX_BYTES
    same = 0
    for query, exact in zip(queries, first, strict=True):
        _, found = index.search(query, 50, allowed_ids=allowed)
        assert len(found) == 50 and np.isin(found, allowed).all()
        same += found[:10].tolist() == exact[:10]
        assert exact[:10] == exact_top(vectors[passing], ids[passing], query, 10)
    assert same >= 0.9 * len(queries)


def test_a_changed_index_drops_its_filter_graphs(collection, monkeypatch):
    monkeypatch.setattr(filter_graphs, "MIN_ROWS", 1_000)
    ids, vectors, topic = collection
    index = VectorIndex.create(DIM, "test-model", kind="hnsw")
    index.add(ids[:-1], vectors[:-1])
    allowed = read_only(ids[topic < 15])
    index.search(vectors[0], 10, allowed_ids=allowed)
    index._filter_graphs.wait(30)
    assert index._filter_graphs.get(allowed) is not None
    index.add(ids[-1:], vectors[-1:])  # a new passage, allowed if its topic is
    assert index._filter_graphs.get(allowed) is None
    _, found = index.search(vectors[-1], 1, allowed_ids=allowed)
    assert (found[0] == ids[-1]) == bool(topic[-1] < 15)


def test_small_writeable_or_over_budget_filters_get_no_graph(collection, monkeypatch):
    ids, vectors, topic = collection
    index = VectorIndex.create(DIM, "test-model", kind="hnsw")
    index.add(ids, vectors)
    small = read_only(ids[topic < 15])  # 3,000 rows: below MIN_ROWS
    writeable = np.sort(ids[topic < 15])
    index.search(vectors[0], 10, allowed_ids=small)
    monkeypatch.setattr(filter_graphs, "MIN_ROWS", 1_000)
    index.search(vectors[0], 10, allowed_ids=writeable)  # may change under a kept graph
    index._filter_graphs.wait(30)
    assert index._filter_graphs.bytes_held == 0
    index._filter_graphs.max_bytes = 1_000  # a graph would not fit
    index.search(vectors[0], 10, allowed_ids=small)
    index._filter_graphs.wait(30)
    assert index._filter_graphs.bytes_held == 0


def test_a_new_filter_takes_the_room_of_the_least_recently_used_graph(collection, monkeypatch):
    monkeypatch.setattr(filter_graphs, "MIN_ROWS", 1_000)
    ids, vectors, topic = collection
    index = VectorIndex.create(DIM, "test-model", kind="hnsw")
    index.add(ids, vectors)
    filters = [read_only(ids[(topic >= start) & (topic < start + 15)]) for start in (0, 15, 30)]
    room = filter_graphs.graph_bytes(max(len(f) for f in filters), DIM)
    index._filter_graphs.max_bytes = 2 * room + 1  # two graphs fit, not three
    for allowed in filters[:2]:
        index.search(vectors[0], 10, allowed_ids=allowed)
        index._filter_graphs.wait(30)
    index.search(vectors[0], 10, allowed_ids=filters[0])  # the first is used again
    index.search(vectors[0], 10, allowed_ids=filters[2])  # yesterday's second makes room
    index._filter_graphs.wait(30)
    held = [index._filter_graphs.get(allowed) is not None for allowed in filters]
    assert held == [True, False, True]
    assert index._filter_graphs.bytes_held <= index._filter_graphs.max_bytes
