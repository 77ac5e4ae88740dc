"""The Ideen-Check: a new initiative's idea against the collection and the county fund's rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from kb.county import County, town_key
from kb.fund_rules import Criterion, FundRules, check_idea
from kb.partners import PartnerHit
from kb.search_results import SearchHit

MAX_IDEA_CHARS = 2000  # a few paragraphs; the rest of a pasted document is not searched
CLOSEST_COUNT = 5
NEAR_COUNT = 10  # the nearest projects county-wide in which the idea's own town is looked for
PARTNER_COUNT = 6
STRENGTH_KINDS = ("value", "special")  # Mehrwert and Besonderheiten say what made a project work
MAX_STRENGTH_CHARS = 320

# Similarity levels of a project to the idea, from the search score (best passage's cosine
# similarity plus half the second's, plus keyword evidence; about 1.1-1.4 with multilingual-e5).
# Chosen on samples/eval/queries.jsonl, reported on queries_holdout.jsonl (written before):
# "very similar" (>= 1.31): the top hit is a grade-3 project in 93% of tuning and 68% of held-out
# queries; "distant" (< 1.23): 25 of 36 held-out questions the collection cannot answer, and 3 of 42
# held-out queries whose top hit is grade 3 (README, "Ideen-Check").
LEVELS = (("very_similar", 1.31), ("similar", 1.23), ("distant", float("-inf")))


@dataclass(frozen=True)
class Idea:
    text: str
    town: str = ""
    target_group: str = ""
    amount: str = ""
    months: str = ""
    organisation: str = ""

    @classmethod
    def typed(cls, **fields: str | None) -> Idea:
        """An idea from form fields, each trimmed and bounded before any work on it."""
        bounds = {"text": MAX_IDEA_CHARS}
        return cls(**{name: (value or "").strip()[: bounds.get(name, 200)] for name, value in fields.items()})


@dataclass(frozen=True)
class ClosestProject:
    hit: SearchHit
    level: str
    strengths: list[tuple[str, str]]  # (section name, its first sentences)


@dataclass
class IdeaReport:
    idea: Idea
    closest: list[ClosestProject]
    nearest_level: str | None  # of the best hit; None when the collection is empty
    same_town: list[ClosestProject]  # similar or very similar projects in the idea's town
    partners: list[PartnerHit]
    checklist: list[Criterion]
    fund_name: str
    in_county: bool = field(default=False)
    collection_size: int = 0


# The search's own level words, where the search gives them, mapped to the codes the page words.
SEARCH_LEVELS = {
    "sehr ähnlich": "very_similar",
    "ähnlich": "similar",
    "entfernt": "distant",
    "schwach": "distant",
}


def similarity_level(score: float) -> str:
    return next(name for name, floor in LEVELS if score >= floor)


def hit_level(hit: SearchHit) -> str:
    """The search's level for this hit when it gives one, else one from the score (LEVELS)."""
    given = SEARCH_LEVELS.get(getattr(hit, "level", "") or "")
    return given or similarity_level(hit.score)


def first_sentences(text: str, limit: int = MAX_STRENGTH_CHARS) -> str:
    """The opening sentences of a section, at most `limit` characters, cut at a sentence end if one fits."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max((m.end() for m in re.finditer(r"[.!?](?=\s)", cut)), default=0)
    return cut[:end] if end > limit // 3 else cut.rsplit(" ", 1)[0] + " …"


def check(
    idea: Idea,
    search: Callable[..., list[SearchHit]],
    project: Callable[[str], dict | None],
    partners: Callable[..., list[PartnerHit]],
    rules: FundRules,
    county: County,
    collection_size: int = 0,
) -> IdeaReport:
    """Everything the Ideen-Check page shows, from the knowledge base's search, project and partner calls."""
    checklist = check_idea(rules, county, idea.text, idea.town, idea.amount, idea.months, idea.organisation)
    if not idea.text:
        return IdeaReport(idea, [], None, [], [], checklist, rules.name, collection_size=collection_size)
    hits = search(idea.text, k=NEAR_COUNT)
    closest = [_closest(hit, project) for hit in hits[:CLOSEST_COUNT]]
    # "Already in your town" means among the nearest in the whole county, not merely the best a
    # town happens to have: a town's nearest project may be about something else altogether.
    key = town_key(idea.town) if idea.town else None
    same_town = [
        _closest(hit, project)
        for hit in hits
        if key and hit.town and town_key(hit.town) == key and hit_level(hit) != "distant"
    ][:3]
    found_partners = partners(idea.text, k=PARTNER_COUNT)
    # Organisations already active in the idea's town are the first to talk to.
    found_partners.sort(key=lambda p: 0 if key and key in {town_key(t) for t in p.towns} else 1)
    return IdeaReport(
        idea=idea,
        closest=closest,
        nearest_level=closest[0].level if closest else None,
        same_town=same_town,
        partners=found_partners,
        checklist=checklist,
        fund_name=rules.name,
        in_county=county.find(idea.town) is not None,
        collection_size=collection_size,
    )


def _closest(hit: SearchHit, project: Callable[[str], dict | None]) -> ClosestProject:
    full = project(hit.id) or {}
    strengths = [
        (section["name"], first_sentences(section["text"]))
        for kind in STRENGTH_KINDS
        for section in full.get("sections", [])
        if section["kind"] == kind and section["text"].strip()
    ]
    return ClosestProject(hit, hit_level(hit), strengths[:2])
