"""A language mean shift of the query vector, measured through the whole search (the product does
not use it: README "Search quality" has the figures and why).

Multilingual e5 vectors carry a language component. Moving a query written in language L by
alpha × (mean German sentence vector − mean L sentence vector), both means over the same parallel
sentences (bench/data/parallel_sentences.toml, embedded as queries are), and normalising again is
a known cheap way to improve cross-lingual retrieval. Here the query's language is taken from the
judged file, so no detector errs: an upper bound of what the lever can give. Two places:

- `ranking`: the moved vector orders the results (the first dense search and the feedback search);
  the relevance floor and the levels read the query as it was (one more vector search);
- `everywhere`: the floor and the levels read the moved vector too (counter-passages included).

    .venv/bin/kb --data-dir /tmp/demo demo --no-serve
    .venv/bin/python bench/language_shift.py /tmp/demo [--alphas 0.25,0.5,1]
    .venv/bin/python bench/language_shift.py --xquad [--alphas 0.25,0.5]
    --from-collection: the German mean from the collection's passage vectors instead

The first form reads samples/eval/queries.jsonl (the tuning set) only; --xquad asks XQuAD's
questions of the store bench/xquad.py --end-to-end built (run that once first).
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean

import numpy as np

# Run as a script, this folder would come first on the path and bench/ingest.py would hide the
# `ingest` package: put the repository there instead (imported by the tests, nothing changes).
ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import kb.search as search  # noqa: E402
from kb import KnowledgeBase, Settings  # noqa: E402
from kb.evaluation import evaluate  # noqa: E402
from kb.pooling import PAIR_WEIGHTS, section_scores  # noqa: E402

PARALLEL = ROOT / "bench" / "data" / "parallel_sentences.toml"
TUNING = ROOT / "samples" / "eval" / "queries.jsonl"
BASE = "de"  # the collection's language


def parallel_sentences(path: Path = PARALLEL) -> dict[str, list[str]]:
    """Per language its sentences, aligned: the i-th sentence of every language says the same."""
    entries = tomllib.loads(path.read_text(encoding="utf-8"))["sentence"]
    languages = list(entries[0])
    return {lang: [entry[lang] for entry in entries] for lang in languages}


def shift_vectors(means: dict[str, np.ndarray], base: str = BASE) -> dict[str, np.ndarray]:
    """Per language the move from its mean vector to the base language's mean."""
    return {lang: means[base] - vector for lang, vector in means.items()}


def moved(query: np.ndarray, shift: np.ndarray | None, alpha: float) -> np.ndarray:
    """The unit query vector moved by alpha × shift and normalised again (unchanged without one)."""
    if shift is None or alpha == 0:
        return query
    vector = np.asarray(query, dtype=np.float32).reshape(-1) + alpha * shift
    return (vector / np.linalg.norm(vector)).astype(np.float32).reshape(np.shape(query))


@dataclass
class Lever:
    """What the patched search reads: the shifts, the weight, where, and the current query's language."""

    shifts: dict[str, np.ndarray]
    alpha: float = 0.0
    where: str = "ranking"
    lang: str | None = None
    _rankings: list = field(default_factory=list)

    def shift(self) -> np.ndarray | None:
        return None if self.lang in (None, BASE) else self.shifts.get(self.lang)


def install(lever: Lever, model_id: str) -> None:
    """Wrap the search's steps so that they read the lever (a measurement, not product code)."""
    first_candidates, ranked, pooled = (
        search._Ranking._first_candidates,
        search._Ranking._ranked,
        search.pooled,
    )

    def shifted_first(self, k, filters):
        found = first_candidates(self, k, filters)
        self._plain = self._vector
        self._vector = moved(self._vector, lever.shift(), lever.alpha)
        if lever.where == "everywhere":
            self._plain = self._vector
            self._background = search.COUNTER.background(model_id, self._counter_vectors, self._vector)
        return found

    def remembered_ranked(self, k, filters, towns, first):
        lever._rankings.append((self, k, filters))
        try:
            return ranked(self, k, filters, towns, first)
        finally:
            lever._rankings.pop()

    def floor_support(sections, lowest, weights=search.SECTION_WEIGHTS):
        """The floor's support (pooled with PAIR_WEIGHTS) from a search for the query as it was."""
        if weights is PAIR_WEIGHTS and lever._rankings:
            self, k, filters = lever._rankings[-1]
            plain = getattr(self, "_plain", None)
            if plain is not None and plain is not self._vector:
                allowed = self.allowed.ids(self.store, filters, self.generation)
                depth = search.candidate_depth(k)
                scores, ids = self.index.search(plain, depth, allowed_ids=allowed, unit=True)
                chunks = list(zip(ids.tolist(), scores.tolist(), strict=True))
                rows = self.memory.chunk_heads(self.store, self.generation, [c for c, _ in chunks])
                sections, _, lowest = section_scores(chunks, rows)
        return pooled(sections, lowest, weights)

    search._Ranking._first_candidates = shifted_first
    search._Ranking._ranked = remembered_ranked
    search.pooled = floor_support


def open_lever(data_dir: Path, from_collection: bool = False) -> tuple[KnowledgeBase, Lever]:
    """The store and the lever; from_collection: the German mean is that of the collection's own
    passage vectors instead of the German parallel sentences'."""
    kb = KnowledgeBase(Settings.from_env({}, data_dir=data_dir), threads=1)
    sentences = parallel_sentences()
    embed = kb.dense.embedder.embed_queries
    means = {lang: embed(texts).mean(axis=0) for lang, texts in sentences.items()}
    if from_collection:
        hashes = [row[0] for row in kb.store.db.execute("select text_hash from chunks").fetchall()]
        passages = kb.store.cached_vectors(kb.dense.embedder.model_id, hashes)
        means[BASE] = np.stack(list(passages.values())).mean(axis=0)
    lever = Lever(shift_vectors(means))
    install(lever, kb.dense.embedder.model_id)
    return kb, lever


def tuning_row(kb: KnowledgeBase, lever: Lever) -> dict:
    lines = [json.loads(line) for line in TUNING.read_text(encoding="utf-8").splitlines() if line.strip()]
    language = {line["query"]: line["lang"] for line in lines}

    def find(query: str, k: int):
        lever.lang = language[query]
        return kb.find(query, k=k, include_weak=True)

    report = evaluate(find, kb.projects(), TUNING, 5).to_dict()
    by_language, overall = report["by_language"], report["overall"]
    others = [q["ndcg5"] for q in report["queries"] if q["lang"] != BASE and q["relevant"]]
    return {
        "nDCG@5": {lang: m["ndcg@5"][0] for lang, m in by_language.items()},
        "other languages": round(mean(others), 3),
        "out of scope answered with nothing": overall["out_of_scope_empty"][0],
        "per language": {lang: m["out_of_scope_empty"][0] for lang, m in by_language.items()},
        "best answer hidden": overall["best_removed"][0],
        "same-town unjudged top 3": overall["same_town_unjudged_top3"][0],
    }


def xquad_rows(kb: KnowledgeBase, lever: Lever):
    """XQuAD end to end (bench/xquad_e2e.py) with the lever: a function giving one row."""
    import xquad
    import xquad_e2e

    bench = xquad.load_benchmark(xquad.DEFAULT_DATA)
    _, queries = xquad.dense_vectors(bench)
    records = xquad_e2e.titled_records(xquad.DEFAULT_DATA)
    language = {q: lang for lang in reversed(xquad_e2e.LANGUAGES) for q in bench.questions[lang]}
    lines = [json.loads(line) for line in TUNING.read_text(encoding="utf-8").splitlines() if line.strip()]
    language.update({line["query"]: line["lang"] for line in lines if not line["relevant"]})
    find = kb.find

    def with_language(query: str, **options):
        lever.lang = language.get(query)
        return find(query, **options)

    kb.find = with_language  # type: ignore[method-assign]

    def row(kb: KnowledgeBase, lever: Lever) -> dict:
        return {
            "MRR@10, answered": xquad_e2e.product_mrr(kb, records, bench.questions, queries, bench.answers),
            "out of scope answered with nothing": xquad_e2e.out_of_scope_empty(kb),
        }

    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", nargs="?", type=Path, help="a `kb demo --no-serve` data folder")
    parser.add_argument("--xquad", action="store_true", help="XQuAD end to end instead of the tuning set")
    parser.add_argument("--alphas", default="0.25,0.5,0.75,1", help="shift weights to try")
    parser.add_argument("--where", default="ranking,everywhere", help="ranking, everywhere or both")
    parser.add_argument(
        "--from-collection", action="store_true", help="German mean from the collection's passage vectors"
    )
    args = parser.parse_args()
    if args.xquad:
        sys.path.append(str(ROOT / "bench"))  # after the repository: bench/ingest.py stays hidden
        import xquad

        data_dir = xquad.cache_dir() / "xquad-e2e" / "data"
    elif args.data_dir is None:
        parser.error("give the data folder of `kb demo --no-serve`, or --xquad")
    else:
        data_dir = args.data_dir
    kb, lever = open_lever(data_dir, args.from_collection)
    row = xquad_rows(kb, lever) if args.xquad else tuning_row
    runs = [("none", 0.0)] + [
        (where, float(alpha)) for where in args.where.split(",") for alpha in args.alphas.split(",")
    ]
    for where, alpha in runs:
        lever.where, lever.alpha = where, alpha
        print(json.dumps({"where": where, "alpha": alpha, **row(kb, lever)}, ensure_ascii=False), flush=True)
    kb.close()


if __name__ == "__main__":
    main()
