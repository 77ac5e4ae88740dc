"""The partner finder on the sample collection with the real default model: topical fit first,
Träger before partner, a town narrows, target groups filter, contacts, never itself."""

from __future__ import annotations

import pytest

from kb import KnowledgeBase
from kb.filters import Filters


def involved(kb: KnowledgeBase, project_id: str) -> dict[str, str]:
    """organisation id -> role in this project."""
    return {link["id"]: link["role"] for link in kb.catalog.organisation_links([project_id])}


def test_the_organisation_running_the_best_language_cafe_is_in_the_top_3(sample_kb):
    best = sample_kb.search("Sprachcafé", k=1)[0]
    project = sample_kb.project(best.id)
    text = " ".join([project["title"], *(s["text"] for s in project["sections"])]).lower()
    assert "café" in text or "cafe" in text  # the best match is a language café
    runner = next(org for org, role in involved(sample_kb, best.id).items() if role == "traeger")
    top3 = [hit.id for hit in sample_kb.partners("Sprachcafé", k=3)]
    assert runner in top3  # what the product promises
    assert runner == top3[0]  # what the sample shows (README)


@pytest.mark.parametrize(
    "query", ["Sprachcafé", "Gesundheitslotsen für Geflüchtete", "Ausbildung für junge Geflüchtete"]
)
def test_the_traeger_of_the_best_project_comes_first_and_before_its_partners(sample_kb, query):
    best = sample_kb.search(query, k=1)[0]
    roles = involved(sample_kb, best.id)
    ranked = [hit.id for hit in sample_kb.partners(query, k=30)]
    traeger = [org for org, role in roles.items() if role == "traeger"]
    assert ranked[0] in traeger
    for org, role in roles.items():
        if role == "partner" and org in ranked:
            assert ranked.index(traeger[0]) < ranked.index(org)


def test_breadth_does_not_beat_fit(sample_kb):
    """The old score (a sum over projects) put organisations supporting many loosely related
    projects first: now each organisation's score is led by its best project."""
    hits = sample_kb.partners("Sprachcafé", k=10)
    assert hits[0].score == 1.0
    assert all(hit.projects[0]["fit"] >= hits[-1].projects[0]["fit"] for hit in hits[:3])
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_a_town_narrows_and_keeps_the_topical_order(sample_kb):
    everywhere = sample_kb.partners("Sprachcafé", k=50)
    town = everywhere[0].projects[0]["town"]
    narrowed = sample_kb.partners("Sprachcafé", k=10, filters=Filters(town=town))
    assert narrowed and narrowed[0].id == everywhere[0].id
    active = sample_kb.catalog.organisations_in_town(town)
    assert all(hit.id in active and town in hit.towns for hit in narrowed)
    order = [hit.id for hit in everywhere]
    common = [hit.id for hit in narrowed if hit.id in order][:4]
    assert common == sorted(common, key=order.index)  # the topic decides the order, not the town


def test_a_town_alone_lists_that_towns_organisations(sample_kb):
    town = "Herrenberg"
    projects = sample_kb.browse(Filters(town=town))
    expected = {link["id"] for link in sample_kb.catalog.organisation_links([p["id"] for p in projects])}
    hits = sample_kb.partners("", k=100, filters=Filters(town=town))
    assert hits and {hit.id for hit in hits} == expected
    assert sample_kb.partners("", k=10) == []  # no topic and no filter: nothing to go by


def test_the_target_group_filter_keeps_to_projects_for_that_group(sample_kb):
    allowed = {card["id"] for card in sample_kb.browse(Filters(target_group="Frauen"))}
    hits = sample_kb.partners("Sprachkurs mit Kinderbetreuung", k=10, filters=Filters(target_group="Frauen"))
    assert hits
    assert all(project["id"] in allowed for hit in hits for project in hit.projects)
    alone = sample_kb.partners("", k=100, filters=Filters(target_group="Menschen aus der Ukraine"))
    ukraine = {card["id"] for card in sample_kb.browse(Filters(target_group="ukraine"))}
    assert alone and all(p["id"] in ukraine for hit in alone for p in hit.projects)


def test_every_organisation_has_a_contact_from_its_projects(sample_kb):
    for hit in sample_kb.partners("Sprachcafé", k=10):
        assert hit.contact is not None, hit.name
        project = sample_kb.project(hit.contact["project_id"])
        assert hit.contact["text"] == project["contact"]
        assert {link["href"][:4] for link in hit.contact["links"]} == {"mail", "tel:"}
        if hit.contact["role"] == "traeger":
            assert involved(sample_kb, project["id"])[hit.id] == "traeger"


def test_an_organisation_is_not_listed_as_similar_to_itself(sample_kb):
    project_id = sample_kb.search("Sprachcafé", k=1)[0].id
    own = set(involved(sample_kb, project_id))
    hits = sample_kb.partners(project_id, k=20)
    assert hits and not own & {hit.id for hit in hits}
    assert all(p["id"] != project_id for hit in hits for p in hit.projects)
