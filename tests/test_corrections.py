"""Corrections by staff in the store: apart from the parser's record, on top of it, through re-ingest."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.catalog import Catalog
from kb.correcting import Corrections
from kb.corrections import CorrectionError, apply_corrections, normalise
from kb.filters import Filters
from kb.pipeline import ingest_file
from kb.store import Store
from tests.helpers import write_project

NOW = "2026-11-29T10:00:00+00:00"
APPROACH = "Ehrenamtliche lesen jede Woche mit Grundschulkindern in der Bibliothek."


@pytest.fixture
def ingested(store: Store, tmp_path: Path) -> tuple[Store, Path, str]:
    path = write_project(tmp_path / "in", "lesen.md", "Lesepaten", town="Herrenberg", approach=APPROACH)
    outcome = ingest_file(store, path, 10_000_000)
    return store, path, outcome.counts.project_ids[0]


def shown(store: Store, project_id: str) -> dict:
    return Catalog(store.db).project(project_id)


def section_text(project: dict, kind: str) -> str | None:
    return next((s["text"] for s in project["sections"] if s["kind"] == kind), None)


def keyword_hit(store: Store, word: str) -> set[str]:
    rows = store.db.execute(
        "SELECT c.project_id FROM chunks_fts f JOIN chunks c ON c.id = f.rowid WHERE chunks_fts MATCH ?",
        [f'terms:"{word}"'],
    )
    return {r[0] for r in rows}


def test_a_correction_is_shown_stored_apart_and_indexed(ingested):
    store, _, pid = ingested
    corrections = Corrections(store)
    changed = corrections.correct(
        pid,
        {"town": "Nufringen", "target_groups": "Kinder; Eltern", "section:approach": "Vorlesen im Rathaus."},
        NOW,
    )
    assert changed == ["town", "target_groups", "section:approach"]
    project = shown(store, pid)
    assert project["town"] == "Nufringen" and project["target_groups"] == ["Kinder", "Eltern"]
    assert section_text(project, "approach") == "Vorlesen im Rathaus."
    assert corrections.parsed_record(pid).town == "Herrenberg"  # what the parser read is kept
    assert {c["field"]: c["base"] for c in corrections.of(pid)}["town"] == "Herrenberg"
    assert pid in keyword_hit(store, "rathaus") and pid not in keyword_hit(store, "bibliothek")
    assert [h["action"] for h in corrections.history(pid)] == ["corrected"] * 3
    assert Catalog(store.db).filtered_project_ids(Filters(town="Nufringen")) == [pid]


def test_setting_the_source_value_again_removes_the_correction(ingested):
    store, _, pid = ingested
    corrections = Corrections(store)
    corrections.correct(pid, {"town": "Nufringen"}, NOW)
    assert corrections.correct(pid, {"town": "Nufringen"}, NOW) == []  # the same again: nothing to do
    assert corrections.correct(pid, {"town": " Herrenberg "}, NOW) == ["town"]
    assert corrections.of(pid) == [] and shown(store, pid)["town"] == "Herrenberg"
    assert [h["action"] for h in corrections.history(pid)] == ["reverted", "corrected"]


def test_corrections_survive_reingest_of_an_unchanged_and_of_a_changed_file(ingested, tmp_path: Path):
    store, path, pid = ingested
    corrections = Corrections(store)
    corrections.correct(pid, {"title": "Lesepaten an Grundschulen", "contact": "Frau Kern, 07032 1"}, NOW)
    assert ingest_file(store, path, 10_000_000).status == "unchanged"
    # the file changes elsewhere (the value section): corrections stay in force, nothing flagged
    path.write_text(
        path.read_text(encoding="utf-8").replace("Menschen finden Anschluss.", "Kinder lesen mehr.")
    )
    outcome = ingest_file(store, path, 10_000_000)
    assert outcome.counts.updated == 1 and outcome.counts.project_ids == [
        pid
    ]  # same id despite the new title
    project = shown(store, pid)
    assert project["title"] == "Lesepaten an Grundschulen" and project["contact"] == "Frau Kern, 07032 1"
    assert section_text(project, "value") == "Kinder lesen mehr."
    assert corrections.in_review() == []


def test_a_changed_source_under_a_correction_is_flagged_not_lost(ingested):
    store, path, pid = ingested
    corrections = Corrections(store)
    corrections.correct(pid, {"town": "Nufringen"}, NOW)
    path.write_text(path.read_text(encoding="utf-8").replace("town: Herrenberg", "town: Gärtringen"))
    ingest_file(store, path, 10_000_000)
    assert shown(store, pid)["town"] == "Nufringen"  # staff's value stays shown meanwhile
    [flagged] = corrections.in_review()
    assert (flagged["field"], flagged["value"], flagged["base"], flagged["source_value"]) == (
        "town", "Nufringen", "Herrenberg", "Gärtringen"
    )  # fmt: skip
    assert flagged["title"] == "Lesepaten"
    assert corrections.history(pid)[0]["action"] == "flagged"
    corrections.resolve(pid, "town", keep=False, now=NOW)  # take the source's value
    assert shown(store, pid)["town"] == "Gärtringen" and corrections.of(pid) == []


def test_a_flagged_correction_kept_is_measured_against_the_new_source(ingested):
    store, path, pid = ingested
    corrections = Corrections(store)
    corrections.correct(pid, {"section:approach": "Vorlesen im Rathaus."}, NOW)
    path.write_text(path.read_text(encoding="utf-8").replace(APPROACH, "Lesen in der Schule."))
    ingest_file(store, path, 10_000_000)
    corrections.resolve(pid, "section:approach", keep=True, now=NOW)
    [kept] = corrections.of(pid)
    assert (kept["state"], kept["base"]) == ("active", "Lesen in der Schule.")
    assert section_text(shown(store, pid), "approach") == "Vorlesen im Rathaus."
    assert [h["action"] for h in corrections.history(pid)][:2] == ["kept", "flagged"]


def test_a_project_gone_from_its_file_keeps_its_corrections_for_when_it_returns(ingested, tmp_path: Path):
    store, path, pid = ingested
    corrections = Corrections(store)
    corrections.correct(pid, {"town": "Nufringen"}, NOW)
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("title: Lesepaten", "title: Ganz anderes Projekt"))
    ingest_file(store, path, 10_000_000)
    assert shown(store, pid) is None
    assert [r["field"] for r in corrections.in_review()] == ["town"]
    path.write_text(original)
    ingest_file(store, path, 10_000_000)
    assert shown(store, pid)["town"] == "Nufringen" and corrections.in_review() == []


def test_a_project_added_by_form(store: Store):
    corrections = Corrections(store)
    pid = corrections.add_project(
        {"title": "Nähcafé", "town": "Ehningen", "area": "Gesellschaft", "partners": "Stadt Ehningen\nVHS",
         "section:approach": "Jeden Montag nähen Frauen gemeinsam im Bürgerhaus."},
        NOW,
    )  # fmt: skip
    project = shown(store, pid)
    assert (project["title"], project["town"], project["partners"]) == (
        "Nähcafé",
        "Ehningen",
        ["Stadt Ehningen", "VHS"],
    )
    assert project["source"]["name"] == "Von Hand erfasst" and project["source"]["kind"] == "manual"
    assert project["short_description"] == "Jeden Montag nähen Frauen gemeinsam im Bürgerhaus."
    assert pid in keyword_hit(store, "bürgerhaus")
    assert {o["name"] for o in project["organisations"]} == {"Stadt Ehningen", "VHS"}
    assert corrections.add_project({"title": "Nähcafé", "summary": "Noch eins."}, NOW) == "naehcafe-2"
    assert corrections.history(pid)[0]["action"] == "created"
    assert store.sources()[0]["n_projects"] == 2
    corrections.correct(pid, {"town": "Aidlingen"}, NOW)
    assert shown(store, pid)["town"] == "Aidlingen"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"title": "  "}, "needs a title"),
        ({"title": "Nur ein Titel"}, "at least one section"),
        ({"title": "X", "section:approach": "a" * 20_001}, "longer than"),
    ],
)
def test_bad_form_input_is_named(store: Store, values, message):
    with pytest.raises(CorrectionError, match=message):
        Corrections(store).add_project(values, NOW)
    assert store.sources() == []


def test_unknown_fields_and_projects(ingested):
    store, _, pid = ingested
    with pytest.raises(CorrectionError, match="unknown field"):
        Corrections(store).correct(pid, {"content_hash": "x"}, NOW)
    with pytest.raises(KeyError):
        Corrections(store).correct("gibt-es-nicht", {"town": "X"}, NOW)


def test_normalising_and_applying_values():
    assert normalise("partners", "A, B,, A") == ["A", "B"]
    assert normalise("partners", "A\nB, C") == ["A", "B, C"]  # one per line when there are lines
    assert normalise("section:value", "  Eins \n zwei\n\n\nDrei ") == "Eins zwei\n\nDrei"
    assert normalise("town", "  ") is None
    from ingest import ProjectRecord, Section

    parsed = ProjectRecord(
        title="T", sections=[Section("approach", "Vorgehen", "A"), Section("value", "Nutzen", "W")]
    )
    record = apply_corrections(parsed, {"section:partners": "P", "section:value": None})
    assert [(s.kind, s.text) for s in record.sections] == [("approach", "A"), ("partners", "P")]
    assert [s.kind for s in parsed.sections] == ["approach", "value"]  # the parser's record is untouched


def test_a_kurzbeschreibung_written_by_staff_is_taken_as_it_is(ingested):
    store, _, pid = ingested
    assert shown(store, pid)["short_description"] == APPROACH  # from the approach while the source has none
    Corrections(store).correct(
        pid, {"summary": "Lesepatenschaften."}, NOW
    )  # too short to pass as a source lead
    assert shown(store, pid)["short_description"] == "Lesepatenschaften."
    manual = Corrections(store).add_project({"title": "Nähcafé", "summary": "Nähen."}, NOW)
    assert shown(store, manual)["short_description"] == "Nähen."


def test_hostile_field_sizes_are_refused_before_any_work(ingested):
    store, _, pid = ingested
    with pytest.raises(CorrectionError, match="longer than"):
        Corrections(store).correct(pid, {"partners": "a\n" * 5_000_000}, NOW)
    assert Corrections(store).history(pid) == []


def test_deleting_a_source_keeps_its_corrections_flagged_and_they_can_be_discarded(ingested):
    store, path, pid = ingested
    corrections = Corrections(store)
    corrections.correct(pid, {"town": "Nufringen"}, NOW)
    store.delete_source(store.sources()[0]["id"])
    [orphan] = corrections.in_review()
    assert (orphan["project_id"], orphan["title"], orphan["source_value"]) == (pid, None, None)
    corrections.resolve(pid, "town", keep=False, now=NOW)  # discard: there is no project to rewrite
    assert corrections.in_review() == [] and corrections.of(pid) == []


def test_a_source_that_catches_up_with_a_correction_ends_it(ingested):
    store, path, pid = ingested
    corrections = Corrections(store)
    corrections.correct(pid, {"town": "Nufringen"}, NOW)
    path.write_text(path.read_text(encoding="utf-8").replace("town: Herrenberg", "town: Nufringen"))
    ingest_file(store, path, 10_000_000)
    assert corrections.of(pid) == [] and corrections.in_review() == []
    assert shown(store, pid)["town"] == "Nufringen"
    assert corrections.history(pid)[0]["action"] == "source_agrees"


def test_only_a_project_added_by_form_is_deleted_on_its_own(ingested):
    store, _, pid = ingested
    corrections = Corrections(store)
    manual = corrections.add_project(
        {"title": "Nähcafé", "partners": "VHS Ehningen", "summary": "Nähen."}, NOW
    )
    with pytest.raises(CorrectionError, match="only a project added by form"):
        corrections.delete_manual_project(pid, NOW)
    corrections.delete_manual_project(manual, NOW)
    assert shown(store, manual) is None and shown(store, pid) is not None
    assert "VHS Ehningen" not in {r["name"] for r in store.db.query("SELECT name FROM organisations")}
    assert corrections.history(manual)[0]["action"] == "deleted"
    with pytest.raises(KeyError):
        corrections.delete_manual_project(manual, NOW)
