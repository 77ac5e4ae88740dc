"""What the web layer adds to a search: `GET /?q=` (the results page) and `GET /api/search` against
`KnowledgeBase.search()` of the same query, in one process, interleaved, each a new query (its
vector and keyword hits forgotten first), on the sample collection built by bench/search.py.

    .venv/bin/python bench/web.py [--work-dir DIR] [--queries 60]

Reports the median of (page time - search time) per query in milliseconds, for new queries and
for queries whose vector is kept (the web layer alone, without the model call's noise): the
template, the request parsing and the JSON encoding, which the search itself does not pay.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

from bench.search import QUERIES, open_kb, prepare_sample  # noqa: E402
from webui import create_app  # noqa: E402

GOAL_EXTRA_MS = 3.0


def measure(data_dir: Path, count: int) -> dict[str, float]:
    kb = open_kb(data_dir, threads=1)
    client = create_app({"KB": kb, "TESTING": True}).test_client()
    steps = {
        "search": lambda q: kb.search(q, 10),
        "page": lambda q: client.get("/?" + urlencode({"q": q})),
        "api": lambda q: client.get("/api/search?" + urlencode({"q": q, "k": 10})),
    }
    for query in QUERIES:  # warm-up: model, index, templates
        for step in steps.values():
            step(query)
    new = _timed(kb, steps, count, forget=True)
    # The same with each query's vector kept: the web layer's own cost, without the embedding's
    # noise (on a loaded machine one model call varies by more than the 3 ms measured here).
    again = _timed(kb, steps, count, forget=False)
    kb.close()
    result = {"search_p50_ms": statistics.median(new["search"])}
    for label, times in (("", new), ("_repeated", again)):
        search = times["search"]
        result[f"page_extra{label}_p50_ms"] = statistics.median(
            p - s for p, s in zip(times["page"], search, strict=True)
        )
        result[f"api_extra{label}_p50_ms"] = statistics.median(
            a - s for a, s in zip(times["api"], search, strict=True)
        )
    return result


def _timed(kb, steps: dict, count: int, forget: bool) -> dict[str, list[float]]:
    """Milliseconds per step and query, interleaved; forget: each a new query (its vector and keyword hits dropped)."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    for number in range(count):
        query = QUERIES[number % len(QUERIES)]
        order = list(steps) if number % 2 == 0 else list(steps)[::-1]
        for name in order:
            if forget:
                kb.forget_recent_queries()
            start = time.perf_counter()
            response = steps[name](query)
            times[name].append(1000 * (time.perf_counter() - start))
            if name != "search" and response.status_code != 200:
                raise SystemExit(f"{name} answered {response.status_code} for {query!r}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description="what the web page and the API add to a search")
    parser.add_argument("--work-dir", type=Path, help="reuse the sample folder of bench/search.py here")
    parser.add_argument("--queries", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        sample = (args.work_dir or Path(scratch)) / "sample"
        sample.mkdir(parents=True, exist_ok=True)
        prepare_sample(sample)
        result = measure(sample, args.queries)
    print(f"kb.search p50 {result['search_p50_ms']:.1f} ms")
    for name in ("page", "api"):
        extra = result[f"{name}_extra_p50_ms"]
        verdict = "met" if extra <= GOAL_EXTRA_MS else "MISSED"
        print(f"{name}: adds {extra:.1f} ms at p50 (goal <= {GOAL_EXTRA_MS}): {verdict}")
        print(
            f"{name}: adds {result[f'{name}_extra_repeated_p50_ms']:.1f} ms at p50 with the query's vector kept"
        )


if __name__ == "__main__":
    main()
