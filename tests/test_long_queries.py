"""Long queries on their own path: a few embedded at a time at a lower priority, the rest refused
quickly with 503 and Retry-After (German on the pages, the API's JSON error), short ones never."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from kb.long_queries import LONG_QUERY_NICE, LongQueries, QueryBusyError
from tests.helpers import LONG, BlockingEmbed


@pytest.fixture
def blocked() -> Iterator[tuple[LongQueries, BlockingEmbed]]:
    embed = BlockingEmbed()
    queries = LongQueries(embed, long_chars=200, slots=1, wait_s=0.2)
    yield queries, embed
    embed.release.set()
    queries.close()


def test_only_long_queries_take_the_separate_path():
    queries = LongQueries(lambda text: np.ones(8), long_chars=200, slots=1, wait_s=0.0)
    assert not queries.is_long("Hausaufgabenhilfe für Grundschulkinder in Sindelfingen")
    assert not queries.is_long("x" * 200) and queries.is_long("x" * 201)


def test_beyond_the_slots_a_long_query_waits_briefly_then_is_refused(blocked):
    queries, embed = blocked
    first = queries.vector_soon(LONG)  # takes the one slot
    assert embed.entered.acquire(timeout=30)
    assert queries.in_flight() == 1
    refused: list[BaseException] = []

    def second() -> None:
        try:
            queries.vector_soon(LONG + " zwei")
        except QueryBusyError as error:
            refused.append(error)

    waiting = threading.Thread(target=second)
    waiting.start()
    while queries._waiting == 0 and waiting.is_alive():  # the second query now waits for the slot
        threading.Event().wait(0.001)
    with pytest.raises(QueryBusyError) as third:  # one may wait; a third is refused at once
        queries.vector_soon(LONG + " drei")
    assert third.value.retry_after > 0
    waiting.join(timeout=30)
    assert len(refused) == 1, "the waiting query was neither refused nor admitted"
    embed.release.set()
    assert first().shape == (8,)
    assert queries.in_flight() == 0
    assert queries.vector_soon(LONG + " vier")().shape == (8,), "a freed slot admits the next"


def test_once_found_full_the_path_keeps_refusing_for_its_hold():
    """A flood drains and refills the path many times a second; found full once, it refuses
    surely long queries for hold_s, also after it has drained."""
    embed = BlockingEmbed()
    queries = LongQueries(embed, long_chars=200, slots=1, wait_s=60.0, hold_s=3600.0)
    try:
        assert not queries.refusing()
        first = queries.vector_soon(LONG)
        assert embed.entered.acquire(timeout=30) and not queries.refusing(), "one slot taken is not full"
        waiting = threading.Thread(target=lambda: queries.vector_soon(LONG + " zwei")())
        waiting.start()
        while not queries.saturated():
            threading.Event().wait(0.001)
        assert queries.refusing()
        embed.release.set()
        first()
        waiting.join(timeout=30)
        assert not queries.saturated() and queries.refusing(), "drained, but still within the hold"
        queries.hold_s = 0.0
        assert not queries.refusing()
    finally:
        embed.release.set()
        queries.close()


def test_a_long_query_asked_again_is_not_embedded_again(blocked):
    queries, embed = blocked
    embed.release.set()
    vector = queries.vector_soon(LONG)()
    assert queries.vector_soon(LONG)() is vector and len(embed.nice) == 1


def test_long_queries_are_embedded_at_a_lower_priority(blocked):
    queries, embed = blocked
    embed.release.set()
    queries.vector_soon(LONG)()
    here = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert embed.nice == [max(here, LONG_QUERY_NICE)]


def test_the_server_answers_503_for_a_long_query_without_a_slot_and_never_for_a_short_one(client, quick_kb):
    embed = BlockingEmbed(quick_kb.dense.embedder.dim)
    original = quick_kb.long_queries
    quick_kb.long_queries = LongQueries(embed, long_chars=200, slots=1, wait_s=0.0)
    holder = threading.Thread(target=lambda: quick_kb.search(LONG))
    holder.start()
    try:
        assert embed.entered.acquire(timeout=30)
        api = client.get("/api/search", query_string={"q": LONG + " API"})
        assert api.status_code == 503 and int(api.headers["Retry-After"]) > 0
        assert api.get_json()["error"]["status"] == 503
        assert "kurze Anfragen werden immer sofort bearbeitet" in api.get_json()["error"]["message"]
        page = client.get("/", query_string={"q": LONG + " Seite"})
        assert page.status_code == 503 and page.headers["Retry-After"]
        assert "Bitte versuchen Sie es in ein paar Sekunden noch einmal" in page.get_data(as_text=True)
        english = client.get("/", query_string={"q": LONG + " english", "lang": "en"})
        assert "Please try again in a few seconds" in english.get_data(as_text=True)
        short = client.get("/api/search", query_string={"q": "Sprachcafé für Familien"})
        assert short.status_code == 200, "a short query was turned away"
    finally:
        embed.release.set()
        holder.join(timeout=60)
        quick_kb.long_queries.close()
        quick_kb.long_queries = original


@pytest.mark.model
def test_the_separate_path_gives_the_vector_the_shared_model_gives(tmp_path):
    """The long path's own model instance reads the same first tokens as the shared one."""
    from kb import KnowledgeBase, Settings

    kb = KnowledgeBase(Settings.from_env({}, data_dir=tmp_path / "data"), threads=1)
    try:
        text = "Wir suchen Ehrenamtliche, die mit geflüchteten Jugendlichen Bewerbungen schreiben. " * 8
        assert kb.long_queries.is_long(text)
        separate = kb.long_queries.vector_soon(text)()
        shared = kb.dense.embed_query(text)
        assert np.allclose(separate, shared, atol=1e-5)
    finally:
        kb.close()


def test_while_the_path_is_full_a_surely_long_query_is_refused_before_the_app(client, quick_kb, monkeypatch):
    """Every slot and waiting place taken: a query whose encoded length is surely long is answered
    503 in front of the app (no search, no session), with the app's security headers."""
    from webui.security import SECURITY_HEADERS

    embed = BlockingEmbed(quick_kb.dense.embedder.dim)
    original = quick_kb.long_queries
    quick_kb.long_queries = LongQueries(embed, long_chars=200, slots=1, wait_s=60.0)
    holders = [threading.Thread(target=lambda n=n: quick_kb.search(LONG + str(n))) for n in range(2)]
    for holder in holders:
        holder.start()
    try:
        assert embed.entered.acquire(timeout=30)
        while not quick_kb.long_queries.saturated():  # the second holder waits for the slot
            threading.Event().wait(0.01)
        searched = []
        monkeypatch.setattr(quick_kb, "find", lambda *a, **k: searched.append(a) or pytest.fail("searched"))
        huge = "Sprachcafé " * 1000
        api = client.get("/api/search", query_string={"q": huge})
        assert api.status_code == 503 and api.headers["Retry-After"] == "5"
        assert api.get_json()["error"]["status"] == 503
        page = client.get("/", query_string={"q": huge})
        assert page.status_code == 503 and "Gerade sehr viele lange Anfragen" in page.get_data(as_text=True)
        for name, value in SECURITY_HEADERS.items():
            assert page.headers[name] == value
        assert "Set-Cookie" not in page.headers and not searched
    finally:
        embed.release.set()
        for holder in holders:
            holder.join(timeout=60)
        quick_kb.long_queries.close()
        quick_kb.long_queries = original
