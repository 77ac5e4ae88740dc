"""German questions ordered by the passages without the project title before them.

Every section passage is indexed as "<project title>: <text>": the title anchors questions in
other languages (without it Arabic, Turkish and English questions fell from 0.802 to 0.724 nDCG@5
on the tuning set, and the relevance floor, set on titled passages, separated worse). But for a
German question the title before every passage pulls all of a project's passages towards the words
of its name; ordered by the same passages without the title, German queries gained 0.02.

So each passage that carries a title is also embedded without it (into the embedding cache, keyed
by its text like every vector; the index keeps the titled ones), and a question that speaks the
collection's language (the keyword confidence of kb.fusion, >= UNTITLED_CONFIDENCE) has its
candidate projects, those the titled search retrieved, ordered by all their passages without the
title, feedback step included (kb.feedback). Everything else stays as it was: other languages and
questions of unsure language keep the titled order; the relevance floor, the levels and the
snippets read the titled passages for every question.

Measured on samples/eval/queries.jsonl only (README "Search quality", nDCG@5, German / other
languages): 0.879 / 0.802 -> 0.889 / 0.802. Gates 0.5 and 0.7 give the same; 0.3 takes an English
question in (other languages 0.798). Candidates from the titled search's top 50 or 100 passages give the
same figures as a second index searched in full over the untitled passages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np

from kb.bounded_cache import approximate_size
from kb.catalog import ChunkHead
from kb.feedback import FEEDBACK_PROJECTS, moved_query
from kb.input_limits import MAX_QUERY_CHARS
from kb.pooling import SECTION_WEIGHTS, best_per_project, pooled, section_scores
from kb.text_analysis import fold

WORDS = re.compile(r"\w+")

UNTITLED_CONFIDENCE = 0.5  # keyword confidence from which a question counts as German
MIN_NAME_CHARS = 4  # a shorter title ("Mut") is an ordinary word, not a name typed to find it
# A longer title is a description, not a name anyone types; it also bounds a question's look-up
# (one 5,000-word title made it 8 ms per German search, for every search).
MAX_NAME_WORDS = 12


class ProjectNames:
    """The collection's project titles, to see whether a question names one: a title typed to
    find its project ("Brückenworte", "Nähcafé der Kulturen") has its match in the titled passages
    only, so such a question keeps the titled order (ordered without the title it fell to 2nd)."""

    __slots__ = ("names", "longest")

    def __init__(self, titles: Iterable[str]):
        self.names = frozenset(
            name
            for name in map(_words, titles)
            if len(name) >= MIN_NAME_CHARS and name.count(" ") < MAX_NAME_WORDS
        )
        self.longest = max((name.count(" ") + 1 for name in self.names), default=0)

    def named_in(self, text: str) -> bool:
        """Whether the text holds a whole title, word for word (case and accents aside)."""
        words = _words(text[:MAX_QUERY_CHARS]).split()
        return any(
            " ".join(words[start : start + length]) in self.names
            for length in range(1, self.longest + 1)
            for start in range(len(words) - length + 1)
        )

    @property
    def nbytes(self) -> int:  # what kb.bounded_cache counts for it
        return approximate_size(self.names)


def _words(text: str) -> str:
    return " ".join(WORDS.findall(fold(text)))


class ProjectPassages:
    """One project's chunk ids and the vectors of their passages without the title (read-only)."""

    __slots__ = ("chunk_ids", "vectors")

    def __init__(self, chunk_ids: list[int], vectors: np.ndarray):
        self.chunk_ids = np.asarray(chunk_ids, dtype=np.int64)
        self.vectors = np.asarray(vectors, dtype=np.float32).reshape(len(chunk_ids), -1)
        self.chunk_ids.flags.writeable = False
        self.vectors.flags.writeable = False

    @property
    def nbytes(self) -> int:  # what kb.bounded_cache counts for it
        return int(self.chunk_ids.nbytes + self.vectors.nbytes)


def project_passages(
    passages: Mapping[str, list[tuple[int, str]]], vectors: Mapping[str, np.ndarray]
) -> dict[str, ProjectPassages | None]:
    """Per project its ProjectPassages from (chunk id, text hash) pairs and the cached vectors by
    hash; None for a project with a passage not embedded without its title (yet)."""
    found: dict[str, ProjectPassages | None] = {}
    for project_id, pairs in passages.items():
        if pairs and all(text_hash in vectors for _, text_hash in pairs):
            found[project_id] = ProjectPassages(
                [chunk_id for chunk_id, _ in pairs], np.stack([vectors[text_hash] for _, text_hash in pairs])
            )
        else:
            found[project_id] = None
    return found


def untitled_ranking(
    query: np.ndarray,
    candidates: Mapping[str, ProjectPassages],
    rows: Mapping[int, ChunkHead],
    allowed: np.ndarray | None = None,
) -> list[tuple[str, float]]:
    """The candidate projects ordered as the titled dense ranking orders them (kb.pooling's
    sections, then the query moved towards the nearest projects' best passages), but scored by
    their passages without the title. rows: the head of every candidate chunk; allowed: the chunk
    ids passing the filters (sorted; None: no filter)."""
    ids = np.concatenate([c.chunk_ids for c in candidates.values()]) if candidates else np.zeros(0, np.int64)
    if not len(ids):
        return []
    matrix = np.concatenate([c.vectors for c in candidates.values()])
    if allowed is not None:  # filters are per project; a chunk-level filter is kept all the same
        keep = np.isin(ids, allowed)
        ids, matrix = ids[keep], matrix[keep]
    first = _ranked_chunks(ids, matrix @ query)
    sections, best_chunk, lowest = section_scores(first, rows)
    nearest = [best_chunk[pid] for pid, _ in pooled(sections, lowest, SECTION_WEIGHTS)[:FEEDBACK_PROJECTS]]
    position = {chunk_id: i for i, chunk_id in enumerate(ids.tolist())}
    moved = moved_query(query, [matrix[position[chunk_id]] for chunk_id in nearest])
    return best_per_project(_ranked_chunks(ids, matrix @ moved), rows, SECTION_WEIGHTS)[0]


def _ranked_chunks(ids: np.ndarray, scores: np.ndarray) -> list[tuple[int, float]]:
    order = np.argsort(-scores, kind="stable")
    return list(zip(ids[order].tolist(), scores[order].tolist(), strict=True))
