"""The store: idempotent re-ingest, update in place, removal, stable ids, organisations, failures."""

from __future__ import annotations

import json

from ingest import ProjectRecord, Section
from kb.catalog import Catalog
from kb.filters import Filters
from kb.store import PASSAGES_VERSION, SourceFile, Store
from kb.text_analysis import index_terms


def record(
    title: str,
    approach: str = "Wir treffen uns wöchentlich.",
    partners=("Caritas Böblingen",),
    organisation: str = "Verein Brücke e.V.",
) -> ProjectRecord:
    return ProjectRecord(
        title=title,
        area="Bildung",
        organisation=organisation,
        town="Böblingen",
        target_groups=["Frauen", "Geflüchtete"],
        partners=list(partners),
        sections=[
            Section("approach", "Herangehensweise", approach),
            Section("value", "Mehrwert", "Anschluss."),
        ],
    )


def source(path: str = "/data/brochure.pdf", sha: str = "a" * 64) -> SourceFile:
    return SourceFile(path, path.rsplit("/", 1)[-1], "pdf", sha, 100)


def rows(store: Store, table: str) -> list[dict]:
    return list(store.db[table].rows)


def test_first_ingest_stores_projects_sections_chunks_and_keywords(store: Store):
    counts = store.save_source(source(), [record("Sprachcafé Miteinander"), record("Lernpaten")])
    assert (counts.new, counts.updated, counts.unchanged, counts.removed) == (2, 0, 0, 0)
    assert counts.project_ids == ["sprachcafe-miteinander", "lernpaten"]
    project = rows(store, "projects")[0]
    assert project["title"] == "Sprachcafé Miteinander"
    assert json.loads(project["target_groups"]) == ["Frauen", "Geflüchtete"]
    assert [s["kind"] for s in rows(store, "sections")] == ["approach", "value"] * 2
    # a profile chunk and one chunk per section, each with an FTS row of the same id
    chunk_ids = [c["id"] for c in rows(store, "chunks")]
    assert len(chunk_ids) == 6
    fts_ids = [r[0] for r in store.conn.execute("SELECT rowid FROM chunks_fts ORDER BY rowid")]
    assert fts_ids == chunk_ids


def test_same_content_again_changes_nothing(store: Store):
    store.save_source(source(), [record("Sprachcafé Miteinander")])
    before = rows(store, "projects"), rows(store, "chunks")
    generation = store.generation()
    counts = store.save_source(source(), [record("Sprachcafé Miteinander")])
    assert (counts.new, counts.updated, counts.unchanged) == (0, 0, 1)
    after = rows(store, "projects"), rows(store, "chunks")
    assert before[1] == after[1]
    assert [p["updated_at"] for p in before[0]] == [p["updated_at"] for p in after[0]]
    assert store.generation() == generation + 1


def test_changed_project_is_updated_in_place_with_its_id(store: Store):
    store.save_source(source(), [record("Sprachcafé Miteinander"), record("Lernpaten")])
    old_chunks = {c["id"] for c in rows(store, "chunks") if c["project_id"] == "lernpaten"}
    counts = store.save_source(
        source(sha="b" * 64),
        [record("Sprachcafé Miteinander"), record("Lernpaten", "Neu: zweimal pro Woche.")],
    )
    assert (counts.new, counts.updated, counts.unchanged) == (0, 1, 1)
    assert [p["id"] for p in rows(store, "projects")] == ["sprachcafe-miteinander", "lernpaten"]
    sections = [s["text"] for s in rows(store, "sections") if s["project_id"] == "lernpaten"]
    assert sections[0] == "Neu: zweimal pro Woche."
    new_chunks = {c["id"] for c in rows(store, "chunks") if c["project_id"] == "lernpaten"}
    assert not old_chunks & new_chunks  # chunk ids are never reused: they are vector ids
    assert len(rows(store, "sources")) == 1


def test_project_gone_from_source_is_removed_with_everything_it_owned(store: Store):
    store.save_source(source(), [record("A"), record("B", partners=("Nur bei B e.V.",))])
    counts = store.save_source(source(sha="c" * 64), [record("A")])
    assert counts.removed == 1
    assert [p["id"] for p in rows(store, "projects")] == ["a"]
    assert {c["project_id"] for c in rows(store, "chunks")} == {"a"}
    n_fts = store.conn.execute("SELECT count(*) FROM chunks_fts").fetchone()[0]
    assert n_fts == len(rows(store, "chunks"))
    assert "nur-bei-b-e-v" not in {o["id"] for o in rows(store, "organisations")}


def test_same_title_in_another_source_gets_its_own_id(store: Store):
    store.save_source(source("/a.pdf"), [record("Lernpaten")])
    store.save_source(source("/b.html", sha="d" * 64), [record("Lernpaten")])
    assert sorted(p["id"] for p in rows(store, "projects")) == ["lernpaten", "lernpaten-2"]


def test_same_content_under_another_path_is_the_same_source(store: Store):
    store.save_source(source("/downloads/brochure.pdf"), [record("A")])
    counts = store.save_source(source("/archive/brochure.pdf"), [record("A")])
    assert counts.unchanged == 1
    assert [s["path"] for s in rows(store, "sources")] == ["/archive/brochure.pdf"]


def test_organisations_are_normalised_and_linked_with_roles(store: Store):
    store.save_source(
        source(),
        [
            record("A", partners=("Caritas  Böblingen", "Freundeskreis Asyl e. V.")),
            record("B", partners=("Freundeskreis Asyl e.V.",), organisation="Caritas Böblingen"),
        ],
    )
    links = {(r["project_id"], r["organisation_id"], r["role"]) for r in rows(store, "project_organisations")}
    assert ("a", "caritas-boeblingen", "partner") in links
    assert ("b", "caritas-boeblingen", "traeger") in links
    assert ("b", "freundeskreis-asyl-e-v", "partner") in links
    names = {o["id"]: o["name"] for o in rows(store, "organisations")}
    assert names["freundeskreis-asyl-e-v"] == "Freundeskreis Asyl e.V."
    organisation = Catalog(store.db).organisation("caritas-boeblingen")
    assert [(p["id"], p["role"]) for p in organisation["projects"]] == [("a", "partner"), ("b", "traeger")]


def test_failed_reingest_keeps_what_was_stored(store: Store):
    store.save_source(source(), [record("A")])
    store.mark_source_failed(source(sha="e" * 64), "not a readable PDF")
    assert [p["id"] for p in rows(store, "projects")] == ["a"]
    stored = rows(store, "sources")[0]
    assert (stored["status"], stored["error"]) == ("failed", "not a readable PDF")


def test_delete_source_removes_its_projects_only(store: Store):
    store.save_source(source("/a.pdf"), [record("A")])
    store.save_source(source("/b.pdf", sha="f" * 64), [record("B")])
    first = rows(store, "sources")[0]["id"]
    assert store.delete_source(first) == 1
    assert [p["id"] for p in rows(store, "projects")] == ["b"]
    assert store.conn.execute("SELECT count(*) FROM chunks_fts").fetchone()[0] == len(rows(store, "chunks"))


def test_catalog_filters_and_facets(store: Store):
    other = record("C")
    other.town, other.area, other.target_groups = "Leonberg", "Gesundheit", ["Seniorinnen und Senioren"]
    store.save_source(source(), [record("A"), record("B"), other])
    catalog = Catalog(store.db)
    assert catalog.filtered_project_ids(Filters()) is None
    assert catalog.filtered_project_ids(Filters(town="leonberg")) == ["c"]
    assert sorted(catalog.filtered_project_ids(Filters(area="Bildung", target_group="Frauen"))) == ["a", "b"]
    assert catalog.filtered_project_ids(Filters(area="Bildung", town="Leonberg")) == []
    facets = catalog.facets()
    assert facets["town"] == [("Böblingen", 2), ("Leonberg", 1)]
    assert ("Ältere Menschen", 1) in facets["target_group"]  # the vocabulary's group, not the wording
    assert catalog.filtered_project_ids(Filters(target_group="Seniorinnen und Senioren")) == ["c"]


def test_migrations_run_once_and_store_reopens(tmp_path):
    first = Store(tmp_path / "kb.sqlite")
    first.save_source(source(), [record("A")])
    first.close()
    again = Store(tmp_path / "kb.sqlite")
    assert [p["id"] for p in rows(again, "projects")] == ["a"]
    assert again.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again.close()


def test_store_analysed_by_an_older_keyword_analysis_is_reanalysed_on_open(tmp_path):
    first = Store(tmp_path / "kb.sqlite")
    first.save_source(source(), [record("A")])
    first.conn.execute("UPDATE meta SET value = 'chunking 3, analysis 1' WHERE key = 'chunking'")
    first.conn.execute("UPDATE chunks_fts SET terms = 'stale', parts = ''")
    first.close()
    again = Store(tmp_path / "kb.sqlite")
    stored = again.conn.execute(
        "SELECT c.text, f.terms FROM chunks c JOIN chunks_fts f ON f.rowid = c.id"
    ).fetchall()
    assert stored and all(terms == index_terms(text) for text, terms in stored)
    assert (
        again.conn.execute("SELECT value FROM meta WHERE key = 'chunking'").fetchone()[0] == PASSAGES_VERSION
    )
    again.close()


def test_store_chunked_by_older_rules_is_rechunked_on_open(tmp_path):
    first = Store(tmp_path / "kb.sqlite")
    first.save_source(source(), [record("A")])
    chunks_before = rows(first, "chunks")
    first.conn.execute("UPDATE meta SET value = 1 WHERE key = 'chunking'")
    first.conn.execute("UPDATE chunks SET text = 'old passage'")
    first.close()
    again = Store(tmp_path / "kb.sqlite")
    chunks_after = rows(again, "chunks")
    assert [c["text"] for c in chunks_after] == [c["text"] for c in chunks_before]
    assert not {c["id"] for c in chunks_before} & {c["id"] for c in chunks_after}
    assert again.conn.execute("SELECT count(*) FROM chunks_fts").fetchone()[0] == len(chunks_after)
    again.close()


def test_a_title_and_text_record_is_embedded_without_its_title_and_found_by_it(store: Store):
    """A record of only title and text: passages of up to 1,600 characters without the title before
    them (a label pulls every passage towards its subject); the keyword index keeps the title."""
    sentence = "Die Mannschaft gewann das Endspiel nach einer langen zweiten Halbzeit im Stadion. "
    text = sentence * 15  # ~1,250 characters: one passage here, two at the sections' 800
    store.save_source(
        source("/data/lines.jsonl"),
        [ProjectRecord(title="Super Bowl 50 (3)", sections=[Section("other", "", text)])],
    )
    stored = store.conn.execute(
        "SELECT c.text, f.terms FROM chunks c JOIN chunks_fts f ON f.rowid = c.id"
    ).fetchall()
    assert [chunk_text for chunk_text, _ in stored] == [text.strip()]
    assert "bowl" in stored[0][1].split()
    assert Catalog(store.db).keyword_hits('"bowl"', 5)
    # a record that says more about itself keeps the title before each passage, split at 800
    store.save_source(source("/data/brochure.pdf", "b" * 64), [record("Lernpaten", approach=text)])
    titled = [row["text"] for row in rows(store, "chunks") if row["kind"] == "approach"]
    assert len(titled) == 2 and all(passage.startswith("Lernpaten: ") for passage in titled)
