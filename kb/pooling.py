"""From passage scores to project scores: a project is scored by its best-matching sections.

A project is told in a few sections (the profile, the approach, the partners, what it brought,
what made it work). A question that a project answers usually matches several of them; one that
merely shares a word or a phrase with it matches one passage by luck. So a project's score counts
its best passage and, with less weight, the best passages of its next-best *other* sections (the
two halves of one long section are one match: counting them favoured split paragraphs on XQuAD,
README "XQuAD end to end").

Measured on samples/eval/queries.jsonl only (README "Search quality", nDCG@5, German / other
languages, whole search): best passage only 0.851 / 0.773; the best plus half the second-best
section (PAIR_WEIGHTS) 0.871 / 0.793; the best plus half of each of the next two sections
(SECTION_WEIGHTS) 0.878 / 0.802. The three-section score stays at 0.874-0.878 / 0.802-0.806 for
every feedback weight from 0.1 to 0.3 and keyword weight 0.03 or 0.045.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter, mul

from kb.catalog import ChunkHead

PAIR_WEIGHTS = (1.0, 0.5)  # the scale the relevance floor's support and the keyword weight were set on
SECTION_WEIGHTS = (1.0, 0.5, 0.5)  # the ranking: the best section, then half of each of the next two
_SCALE = sum(PAIR_WEIGHTS)


def section_scores(
    chunks: list[tuple[int, float]], rows: Mapping[int, ChunkHead], depth: int = len(SECTION_WEIGHTS)
) -> tuple[dict[str, dict[ChunkHead, float]], dict[str, int], float]:
    """Per project the score of its best passage in each of its best `depth` sections, keyed by
    the section's head (best first); per project its best passage; the lowest score retrieved
    (it stands in for a section not retrieved). chunks: (chunk id, score) best first; rows: chunk
    id -> its head (a chunk without one, removed since, is passed over)."""
    # One pass in the chunks' order: the first passage of a section is its best (a list of every
    # chunk per project, searched afterwards, took 3 times as long). Within a project two chunks
    # are of one section when their heads are equal (project, kind, heading): the head is the key.
    found: dict[str, dict[ChunkHead, float]] = {}
    best_chunk: dict[str, int] = {}
    for chunk_id, score in chunks:
        row = rows.get(chunk_id)
        if row is None:
            continue
        sections = found.get(row.project_id)
        if sections is None:
            found[row.project_id] = {row: score}
            best_chunk[row.project_id] = chunk_id
        elif row not in sections and len(sections) < depth:
            sections[row] = score
    floor = min(map(itemgetter(1), chunks), default=0.0)
    return found, best_chunk, floor


def pooled(
    scores: Mapping[str, Mapping[ChunkHead, float]],
    floor: float,
    weights: tuple[float, ...] = SECTION_WEIGHTS,
) -> list[tuple[str, float]]:
    """Project scores, best first (ties in the order first met): the weighted mean of a project's
    best sections' scores (a section not retrieved counts as floor), times the sum of PAIR_WEIGHTS,
    so that any weights keep the scale the keyword weight and the relevance floor were set on."""
    scale = _SCALE / sum(weights)
    missing = [floor] * len(weights)  # map() stops at the weights: only the first ones are read
    ranked = [
        (project_id, sum(map(mul, weights, [*sections.values(), *missing])) * scale)
        for project_id, sections in scores.items()
    ]
    ranked.sort(key=itemgetter(1), reverse=True)  # stable: equal scores keep the order met
    return ranked


def best_per_project(
    chunks: list[tuple[int, float]], rows: Mapping[int, ChunkHead], weights: tuple[float, ...] = PAIR_WEIGHTS
) -> tuple[list[tuple[str, float]], dict[str, int]]:
    """Project scores from chunk scores (best first) and per project its best chunk."""
    scores, best_chunk, floor = section_scores(chunks, rows, len(weights))
    return pooled(scores, floor, weights), best_chunk
