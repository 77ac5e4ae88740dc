"""Fusing dense and keyword rankings without hurting queries that are not in the corpus language.

The dense ranking (multilingual e5) is the backbone: it serves every language.
Keyword evidence is added on the dense score scale, scaled by how much the
query speaks the corpus language (keyword_confidence): a German question gets
the keyword boost, an Arabic one keeps its dense order.  Only scores relative
to the best hit of each list are used, so the rule does not depend on the
corpus size or on BM25's absolute scale.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TypeVar

Item = TypeVar("Item", bound=Hashable)  # a chunk id or a project id

# Cosine points that the best keyword match adds for a query fully in the corpus language.  On
# XQuAD every weight from 0.01 to 0.045 lifts German and leaves no other language below dense
# alone (in both halves of the questions); 0.03 sits in the middle of that plateau.
KEYWORD_WEIGHT = 0.03


def fuse(
    dense: list[tuple[Item, float]],
    keyword: list[tuple[Item, float]],
    *,
    keyword_confidence: float,
    k: int,
    keyword_weight: float = KEYWORD_WEIGHT,
) -> list[tuple[Item, float]]:
    """The top k ids by dense similarity plus confidence-weighted keyword evidence.

    dense: (id, cosine similarity) best first; keyword: (id, score, higher is better,
    e.g. -bm25) best first.  Keyword scores are divided by the best one, so a hit
    counts by how close it comes to the best keyword match.  Ids the dense side did
    not return rank below every dense hit unless their keyword boost lifts them.
    With keyword_confidence 0 the dense order is returned unchanged.
    """
    weight = keyword_weight * min(max(keyword_confidence, 0.0), 1.0)
    best_keyword = max((score for _, score in keyword), default=0.0)
    boost: dict[Item, float] = {}
    if weight > 0 and best_keyword > 0:
        boost = {item: weight * max(score, 0.0) / best_keyword for item, score in keyword}
    base = dict(dense)
    floor = min(base.values(), default=0.0)
    candidates = list(dict.fromkeys([item for item, _ in dense] + [item for item in boost]))
    fused = [(item, base.get(item, floor) + boost.get(item, 0.0)) for item in candidates]
    # sorted() is stable: equal scores keep the dense order.
    return sorted(fused, key=lambda pair: -pair[1])[:k]


def keyword_confidence(
    query_terms: list[str],
    doc_freq: Callable[[str], int] | Mapping[str, int],
    n_docs: int,
    compounds: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> float:
    """How much the query speaks the corpus language, 0..1.

    The IDF-weighted share of query terms that occur in the corpus.  A term the
    corpus never uses gets the highest IDF, so a question in another language,
    whose words the German corpus lacks, scores near 0 even when it names an
    entity the corpus knows.  A German compound the corpus never uses as a whole
    ("Hausaufgabenhilfe") still speaks its language when both parts at one of its
    breaks (compounds: term -> (first, second) part terms) are corpus words.
    """
    if not query_terms or n_docs <= 0:
        return 0.0
    lookup = doc_freq.get if isinstance(doc_freq, Mapping) else doc_freq
    found = total = 0.0
    for term in query_terms:
        frequency = int(lookup(term) or 0)
        weight = idf(frequency, n_docs)
        total += weight
        if frequency > 0 or any(
            lookup(first) and lookup(second) for first, second in (compounds or {}).get(term, ())
        ):
            found += weight
    return found / total if total else 0.0


def idf(doc_freq: int, n_docs: int) -> float:
    """BM25's inverse document frequency, kept positive for terms in every document."""
    return math.log(1.0 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5))
