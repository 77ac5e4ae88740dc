"""Filters: one frozen value for area, town, target group; the key of the filtered-ids cache."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from kb.catalog import Catalog
from kb.filters import Filters
from kb.pipeline import ingest_paths
from kb.search_memory import AllowedChunks
from kb.store import Store
from tests.helpers import write_project


def test_blank_values_mean_not_given_and_equal_filters_are_one_key():
    assert Filters(area="  ", town="", target_group=None) == Filters()
    assert not Filters(town=" ")
    assert Filters(town=" Leonberg ") == Filters(town="Leonberg")
    assert Filters(town="Leonberg")
    assert len({Filters(area="Bildung"), Filters(area="Bildung "), Filters(town="Bildung")}) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        Filters().town = "Leonberg"  # type: ignore[misc]


def test_sql_has_one_condition_and_parameter_per_given_filter():
    assert Filters().sql() == (None, [])
    where, params = Filters(area="Bildung", town="Leonberg").sql()
    assert params == ["Bildung", "Leonberg"]
    assert where.count("?") == 2 and " AND " in where
    # a target group is a group of the vocabulary with its sub-groups (Frauen: Mädchen too)
    where, params = Filters(area="Bildung", target_group="Frauen").sql()
    assert params == ["Bildung", "frauen", "maedchen"]
    assert where.count("?") == 3


def test_every_filter_carries_what_the_shells_need():
    # a new filter is one field: its SQL condition and its CLI help come with it
    for field in dataclasses.fields(Filters):
        assert field.default is None
        sql = field.metadata["sql"]
        assert sql("x")[0].count("?") == 1 if callable(sql) else sql.count("?") == 1, field.name
        assert field.metadata["help"], field.name


def test_the_cli_offers_every_filter():
    for command in ("search", "projects"):
        result = CliRunner().invoke(cli, [command, "--help"])
        for name in Filters.names():
            assert f"--{name.replace('_', '-')}" in result.output, (command, name)


def test_from_lookup_reads_each_filter_by_name():
    given = {"area": "Bildung", "town": " ", "q": "ignored"}
    assert Filters.from_lookup(given.get) == Filters(area="Bildung")
    assert Filters.from_lookup(given.get).as_dict() == {
        "area": "Bildung",
        "town": None,
        "target_group": None,
        "status": None,
    }


@pytest.fixture
def filled_store(store: Store, tmp_path: Path) -> Store:
    write_project(tmp_path / "in", "a.md", "Sprachcafé", town="Leonberg")
    write_project(tmp_path / "in", "b.md", "Jobpaten", town="Sindelfingen", area="Arbeitsmarkt")
    report = ingest_paths(store, [tmp_path / "in"], 10**7)
    assert not report.failed
    return store


def test_allowed_chunks_are_remembered_until_the_store_changes(filled_store: Store, tmp_path: Path):
    allowed = AllowedChunks()
    assert allowed.ids(filled_store, Filters()) is None
    first = allowed.ids(filled_store, Filters(town="Leonberg"))
    catalog = Catalog(filled_store.db)
    assert sorted(first.tolist()) == sorted(catalog.chunk_ids_of(["sprachcafe"]))
    assert allowed.ids(filled_store, Filters(town=" Leonberg")) is first  # the same key, not a new query
    write_project(tmp_path / "in", "c.md", "Lesepaten", town="Leonberg")
    ingest_paths(filled_store, [tmp_path / "in"], 10**7)
    after = allowed.ids(filled_store, Filters(town="Leonberg"))
    assert after is not first and len(after) > len(first)


def test_allowed_chunks_stay_within_their_byte_budget(filled_store: Store):
    roomy, tight = AllowedChunks(), AllowedChunks(max_bytes=8)  # tight: not even one set of ids fits
    for town in ("Leonberg", "Sindelfingen", "Leonberg", "Sindelfingen"):
        roomy.ids(filled_store, Filters(town=town))
        tight.ids(filled_store, Filters(town=town))
    assert len(roomy._ids) == 2
    assert len(tight._ids) == 1  # only the newest, which the search in hand needs
