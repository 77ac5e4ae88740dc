"""Target groups in the store: mapped at ingest (rules, then the real model), stored, shown with the
original wording, corrected by hand (surviving re-ingest), and used by the filters and facets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlite_utils import Database

from kb import KnowledgeBase, Settings
from kb.catalog import Catalog
from kb.filters import Filters
from kb.schema import migrations
from kb.store import Store
from kb.vocabulary import load_vocabulary

VOCABULARY = load_vocabulary()
# The wordings no rule knows are filed by the real default model: these tests are about its path.
pytestmark = pytest.mark.model


def project_file(folder: Path, name: str, title: str, groups: list[str], town: str = "Böblingen") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        f"---\ntitle: {title}\narea: Gesellschaft\norganisation: Verein {title} e.V.\ntown: {town}\n"
        f"target_groups: {json.dumps(groups, ensure_ascii=False)}\ncontact: info@{name}.example.org\n---\n"
        f"## Herangehensweise\nWir treffen uns jede Woche zu {title}.\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """Four projects whose wordings the sample does not use, ingested with the real default model."""
    folder = tmp_path_factory.mktemp("groups")
    project_file(folder / "src", "a.md", "Teestube", ["Mütter mit Fluchterfahrung", "Seniorinnen"])
    project_file(folder / "src", "b.md", "Kochtreff", ["ukrainische Familien", "Ehrenamtliche Helfer*innen"])
    project_file(folder / "src", "c.md", "Erzählcafé", ["Kadınlar", "Radfahrer"], town="Leonberg")
    project_file(folder / "src", "d.md", "Startklar", ["junge Erwachsene aus Drittstaaten"])
    kb = KnowledgeBase(Settings.from_env({}, data_dir=folder / "data"), threads=2)
    report, _ = kb.ingest([folder / "src"])
    assert not report.failed, report.errors
    kb.source_folder = folder / "src"
    yield kb
    kb.close()


def titles(cards: list[dict]) -> set[str]:
    return {card["title"] for card in cards}


def test_each_wording_is_mapped_at_ingest_by_rules_or_the_real_model(small_kb):
    table = {row["text"]: row for row in small_kb.target_group_mappings()}
    assert {g["id"] for g in table["Mütter mit Fluchterfahrung"]["groups"]} == {
        "eltern",
        "frauen",
        "gefluechtete",
    }
    assert table["Mütter mit Fluchterfahrung"]["method"] == "rule"
    assert {g["id"] for g in table["Seniorinnen"]["groups"]} == {"aeltere", "frauen"}
    # Turkish "women": no rule knows it, the multilingual model files it under Frauen
    assert [g["id"] for g in table["Kadınlar"]["groups"]] == ["frauen"]
    assert table["Kadınlar"]["method"] == "model"
    # cyclists are no target group of this vocabulary: the model leaves them out
    assert table["Radfahrer"]["groups"] == [] and table["Radfahrer"]["method"] == "none"


def test_the_project_shows_its_groups_and_its_own_wording(small_kb):
    project = small_kb.project("teestube")
    assert [g["id"] for g in project["groups"]] == ["eltern", "frauen", "aeltere", "gefluechtete"]
    assert [w["text"] for w in project["target_group_mapping"]] == [
        "Mütter mit Fluchterfahrung",
        "Seniorinnen",
    ]
    assert project["target_groups"] == ["Mütter mit Fluchterfahrung", "Seniorinnen"]  # the original, kept


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Frauen", {"Teestube", "Erzählcafé"}),
        ("frauen", {"Teestube", "Erzählcafé"}),
        ("Women", {"Teestube", "Erzählcafé"}),
        ("Geflüchtete", {"Teestube", "Kochtreff"}),  # the Ukraine sub-group included
        ("Menschen aus der Ukraine", {"Kochtreff"}),
        ("Menschen mit Migrationsgeschichte", {"Teestube", "Kochtreff", "Startklar"}),
        ("Ältere Menschen", {"Teestube"}),
        ("Geflüchtete Frauen", {"Teestube"}),  # a wording: every group it names
        ("Radfahrer", {"Erzählcafé"}),  # names no group: the projects using that wording
        ("Nichts dergleichen", set()),
    ],
)
def test_the_filter_uses_the_vocabulary_and_its_hierarchy(small_kb, value, expected):
    assert titles(small_kb.browse(Filters(target_group=value))) == expected


def test_search_with_a_group_filter_keeps_to_the_group(small_kb):
    hits = small_kb.search(
        "Treffen jede Woche", filters=Filters(target_group="Jugendliche und junge Erwachsene")
    )
    assert [hit.title for hit in hits] == ["Startklar"]


def test_a_correction_is_in_force_at_once_and_survives_reingest(small_kb, tmp_path):
    small_kb.correct_target_group("Radfahrer", ["Männer"])
    assert titles(small_kb.browse(Filters(target_group="maenner"))) == {"Erzählcafé"}
    row = next(r for r in small_kb.target_group_mappings() if r["text"] == "Radfahrer")
    assert row["method"] == "manual" and row["automatic"] == []
    # the source changes (a new project uses the same wording) and is ingested again
    folder = small_kb.source_folder
    project_file(folder, "e.md", "Radtour", ["radfahrer"])
    small_kb.ingest([folder])
    assert titles(small_kb.browse(Filters(target_group="maenner"))) == {"Erzählcafé", "Radtour"}
    assert small_kb.reset_target_group("Radfahrer") is True
    assert titles(small_kb.browse(Filters(target_group="maenner"))) == set()
    assert small_kb.reset_target_group("Radfahrer") is False


def test_a_correction_names_known_groups_only(small_kb):
    with pytest.raises(ValueError, match="unknown target group velos"):
        small_kb.correct_target_group("Radfahrer", ["velos"])


def test_facets_and_topics_list_the_vocabulary_with_counts_including_sub_groups(small_kb):
    counts = {g["id"]: g["count"] for g in small_kb.target_groups()}
    assert set(counts) == set(VOCABULARY.ids())
    assert counts["gefluechtete"] == 2 and counts["ukraine"] == 1 and counts["migration"] == 3
    facets = dict(small_kb.facets()["target_group"])
    assert facets["Geflüchtete"] == 2 and "Radfahrer" not in facets and "Kadınlar" not in facets


def test_a_store_remaps_by_rules_when_the_vocabulary_changed(small_kb):
    store = Store(small_kb.settings.db_path)
    try:
        store.conn.execute("UPDATE meta SET value = 'old' WHERE key = 'vocabulary'")
        store.conn.execute(
            "UPDATE target_group_mappings SET groups = '[]', version = 'old' WHERE method = 'rule'"
        )
    finally:
        store.close()
    reopened = Store(small_kb.settings.db_path)  # opening finds the old version and maps by rules again
    reopened.close()
    assert titles(small_kb.browse(Filters(target_group="Ältere Menschen"))) == {"Teestube"}


def test_the_sample_ukraine_filter_includes_women_mothers_and_grandparents_from_ukraine(sample_kb):
    found = sample_kb.browse(Filters(target_group="Menschen aus der Ukraine"))
    wordings = {w for card in found for w in card["target_groups"]}
    assert {"Frauen aus der Ukraine", "Mütter aus der Ukraine", "Großeltern aus der Ukraine"} <= wordings
    assert titles(found) <= titles(sample_kb.browse(Filters(target_group="Geflüchtete")))


def test_the_sample_facets_offer_the_vocabulary_not_a_hundred_wordings(sample_kb):
    offered = [label for label, _ in sample_kb.facets()["target_group"]]
    assert 12 <= len(offered) <= 20
    assert set(offered) <= {g.label for g in VOCABULARY.groups}


def test_the_migration_keys_and_maps_the_wordings_of_a_store_made_before_it(tmp_path):
    path = tmp_path / "kb.sqlite"
    old = Database(path)
    migrations.apply(old, stop_before="m007_target_group_vocabulary")
    old["sources"].insert({"id": 1, "path": "/x.md", "name": "x.md", "kind": "markdown", "status": "ok"})
    old["projects"].insert(
        {"id": "p", "source_id": 1, "position": 0, "title": "P", "content_hash": "h", "updated_at": "t"}
    )
    old["project_target_groups"].insert_all(
        [{"project_id": "p", "name": "Geflüchtete  Frauen"}, {"project_id": "p", "name": "Seniorinnen"}]
    )
    old.close()
    store = Store(path)  # migrates, then maps the stored wordings by the rules
    try:
        rows = store.conn.execute("SELECT phrase FROM project_target_groups ORDER BY phrase").fetchall()
        assert [r[0] for r in rows] == ["gefluchtete frauen", "seniorinnen"]
        ids = Catalog(store.db).filtered_project_ids(Filters(target_group="Ältere Menschen"))
        assert ids == ["p"]
        assert Catalog(store.db).filtered_project_ids(Filters(target_group="Kinder")) == []
    finally:
        store.close()
