"""Feedback from the first results: the query vector moved towards its best projects' passages.

A query and the passages that answer it are written differently: a short German question, a
long Turkish idea, an English enquiry against German project texts. The passages of the few
projects nearest to the query say in the collection's own words what the query is about; a
second vector search with the query moved a little towards them (Rocchio's relevance feedback,
the feedback taken from the first results instead of from a person) ranks the projects that
share that topic together. The move is small, so the question itself still decides, and it only
orders the list: the relevance floor and the levels read the query as it was (kb.relevance).

Tuned on samples/eval/queries.jsonl only (README "Search quality"): nDCG@5 German 0.864 → 0.871,
other languages 0.784 → 0.793, with the passages of the three nearest projects at a weight of
0.2; every weight from 0.1 to 0.3 lifts both groups; one project (0.1–0.4) pulls the list
towards a first result that is wrong, five dilute it. On XQuAD end to end (bench/xquad.py) every
language stays at or above dense-only.
"""

from __future__ import annotations

import numpy as np

from kb.catalog import Catalog
from kb.store import Store

FEEDBACK_PROJECTS = 3  # the nearest projects whose best passages give the feedback
FEEDBACK_WEIGHT = 0.2  # of their mean vector, added to the unit query vector


def moved_query(query: np.ndarray, passages: list[np.ndarray], weight: float | None = None) -> np.ndarray:
    """The unit query vector moved towards the mean of the passages' vectors by weight (default
    FEEDBACK_WEIGHT); unchanged without passages."""
    return moved_by(query, feedback_offset(passages, weight))


def feedback_offset(passages: list[np.ndarray], weight: float | None = None) -> np.ndarray | None:
    """What moved_by adds to a query: weight (default FEEDBACK_WEIGHT) times the mean of the
    passages' vectors; None without passages or weight. The same passages lead search after
    search, so a search keeps this (SearchMemory.feedback_offset) rather than the passages."""
    weight = FEEDBACK_WEIGHT if weight is None else weight
    if not passages or weight <= 0:
        return None
    # np.mean(axis=0) by its own float32 steps, without its Python layers; the same values bit for bit.
    mean = np.add.reduce(np.stack(passages), axis=0) / len(passages)
    return (weight * mean).reshape(-1)


def moved_by(query: np.ndarray, offset: np.ndarray | None) -> np.ndarray:
    """The unit query vector plus offset (feedback_offset), normalised; unchanged for None."""
    if offset is None:
        return query
    shape = np.shape(query)
    # np.linalg.norm by its own float32 steps, without its Python layers (this runs on every
    # search right after the model call); the same values bit for bit.
    moved = np.asarray(query, dtype=np.float32).reshape(-1) + offset
    norm = float(np.sqrt(moved.dot(moved)))
    return (moved / norm).astype(np.float32).reshape(shape) if norm > 0 else query


def feedback_query(
    store: Store, catalog: Catalog, model_id: str, query: np.ndarray, chunk_ids: list[int]
) -> np.ndarray:
    """The query moved towards these passages, read from the store's vector cache (unchanged if
    none is cached)."""
    return moved_query(query, feedback_passages(store, catalog, model_id, chunk_ids))


def feedback_passages(
    store: Store, catalog: Catalog, model_id: str, chunk_ids: list[int]
) -> list[np.ndarray]:
    """The vectors of these passages that the store's vector cache holds, in the order
    feedback_query averages them."""
    hashes = [row["text_hash"] for row in catalog.chunks(chunk_ids).values()]
    return list(store.cached_vectors(model_id, hashes).values())
