"""XQuAD end to end: the 240 German paragraphs ingested through the product, its search judged.

`bench/xquad.py --end-to-end` runs this. Each paragraph becomes a JSONL record titled by its
article and number ("Super Bowl 50 (1)"); `kb ingest` stores, chunks and embeds them as any
collection; then every question of each language is asked through `KnowledgeBase.find` (the
whole search: town handling, keyword fusion, project scoring, relevance floor) and MRR@10 is
taken on the paragraph it was asked about. Beside it, variants of the passage layout are scored
dense-only from the same cached vectors, to show what each step between ingest and ranking costs.
Nothing is copied into the repository: the records, the store and all vectors live in the cache
folder of bench/xquad.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from kb import KnowledgeBase, Settings

LANGUAGES = ("de", "en", "tr", "ar", "ru")


def titled_records(folder: Path) -> list[dict]:
    """One record per German paragraph, in benchmark order, titled "<article> (<n>)"."""
    data = json.loads((folder / "xquad.de.json").read_text(encoding="utf-8"))["data"]
    records = []
    for article in data:
        for number, paragraph in enumerate(article["paragraphs"], start=1):
            records.append({"title": f"{article['title']} ({number})", "text": paragraph["context"]})
    return records


def ingest(records: list[dict], cache: Path) -> KnowledgeBase:
    """The product's store over the records (re-ingesting unchanged records embeds nothing)."""
    source = cache / "xquad-e2e" / "paragraphs.jsonl"
    source.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if not source.is_file() or source.read_text(encoding="utf-8") != text:
        source.write_text(text, encoding="utf-8")
    kb = KnowledgeBase(Settings.from_env({}, data_dir=cache / "xquad-e2e" / "data"), threads=2)
    report, _ = kb.ingest([source])
    if report.failed:
        sys.exit(f"ingest failed: {report.errors}")
    return kb


def product_mrr(
    kb: KnowledgeBase,
    records: list[dict],
    questions: dict[str, list[str]],
    vectors: dict[str, np.ndarray],
    answers: list[int],
) -> dict[str, dict[str, float]]:
    """MRR@10 of the whole search per language, and the share of questions it answers at all.
    Question vectors come from the benchmark's cache instead of being embedded again."""
    ids = {p["title"]: p["id"] for p in kb.projects()}
    target = [ids[r["title"]] for r in records]
    cached: dict[str, np.ndarray] = {}
    for lang in LANGUAGES:
        cached.update(zip(questions[lang], vectors[lang], strict=True))
    real = kb.dense.embed_query_beside

    def from_cache(text, work):
        return (cached[text], work() if work else None) if text in cached else real(text, work)

    kb.dense.embed_query_beside = from_cache  # type: ignore[method-assign]
    results = {}
    for lang in LANGUAGES:
        rr = answered = 0.0
        for question, answer in zip(questions[lang], answers, strict=True):
            outcome = kb.find(question, k=10, include_weak=True)
            ranked = [hit.id for hit in outcome.hits]
            answered += any(not hit.weak for hit in outcome.hits)
            if target[answer] in ranked:
                rr += 1.0 / (ranked.index(target[answer]) + 1)
        n = len(answers)
        results[lang] = {"MRR@10": round(rr / n, 3), "answered": round(answered / n, 3)}
    kb.dense.embed_query_beside = real  # type: ignore[method-assign]
    return results


def out_of_scope_empty(kb: KnowledgeBase) -> dict[str, float]:
    """The relevance floor on a collection of another size and topic: the out-of-scope lines of
    samples/eval/queries.jsonl asked of the XQuAD paragraphs."""
    path = Path(__file__).resolve().parents[1] / "samples" / "eval" / "queries.jsonl"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    unanswerable = [line for line in lines if not line["relevant"]]
    empty = [not kb.find(line["query"], k=10).hits for line in unanswerable]
    return {"queries": len(empty), "share": round(sum(empty) / len(empty), 3)}


def layout_variants(
    kb: KnowledgeBase,
    records: list[dict],
    paragraphs: np.ndarray,
    queries: dict[str, np.ndarray],
    answers: list[int],
) -> dict[str, dict[str, float]]:
    """Dense-only MRR@10 for what lies between ingest and ranking, from vectors already made: the
    bare paragraphs (the dense-only reference) and the product's own passages as stored (for
    these title-and-text records: pieces of up to 1,600 characters without the title, no profile
    passage; README "XQuAD end to end" has the earlier layouts), each
    scored by the best passage alone and by best + 1/2 second as kb.search does."""
    ids = {p["title"]: p["id"] for p in kb.projects()}
    catalog = kb.catalog
    rows_of = [catalog.chunks(catalog.chunk_ids_of([ids[r["title"]]])) for r in records]
    hashes = [row["text_hash"] for rows in rows_of for row in rows.values()]
    stored = kb.store.cached_vectors(kb.dense.embedder.model_id, hashes)

    def groups(with_profile: bool) -> list[np.ndarray]:
        return [
            np.stack(
                [stored[r["text_hash"]] for r in rows.values() if with_profile or r["kind"] != "profile"]
            )
            for rows in rows_of
        ]

    bare = [paragraphs[i : i + 1] for i in range(len(records))]
    product, without_profile = groups(True), groups(False)
    return {
        "bare paragraph (dense-only)": _mrr(bare, queries, answers, 0.0),
        "stored passages, best + 1/2 second of any passage (the scoring before the section rule)": _mrr(
            product, queries, answers, 0.5
        ),
        "stored passages, best only": _mrr(product, queries, answers, 0.0),
        "without the profile passage, best + 1/2 second": _mrr(without_profile, queries, answers, 0.5),
        "without the profile passage, best only": _mrr(without_profile, queries, answers, 0.0),
    }


def _mrr(
    vectors: list[np.ndarray], queries: dict[str, np.ndarray], answers: list[int], second: float
) -> dict[str, float]:
    """As kb.search scores projects: best passage plus `second` × the second best, where a record
    without a second passage gets the 100th best passage score (what the product retrieves)."""
    results = {}
    for lang in LANGUAGES:
        every = np.hstack([queries[lang] @ group.T for group in vectors])
        depth = np.sort(every, axis=1)[:, ::-1][:, min(99, every.shape[1] - 1)]
        scores = np.empty((len(queries[lang]), len(vectors)))
        for i, group in enumerate(vectors):
            sims = np.sort(queries[lang] @ group.T, axis=1)[:, ::-1]
            second_best = sims[:, 1] if sims.shape[1] > 1 else depth
            scores[:, i] = sims[:, 0] + second * second_best
        ranks = (scores > scores[np.arange(len(answers)), answers][:, None]).sum(axis=1) + 1
        results[lang] = round(float(np.mean(np.where(ranks <= 10, 1.0 / ranks, 0.0))), 3)
    return results
