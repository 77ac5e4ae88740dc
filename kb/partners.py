"""The partner finder: organisations ranked by how well the projects they run or support fit a topic.

An organisation is found through projects. Its score is the fit of its best project, with a small
bonus for each further fitting project: the organisation running the project that fits best comes
first, one that supports many loosely related projects does not outrank it (it did while the score
was the sum over projects: breadth beat fit). Fit falls with a project's rank in the search, so the
ranking does not depend on the search's score scale.

A town narrows the list to organisations active there (with any project in that town) and keeps
the topical order; without a topic, a town or a target group lists the organisations of the
projects passing those filters, by how many they run (Träger) or support.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from kb.catalog import Catalog
from kb.filters import NO_FILTERS, Filters
from kb.input_limits import bounded_query
from kb.result_details import contact_links
from kb.search_results import SearchHit

SearchFn = Callable[[str, int, Filters], list[SearchHit]]
SimilarFn = Callable[[str, int], list[SearchHit]]

ROLE_WEIGHT = {"traeger": 1.0, "partner": 0.5}  # running a project says more than supporting it
RANK_DECAY = 0.7  # fit of the project at rank r (0 = best): RANK_DECAY ** r
FURTHER_PROJECT_SHARE = 0.25  # what each further fitting project adds, as a share of its own fit
# Projects that may put an organisation on the list: deep enough that a town's fitting
# organisations are reached when a town narrows (rank 30 fits 0.7^30 ≈ 0.00002: far ones only
# fill a short list, never reorder a long one), and one depth with or without a town, so that a
# town keeps the topical order exactly.
DEPTH = 30


@dataclass
class PartnerHit:
    id: str
    name: str
    score: float  # 1.0 for the best-fitting organisation, the others relative to it
    towns: list[str]
    projects: list[dict] = field(default_factory=list)  # id, title, town, role, fit (best first)
    contact: dict | None = None  # text, links (mailto:/tel:), project_id, project_title, role there

    def to_dict(self) -> dict:
        return asdict(self)


def partners(
    catalog: Catalog,
    search: SearchFn,
    similar: SimilarFn,
    query_or_id: str,
    k: int = 10,
    filters: Filters = NO_FILTERS,
) -> list[PartnerHit]:
    """Organisations for an idea or topic (or for a project, by its id: then the organisations
    already involved in it are left out), best fit first. The town of the filters narrows the
    organisations, the other filters the projects."""
    query = bounded_query(query_or_id or "")
    if not query:
        return organisations_for_filters(catalog, k, filters)
    town = filters.town
    topical = replace(filters, town=None)  # the topic decides; the town only narrows afterwards
    depth = DEPTH
    exclude: set[str] = set()
    if catalog.has_project(query):
        allowed = catalog.filtered_project_ids(topical)
        ranked = [h for h in similar(query, depth * 2) if allowed is None or h.id in allowed]
        exclude = {link["id"] for link in catalog.organisation_links([query])}
    else:
        ranked = search(query, depth, topical)
    fit = {hit.id: RANK_DECAY**rank for rank, hit in enumerate(ranked[:depth])}
    active_in_town = catalog.organisations_in_town(town) if town else None
    return _rank(catalog, ranked[:depth], fit, k, exclude, active_in_town)


def organisations_for_filters(catalog: Catalog, k: int, filters: Filters) -> list[PartnerHit]:
    """Without a topic: the organisations of the projects passing the filters (none without a filter)."""
    ids = catalog.filtered_project_ids(filters)
    if not ids:
        return []
    cards = catalog.cards(ids)
    ordered = sorted(cards.values(), key=lambda card: card["title"].lower())
    hits = [_as_hit(card) for card in ordered]
    return _rank(catalog, hits, {hit.id: 1.0 for hit in hits}, k, set(), None, breadth=1.0)


def _as_hit(card: dict) -> SearchHit:
    """A catalog card in the shape of a search hit (only id, title, town, contact are read here)."""
    return SearchHit(
        id=card["id"], title=card["title"], score=0.0, area=card["area"], organisation=card["organisation"],
        town=card["town"], target_groups=card["target_groups"], snippet="", matched_section="",
        matched_kind="", source=card["source_name"], source_kind=card["source_kind"],
        page_start=card["page_start"], page_end=card["page_end"], contact=card["contact"],
        summary=card["summary"],
    )  # fmt: skip


def _rank(
    catalog: Catalog,
    projects: list[SearchHit],
    fit: dict[str, float],
    k: int,
    exclude: set[str],
    active_in_town: set[str] | None,
    breadth: float = FURTHER_PROJECT_SHARE,
) -> list[PartnerHit]:
    if not projects:
        return []
    by_id = {p.id: p for p in projects}
    contributions: dict[str, list[tuple[float, dict]]] = {}
    names: dict[str, str] = {}
    for link in catalog.organisation_links(list(by_id)):
        if link["id"] in exclude or (active_in_town is not None and link["id"] not in active_in_town):
            continue
        project = by_id[link["project_id"]]
        value = fit[project.id] * ROLE_WEIGHT.get(link["role"], 0.5)
        names[link["id"]] = link["name"]
        entry = {
            "id": project.id, "title": project.title, "town": project.town, "role": link["role"],
            "fit": round(fit[project.id], 4), "contact": project.contact,
        }  # fmt: skip
        contributions.setdefault(link["id"], []).append((value, entry))
    hits = []
    for org_id, found in contributions.items():
        found.sort(key=lambda pair: -pair[0])
        score = found[0][0] + breadth * sum(value for value, _ in found[1:])
        entries = [entry for _, entry in found]
        hits.append(PartnerHit(org_id, names[org_id], score, [], entries, _contact(entries)))
    hits.sort(key=lambda h: (-h.score, h.name.lower()))
    hits = hits[:k]
    _fill_details(catalog, hits)
    top = hits[0].score if hits else 1.0
    for hit in hits:
        hit.score = round(hit.score / top, 4)
        for entry in hit.projects:
            entry.pop("contact")
    return hits


def _contact(entries: list[dict]) -> dict | None:
    """The contact of the best-fitting project the organisation runs; else of the best one it supports
    (reached through that project's Träger; _fill_details prefers a project it runs elsewhere)."""
    own: Callable[[dict], bool] = lambda entry: entry["role"] == "traeger"  # noqa: E731
    for wanted in (own, lambda entry: not own(entry)):
        for entry in entries:
            if wanted(entry) and entry["contact"]:
                return {
                    "text": entry["contact"],
                    "links": contact_links(entry["contact"]),
                    "project_id": entry["id"],
                    "project_title": entry["title"],
                    "role": entry["role"],
                }
    return None


def _fill_details(catalog: Catalog, hits: list[PartnerHit]) -> None:
    """Every town an organisation is active in (all its projects, not only the fitting ones), and its
    own contact from a project it runs where none of the fitting projects is its own."""
    ids = [hit.id for hit in hits]
    towns = catalog.organisation_towns(ids)
    own = catalog.organisation_contacts(ids)
    for hit in hits:
        hit.towns = towns.get(hit.id, [])
        if (hit.contact is None or hit.contact["role"] != "traeger") and hit.id in own:
            hit.contact = {**own[hit.id], "links": contact_links(own[hit.id]["text"])}
