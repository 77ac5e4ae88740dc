"""Bounded work per request, measured: long queries in process and against `kb serve`, and workers.

    .venv/bin/python bench/hardening.py [--seconds 20] [--prepared DIR] [--skip-server] [--json]

In process (a KnowledgeBase over the sample collection, threads=1):
- time of a 100,000-character query (a random letter run with words) ÷ time of the evaluation
  queries (median of each, interleaved), and its peak memory above the process's level (tracemalloc);
- RSS after 1,000 distinct long queries (5,000 characters each) ÷ RSS after a warm-up of 50.
Against `kb serve` on 127.0.0.1 (a copy of the sample data folder, as bench/load.py makes it):
- normal searches' p95 alone (4 clients) and while 50 clients send distinct long queries, and
  the server's CPU time per normal search in each phase (the flood's cost, whatever else runs);
- requests/s of 20 clients with --workers 1 and --workers 2.
Ratios of one run are the figures to compare: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import string
import sys
import tempfile
import threading
import time
import tracemalloc
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import Client, free_port, percentile, prepared_data, run_phase, start_server  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def long_query(rng: random.Random, chars: int) -> str:
    words = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.choice([7, 40, 2000]))))
    return " ".join(words)[:chars]


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096


def in_process(data_dir: Path) -> dict[str, float]:
    from kb import KnowledgeBase, Settings

    kb = KnowledgeBase(Settings.from_env({}, data_dir=data_dir), threads=1)
    queries = [json.loads(line)["query"] for line in open(ROOT / "samples/eval/queries.jsonl")]
    rng = random.Random(7)
    for query in queries[:10]:
        kb.search(query)
    normal, long = [], []
    for round_ in range(15):
        started = time.perf_counter()
        kb.search(queries[10 + round_])  # not asked before: its vector is not cached
        normal.append(time.perf_counter() - started)
        text = long_query(rng, 100_000)
        started = time.perf_counter()
        kb.search(text)
        long.append(time.perf_counter() - started)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    kb.search(long_query(rng, 100_000))
    peak_extra = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    for _ in range(50):
        kb.search(long_query(rng, 5_000))
    warm = rss_bytes()
    for _ in range(1000):
        kb.search(long_query(rng, 5_000))
    after = rss_bytes()
    kb.close()
    return {
        "normal_query_ms_p50": round(statistics.median(normal) * 1000, 1),
        "long_query_ms_p50": round(statistics.median(long) * 1000, 1),
        "long_over_normal": round(statistics.median(long) / statistics.median(normal), 2),
        "long_query_peak_extra_mb": round(peak_extra / 2**20, 1),
        "rss_after_warmup_mb": round(warm / 2**20, 1),
        "rss_after_1000_long_mb": round(after / 2**20, 1),
        "rss_ratio": round(after / warm, 3),
    }


_TAIL: list[str] = []


def encoded_tail() -> str:
    """99,000 more characters of query, URL-encoded once per run."""
    if not _TAIL:
        _TAIL.append(urllib.parse.quote_plus(" " + long_query(random.Random(7), 99_000)))
    return _TAIL[0]


class LongClient(threading.Thread):
    """A client sending distinct 100,000-character queries back to back until the deadline."""

    def __init__(self, port: int, deadline: float, seed: int):
        super().__init__(daemon=True)
        self.port, self.deadline, self.rng = port, deadline, random.Random(seed)
        self.sent = 0
        self.errors = 0
        self.refused = 0  # 503 with Retry-After: no free slot for long queries (kb.long_queries)
        self.seconds: list[float] = []  # per answered request

    def run(self) -> None:
        import http.client

        tail = encoded_tail()
        while time.monotonic() < self.deadline:
            # Distinct in the first 1,000 characters (all the server reads); the rest is shared and
            # encoded once: making 100,000 random characters per request in these 50 threads took
            # the interpreter lock from the normal clients of this process (they sent 1 request in 10 s).
            path = "/api/search?q=" + urllib.parse.quote_plus(long_query(self.rng, 1_000)) + tail
            started = time.monotonic()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                conn.close()
                self.sent += 1
                self.seconds.append(time.monotonic() - started)
                self.refused += response.status == 503 and response.getheader("Retry-After") is not None
                self.errors += response.status not in (200, 503)
            except OSError:
                self.errors += 1


def _attack(port: int, seconds: float, attackers: int, results) -> None:
    """The long clients, in a process of their own: in the normal clients' process their threads
    would take the interpreter lock from them, and that wait would be counted as the server's."""
    encoded_tail()
    deadline = time.monotonic() + seconds
    clients = [LongClient(port, deadline, seed=1000 + n) for n in range(attackers)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    seconds = sorted(s for c in clients for s in c.seconds)
    answer_s = round(statistics.median(seconds), 2) if seconds else 0.0
    results.put(
        (
            sum(c.sent for c in clients),
            sum(c.errors for c in clients),
            sum(c.refused for c in clients),
            answer_s,
        )
    )


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process, all its threads (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def normal_p95(port: int, seconds: float, attackers: int, server_pid: int) -> dict[str, float]:
    """Normal searches' p95, and the server's CPU time per normal search: less noisy than the p95
    on a shared machine, it shows what a flood costs the server whatever else runs."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    results = context.Queue()
    attack = context.Process(target=_attack, args=(port, seconds, attackers, results)) if attackers else None
    if attack:
        attack.start()
        time.sleep(1.0)  # the attack under way before the normal clients start
    deadline = time.monotonic() + seconds - (1.0 if attack else 0.0)
    normal = [Client(port, deadline, seed=n) for n in range(4)]
    cpu_before = cpu_seconds(server_pid)
    for thread in normal:
        thread.start()
    for thread in normal:
        thread.join()
    cpu = cpu_seconds(server_pid) - cpu_before
    sent, errors, refused, answer_s = results.get(timeout=300) if attack else (0, 0, 0, 0.0)
    if attack:
        attack.join(timeout=60)
    latencies = [s * 1000 for c in normal for _, s in c.samples]
    return {
        "normal_requests": len(latencies),
        "normal_p95_ms": round(percentile(latencies, 0.95), 1),
        "normal_errors": sum(sum(c.errors.values()) for c in normal),
        "server_cpu_ms_per_normal": round(cpu * 1000 / max(len(latencies), 1), 2),
        "long_requests": sent,
        "long_errors": errors,
        "long_refused_503": refused,
        "long_answer_s_p50": answer_s,
    }


def against_server(data_dir: Path, work: Path, seconds: float) -> dict[str, object]:
    results: dict[str, object] = {}
    for workers in (1, 2):
        port = free_port()
        server = start_server(data_dir, port, 4, work / f"server-{workers}.log", workers)
        try:
            run_phase("warm-up", port, 20, 5.0)
            if workers == 1:
                results["alone"] = normal_p95(port, seconds, attackers=0, server_pid=server.pid)
                results["with_50_long"] = normal_p95(port, seconds, attackers=50, server_pid=server.pid)
            phase = run_phase(f"{workers} worker(s)", port, 20, seconds)
            results[f"workers_{workers}"] = {
                "req_s": phase.throughput,
                "p95_ms": phase.p95_ms,
                "errors": phase.errors,
            }
        finally:
            server.terminate()
            server.wait(timeout=60)
    one, two = results["workers_1"], results["workers_2"]
    results["workers_speedup"] = round(two["req_s"] / max(one["req_s"], 0.01), 2)  # type: ignore[index]
    alone, attacked = results["alone"], results["with_50_long"]
    results["p95_ratio_with_long"] = round(attacked["normal_p95_ms"] / max(alone["normal_p95_ms"], 0.1), 2)  # type: ignore[index]
    results["server_cpu_ratio_with_long"] = round(
        attacked["server_cpu_ms_per_normal"] / max(alone["server_cpu_ms_per_normal"], 0.01),  # type: ignore[index]
        2,
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--prepared", type=Path)
    parser.add_argument("--skip-server", action="store_true")
    parser.add_argument("--skip-process", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="kb-hardening-") as tmp:
        work = Path(tmp)
        data_dir, _ = prepared_data(args.prepared, work)
        if not args.skip_process:
            report["in_process"] = in_process(data_dir)
            print(json.dumps(report["in_process"]), flush=True)
        if not args.skip_server:
            report["server"] = against_server(data_dir, work, args.seconds)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
