"""What searches remember between them, until the store changes, bounded in bytes: the chunk ids
of each filter, the towns of the collection and of recent queries, and what a result card shows of
a project. One SearchMemory per KnowledgeBase, shared by its threads."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np

from kb import feedback
from kb.bounded_cache import ByteBoundedCache, approximate_size
from kb.catalog import Catalog, ChunkHead
from kb.filters import Filters
from kb.places import PlaceFinder, PlaceMention
from kb.result_details import contact_links, success_lines
from kb.snippets import spaced_text
from kb.store import Store
from kb.untitled_order import ProjectNames, ProjectPassages, project_passages

K = TypeVar("K")
_MISSING = object()
V = TypeVar("V")

# The town finder (~50 KB: the county's towns in three scripts and the collection's), the towns
# found in recent queries, and the collection's project titles (~100 bytes a project).
PLACE_MEMORY_BYTES = 2 * 1024 * 1024
# A project's card, success line and contact links take 1-3 KB: ~2,000 projects. On the sample the
# cards, their target groups and success lines took 1.5 ms of a search after the embedding.
DETAILS_MEMORY_BYTES = 4 * 1024 * 1024
# What ranking reads of a chunk (project, kind, heading): a search reads 200-300 of them, which
# SQLite took 0.2-0.4 ms to find on the sample and 1-2 ms at 100k chunks. A kept chunk takes its
# entry and a tuple (~150 bytes) beside the strings it shares with its project's other chunks.
CHUNK_HEADS_BYTES = 16 * 1024 * 1024
CHUNK_HEAD_BYTES = 150
# The feedback offset of a search's three nearest projects' passages (kb.feedback), 1.5 KB each:
# the same few passages lead search after search, and reading them took 0.3 ms of a search.
FEEDBACK_MEMORY_BYTES = 2 * 1024 * 1024
# Per project its passages' vectors without the title (kb.untitled_order), ~1.5 KB a passage and
# ~5 passages a project: ~1,000 projects. A German search orders 20-40 candidate projects by them;
# read from the store's vector cache each time that took ~1 ms.
UNTITLED_MEMORY_BYTES = 8 * 1024 * 1024
# The keyword half's hits of recent searches, by topic, depth and filters (at most depth pairs,
# ~15 KB): a query asked again (a way back, the answer page) skips FTS5, which at 100k chunks took
# 7-10 ms of the repeated search with no embedding left to hide it.
KEYWORD_MEMORY_BYTES = 2 * 1024 * 1024
# The shown text of the passages results showed (a chunk: at most ~2 KB, so ~2,000 passages): a
# search's ten were one SQLite query, 0.09 ms of the search's path after the embedding.
BODIES_MEMORY_BYTES = 4 * 1024 * 1024


class ProjectDetails:
    """What a result shows of a project besides the matched passage, as a fresh copy each time
    (callers may change what they get; the remembered entry stays as read)."""

    __slots__ = ("_card", "_success", "_links")

    def __init__(self, card: dict, success: str | None, links: list[dict]):
        self._card = dict(card)  # never handed out: card() copies, shown() is read-only
        self._success = success
        self._links = tuple(tuple(link.items()) for link in links)

    def card(self) -> dict:
        card = dict(self._card)
        card["target_groups"] = list(card["target_groups"])
        card["groups"] = [dict(group) for group in card["groups"]]
        return card

    def shown(self) -> Mapping[str, Any]:
        """The card read-only, for a caller that copies what it keeps of it (a search's hits:
        a copy of the whole card per hit was a fifth of building the hits)."""
        return MappingProxyType(self._card)

    @property
    def success(self) -> str | None:
        return self._success

    def links(self) -> list[dict]:
        return [dict(link) for link in self._links]

    @property
    def nbytes(self) -> int:  # what kb.bounded_cache counts for it
        return (
            approximate_size(self._card)
            + approximate_size(self._links)
            + approximate_size(self._success or "")
        )


def project_details(catalog: Catalog, project_ids: list[str]) -> dict[str, ProjectDetails]:
    """Read from the store: each project's card, success line and contact links."""
    cards = catalog.cards(project_ids)
    successes = success_lines(catalog.db, list(cards))
    return {
        project_id: ProjectDetails(card, successes.get(project_id), contact_links(card["contact"]))
        for project_id, card in cards.items()
    }


class SearchMemory:
    """What searches remember between them, until the store changes; bounded in bytes. One per
    KnowledgeBase, shared by its threads."""

    def __init__(
        self,
        place_bytes: int = PLACE_MEMORY_BYTES,
        details_bytes: int = DETAILS_MEMORY_BYTES,
        heads_bytes: int = CHUNK_HEADS_BYTES,
    ):
        self.allowed = AllowedChunks()  # chunk ids per filter
        self._heads = ChunkHeads(heads_bytes)
        self._feedback = ByteBoundedCache(FEEDBACK_MEMORY_BYTES)
        self._keyword = ByteBoundedCache(KEYWORD_MEMORY_BYTES)
        self._untitled = ByteBoundedCache(UNTITLED_MEMORY_BYTES)
        self._places = ByteBoundedCache(place_bytes)  # the town finder, and the towns of recent queries
        self._details = ByteBoundedCache(details_bytes)
        self._bodies = ByteBoundedCache(BODIES_MEMORY_BYTES)

    def places(self, store: Store, generation: int, text: str) -> tuple[PlaceMention, ...]:
        """The towns a query names, in the collection as it is at this generation."""
        key = (store.path, generation, text)
        mentions = self._places.get(key)
        if mentions is None:
            finder = self._places.get((store.path, generation))
            if finder is None:
                finder = PlaceFinder([name for name, _ in Catalog(store.db).facets()["town"]])
                self._places.put((store.path, generation), finder)
            mentions = tuple(finder.find(text))
            self._places.put(key, mentions)
        return mentions

    def project_names(self, store: Store, generation: int) -> ProjectNames:
        """The collection's project titles at this generation (kb.untitled_order)."""
        key = (store.path, generation, "project names")
        names = self._places.get(key)
        if names is None:
            names = ProjectNames(row["title"] for row in Catalog(store.db).project_list())
            self._places.put(key, names)
        return names

    def details(self, store: Store, generation: int, project_ids: list[str]) -> dict[str, ProjectDetails]:
        """project_details, remembered per store state and day (a card shows the status of the day)."""
        state = (store.path, generation, store.today())
        return _remembered(
            self._details, state, project_ids, lambda ids: project_details(Catalog(store.db), ids)
        )

    def chunk_bodies(self, store: Store, generation: int, chunk_ids: list[int]) -> dict[int, str]:
        """Catalog.chunk_bodies, remembered per store state, as snippets show them (spaced_text):
        a snippet then starts from the kept text instead of respacing it (6 µs each)."""
        return _remembered(
            self._bodies,
            (store.path, generation),
            chunk_ids,
            lambda ids: spaced_bodies(Catalog(store.db), ids),
        )

    def chunk_heads(self, store: Store, generation: int, chunk_ids: Iterable[int]) -> dict[int, ChunkHead]:
        """Catalog.chunk_heads, remembered per store state."""
        return self._heads.rows(store, generation, chunk_ids)

    def feedback_offset(
        self, store: Store, generation: int, model_id: str, chunk_ids: list[int]
    ) -> np.ndarray | None:
        """kb.feedback.feedback_offset of these passages' vectors (kb.feedback.feedback_passages),
        remembered per store state (read-only): the step from the passages to the offset was half
        of moving the query, right after the model call."""
        weight = feedback.FEEDBACK_WEIGHT  # read when called, as feedback_offset reads it
        key = (store.path, generation, model_id, weight, tuple(chunk_ids))
        offset = self._feedback.get(key, _MISSING)
        if offset is _MISSING:
            passages = feedback.feedback_passages(store, Catalog(store.db), model_id, chunk_ids)
            offset = feedback.feedback_offset(passages, weight)
            if offset is not None:
                offset.flags.writeable = False
            self._feedback.put(key, offset)
        return offset

    def untitled_passages(
        self, store: Store, generation: int, model_id: str, project_ids: list[str]
    ) -> dict[str, ProjectPassages] | None:
        """Per project its passages' vectors without the title (kb.untitled_order), remembered per
        store state; None when one of the projects has a passage not embedded so (yet)."""
        state = (store.path, generation, model_id)
        found = {pid: self._untitled.get((state, pid)) for pid in project_ids}
        missing = [pid for pid, passages in found.items() if passages is None]
        if missing:
            pairs = Catalog(store.db).project_passages(missing)
            vectors = store.cached_vectors(model_id, [h for chunks in pairs.values() for _, h in chunks])
            for pid, passages in project_passages(pairs, vectors).items():
                if passages is None:
                    return None
                self._untitled.put((state, pid), passages)
                found[pid] = passages
        return found  # type: ignore[return-value]  # every value is set above

    def keyword_hits(
        self, store: Store, generation: int, key: tuple, read: Callable[[], list[tuple[int, float]]]
    ) -> list[tuple[int, float]]:
        """read() (a search's keyword hits), remembered per store state and day (a status filter
        changes with the day) under key: what else decides them (topic, depth, filters)."""
        state_key = (store.path, generation, store.today(), *key)
        hits = self._keyword.get(state_key)
        if hits is None:
            hits = tuple(read())
            self._keyword.put(state_key, hits)
        return list(hits)

    def forget_keyword_hits(self) -> None:
        self._keyword.clear()


class ChunkHeads:
    """What ranking reads of each chunk, kept for one store state until max_bytes are held (the
    chunks beyond are read from the store each time). Kept as ChunkHead tuples of shared strings
    (~150 bytes a chunk: a 100k collection fits in 16 MB), handed out as they are (immutable): a
    fresh dict per chunk and call cost a search ~300 of them."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._state: tuple[str, int] | None = None
        self._rows: dict[int, ChunkHead] = {}
        self._strings: dict[str, str] = {}  # one copy of each project id, kind and heading
        self._bytes = 0
        self._lock = threading.Lock()

    def rows(self, store: Store, generation: int, chunk_ids: Iterable[int]) -> dict[int, ChunkHead]:
        kept = self._kept(store, generation)
        found: dict[int, ChunkHead] = {}
        missing = []
        for chunk_id in chunk_ids:
            row = kept.get(chunk_id)
            if row is None:
                missing.append(chunk_id)
            else:
                found[chunk_id] = row
        if missing:
            read = Catalog(store.db).chunk_heads(missing)
            self._keep(store, generation, read)
            found.update(read)
        return found

    def _kept(self, store: Store, generation: int) -> dict[int, ChunkHead]:
        with self._lock:
            if self._state != (store.path, generation):
                self._state, self._rows, self._strings, self._bytes = (store.path, generation), {}, {}, 0
            return self._rows

    def _keep(self, store: Store, generation: int, rows: dict[int, ChunkHead]) -> None:
        with self._lock:
            if self._state != (store.path, generation):
                return
            strings = self._strings
            for chunk_id, row in rows.items():
                new = {value for value in row if value is not None and value not in strings}
                cost = CHUNK_HEAD_BYTES + sum(50 + len(value) for value in new)
                if self._bytes + cost > self.max_bytes:
                    break
                strings.update((value, value) for value in new)
                self._rows[chunk_id] = ChunkHead._make(None if v is None else strings[v] for v in row)
                self._bytes += cost


class AllowedChunks:
    """Chunk ids passing each set of filters, remembered until the store changes: at 100k chunks
    turning a filter into ids costs more than the rest of the search. Bounded in bytes."""

    def __init__(self, max_bytes: int = 32 * 2**20):
        self.max_bytes = max_bytes
        self._ids: dict[tuple[int, date, Filters], np.ndarray] = {}  # a dict's get and set are atomic

    def ids(self, store: Store, filters: Filters, generation: int | None = None) -> np.ndarray | None:
        """The chunk ids passing filters, in ascending order (None: no filter set); generation: the
        store's, if read already."""
        if not filters:
            return None
        generation = store.generation() if generation is None else generation
        key = (generation, store.today(), filters)  # a status filter changes with the day
        ids = self._ids.get(key)
        if ids is None:
            # sorted, so a search tests its keyword hits against them by bisection
            ids = np.unique(np.array(Catalog(store.db).filtered_chunk_ids(filters), dtype=np.int64))
            ids.flags.writeable = False  # shared between searches
            if sum(kept.nbytes for kept in list(self._ids.values())) + ids.nbytes > self.max_bytes:
                self._ids = {}
            self._ids[key] = ids
        return ids


def spaced_bodies(catalog: Catalog, chunk_ids: list[int]) -> dict[int, str]:
    """Catalog.chunk_bodies as snippets show them (spaced_text)."""
    return {chunk_id: spaced_text(body) for chunk_id, body in catalog.chunk_bodies(chunk_ids).items()}


def _remembered(
    cache: ByteBoundedCache, state: tuple, keys: list[K], read: Callable[[list[K]], dict[K, V]]
) -> dict[K, V]:
    """Each key's value from the cache under (state, key); those missing read at once and kept."""
    found: dict[K, V] = {}
    missing = []
    for key in keys:
        value = cache.get((state, key))
        if value is None:
            missing.append(key)
        else:
            found[key] = value
    if missing:
        for key, value in read(missing).items():
            cache.put((state, key), value)
            found[key] = value
    return found
