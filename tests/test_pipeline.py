"""Ingesting files and folders: summaries, re-ingest, failures that leave everything else ingested."""

from __future__ import annotations

from pathlib import Path

from kb.pipeline import ingest_paths
from kb.store import Store
from tests.helpers import write_project

LIMIT = 10 * 1024 * 1024


def project_ids(store: Store) -> list[str]:
    return [r["id"] for r in store.db.query("SELECT id FROM projects ORDER BY id")]


def test_folder_ingest_then_reingest_is_unchanged(store: Store, tmp_path: Path):
    folder = tmp_path / "in"
    write_project(folder, "a.md", "Sprachcafé Miteinander")
    write_project(folder / "sub", "b.md", "Lernpaten Leonberg", town="Leonberg")
    report = ingest_paths(store, [folder], LIMIT)
    assert report.summary() == "2 file(s): 2 new, 0 updated, 0 unchanged, 0 removed project(s); 0 failed"
    assert not report.failed
    again = ingest_paths(store, [folder], LIMIT)
    assert [o.status for o in again.files] == ["unchanged", "unchanged"]
    assert again.totals.unchanged == 2
    assert project_ids(store) == ["lernpaten-leonberg", "sprachcafe-miteinander"]


def test_changed_file_updates_in_place(store: Store, tmp_path: Path):
    path = write_project(tmp_path, "a.md", "Sprachcafé Miteinander")
    ingest_paths(store, [path], LIMIT)
    write_project(tmp_path, "a.md", "Sprachcafé Miteinander", approach="Jetzt auch samstags.")
    report = ingest_paths(store, [path], LIMIT)
    assert (report.totals.updated, report.totals.new) == (1, 0)
    text = store.db.execute("SELECT text FROM sections WHERE kind = 'approach'").fetchone()[0]
    assert text == "Jetzt auch samstags."


def test_bad_files_are_named_and_the_rest_is_ingested(store: Store, tmp_path: Path):
    folder = tmp_path / "in"
    write_project(folder, "good.md", "Gute Nachbarschaft")
    (folder / "empty.md").write_bytes(b"")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    report = ingest_paths(store, [folder, tmp_path / "missing.md", folder / "notes.docx"], LIMIT)
    assert project_ids(store) == ["gute-nachbarschaft"]
    assert report.failed
    by_name = {Path(o.path).name: o for o in report.files}
    assert by_name["empty.md"].errors == [f"{folder / 'empty.md'}: empty file"]
    assert "broken.pdf" in by_name["broken.pdf"].errors[0]
    assert by_name["missing.md"].errors == [f"{tmp_path / 'missing.md'}: no such file or folder"]
    statuses = [o.status for o in report.files if o.path.endswith("notes.docx")]
    assert statuses == ["skipped", "failed"]  # in a folder it is skipped, named explicitly it fails
    assert "unsupported file type" in report.files[-1].errors[0]
    assert "4 failed" in report.summary()


def test_a_file_that_breaks_on_reingest_keeps_its_projects(store: Store, tmp_path: Path):
    path = write_project(tmp_path, "a.md", "Sprachcafé Miteinander")
    ingest_paths(store, [path], LIMIT)
    path.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    report = ingest_paths(store, [path], LIMIT)
    assert report.failed and "front matter is not valid YAML" in report.errors[0]
    assert project_ids(store) == ["sprachcafe-miteinander"]


def test_file_over_the_size_limit_is_refused(store: Store, tmp_path: Path):
    path = write_project(tmp_path, "a.md", "Sprachcafé Miteinander")
    report = ingest_paths(store, [path], max_bytes=100)
    assert report.failed and "file too large" in report.errors[0]
    assert project_ids(store) == []
