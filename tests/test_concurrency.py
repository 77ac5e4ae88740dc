"""Searching while the collection changes: in threads of one process (uploads through the knowledge
base) and from a second process (`kb ingest`). No search fails, every hit is a stored project, and
every vector index a search uses is a whole one: its vectors are exactly the chunks of one state
the store was in, the state its manifest names.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

import pytest

from index import VectorIndex, read_manifest
from kb import KnowledgeBase
from kb.catalog import Catalog, chunk_fingerprint
from kb.filters import Filters
from kb.store import Store
from tests.badinput.make_corpus import (
    collection_b,
    project_markdown,
    two_projects_markdown,
)
from tests.helpers import database_of, save_file_from_elsewhere, store_state, write_files

pytestmark = [pytest.mark.slow, pytest.mark.model]  # the real embedding model embeds queries and new passages

ROOT = Path(__file__).resolve().parents[1]
READERS = 3
QUERIES = [
    ("Familien Beratung", {}),
    ("Deutsch üben im Alltag", {"town": "Böblingen"}),
    ("Hausaufgaben für Schulkinder", {}),
    ("Aile danışmanlığı ve Almanca pratik", {}),  # Turkish: family counselling, German practice
    ("help with job interviews", {}),
    ("Kochen und Nähen", {"area": "Bildung"}),
]


def fingerprint_of(db_path: Path, ids: frozenset[int]) -> str:
    """The chunk fingerprint the store had when it held exactly these chunks (rows copied from it)."""
    subset = sqlite3.connect(":memory:")
    subset.execute("ATTACH DATABASE ? AS store", [str(db_path)])
    subset.execute("CREATE TABLE chunks AS SELECT * FROM store.chunks WHERE 0")
    subset.executemany("INSERT INTO chunks SELECT * FROM store.chunks WHERE id = ?", [(i,) for i in ids])
    fingerprint = Catalog(database_of(subset)).chunk_fingerprint()
    subset.close()
    return fingerprint


def index_on_disk(data_dir: Path) -> tuple[str, frozenset[int]]:
    manifest = read_manifest(data_dir / "index")
    assert manifest is not None
    return manifest.fingerprint, frozenset(VectorIndex.load(data_dir / "index").ids().tolist())


class Readers:
    """Threads that search until stopped; they record errors and every index a search used."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.errors: list[str] = []
        self.used: list[tuple[str, frozenset[int]]] = []  # (manifest fingerprint, ids) per search
        self.searches = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(READERS)]
        current = kb.dense.current

        def recording_current(store: Store, generation: int | None = None) -> VectorIndex:
            index = current(store, generation)
            entry = (index.manifest.fingerprint, frozenset(index.ids().tolist()))
            with self.lock:
                self.used.append(entry)
            return index

        kb.dense.current = recording_current  # what each search is handed, as it is handed

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in self.threads), "a reader never finished its search"

    def _run(self, number: int) -> None:
        turn = number
        while not self.stop.is_set():
            query, filters = QUERIES[turn % len(QUERIES)]
            turn += 1
            try:
                for hit in self.kb.search(query, k=5, filters=Filters(**filters)):
                    assert self.kb.project(hit.id) is not None, f"hit {hit.id} is not a stored project"
            except BaseException:  # the test fails on any of these, with the traceback
                with self.lock:
                    self.errors.append(traceback.format_exc())
            with self.lock:
                self.searches += 1

    def wait_for_searches(self, count: int, hang_limit: float = 300) -> None:
        """Block until `count` more searches have finished (so searches interleave with each write)."""
        with self.lock:
            target = self.searches + count
        deadline = time.monotonic() + hang_limit  # a hang guard, not a speed check
        while time.monotonic() < deadline:
            with self.lock:
                if self.searches >= target or self.errors:
                    return
            time.sleep(0.01)
        pytest.fail(f"readers did not finish {count} searches in {hang_limit} s: a deadlock?")


def chunk_hashes(db_path: Path) -> dict[int, str]:
    """{chunk id: text hash} of the store (a chunk id is never reused, so these never change)."""
    conn = sqlite3.connect(db_path)
    try:
        return dict(conn.execute("SELECT id, text_hash FROM chunks"))
    finally:
        conn.close()


def assert_whole_indexes(
    used: list[tuple[str, frozenset[int]]],
    states: dict[str, frozenset[int]],
    hashes: dict[int, str] | None = None,
) -> None:
    """Every index a search used holds exactly the chunks its manifest names: those of a state the
    store was in, or, while a catch-up still lacks vectors another writer is making (`hashes` given),
    the chunks it has vectors for, named so (such an index is served, never saved)."""
    assert used, "no search ran"
    for fingerprint, ids in used:
        if fingerprint not in states and hashes is not None and ids <= hashes.keys():
            held = chunk_fingerprint((chunk_id, hashes[chunk_id]) for chunk_id in sorted(ids))
            assert fingerprint == held, (
                f"a search used an index whose manifest names neither a store state nor the {len(ids)} "
                f"chunks it holds (the largest: {sorted(ids)[-4:]})"
            )
            continue
        assert fingerprint in states, "a search used an index of a store state that never existed"
        assert ids == states[fingerprint], (
            f"a search used an index whose vectors ({len(ids)}) are not the chunks its manifest names "
            f"({len(states[fingerprint])}): missing {sorted(states[fingerprint] - ids)}, "
            f"extra {sorted(ids - states[fingerprint])}"
        )


@pytest.fixture
def kb(collection_a_kb: KnowledgeBase) -> KnowledgeBase:
    return collection_a_kb


def test_searches_during_uploads(kb: KnowledgeBase):
    db_path = kb.settings.db_path
    states = dict([store_state(db_path)])
    hashes = chunk_hashes(db_path)
    uploads = [
        *collection_b().items(),
        ("kaputt.md", b""),  # a failed upload changes nothing
        ("a2-neu.md", two_projects_markdown("Elterncafé Aidlingen", "Lesepaten Weil im Schönbuch", "Neu.")),
        ("spaet.md", project_markdown("Spätschicht-Sprachkurs Sindelfingen")),
    ]
    with Readers(kb) as readers:
        for name, data in uploads:
            kb.ingest_upload(name, data)
            fingerprint, ids = store_state(db_path)
            states[fingerprint] = ids
            hashes.update(chunk_hashes(db_path))
            readers.wait_for_searches(2 * READERS)
    assert readers.errors == [], readers.errors[0]
    assert_whole_indexes(readers.used, states, hashes)
    assert len({fingerprint for fingerprint, _ in readers.used}) > 1, "searches never saw a write"
    assert index_on_disk(kb.settings.data_dir) == store_state(db_path)


def test_write_between_reads_of_an_index_sync(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch):
    """Another process commits while a sync reads the store: the index must still match its manifest.

    A sync reads the list of chunks and then the chunk fingerprint; a commit landing between the two
    (which a second `kb ingest` process or an upload thread can do at any time) is put there on purpose.
    """
    db_path = kb.settings.db_path
    save_file_from_elsewhere(db_path, "b1.md", collection_b()["b1.md"])  # the next search syncs
    read_refs = Catalog.chunk_refs
    committed = []

    def refs_then_a_commit(self):
        refs = read_refs(self)
        if not committed:
            committed.append(True)
            save_file_from_elsewhere(db_path, "zwischen.md", project_markdown("Zwischendurch gespeichert"))
        return refs

    monkeypatch.setattr(Catalog, "chunk_refs", refs_then_a_commit)
    kb.search("Bewerbung", k=3)
    monkeypatch.undo()
    assert committed
    kb.search("Familien", k=3)  # a later search, with no write in between
    kb.dense.wait_for_background_sync(timeout=300)  # the catch-up embeds off the request path
    index = kb.dense.current(kb.store)
    assert (index.manifest.fingerprint, frozenset(index.ids().tolist())) == store_state(db_path)


def test_partial_catch_up_is_served_under_a_manifest_naming_what_it_holds(kb: KnowledgeBase):
    """Another process stored a file and only some of its passages have vectors in the shared cache
    (texts seen before, or its embedding under way): a search is served the index with those vectors
    added. Its manifest used to keep the previous store state's fingerprint: searches were handed an
    index whose vectors were not the chunks its manifest named (test_searches_during_uploads failed
    1 run in 4), and once the store returned to that state (the file deleted again) only the index
    saved on disk kept the deleted chunks' vectors from being taken as complete."""
    db_path = kb.settings.db_path
    before = store_state(db_path)
    unique = "Ein Kochbus fährt montags durch Ehningen und kocht mit Geflüchteten."
    save_file_from_elsewhere(db_path, "kochbus.md", project_markdown("Kochbus Ehningen", approach=unique))
    new = {i: (h, text) for i, h, text in Catalog(kb.store.db).chunk_refs() if i not in before[1]}
    assert len(new) > 1
    first = min(new)  # the other process's embedding has got this far: one vector in the shared cache
    kb.dense.vectors_for(kb.store, {new[first][0]: new[first][1]})
    index = kb.dense.current(kb.store)
    held = frozenset(index.ids().tolist())
    assert held == before[1] | {first}, "the catch-up did not serve the vector there was"
    assert index.manifest.fingerprint == fingerprint_of(db_path, held), (
        "the index served while a catch-up lacks vectors names another set of chunks than it holds"
    )
    writer = Store(db_path)
    try:
        (source,) = [s for s in writer.sources() if s["name"] == "kochbus.md"]
        writer.delete_source(source["id"])
    finally:
        writer.close()
    assert store_state(db_path) == before  # the file is gone again: the store is in its old state
    index = kb.dense.current(kb.store)
    kb.dense.wait_for_background_sync(timeout=300)
    assert frozenset(index.ids().tolist()) == before[1], "vectors of deleted chunks were served"
    assert index_on_disk(kb.settings.data_dir) == before


def test_searches_while_another_process_ingests(kb: KnowledgeBase, tmp_path: Path):
    folder = write_files(tmp_path / "b", collection_b())
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_DATA_DIR=str(kb.settings.data_dir), PYTHONPATH=str(ROOT))
    with Readers(kb) as readers:
        child = subprocess.Popen(
            [sys.executable, "-m", "cli", "ingest", "--quiet", str(folder)], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        out, err = child.communicate(timeout=600)
        readers.wait_for_searches(READERS)
    assert child.returncode == 0, f"kb ingest failed while searches ran:\n{out}\n{err}"
    assert readers.errors == [], readers.errors[0]
    # The other process only adds chunks, so each chunk id keeps its text: the state an index
    # claims to cover can be rebuilt from the final store.
    states = {fingerprint_of(kb.settings.db_path, ids): ids for _, ids in readers.used}
    assert_whole_indexes(readers.used, states)
    final = store_state(kb.settings.db_path)
    kb.search("Familien", k=3)  # this process catches up with the other's writes
    assert index_on_disk(kb.settings.data_dir) == final
    titles = {project["title"] for project in kb.projects()}
    assert {"Radfahrkurs Magstadt", "Kochtreff Schönaich", "Sprachcafé Miteinander"} <= titles


def test_corrected_file_uploaded_again_updates_its_projects(kb: KnowledgeBase):
    """An upload is how staff correct a brochure: the same name again, with corrections, updates its
    projects in place instead of adding a copy of each (the store's promise: never silently duplicated)."""
    kb.ingest_upload("heft.md", project_markdown("Sprachcafé Miteinander Nord"))
    outcome, _ = kb.ingest_upload(
        "heft.md", project_markdown("Sprachcafé Miteinander Nord", approach="Auch samstags.")
    )
    assert outcome.status == "ok", outcome.errors
    titles = [project["title"] for project in kb.projects()]
    assert titles.count("Sprachcafé Miteinander Nord") == 1, "the corrected upload added a second copy"
    assert (outcome.counts.new, outcome.counts.updated) == (0, 1)


FIRST_QUERIES = [
    "Sprachcafé in der Stadtbibliothek gründen",
    "Wer begleitet geflüchtete Frauen zum Arzt?",
    "Kadınlar için Almanca kursu ve çocuk bakımı",
    "job coaching for refugees with a craft background",
    "Допомога біженцям з пошуком роботи",
    "Gesundheitslotsen mit vielen Sprachen",
]


# Run in a child process: if the deadlock came back, its hung pool threads would keep a test
# process from exiting (the pool joins them at exit) until CI's time limit; a child is killed.
FIRST_SEARCHES_CHILD = """
import json, sys, threading
from pathlib import Path
from kb import KnowledgeBase, Settings
data, queries = Path(sys.argv[1]), json.loads(sys.argv[2])
fresh = KnowledgeBase(Settings.from_env({}, data_dir=data), threads=1)
answered = []
searches = [threading.Thread(target=lambda q=q: answered.append(len(fresh.search(q, k=10))))
            for q in queries]
for search in searches:
    search.start()
for search in searches:
    search.join()
print(json.dumps(answered))
fresh.close()
"""


def test_concurrent_first_searches_of_a_fresh_process_all_answer(kb: KnowledgeBase, tmp_path: Path):
    """A worker of `kb serve --workers 2` gets its first searches all at once. A searching thread
    that waited for a token count on the worker thread while holding the model deadlocked with the
    keyword halves queued before that count (they wait for the index, whose first sync needs the
    model): every search of the process hung (bench/hardening.py: 8-12 time-outs)."""
    queries = FIRST_QUERIES * 2
    for attempt in range(3):
        data = tmp_path / f"fresh-{attempt}"
        data.mkdir()
        with sqlite3.connect(kb.settings.db_path) as original, sqlite3.connect(data / "kb.sqlite") as copy:
            original.backup(copy)
        try:
            child = subprocess.run(
                [sys.executable, "-c", FIRST_SEARCHES_CHILD, str(data), json.dumps(queries)],
                cwd=ROOT, capture_output=True, text=True, timeout=300,  # a hang guard: it takes seconds
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            pytest.fail(f"the first searches of a fresh process hung (attempt {attempt})")
        assert child.returncode == 0, child.stderr[-2000:]
        answered = json.loads(child.stdout.splitlines()[-1])
        assert len(answered) == len(queries) and all(n > 0 for n in answered), answered
