"""The keyword half of a search: FTS5 hits for a query, with bounded work at any collection size."""

from __future__ import annotations

import math
from contextlib import closing

import numpy as np

from kb.catalog import Catalog
from kb.text_analysis import DEFAULT_ANALYZER, match_expression

COMMON_PART_SHARE, COMMON_PART_MIN_DOCS = 0.02, 500
# At most this many chunks are scored by the keyword half, besides those of the query's rarest
# word: FTS5 scores every chunk holding any query term (at 100k chunks 30-60k of them, 20-100 ms,
# longer than the embedding it runs beside). Collections up to this size are never cut.
KEYWORD_ROW_BUDGET = 10_000
# A filtered keyword half looks this many times deeper for hits that pass the filter.
FILTERED_DEPTH_FACTOR = 20


def keyword_hits(
    catalog: Catalog,
    query: str,
    freqs: dict[str, int],
    depth: int,
    allowed: np.ndarray | None,
    n_chunks: int,
) -> list[tuple[int, float]]:
    """(chunk id, score) of the best depth keyword hits passing allowed (sorted chunk ids; None:
    no filter), best first, scored over a bounded set of the query's terms."""
    left_out = left_out_terms(query, freqs, n_chunks)
    expression = match_expression(query, too_common=left_out.__contains__, left_out=left_out.__contains__)
    if expression is None:
        return []
    if allowed is None:
        return catalog.keyword_hits(expression, depth)
    if not len(allowed):
        return []
    # Read the hits a filter's share of depth at a time until depth pass (1,900 rows of Python
    # tuples were made for 100 hits at a quarter allowed); the same statement, so the same hits.
    batch = max(depth, math.ceil(depth * n_chunks / len(allowed)))
    found: list[tuple[int, float]] = []
    with closing(catalog.keyword_hit_batches(expression, FILTERED_DEPTH_FACTOR * depth, batch)) as batches:
        for hits in batches:
            found += _passing(hits, allowed)
            if len(found) >= depth:
                break
    return found[:depth]


def _passing(hits: list[tuple[int, float]], allowed: np.ndarray) -> list[tuple[int, float]]:
    # allowed is sorted (AllowedChunks): a set of 25,000 ids per search took longer than this
    ids = np.fromiter((chunk_id for chunk_id, _ in hits), dtype=np.int64, count=len(hits))
    places = np.minimum(np.searchsorted(allowed, ids), len(allowed) - 1)
    passing = (allowed[places] == ids).tolist()
    return [hit for hit, ok in zip(hits, passing, strict=True) if ok]


def left_out_terms(query: str, freqs: dict[str, int], n_chunks: int) -> set[str]:
    """Query terms the keyword half does without, so that it scores a bounded number of chunks.

    A compound part found in a large share of a big collection ("spra", "kind") adds little
    evidence but makes FTS5 score tens of thousands of rows; small collections keep every part.
    Past KEYWORD_ROW_BUDGET chunks, terms are taken rarest first (words before parts: a part
    counts a quarter of a word) while the chunks holding them fit the budget: the rarest terms carry
    most of bm25's weight, the common ones least (a term in a fifth of the chunks weighs a quarter
    of one in 0.5%)."""
    limit = max(COMMON_PART_SHARE * n_chunks, COMMON_PART_MIN_DOCS)
    parts = DEFAULT_ANALYZER.query_parts(query)
    left_out = {term for term in parts if freqs.get(term, 0) > limit}
    if n_chunks <= KEYWORD_ROW_BUDGET:
        return left_out
    rows = 0
    words = sorted(DEFAULT_ANALYZER.query_terms(query), key=lambda term: freqs.get(term, 0))
    kept_parts = sorted((term for term in parts if term not in left_out), key=lambda term: freqs.get(term, 0))
    for position, term in enumerate(words + kept_parts):
        frequency = freqs.get(term, 0)
        if position and rows + frequency > KEYWORD_ROW_BUDGET:
            left_out.add(term)
        else:
            rows += frequency
    return left_out
