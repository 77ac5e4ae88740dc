"""Retrieval metrics over a set of judged queries: nDCG@k, MRR@k, recall@k, overall and per language."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

# A search as evaluation needs it: a query and k in, project ids best first out.
RankedIds = Callable[[str, int], list[str]]


class EvalError(ValueError):
    """A queries file that cannot be used, with file and line."""


@dataclass
class QueryResult:
    query: str
    lang: str
    ranked: list[str]
    relevant: dict[str, int]
    ndcg: float
    mrr: float
    recall: float


@dataclass
class EvalReport:
    k: int
    results: list[QueryResult] = field(default_factory=list)

    def metrics(self, results: list[QueryResult] | None = None) -> dict[str, float]:
        results = self.results if results is None else results
        n = len(results) or 1
        return {
            "queries": len(results),
            f"ndcg@{self.k}": round(sum(r.ndcg for r in results) / n, 4),
            f"mrr@{self.k}": round(sum(r.mrr for r in results) / n, 4),
            f"recall@{self.k}": round(sum(r.recall for r in results) / n, 4),
        }

    def by_language(self) -> dict[str, dict[str, float]]:
        groups: dict[str, list[QueryResult]] = defaultdict(list)
        for result in self.results:
            groups[result.lang].append(result)
        return {lang: self.metrics(group) for lang, group in sorted(groups.items())}

    def to_dict(self) -> dict:
        return {
            "k": self.k,
            "overall": self.metrics(),
            "by_language": self.by_language(),
            "queries": [r.__dict__ for r in self.results],
        }


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


def load_queries(path: str | Path, resolve: dict[str, str]) -> list[dict]:
    """Read judged queries; relevance keys may be project ids or titles (resolved to ids)."""
    lines = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            query, judged = item["query"], item["relevant"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise EvalError(
                f"{path}: line {number}: needs {{'query': ..., 'relevant': {{...}}}} ({error})"
            ) from error
        relevant = {}
        for key, grade in judged.items():
            if key not in resolve:
                raise EvalError(f"{path}: line {number}: no project with id or title {key!r}")
            relevant[resolve[key]] = int(grade)
        lines.append({"query": query, "lang": item.get("lang", "?"), "relevant": relevant})
    return lines


def evaluate(search: RankedIds, projects: Iterable[dict], path: str | Path, k: int = 10) -> EvalReport:
    """Judge search on the queries in path; projects (each with id and title) resolve the judgements."""
    resolve: dict[str, str] = {}
    for project in projects:
        resolve[project["title"]] = project["id"]
        resolve[project["id"]] = project["id"]
    report = EvalReport(k)
    for item in load_queries(path, resolve):
        ranked = search(item["query"], k)
        relevant = item["relevant"]
        report.results.append(
            QueryResult(
                item["query"],
                item["lang"],
                ranked,
                relevant,
                ndcg(ranked, relevant, k),
                reciprocal_rank(ranked, relevant, k),
                recall(ranked, relevant, k),
            )
        )
    return report
