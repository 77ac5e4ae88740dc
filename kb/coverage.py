"""Where the collection has projects and where not: counts by town × area and target group × area."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlite_utils import Database

from kb.county import County, town_key
from kb.group_mapping import group_members
from kb.vocabulary import load_vocabulary


@dataclass(frozen=True)
class Coverage:
    """Project counts for the coverage heat maps; a missing pair counts 0.

    towns are the county's towns (from the county file) followed by places named in the collection
    that the county file does not know, so a town without any project still gets its row.
    """

    areas: list[str]
    towns: list[str]
    target_groups: list[str]
    by_town: dict[tuple[str, str], int]  # (town, area) -> projects
    by_group: dict[tuple[str, str], int]  # (target group, area) -> projects
    town_totals: dict[str, int]
    area_totals: dict[str, int]
    group_totals: dict[str, int]
    projects: int
    without_town: int  # projects that name no place
    outside_county: list[str]  # places in the collection the county file does not list

    def town_count(self, town: str, area: str) -> int:
        return self.by_town.get((town, area), 0)

    def group_count(self, group: str, area: str) -> int:
        return self.by_group.get((group, area), 0)

    @property
    def most_by_town(self) -> int:
        return max(self.by_town.values(), default=0)

    @property
    def most_by_group(self) -> int:
        return max(self.by_group.values(), default=0)

    def gaps(self) -> list[tuple[str, list[str]]]:
        """'White spots': each county town with the areas in which it has no project (towns with none first)."""
        county_towns = [t for t in self.towns if t not in self.outside_county]
        missing = [(town, [a for a in self.areas if not self.town_count(town, a)]) for town in county_towns]
        missing = [(town, areas) for town, areas in missing if areas]
        return sorted(missing, key=lambda item: (-len(item[1]), item[0].lower()))

    def gap_count(self) -> int:
        return sum(len(areas) for _, areas in self.gaps())


def coverage(db: Database, county: County, target_groups: list[str] | None = None) -> Coverage:
    """Counts over every project in the store; target_groups fixes the rows (e.g. facets()' order)."""
    rows = list(db.query("SELECT id, area, town FROM projects"))
    # A town is shown as the county file spells it if the collection uses that spelling too, else
    # as the collection spells it most often, so its link finds its projects.
    spellings: dict[str, Counter[str]] = {}
    for row in rows:
        if (row["town"] or "").strip():
            spellings.setdefault(town_key(row["town"]), Counter())[row["town"].strip()] += 1
    canonical = {}
    for town in county.towns:
        used = spellings.get(town_key(town.name), Counter())
        canonical[town_key(town.name)] = (
            town.name if not used or town.name in used else used.most_common(1)[0][0]
        )
    area_totals: Counter[str] = Counter(row["area"] for row in rows if row["area"])
    areas = sorted(area_totals, key=lambda a: (-area_totals[a], a.lower()))
    by_town: Counter[tuple[str, str]] = Counter()
    town_totals: Counter[str] = Counter()
    outside: set[str] = set()
    without_town = 0
    for row in rows:
        place = (row["town"] or "").strip()
        if not place:
            without_town += 1
            continue
        town = canonical.get(town_key(place), place)
        if town_key(place) not in canonical:
            outside.add(town)
        town_totals[town] += 1
        if row["area"]:
            by_town[(town, row["area"])] += 1
    # Target groups as the vocabulary files them (a group counts its sub-groups' projects), in tree order.
    vocabulary = load_vocabulary()
    members = group_members(db, vocabulary)
    area_of = {row["id"]: row["area"] for row in rows}
    by_group: Counter[tuple[str, str]] = Counter()
    group_totals: dict[str, int] = {}
    for group in vocabulary.tree():
        if members[group.id]:
            group_totals[group.label] = len(members[group.id])
            by_group.update((group.label, area_of[p]) for p in members[group.id] if area_of.get(p))
    if target_groups is None:
        target_groups = list(group_totals)
    return Coverage(
        areas=areas,
        towns=list(canonical.values()) + sorted(outside, key=str.lower),
        target_groups=[g for g in target_groups if g in group_totals],
        by_town=dict(by_town),
        by_group=dict(by_group),
        town_totals=dict(town_totals),
        area_totals=dict(area_totals),
        group_totals=group_totals,
        projects=len(rows),
        without_town=without_town,
        outside_county=sorted(outside, key=str.lower),
    )
