"""The login limit holds across the worker processes of `kb serve --workers N`: the counts are in a
SQLite file every process reads and writes in one transaction per step (real processes, real file)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from webui.login_throttle import LoginThrottle

CLIENT = "203.0.113.7"


def _guesses(path: Path, count: int, start, pause: float) -> list[str]:
    throttle = LoginThrottle(path, max_failures=5, lockout_seconds=900, pause_seconds=pause)
    start.wait(timeout=60)
    return [throttle.begin_attempt(CLIENT)[0] for _ in range(count)]


def _run_workers(path: Path, workers: int, count: int, pause: float) -> list[str]:
    context = multiprocessing.get_context("fork")
    start = context.Manager().Event()
    with context.Pool(workers) as pool:
        waiting = [pool.apply_async(_guesses, (path, count, start, pause)) for _ in range(workers)]
        start.set()
        return [verdict for result in waiting for verdict in result.get(timeout=120)]


def test_parallel_guesses_from_four_processes_get_one_comparison(tmp_path: Path):
    """Per process, each of four workers let one guess through in the pause; now one in all."""
    verdicts = _run_workers(tmp_path / "sessions.sqlite", workers=4, count=10, pause=30.0)
    assert verdicts.count("go") == 1 and verdicts.count("pause") == 39


def test_the_lock_out_counts_the_guesses_every_process_saw(tmp_path: Path):
    """Five guesses in all lock the client out, however the workers shared them (each counted to
    five on its own before: two workers allowed ten)."""
    verdicts = _run_workers(tmp_path / "sessions.sqlite", workers=2, count=6, pause=0.0)
    assert verdicts.count("go") == 5 and verdicts.count("locked") == 7
    later = LoginThrottle(tmp_path / "sessions.sqlite", max_failures=5, lockout_seconds=900)
    assert later.seconds_locked(CLIENT) > 800, "a restarted server forgot the lock-out"
    later.record_success(CLIENT)
    assert later.begin_attempt(CLIENT)[0] == "go"
