"""Load: `kb serve` under 20 concurrent clients, first alone, then while another process ingests.

    .venv/bin/python bench/load.py [--seconds 60] [--clients 20] [--server-threads 4]
                                   [--ingest-files 15] [--prepared DIR] [--json]

Starts `kb serve` on 127.0.0.1 (a free port) over a copy of a data folder holding the sample
collection (samples/projects, built on the first run; --prepared keeps it for the next), and drives
it with client threads (http.client, keep-alive) sending real queries in the users' languages, half
to the JSON API (GET /api/search?q=...) and half to the start page (GET /?q=...). Phase "alone"
measures the server by itself; phase "with ingest" runs `kb ingest` of further projects into the
same data folder at the same time (another process writing the store and the index). Reports
requests, throughput, latency percentiles and errors per phase, and whether the server finds the
newly ingested projects afterwards. Loopback only; nothing leaves the machine.

The machine is shared and has two cores: absolute numbers move with other load; compare the two
phases of one run (the "with ingest" row as a ratio of the "alone" row).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "projects"
HOST = "127.0.0.1"
NEW_TITLE_SUFFIX = " (Zweitstandort)"
QUERIES = [
    ("Sprachcafé in der Stadtbibliothek gründen", {}),
    ("Wer begleitet geflüchtete Frauen zum Arzt?", {}),
    ("Hausaufgabenhilfe für Grundschulkinder", {"area": "Bildung"}),
    ("Mentoring für junge Geflüchtete in der Ausbildung", {"area": "Arbeitsmarkt"}),
    ("Nachbarschaftshilfe und interkultureller Garten", {"town": "Böblingen"}),
    ("Kadınlar için Almanca kursu ve çocuk bakımı", {}),  # Turkish
    ("مساعدة النساء اللاجئات في المواعيد الطبية", {}),  # Arabic
    ("Допомога біженцям з пошуком роботи", {}),  # Ukrainian
    ("job coaching for refugees with a craft background", {}),
    ("Gesundheitslotsen mit vielen Sprachen", {"area": "Gesundheit"}),
]


@dataclass
class PhaseResult:
    phase: str
    seconds: float
    requests: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    throughput: float = 0.0  # requests per second
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    by_endpoint: dict[str, dict[str, float]] = field(default_factory=dict)
    ingest: dict[str, object] = field(default_factory=dict)


# ---- data folder and server ---------------------------------------------------------------------
def kb_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli", *args]


def child_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    return {**env, "KB_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}


def prepared_data(prepared: Path | None, work: Path) -> tuple[Path, float]:
    """A data folder with the sample collection ingested (a copy: the bench writes into it)."""
    template = prepared or work / "template"
    built_in = 0.0
    if not (template / "kb.sqlite").exists():
        started = time.monotonic()
        subprocess.run(
            kb_command("ingest", "--quiet", str(SAMPLES)), cwd=ROOT, env=child_env(template), check=True
        )
        built_in = time.monotonic() - started
    data_dir = work / "data"
    shutil.copytree(template, data_dir)
    return data_dir, built_in


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, port: int, threads: int, log: Path, workers: int = 1) -> subprocess.Popen:
    command = kb_command(
        "serve", "--host", HOST, "--port", str(port), "--threads", str(threads), "--workers", str(workers)
    )
    with open(log, "w") as handle:
        server = subprocess.Popen(command, cwd=ROOT, env=child_env(data_dir), stdout=handle, stderr=handle)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"kb serve exited with {server.returncode}; see {log}")
        try:
            status, _ = get(port, "/api/search?q=Sprachcaf%C3%A9")  # also loads the model
            if status == 200:
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit(f"kb serve did not answer within 300 s; see {log}")


def get(port: int, path: str, timeout: float = 60) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# ---- clients ------------------------------------------------------------------------------------
def request_paths(rng: random.Random) -> tuple[str, str]:
    """(endpoint, path) of one request: a real query, sometimes with a filter, API or page."""
    query, filters = rng.choice(QUERIES)
    params = {"q": query, **filters}
    if rng.random() < 0.5:
        return "api", "/api/search?" + urllib.parse.urlencode({**params, "k": 10})
    return "page", "/?" + urllib.parse.urlencode(params)


class Client(threading.Thread):
    """One user: requests back to back on a keep-alive connection until the deadline."""

    def __init__(self, port: int, deadline: float, seed: int):
        super().__init__(daemon=True)
        self.port, self.deadline, self.rng = port, deadline, random.Random(seed)
        self.samples: list[tuple[str, float]] = []  # (endpoint, seconds)
        self.errors: dict[str, int] = {}

    def run(self) -> None:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        while time.monotonic() < self.deadline:
            endpoint, path = request_paths(self.rng)
            started = time.monotonic()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                if response.status != 200:
                    self._error(f"HTTP {response.status}")
                elif endpoint == "api" and "results" not in json.loads(body):
                    self._error("API answer without results")
                else:
                    self.samples.append((endpoint, time.monotonic() - started))
            except (OSError, http.client.HTTPException, ValueError) as error:
                self._error(type(error).__name__)
                conn.close()
                conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        conn.close()

    def _error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_phase(name: str, port: int, clients: int, seconds: float) -> PhaseResult:
    deadline = time.monotonic() + seconds
    threads = [Client(port, deadline, seed=n) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    samples = [sample for thread in threads for sample in thread.samples]
    result = PhaseResult(name, round(elapsed, 1), requests=len(samples))
    for thread in threads:
        for kind, count in thread.errors.items():
            result.error_kinds[kind] = result.error_kinds.get(kind, 0) + count
    result.errors = sum(result.error_kinds.values())
    latencies = [seconds * 1000 for _, seconds in samples]
    result.throughput = round(len(samples) / elapsed, 2)
    result.p50_ms, result.p95_ms, result.p99_ms = (
        round(percentile(latencies, s), 1) for s in (0.5, 0.95, 0.99)
    )
    result.max_ms = round(max(latencies, default=0.0), 1)
    for endpoint in ("api", "page"):
        values = [seconds * 1000 for kind, seconds in samples if kind == endpoint]
        result.by_endpoint[endpoint] = {
            "requests": len(values),
            "p50_ms": round(percentile(values, 0.5), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
            "mean_ms": round(statistics.fmean(values), 1) if values else 0.0,
        }
    return result


# ---- the concurrent ingest ----------------------------------------------------------------------
def more_projects(folder: Path, count: int) -> list[str]:
    """Sample projects under new titles (as a second site of each), for the concurrent ingest."""
    folder.mkdir(parents=True, exist_ok=True)
    titles = []
    for source in sorted(SAMPLES.glob("*.md"))[:count]:
        text = source.read_text(encoding="utf-8")
        match = re.search(r'^title: *"?(.*?)"?\s*$', text, flags=re.M)
        if match is None:
            continue
        title = match.group(1) + NEW_TITLE_SUFFIX
        text = text[: match.start()] + f"title: {json.dumps(title, ensure_ascii=False)}" + text[match.end() :]
        (folder / source.name).write_text(text, encoding="utf-8")
        titles.append(title)
    return titles


def run_phase_with_ingest(port: int, data_dir: Path, work: Path, args: argparse.Namespace) -> PhaseResult:
    titles = more_projects(work / "more", args.ingest_files)
    started = time.monotonic()
    ingest = subprocess.Popen(
        kb_command("ingest", "--quiet", str(work / "more")), cwd=ROOT, env=child_env(data_dir),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    result = run_phase("with ingest", port, args.clients, args.seconds)
    finished_in_phase = ingest.poll() is not None
    out, err = ingest.communicate(timeout=1800)
    result.ingest = {
        "files": len(titles),
        "exit_code": ingest.returncode,
        "seconds": round(time.monotonic() - started, 1),
        "finished_within_phase": finished_in_phase,
        "summary": (out.strip().splitlines() or [""])[-1],
        "errors": err.strip()[-500:] if ingest.returncode else "",
        "server_finds_new_projects": server_finds(port, titles),
    }
    return result


def server_finds(port: int, titles: list[str]) -> str:
    """How many of the newly ingested projects the running server returns for their own titles."""
    found = 0
    for title in titles:
        status, body = get(port, "/api/search?" + urllib.parse.urlencode({"q": title, "k": 3}))
        if status == 200 and any(hit["title"] == title for hit in json.loads(body)["results"]):
            found += 1
    return f"{found}/{len(titles)}"


# ---- report -------------------------------------------------------------------------------------
def print_table(results: list[PhaseResult], meta: dict[str, object]) -> None:
    print(f"kb serve on {HOST}, {meta['clients']} clients, {meta['server_threads']} server threads, "
          f"{meta['cpus']} CPUs; sample collection ({meta['projects']} projects)")  # fmt: skip
    header = f"{'phase':<12} {'s':>5} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r.phase:<12} {r.seconds:>5} {r.requests:>8} {r.throughput:>7} {r.p50_ms:>8} {r.p95_ms:>8} "
              f"{r.p99_ms:>8} {r.max_ms:>8} {r.errors:>6}")  # fmt: skip
    for r in results:
        for endpoint, numbers in r.by_endpoint.items():
            print(f"  {r.phase} {endpoint:<4}: {numbers['requests']} requests, p50 {numbers['p50_ms']} ms, "
                  f"p95 {numbers['p95_ms']} ms")  # fmt: skip
        if r.error_kinds:
            print(f"  {r.phase} errors: {r.error_kinds}")
    alone, busy = results[0], results[-1]
    if len(results) > 1 and alone.throughput and alone.p50_ms:
        print(f"with ingest / alone: throughput x{busy.throughput / alone.throughput:.2f}, "
              f"p50 x{busy.p50_ms / alone.p50_ms:.2f}, p95 x{busy.p95_ms / max(alone.p95_ms, 0.1):.2f}")  # fmt: skip
    if busy.ingest:
        i = busy.ingest
        print(f"ingest of {i['files']} files: exit {i['exit_code']} after {i['seconds']} s "
              f"(finished within the phase: {i['finished_within_phase']}); {i['summary']}; "
              f"server finds the new projects: {i['server_finds_new_projects']}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of each phase")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--server-threads", type=int, default=4, help="kb serve --threads")
    parser.add_argument("--workers", type=int, default=1, help="kb serve --workers")
    parser.add_argument("--ingest-files", type=int, default=15, help="projects ingested during phase two")
    parser.add_argument("--no-ingest", action="store_true", help="only the 'alone' phase")
    parser.add_argument(
        "--prepared", type=Path, help="data folder with the sample collection (built if missing)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kb-load-") as tmp:
        work = Path(tmp)
        data_dir, built_in = prepared_data(args.prepared, work)
        port = free_port()
        server = start_server(data_dir, port, args.server_threads, work / "server.log", args.workers)
        try:
            status, body = get(port, "/api/projects")
            meta = {"clients": args.clients, "server_threads": args.server_threads, "workers": args.workers,
                    "cpus": os.cpu_count(),
                    "projects": len(json.loads(body)["projects"]), "setup_ingest_seconds": round(built_in, 1)}  # fmt: skip
            run_phase("warm-up", port, args.clients, min(5.0, args.seconds))
            results = [run_phase("alone", port, args.clients, args.seconds)]
            if not args.no_ingest:
                results.append(run_phase_with_ingest(port, data_dir, work, args))
        finally:
            server.terminate()
            server.wait(timeout=30)
    if args.json:
        print(
            json.dumps({"meta": meta, "phases": [asdict(r) for r in results]}, ensure_ascii=False, indent=2)
        )
    else:
        print_table(results, meta)
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
