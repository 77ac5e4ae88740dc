"""German questions ordered by the passages without the project title (kb.untitled_order): the
pooling over fixed vectors, and the whole path over a real SQLite store, a real FAISS index and the
real default model: what ingest embeds, which questions take the path, what happens without the
vectors and in a store made before them."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pytest

import kb.search as searching
from kb import KnowledgeBase, Settings
from kb.catalog import Catalog, ChunkHead
from kb.chunking import text_hash
from kb.store import Store
from kb.untitled_order import ProjectNames, ProjectPassages, project_passages, untitled_ranking
from tests.helpers import write_files


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


HEADS = {
    1: ChunkHead("a", "profile", "Steckbrief"),
    2: ChunkHead("a", "approach", "Herangehensweise"),
    3: ChunkHead("b", "profile", "Steckbrief"),
    4: ChunkHead("b", "approach", "Herangehensweise"),
    5: ChunkHead("b", "value", "Mehrwert"),
}


def test_projects_are_pooled_from_their_untitled_passages():
    query = unit(1, 0, 0)
    candidates = {
        # a: one passage right on the question, nothing else
        "a": ProjectPassages([1, 2], np.stack([unit(0, 1, 0), unit(1, 0.1, 0)])),
        # b: three sections near it: the three-section score puts b first (kb.pooling)
        "b": ProjectPassages([3, 4, 5], np.stack([unit(1, 0.5, 0), unit(1, 0.4, 0), unit(1, 0.45, 0)])),
    }
    ranked = untitled_ranking(query, candidates, HEADS)
    assert [pid for pid, _ in ranked] == ["b", "a"]
    assert ranked[0][1] > ranked[1][1]


def test_a_filter_keeps_only_the_allowed_passages():
    query = unit(1, 0, 0)
    candidates = {
        "a": ProjectPassages([1, 2], np.stack([unit(1, 0, 0), unit(1, 0.1, 0)])),
        "b": ProjectPassages([3, 4], np.stack([unit(0, 1, 0), unit(0, 1, 0.2)])),
    }
    assert [pid for pid, _ in untitled_ranking(query, candidates, HEADS, np.array([3, 4]))] == ["b"]
    assert untitled_ranking(query, {}, HEADS) == []


def test_a_project_with_a_passage_not_embedded_has_no_passages():
    vectors = {"h1": unit(1, 0), "h2": unit(0, 1)}
    found = project_passages({"a": [(1, "h1"), (2, "h2")], "b": [(3, "h1"), (4, "missing")]}, vectors)
    assert found["b"] is None
    assert found["a"] is not None and found["a"].chunk_ids.tolist() == [1, 2]
    assert not found["a"].vectors.flags.writeable  # shared by every search that reads it
    assert found["a"].nbytes == 2 * 8 + 2 * 2 * 4


# ---- the whole path: real store, real index, real model ----------------------------------------
PROJECTS = {
    "lernen.md": (
        "Lernbrücke",
        "Bildung",
        "Sindelfingen",
        "Ehrenamtliche helfen Grundschulkindern aus geflüchteten Familien zweimal pro Woche bei den "
        "Hausaufgaben und beim Lesen.",
        "Die Kinder kommen in der Schule besser mit und die Eltern werden entlastet.",
    ),
    "garten.md": (
        "Interkultureller Garten",
        "Gesellschaft",
        "Böblingen",
        "Familien aus vielen Ländern bewirtschaften gemeinsam Beete, tauschen Saatgut und kochen zusammen.",
        "Nachbarn lernen sich kennen und sprechen im Garten Deutsch miteinander.",
    ),
    "arbeit.md": (
        "Jobpaten",
        "Arbeitsmarkt",
        "Leonberg",
        "Berufstätige begleiten Geflüchtete bei Bewerbungen, Vorstellungsgesprächen und den ersten Wochen "
        "im Betrieb.",
        "Viele finden eine Ausbildung oder eine feste Stelle.",
    ),
    "gesund.md": (
        "Gesund ankommen",
        "Gesundheit",
        "Herrenberg",
        "Geschulte Gesundheitslotsinnen erklären Neuzugewanderten in ihrer Sprache, wie Arztpraxen und "
        "Krankenkassen funktionieren.",
        "Arzttermine werden wahrgenommen und Missverständnisse vermieden.",
    ),
}
GERMAN = "Ehrenamtliche helfen Kindern aus geflüchteten Familien bei den Hausaufgaben"
ARABIC = "من يساعد الأطفال من العائلات اللاجئة في واجباتهم المدرسية؟"


def markdown(title: str, area: str, town: str, approach: str, value: str) -> bytes:
    return (
        f"# {title}\n\nBereich: {area}\nOrt: {town}\nTräger: Verein Miteinander e.V.\n\n"
        f"## Herangehensweise\n\n{approach}\n\n## Mehrwert\n\n{value}\n"
    ).encode()


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("untitled")
    files = write_files(folder / "projects", {name: markdown(*fields) for name, fields in PROJECTS.items()})
    kb = KnowledgeBase(Settings.from_env({}, data_dir=folder / "data"), threads=1)
    report, index = kb.ingest([files])
    assert not report.failed, report.errors
    yield kb, index
    kb.close()


def untitled_hashes(store: Store) -> list[str]:
    """Text hashes of the passages that differ from their indexed (titled) text."""
    return [text_hash(body) for (body,) in store.db.execute("SELECT body FROM chunks WHERE body != text")]


@pytest.mark.model
def test_ingest_embeds_each_titled_passage_once_more_without_its_title(small_kb):
    kb, index = small_kb
    chunks = kb.store.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    hashes = untitled_hashes(kb.store)
    assert len(hashes) == 2 * len(PROJECTS)  # two sections each; the profile passage is embedded once
    assert index.added == chunks
    assert index.embedded == chunks + len(hashes)
    assert set(hashes) <= set(kb.store.cached_vectors(kb.dense.embedder.model_id, hashes))
    # a rebuild takes every vector from the cache: nothing is embedded twice
    assert kb.dense.sync(kb.store, rebuild=True).embedded == 0


@pytest.mark.model
def test_a_german_question_is_ordered_by_the_untitled_passages_others_are_not(small_kb):
    kb, _ = small_kb
    calls = []

    def spy(*args, **kwargs):
        calls.append(args)
        return untitled_ranking(*args, **kwargs)

    with mock.patch.object(searching, "untitled_ranking", spy):
        german = kb.search(GERMAN, k=4, include_weak=True)
        assert len(calls) == 1
        arabic = kb.search(ARABIC, k=4, include_weak=True)
        assert len(calls) == 1  # not German: the titled order
    assert german[0].id == arabic[0].id == "lernbruecke"
    # the German order is the untitled passages' order (no keyword or town step changes it here)
    vector = kb.dense.embed_query(GERMAN)
    store, generation = kb.store, kb.store.generation()
    candidates = kb._search_memory.untitled_passages(
        store, generation, kb.dense.embedder.model_id, [p.id for p in german]
    )
    rows = Catalog(store.db).chunk_heads([c for p in candidates.values() for c in p.chunk_ids.tolist()])
    assert [hit.id for hit in german][:2] == [pid for pid, _ in untitled_ranking(vector, candidates, rows)][
        :2
    ]


def forget_untitled_vectors(kb: KnowledgeBase) -> int:
    hashes = untitled_hashes(kb.store)
    with kb.store.writing():
        marks = ",".join("?" * len(hashes))
        return kb.store.conn.execute(f"DELETE FROM embeddings WHERE text_hash IN ({marks})", hashes).rowcount


def ingested_apart(small_kb, tmp_path: Path) -> tuple[KnowledgeBase, Settings, object]:
    """The projects ingested into a store of their own, with the shared model."""
    model = small_kb[0].dense.embedder
    files = write_files(tmp_path / "projects", {name: markdown(*fields) for name, fields in PROJECTS.items()})
    settings = Settings.from_env({}, data_dir=tmp_path / "data")
    kb = KnowledgeBase(settings, threads=1, embedder=model)
    kb.ingest([files])
    return kb, settings, model


@pytest.mark.model
def test_without_the_untitled_vectors_a_german_question_keeps_the_titled_order(small_kb, tmp_path: Path):
    kb, settings, model = ingested_apart(small_kb, tmp_path)
    with mock.patch.object(searching, "UNTITLED_CONFIDENCE", 2.0):  # no question counts as German
        titled = [(hit.id, hit.score) for hit in kb.search(GERMAN, k=4, include_weak=True)]
    assert forget_untitled_vectors(kb) == 2 * len(PROJECTS)
    kb.close()
    kb = KnowledgeBase(settings, threads=1, embedder=model)  # a new process: nothing remembered
    try:
        with mock.patch.object(searching, "untitled_ranking", side_effect=AssertionError("not embedded")):
            assert [(hit.id, hit.score) for hit in kb.search(GERMAN, k=4, include_weak=True)] == titled
    finally:
        kb.close()


@pytest.mark.model
def test_a_store_made_before_gets_its_untitled_vectors_when_opened(small_kb, tmp_path: Path):
    kb, settings, model = ingested_apart(small_kb, tmp_path)
    forget_untitled_vectors(kb)  # as a store indexed by the version before
    with kb.store.writing():
        kb.store.conn.execute("UPDATE meta SET value = 'chunking 4, analysis 0' WHERE key = 'chunking'")
    kb.close()
    kb = KnowledgeBase(settings, threads=1, embedder=model)  # re-chunks when opened
    try:
        report = kb.dense.sync(kb.store)
        assert report.embedded == 2 * len(PROJECTS)  # the titled passages come from the cache
        hashes = untitled_hashes(kb.store)
        assert len(kb.store.cached_vectors(model.model_id, hashes)) == len(hashes)
        calls = []
        with mock.patch.object(
            searching, "untitled_ranking", lambda *a: calls.append(a) or untitled_ranking(*a)
        ):
            assert kb.search(GERMAN, k=4)[0].id == "lernbruecke"
        assert calls
    finally:
        kb.close()


@pytest.mark.parametrize(("raw", "value"), [("0", False), ("off", False), ("1", True), ("yes", True)])
def test_the_untitled_order_is_a_setting(raw: str, value: bool):
    assert Settings.from_env({"KB_UNTITLED_ORDER": raw}).untitled_order is value
    assert Settings.from_env({}).untitled_order is True


def test_a_setting_that_is_not_one_or_zero_is_refused():
    with pytest.raises(ValueError, match="KB_UNTITLED_ORDER='maybe' is not 1 or 0"):
        Settings.from_env({"KB_UNTITLED_ORDER": "maybe"})


def test_switched_off_ingest_embeds_each_passage_once_and_german_keeps_the_titled_order(
    tmp_path: Path, fake_embedder
):
    files = write_files(tmp_path / "projects", {name: markdown(*fields) for name, fields in PROJECTS.items()})
    settings = Settings.from_env({"KB_UNTITLED_ORDER": "0"}, data_dir=tmp_path / "data")
    kb = KnowledgeBase(settings, threads=1, embedder=fake_embedder)
    try:
        _, index = kb.ingest([files])
        chunks = kb.store.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        assert index.embedded == chunks
        assert not kb.store.cached_vectors(fake_embedder.model_id, untitled_hashes(kb.store))
        # even with the vectors there (a store made with the setting on), the search does not use them
        every_chunk = [chunk_id for chunk_id, _, _ in Catalog(kb.store.db).chunk_refs()]
        kb.dense.vectors_for(kb.store, Catalog(kb.store.db).untitled_passages(every_chunk))
        with mock.patch.object(searching, "untitled_ranking", side_effect=AssertionError("switched off")):
            assert kb.search(GERMAN, k=4, include_weak=True)
    finally:
        kb.close()


def test_a_question_names_a_project_only_with_its_whole_title():
    names = ProjectNames(["Brückenworte", "Nähcafé der Kulturen", "Mut", "Café"])
    assert names.named_in("Brückenworte")
    assert names.named_in("Wer macht Brueckenworte in Böblingen?")  # umlaut typed as ue
    assert names.named_in("das NÄHCAFÉ der Kulturen, bitte")
    assert not names.named_in("ein Nähcafé für Frauen")  # part of a title is not its name
    assert not names.named_in("Mut machen")  # titles under four letters are ordinary words
    assert names.named_in("Café")
    assert not names.named_in("")
    assert not ProjectNames([]).named_in("Brückenworte")
    assert names.nbytes > 0
    described = (
        "Ein Projekt, in dem Ehrenamtliche aus drei Vereinen jede Woche mit geflüchteten Familien kochen"
    )
    assert not ProjectNames([described]).named_in(described)  # a description is not a name
    assert ProjectNames([described, "Brückenworte"]).longest == 1
