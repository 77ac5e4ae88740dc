"""The searches a user gets: hybrid project search and similar projects (partners: kb.partners)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from kb.catalog import Catalog, ChunkHead
from kb.feedback import FEEDBACK_PROJECTS, moved_by
from kb.filters import NO_FILTERS, Filters
from kb.fusion import fuse, keyword_confidence
from kb.indexing import IndexSynchroniser
from kb.input_limits import bounded_query, was_cut
from kb.keyword_half import keyword_hits
from kb.long_queries import LongQueries
from kb.places import towns_lifted, without_places
from kb.pooling import PAIR_WEIGHTS, SECTION_WEIGHTS, best_per_project, pooled, section_scores
from kb.relevance import (
    CLOSE_LEVELS,
    Background,
    CounterPassages,
    Judgement,
    judge_projects,
    judged_model,
    levels_in_order,
)
from kb.search_memory import ProjectDetails, SearchMemory, project_details, spaced_bodies
from kb.search_results import SECTION_LABELS, Deferred, PlaceOffer, SearchHit, SearchOutcome
from kb.snippets import make_snippet, query_analysis, snippet_analysis
from kb.store import Store
from kb.text_analysis import DEFAULT_ANALYZER, query_terms
from kb.untitled_order import UNTITLED_CONFIDENCE, untitled_ranking

COUNTER = CounterPassages()  # the counter-passage vectors, embedded once per process and model


def candidate_depth(k: int) -> int:
    return max(100, 10 * k)


def search(
    store: Store,
    dense: IndexSynchroniser,
    query: str,
    k: int = 10,
    filters: Filters = NO_FILTERS,
    memory: SearchMemory | None = None,
    include_weak: bool = False,
) -> list[SearchHit]:
    """Projects ranked for a free-text idea or question, filters applied before ranking."""
    return find(store, dense, query, k, filters, memory, include_weak).hits


def find(
    store: Store,
    dense: IndexSynchroniser,
    query: str,
    k: int = 10,
    filters: Filters = NO_FILTERS,
    memory: SearchMemory | None = None,
    include_weak: bool = False,
    long_queries: LongQueries | None = None,
) -> SearchOutcome:
    """The search with everything a person is told about it: the hits above the relevance floor
    (or all, the weak ones marked), towns named in the query offered as filters, a cut query.

    memory: what searches remember between them (the KnowledgeBase keeps one); long_queries,
    where given, embeds a long topic on its own path or raises QueryBusyError."""
    text, truncated = bounded_query(query), was_cut(query)
    town = (filters.town or "").lower()
    memory = memory or SearchMemory()
    generation = store.generation()  # once: every step of this search sees the same store state
    mentions = memory.places(store, generation, text)
    topic = without_places(text, mentions) if mentions else text
    outcome = SearchOutcome(text, topic, [], truncated=truncated)
    # a town already chosen as the filter is not offered again (its words still leave the topic)
    named = [t for t in dict.fromkeys(m.town for m in mentions) if t.lower() != town]
    if not topic:  # only a place: nothing to rank, the town's projects are one filter away
        catalog = Catalog(store.db)
        outcome.places = [
            PlaceOffer(t, len(catalog.filtered_project_ids(replace(filters, town=t)) or [])) for t in named
        ]
        return outcome
    ranking = _Ranking(store, dense, topic, memory, generation, long_queries)
    hits = ranking.hits(k, filters, named, first=True)
    outcome.hits = hits if include_weak else [h for h in hits if not h.weak]
    outcome.weak_hidden = len(hits) - len(outcome.hits)
    # "passend" here means what the levels call similar: a town's weakly related projects do not count
    outcome.places = [PlaceOffer(t, ranking.close_count(50, replace(filters, town=t))) for t in named]
    return outcome


@dataclass
class _Ranked:
    fused: list[tuple[str, float]]  # projects, best first
    judged: dict[str, Judgement]
    best: dict[str, int]  # per project the chunk to show
    rows: dict[int, ChunkHead]


@dataclass
class _Candidates:
    """The keyword half of one ranking: what needs no query vector."""

    allowed: np.ndarray | None  # chunk ids passing the filters (None: no filter)
    keyword: list[tuple[int, float]]  # (chunk id, score), best first
    rows: dict[int, ChunkHead]
    projects: list[tuple[str, float]]  # the keyword scores pooled per project, best first
    best: dict[str, int]  # per project its best keyword chunk


class _Ranking:
    """One topic's rankings: the vector and the keyword analysis shared by the filtered runs."""

    def __init__(
        self,
        store: Store,
        dense: IndexSynchroniser,
        topic: str,
        memory: SearchMemory,
        generation: int,
        long_queries: LongQueries | None = None,
    ):
        self.store, self.dense, self.topic, self.memory = store, dense, topic, memory
        self.allowed = memory.allowed
        self.long_queries = long_queries
        self.generation = generation
        self.catalog = Catalog(store.db)
        self._vector: np.ndarray | None = None
        self._background = Background(0.0, 1.0)

    def _analyse(self) -> None:
        self.index = self.dense.current(self.store, self.generation)
        wanted = query_analysis(self.topic)
        self.freqs = self.store.doc_freqs([*wanted.terms, *wanted.parts], self.generation)
        self.confidence = keyword_confidence(
            query_terms(self.topic), self.freqs, len(self.index), DEFAULT_ANALYZER.compound_pairs(self.topic)
        )

    def _first_candidates(self, k: int, filters: Filters) -> _Candidates | None:
        """Embed the topic on this thread while the keyword half runs beside it (bench/search.py:
        the search then takes about as long as the embedding alone)."""

        def keyword_half() -> _Candidates | None:
            self._analyse()
            return self._candidates(k, filters)

        if self.long_queries is not None and self.long_queries.is_long(self.topic):
            vector = self.long_queries.vector_soon(self.topic)  # admitted, or QueryBusyError
            found = keyword_half()
            self._vector = vector()
        else:
            self._vector, found = self.dense.embed_query_beside(self.topic, keyword_half)
        model = self.dense.embedder
        self._background = COUNTER.background(model.model_id, self._counter_vectors, self._vector)
        return found

    def _counter_vectors(self, texts: list[str]) -> np.ndarray:
        return self.dense.passage_vectors(self.store, texts)

    def _candidates(self, k: int, filters: Filters) -> _Candidates | None:
        allowed_chunks = self.allowed.ids(self.store, filters, self.generation)
        if allowed_chunks is not None and not len(allowed_chunks):
            return None
        depth, n_chunks = candidate_depth(k), len(self.index)
        keyword_chunks = self.memory.keyword_hits(
            self.store,
            self.generation,
            (self.topic, depth, filters, n_chunks),
            lambda: keyword_hits(self.catalog, self.topic, self.freqs, depth, allowed_chunks, n_chunks),
        )
        rows = self.memory.chunk_heads(self.store, self.generation, [c for c, _ in keyword_chunks])
        return _Candidates(allowed_chunks, keyword_chunks, rows, *best_per_project(keyword_chunks, rows))

    def _ranked(self, k: int, filters: Filters, towns: list[str] | None, first: bool) -> _Ranked | None:
        found = self._first_candidates(k, filters) if first else self._candidates(k, filters)
        if found is None:
            return None
        assert self._vector is not None, "the first ranking embeds the topic"
        chunk_rows = found.rows
        # The model's vector and the moved one have norm 1 (index.embedders): not normalised again.
        scores, ids = self.index.search(
            self._vector, candidate_depth(k), allowed_ids=found.allowed, unit=True
        )
        dense_chunks = list(zip(ids.tolist(), scores.tolist(), strict=True))
        missing = [c for c, _ in dense_chunks if c not in chunk_rows]
        chunk_rows.update(self.memory.chunk_heads(self.store, self.generation, missing))
        # The order reads a project's three best sections, the floor and the levels its two best
        # (the support they were set on: kb.pooling)
        sections, best_chunk, lowest = section_scores(dense_chunks, chunk_rows)
        keyword_projects, keyword_best = found.projects, found.best  # pooled beside the embedding
        ordered = self._untitled_order(dense_chunks, chunk_rows, found.allowed)
        if ordered is None:  # the titled order (a German question's untitled one pools its own)
            dense_projects = pooled(sections, lowest, SECTION_WEIGHTS)
            ordered = self._with_feedback(k, found.allowed, dense_projects, best_chunk, chunk_rows)
        fused = fuse(
            ordered,
            keyword_projects,
            keyword_confidence=self.confidence,
            k=3 * k if towns else k,
        )
        judged = (
            judge_projects(
                {pid: score / sum(PAIR_WEIGHTS) for pid, score in pooled(sections, lowest, PAIR_WEIGHTS)},
                [pid for pid, _ in fused],
                self._background,
            )
            if judged_model(self.dense.embedder.model_id)
            else {}
        )
        if towns:
            fused = towns_lifted(self.catalog, fused, judged, towns)[:k]
        judged = levels_in_order(judged, (pid for pid, _ in fused))
        shown = _shown_chunks({pid for pid, _ in fused}, (dense_chunks, found.keyword), chunk_rows)
        for fallback in (best_chunk, keyword_best):  # a project without a section passage retrieved
            shown.update({pid: fallback[pid] for pid, _ in fused if pid not in shown and pid in fallback})
        return _Ranked(fused, judged, shown, chunk_rows)

    def _untitled_order(
        self, dense_chunks: list[tuple[int, float]], rows: dict[int, ChunkHead], allowed: np.ndarray | None
    ) -> list[tuple[str, float]] | None:
        """A German question's dense order: its candidate projects by their passages without the
        title (kb.untitled_order); None for other questions, or while some are not embedded so."""
        if self.confidence < UNTITLED_CONFIDENCE or not self.dense.settings.untitled_order:
            return None
        if self.memory.project_names(self.store, self.generation).named_in(self.topic):
            return None  # a project's name is matched by its titled passages only
        assert self._vector is not None, "the first ranking embeds the topic"
        projects = list(dict.fromkeys(rows[c].project_id for c, _ in dense_chunks if c in rows))
        model_id = self.dense.embedder.model_id
        candidates = self.memory.untitled_passages(self.store, self.generation, model_id, projects)
        if candidates is None:
            return None
        chunk_ids = [c for passages in candidates.values() for c in passages.chunk_ids.tolist()]
        rows.update(
            self.memory.chunk_heads(self.store, self.generation, [c for c in chunk_ids if c not in rows])
        )
        return untitled_ranking(self._vector, candidates, rows, allowed)

    def _with_feedback(
        self,
        k: int,
        allowed: np.ndarray | None,
        projects: list[tuple[str, float]],
        best: dict[str, int],
        rows: dict,
    ) -> list[tuple[str, float]]:
        """The dense project ranking again, for the query moved towards the best passages of its
        nearest projects (kb.feedback); the floor and the levels keep the first ranking's scores."""
        assert self._vector is not None, "the first ranking embeds the topic"
        top = [best[pid] for pid, _ in projects[:FEEDBACK_PROJECTS]]
        model_id = self.dense.embedder.model_id
        vector = moved_by(
            self._vector, self.memory.feedback_offset(self.store, self.generation, model_id, top)
        )
        scores, ids = self.index.search(vector, candidate_depth(k), allowed_ids=allowed, unit=True)
        chunks = list(zip(ids.tolist(), scores.tolist(), strict=True))
        rows.update(
            self.memory.chunk_heads(self.store, self.generation, [c for c, _ in chunks if c not in rows])
        )
        return best_per_project(chunks, rows, SECTION_WEIGHTS)[0]

    def hits(
        self, k: int, filters: Filters, towns: list[str] | None = None, first: bool = False
    ) -> list[SearchHit]:
        """The top k projects for the topic, each judged against the counter-passages; among
        projects that match the topic, those in a town the query named move up a little.
        first: the topic is not embedded yet (the first ranking of a search embeds it)."""
        ranked = self._ranked(k, filters, towns, first)
        if ranked is None:
            return []
        details = self.memory.details(self.store, self.generation, [pid for pid, _ in ranked.fused])
        shown = [ranked.best[pid] for pid, _ in ranked.fused if pid in ranked.best]
        bodies = self.memory.chunk_bodies(self.store, self.generation, shown)
        return _hits(
            self.catalog, ranked.fused, ranked.best, ranked.rows, self.topic, ranked.judged, details, bodies
        )

    def close_count(self, k: int, filters: Filters) -> int:
        """How many of the top k projects passing the filters are at least similar to the topic
        (what `hits` would mark so), without building their result cards."""
        ranked = self._ranked(k, filters, None, first=False)
        if ranked is None:
            return 0
        fused, judged = ranked.fused, ranked.judged
        cards = self.catalog.existing_projects([pid for pid, _ in fused])  # `hits` keeps those with a card
        return sum(
            1 for pid, _ in fused if pid in cards and pid in judged and judged[pid].level in CLOSE_LEVELS
        )


def _shown_chunks(
    projects: set[str], chunk_lists: tuple[Iterable[tuple[int, float]], ...], rows: dict[int, ChunkHead]
) -> dict[str, int]:
    """Per project to show, its best-matching section passage, from the first list that has one
    (dense passages first, best first; then keyword ones): the profile passage (title, Träger,
    town, partners) is never shown as the reason, it only repeats names. Only the projects shown
    are looked for, and the look stops once each has its passage."""
    found: dict[str, int] = {}
    for chunks in chunk_lists:
        for chunk_id, _ in chunks:
            row = rows.get(chunk_id)
            if row is not None and row.kind != "profile" and row.project_id in projects:
                found.setdefault(row.project_id, chunk_id)
                if len(found) == len(projects):
                    return found
    return found


def _hits(
    catalog: Catalog,
    ranked: list[tuple[str, float]],
    best_chunk: dict[str, int],
    chunk_rows: dict[int, ChunkHead],
    query: str | None,
    judged: dict[str, Judgement] | None = None,
    details: dict[str, ProjectDetails] | None = None,
    bodies: dict[int, str] | None = None,
) -> list[SearchHit]:
    """details, bodies: what the results show of each project and the text of its best chunk
    (spaced_text), if read already (SearchMemory.details, SearchMemory.chunk_bodies)."""
    ids = [project_id for project_id, _ in ranked]
    details = project_details(catalog, ids) if details is None else details
    if bodies is None:
        bodies = spaced_bodies(catalog, [best_chunk[p] for p in ids if p in best_chunk])
    wanted = snippet_analysis(query or "")
    hits = []
    for project_id, score in ranked:
        if project_id not in details:
            continue
        card = details[project_id].shown()  # read-only: its lists are copied below
        chunk_id = best_chunk.get(project_id, -1)
        chunk = chunk_rows.get(chunk_id)
        kind = chunk.kind if chunk else "profile"
        # The profile passage only lists names: the card shows the project's summary instead.
        shows_chunk = chunk is not None and kind != "profile"
        body = bodies.get(chunk_id, "") if shows_chunk else (card["summary"] or "")
        judgement = (judged or {}).get(project_id)
        hits.append(
            SearchHit(
                id=project_id,
                title=card["title"],
                score=round(float(score), 4),
                area=card["area"],
                organisation=card["organisation"],
                town=card["town"],
                target_groups=list(card["target_groups"]),
                groups=[dict(group) for group in card["groups"]],
                snippet=Deferred(make_snippet, body, query or "", 240, shows_chunk, wanted),
                matched_section=SECTION_LABELS.get(kind, chunk.heading if chunk else kind),
                matched_kind=kind,
                source=card["source_name"],
                source_kind=card["source_kind"],
                page_start=card["page_start"],
                page_end=card["page_end"],
                contact=card["contact"],
                summary=card["summary"],
                period=card["period"],
                status=card["status"],
                level=judgement.level if judgement else "",
                relevance=judgement.relevance if judgement else 0.0,
                weak=judgement.weak if judgement else False,
                success=details[project_id].success
                if kind != "special"
                else None,  # else the snippet says it
                contact_links=details[project_id].links(),
            )
        )
    return hits


def similar(store: Store, dense: IndexSynchroniser, project_id: str, k: int = 5) -> list[SearchHit]:
    """Projects most like this one: the mean of its passage vectors as the query, itself left out."""
    catalog = Catalog(store.db)
    own = catalog.chunk_ids_of([project_id])
    if not own:
        raise KeyError(project_id)
    index = dense.current(store)
    rows = catalog.chunks(own)
    cached = store.cached_vectors(dense.embedder.model_id, [row["text_hash"] for row in rows.values()])
    centre = np.mean(np.stack(list(cached.values())), axis=0)
    centre /= np.linalg.norm(centre) or 1.0
    # Ask for its own passages' worth more and drop them, rather than build an "all but these" id set.
    scores, ids = index.search(centre.astype(np.float32), candidate_depth(k) + len(own))
    own_ids = set(own)
    hits = [(i, score) for i, score in zip(ids.tolist(), scores.tolist(), strict=True) if i not in own_ids]
    chunk_rows = catalog.chunk_heads([i for i, _ in hits])
    ranked, best_chunk = best_per_project(hits, chunk_rows)
    return _hits(catalog, ranked[:k], best_chunk, chunk_rows, None)
