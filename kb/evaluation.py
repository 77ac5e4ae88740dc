"""Retrieval quality over judged queries, per language, with bootstrap 95 % intervals.

Besides nDCG and MRR it measures what a user sees at once: whether a question the collection
cannot answer (a line with "relevant": {}) gets no results, whether the relevance floor hides a
judged query's best answer, how many of the top 3 are merely unjudged projects of a town the
query names, and how often a project shown as "sehr ähnlich", "ähnlich" or "entfernt" is one the
query's judges named.
"""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol


class _Hit(Protocol):
    id: str
    town: str | None
    weak: bool
    level: str


class _Outcome(Protocol):
    hits: list  # of _Hit, best first, weak ones included
    places: list  # each with .town: the towns the search recognised in the query


# A search as evaluation needs it: a query and k in, the outcome with weak hits marked out.
Find = Callable[[str, int], _Outcome]

BOOTSTRAP_SAMPLES = 1000
TOWN_TOP = 3  # the results a user reads first
SHOWN_LEVELS = ("sehr ähnlich", "ähnlich", "entfernt")


class EvalError(ValueError):
    """A queries file that cannot be used, with file and line."""


@dataclass
class QueryResult:
    query: str
    lang: str
    kind: str
    ranked: list[str]  # shown: above the relevance floor
    relevant: dict[str, int]
    ndcg5: float
    ndcg: float
    mrr: float
    recall: float
    answered: bool  # anything shown at all
    best_removed: bool  # the best-graded project found was hidden by the floor
    towns: list[str] = field(default_factory=list)
    same_town_unjudged: int = 0  # of the top TOWN_TOP, unjudged projects in a named town
    top_slots: int = 0  # how many of the top TOWN_TOP were filled
    levels: list[tuple[str, int]] = field(default_factory=list)  # per shown hit: its level, its grade

    @property
    def out_of_scope(self) -> bool:
        return not any(grade > 0 for grade in self.relevant.values())


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def bootstrap(values: list[float], statistic: Callable[[list[float]], float] = _mean, seed: int = 0):
    """(value, low, high): the statistic and its percentile bootstrap 95 % interval."""
    if not values:
        return None
    rng = random.Random(seed)
    draws = sorted(
        statistic([values[rng.randrange(len(values))] for _ in values]) for _ in range(BOOTSTRAP_SAMPLES)
    )
    low, high = draws[int(0.025 * BOOTSTRAP_SAMPLES)], draws[int(0.975 * BOOTSTRAP_SAMPLES) - 1]
    return [round(statistic(values), 4), round(low, 4), round(high, 4)]


def _share_of_slots(pairs: list[tuple[int, int]]) -> float:
    slots = sum(s for _, s in pairs)
    return sum(c for c, _ in pairs) / slots if slots else 0.0


@dataclass
class EvalReport:
    k: int
    results: list[QueryResult] = field(default_factory=list)

    def metrics(self, results: list[QueryResult] | None = None) -> dict:
        """Each figure as [value, low, high] (bootstrap 95 %), None where no query measures it."""
        results = self.results if results is None else results
        judged = [r for r in results if not r.out_of_scope]
        unanswerable = [r for r in results if r.out_of_scope]
        town_pairs = [(r.same_town_unjudged, r.top_slots) for r in judged if r.towns]
        return {
            "queries": len(judged),
            "out_of_scope_queries": len(unanswerable),
            "ndcg@5": bootstrap([r.ndcg5 for r in judged]),
            f"mrr@{self.k}": bootstrap([r.mrr for r in judged]),
            f"ndcg@{self.k}": bootstrap([r.ndcg for r in judged]),
            f"recall@{self.k}": bootstrap([r.recall for r in judged]),
            "out_of_scope_empty": bootstrap([float(not r.answered) for r in unanswerable]),
            "best_removed": bootstrap([float(r.best_removed) for r in judged]),
            "town_queries": len(town_pairs),
            "same_town_unjudged_top3": bootstrap(town_pairs, _share_of_slots) if town_pairs else None,  # type: ignore[arg-type]
            "judged_share_by_level": {level: _judged_share(judged, level) for level in SHOWN_LEVELS},
        }

    def by_language(self) -> dict[str, dict]:
        groups: dict[str, list[QueryResult]] = defaultdict(list)
        for result in self.results:
            groups[result.lang].append(result)
        return {lang: self.metrics(group) for lang, group in sorted(groups.items())}

    def to_dict(self) -> dict:
        return {
            "k": self.k,
            "overall": self.metrics(),
            "by_language": self.by_language(),
            "queries": [asdict(r) for r in self.results],
        }


def _judged_share(results: list[QueryResult], level: str):
    """Of the hits shown at this level, the share the judges named relevant (an unjudged project
    may still be fine: a lower bound of the level's precision), over queries."""
    pairs = [
        (
            sum(1 for shown, grade in r.levels if shown == level and grade > 0),
            sum(1 for shown, _ in r.levels if shown == level),
        )
        for r in results
    ]
    return bootstrap(pairs, _share_of_slots) if any(n for _, n in pairs) else None  # type: ignore[arg-type]


def ndcg(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    gains = [2 ** relevant.get(item, 0) - 1 for item in ranked[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((2**g - 1 for g in relevant.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def reciprocal_rank(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    for i, item in enumerate(ranked[:k]):
        if relevant.get(item, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def recall(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    wanted = {item for item, grade in relevant.items() if grade > 0}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def best_removed(shown: list[str], nearest: list[str], relevant: dict[str, int]) -> bool:
    """Did the floor hide the best-graded project that the search found?"""
    top = max(relevant.values(), default=0)
    found = [item for item in nearest if relevant.get(item, 0) == top and top > 0]
    return bool(found) and found[0] not in shown


def load_queries(path: str | Path, resolve: dict[str, str]) -> list[dict]:
    """Read judged queries; relevance keys may be project ids or titles (resolved to ids).
    An empty "relevant" marks a question the collection cannot answer."""
    lines = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            query, judged = item["query"], item["relevant"]
            towns = list(item.get("towns") or [])
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise EvalError(
                f"{path}: line {number}: needs {{'query': ..., 'relevant': {{...}}}} ({error})"
            ) from error
        relevant = {}
        for key, grade in judged.items():
            if key not in resolve:
                raise EvalError(f"{path}: line {number}: no project with id or title {key!r}")
            relevant[resolve[key]] = int(grade)
        kind = item.get("kind") or item.get("persona") or ""
        lines.append({"query": query, "lang": item.get("lang", "?"), "kind": kind, "relevant": relevant,
                      "towns": towns})  # fmt: skip
    return lines


def evaluate(find: Find, projects: Iterable[dict], path: str | Path, k: int = 10) -> EvalReport:
    """Judge a search on the queries in path; projects (each with id and title) resolve the judgements.
    find(query, k) returns the nearest k with those below the relevance floor marked weak."""
    resolve: dict[str, str] = {}
    for project in projects:
        resolve[project["title"]] = project["id"]
        resolve[project["id"]] = project["id"]
    report = EvalReport(k)
    for item in load_queries(path, resolve):
        outcome = find(item["query"], k)
        nearest = [hit.id for hit in outcome.hits]
        shown_hits = [hit for hit in outcome.hits if not hit.weak]
        ranked = [hit.id for hit in shown_hits]
        relevant = item["relevant"]
        # Towns as judged in the file; otherwise as the search recognised them.
        towns = item["towns"] or [offer.town for offer in outcome.places]
        named = {town.lower() for town in towns}
        top = shown_hits[:TOWN_TOP]
        report.results.append(
            QueryResult(
                item["query"],
                item["lang"],
                item["kind"],
                ranked,
                relevant,
                ndcg(ranked, relevant, 5),
                ndcg(ranked, relevant, k),
                reciprocal_rank(ranked, relevant, k),
                recall(ranked, relevant, k),
                answered=bool(ranked),
                best_removed=best_removed(ranked, nearest, relevant),
                towns=towns,
                same_town_unjudged=sum(
                    1 for hit in top if (hit.town or "").lower() in named and relevant.get(hit.id, 0) == 0
                ),
                top_slots=len(top),
                levels=[(hit.level, relevant.get(hit.id, 0)) for hit in shown_hits],
            )
        )
    return report
