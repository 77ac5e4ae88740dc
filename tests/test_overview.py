"""The Überblick's data: county towns, coverage counts and white spots, the map and network layouts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest import ProjectRecord, Section
from kb.county import County, CountyFileError, Town, load_county, map_layout, town_key
from kb.coverage import coverage
from kb.network import organisation_network, spring_layout
from kb.store import SourceFile, Store

COUNTY = County(
    "Testkreis",
    (Town("Böblingen", 48.684, 9.012), Town("Weissach", 48.847, 8.928), Town("Altdorf", 48.628, 8.997)),
)


def project(title, town, area, groups=("Frauen",), organisation="Verein A", partners=()):
    return ProjectRecord(
        title=title,
        area=area,
        organisation=organisation,
        town=town,
        target_groups=list(groups),
        partners=list(partners),
        sections=[Section("approach", "Herangehensweise", f"{title}: wir treffen uns.")],
    )


@pytest.fixture
def filled(store: Store) -> Store:
    store.save_source(
        SourceFile("/data/a.md", "a.md", "markdown", "a" * 64, 10),
        [
            project(
                "Sprachcafé", "Böblingen", "Bildung", ("Frauen", "Geflüchtete"), "Verein A", ["Bibliothek"]
            ),
            project("Lernhilfe", "böblingen", "Bildung", ("Kinder",), "Verein B", ["Bibliothek", "Schule X"]),
            project("Gesund ankommen", "Weißach", "Gesundheit", ("Frauen",), "Verein A", ["Schule X"]),
            project("Ohne Ort", "", "Gesundheit", ("Kinder",), "Verein C"),
            project("Anderswo", "Stuttgart", "Arbeitsmarkt", ("Frauen",), "Verein D"),
        ],
    )
    return store


def test_town_key_joins_spellings_of_one_town():
    assert town_key("Weißach") == town_key("WEISSACH") == town_key(" weissach ")
    assert town_key("Böblingen") == town_key("Boeblingen")
    assert town_key("Weil der Stadt") != town_key("Weil im Schönbuch")


def test_shipped_county_lists_the_26_towns_of_the_landkreis():
    county = load_county()
    assert county.name == "Landkreis Böblingen"
    assert len(county.towns) == 26
    assert county.find("sindelfingen").name == "Sindelfingen"
    assert county.find("Stuttgart") is None
    for town in county.towns:  # all inside the county's box
        assert 48.45 < town.lat < 48.9 and 8.7 < town.lon < 9.2


@pytest.mark.parametrize(
    "text,reason",
    [
        ("name = 'x'\n", "needs a list 'towns'"),
        ("towns = [{ name = 'A', lat = 'north', lon = 9 }]", "town 1 needs name, lat and lon"),
        ("towns = [{ name = 'A', lat = 123, lon = 9 }]", "impossible coordinates"),
        ("towns = [", "cannot be read as TOML"),
    ],
)
def test_a_broken_county_file_is_named_with_its_reason(tmp_path: Path, text, reason):
    path = tmp_path / "kreis.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CountyFileError) as error:
        load_county(path)
    assert str(path) in str(error.value) and reason in str(error.value)


def test_coverage_counts_towns_areas_and_groups_with_every_county_town(filled: Store):
    cover = coverage(filled.db, COUNTY)
    assert cover.areas == ["Bildung", "Gesundheit", "Arbeitsmarkt"]
    # county towns in file order (as the collection spells them), then places outside the county
    assert cover.towns == ["Böblingen", "Weißach", "Altdorf", "Stuttgart"]
    assert cover.town_count("Böblingen", "Bildung") == 2  # "böblingen" counted with "Böblingen"
    assert cover.town_count("Weißach", "Gesundheit") == 1
    assert cover.town_count("Altdorf", "Bildung") == 0
    assert cover.town_totals == {"Böblingen": 2, "Weißach": 1, "Stuttgart": 1}
    assert cover.without_town == 1 and cover.projects == 5
    assert cover.outside_county == ["Stuttgart"]
    assert cover.group_count("Frauen", "Bildung") == 1
    assert cover.group_count("Kinder", "Gesundheit") == 1
    # target groups as the vocabulary files them: a group counts its sub-groups' projects
    assert cover.group_totals == {
        "Frauen": 3,
        "Menschen mit Migrationsgeschichte": 1,
        "Geflüchtete": 1,
        "Kinder": 2,
    }
    assert cover.target_groups == ["Kinder", "Frauen", "Menschen mit Migrationsgeschichte", "Geflüchtete"]
    assert cover.most_by_town == 2


def test_white_spots_are_county_town_and_area_pairs_without_a_project(filled: Store):
    cover = coverage(filled.db, COUNTY)
    assert cover.gaps() == [
        ("Altdorf", ["Bildung", "Gesundheit", "Arbeitsmarkt"]),
        ("Böblingen", ["Gesundheit", "Arbeitsmarkt"]),
        ("Weißach", ["Bildung", "Arbeitsmarkt"]),
    ]
    assert cover.gap_count() == 7


def test_coverage_of_an_empty_store_has_towns_but_no_counts(store: Store):
    cover = coverage(store.db, COUNTY)
    assert cover.towns == ["Böblingen", "Weissach", "Altdorf"]
    assert cover.areas == [] and cover.projects == 0 and cover.gaps() == []


def test_map_layout_keeps_geography_and_sizes_circles_by_area():
    towns = [(COUNTY.towns[0], 4), (COUNTY.towns[1], 1), (COUNTY.towns[2], 0)]
    points, height = map_layout(towns, width=600, margin=40)
    boeblingen, weissach, altdorf = points
    assert weissach.y < boeblingen.y < altdorf.y  # north is up
    assert weissach.x < altdorf.x < boeblingen.x  # west is left
    assert all(40 <= p.x <= 560 and 40 <= p.y <= height - 40 for p in points)
    assert altdorf.r == 4.0 and boeblingen.r == 20.0
    # area grows with the count: a quarter of the projects, half the radius above the minimum
    assert weissach.r == pytest.approx(4 + 16 * 0.5, abs=0.1)


def test_network_links_organisations_that_share_a_project(filled: Store):
    network = organisation_network(filled.db)
    names = network.names
    by_name = {names[o.id]: o for o in network.organisations}
    assert set(by_name["Bibliothek"].partners) == {
        o.id for o in network.everyone if names[o.id] in ("Verein A", "Verein B", "Schule X")
    }
    assert "Verein C" not in by_name  # alone in its project: no link, not in the list
    assert {names[o.id] for o in network.everyone} >= {"Verein C", "Verein D"}
    assert len(network.nodes) == len(network.organisations)
    assert len(network.links) == sum(len(o.partners) for o in network.organisations) // 2
    for node in network.nodes:
        assert 0 <= node.x <= network.width and 0 <= node.y <= network.height


def test_network_over_some_projects_only_links_within_them(filled: Store):
    ids = [r["id"] for r in filled.db.query("SELECT id FROM projects WHERE title = 'Sprachcafé'")]
    network = organisation_network(filled.db, ids)
    assert sorted(network.names[o.id] for o in network.organisations) == ["Bibliothek", "Verein A"]


def test_network_drawing_is_bounded_and_the_list_keeps_everyone(filled: Store):
    network = organisation_network(filled.db, max_nodes=2)
    assert len(network.nodes) == 2 and len(network.organisations) == 4


def test_spring_layout_is_deterministic_and_pulls_linked_nodes_together():
    edges = [(0, 1, 1), (1, 2, 1), (0, 2, 1), (3, 4, 1)]
    first, second = spring_layout(6, edges), spring_layout(6, edges)
    assert np.array_equal(first, second)
    assert first.min() >= 0 and first.max() <= 1

    def distance(a, b):
        return float(np.linalg.norm(first[a] - first[b]))

    assert distance(0, 1) < distance(0, 3) and distance(3, 4) < distance(3, 0)
