"""`kb serve --workers N` as a real process: its workers answer, one that dies is replaced with its
cause on the console, and no worker outlives the supervisor, whether it is stopped with SIGTERM or
killed with SIGKILL. The console goes to a file and every wait has a limit, so a worker left behind
fails the test with the server's output instead of hanging the suite."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kb import KnowledgeBase, Settings
from tests.helpers import ADMIN_PASSWORD, ROOT, write_project

pytestmark = [pytest.mark.slow, pytest.mark.model]  # real server processes, each worker loads the model

STOP_LIMIT_S = 60  # hang guards, not speed checks
START_LIMIT_S = 300


class Served:
    """A running `kb serve --workers N` with its console in a file."""

    def __init__(self, process: subprocess.Popen, port: int, console: Path):
        self.process, self.port, self.console = process, port, console

    def output(self) -> str:
        return self.console.read_text(errors="replace")

    def workers(self) -> list[int]:
        found = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return sorted(int(pid) for pid in found.stdout.split())

    def get(self, path: str = "/api/search?q=Sprachcaf%C3%A9&k=3") -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request("GET", path)
            return connection.getresponse().status
        finally:
            connection.close()

    def answers(self, count: int) -> list[int]:
        """Statuses of `count` searches, waiting for the port to open first."""
        statuses, deadline = [], time.monotonic() + START_LIMIT_S
        while len(statuses) < count and time.monotonic() < deadline:
            try:
                statuses.append(self.get())
            except OSError:
                time.sleep(0.5)
        return statuses

    def wait_for_workers(self, count: int, unlike: set[int] = frozenset()) -> list[int]:
        deadline = time.monotonic() + START_LIMIT_S
        while time.monotonic() < deadline:
            workers = self.workers()
            if len(workers) == count and not unlike & set(workers):
                return workers
            time.sleep(0.2)
        pytest.fail(f"never saw {count} workers; console:\n{self.output()}")


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def wait_until_gone(pids: list[int], limit: float) -> list[int]:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.2)
    return [pid for pid in pids if alive(pid)]


def kill_everything(served: Served, workers: list[int]) -> None:
    """The hang guard's last resort: the server's session and every worker's group."""
    for pid in [served.process.pid, *workers]:
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


@contextmanager
def serving(tmp_path: Path, workers: int = 2, admin_password: str | None = None) -> Iterator[Served]:
    data_dir = tmp_path / "data"
    kb = KnowledgeBase(Settings.from_env({}, data_dir=data_dir), threads=1)
    kb.ingest([write_project(tmp_path / "src", "a.md", "Sprachcafé am Markt")])
    kb.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
    if admin_password:
        env["KB_ADMIN_PASSWORD"] = admin_password
    command = [sys.executable, "-m", "cli", "serve", "--port", str(port), "--workers", str(workers)]
    console = tmp_path / "console.txt"
    with console.open("w") as out:
        process = subprocess.Popen(
            [*command, "--threads", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    served = Served(process, port, console)
    seen: list[int] = []
    try:
        yield served
    finally:
        seen = served.workers()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_LIMIT_S)
        except subprocess.TimeoutExpired:
            kill_everything(served, seen)
            pytest.fail(f"kb serve did not stop within {STOP_LIMIT_S} s; console:\n{served.output()}")
        finally:
            left = wait_until_gone(seen, 10)
            if left:
                kill_everything(served, left)
        assert not left, f"workers {left} outlived the supervisor; console:\n{served.output()}"


def test_serve_with_two_workers_answers_replaces_a_dead_worker_and_stops_cleanly(tmp_path: Path):
    with serving(tmp_path) as served:
        assert served.answers(8) == [200] * 8, served.output()
        workers = served.wait_for_workers(2)
        assert "worker" not in served.output().replace("2 worker processes", ""), served.output()
        os.kill(workers[0], signal.SIGKILL)  # as the kernel does when memory runs out
        replaced = served.wait_for_workers(2, unlike={workers[0]})
        assert served.answers(4) == [200] * 4, served.output()
    output = served.output()
    assert served.process.returncode == 0, output
    assert "2 worker processes" in output
    assert f"worker {workers[0]} ended (signal 9, SIGKILL" in output, output
    assert output.count(" ended ") == 1, f"a worker ended on its own:\n{output}"
    assert not any(alive(pid) for pid in [*workers, *replaced])


def test_workers_end_when_the_supervisor_is_killed(tmp_path: Path):
    """SIGKILL leaves the supervisor no chance to stop its workers: the kernel ends them instead
    (PR_SET_PDEATHSIG), so no orphan keeps answering on the port."""
    with serving(tmp_path) as served:
        assert served.answers(2) == [200] * 2, served.output()
        workers = served.wait_for_workers(2)
        served.process.kill()
        served.process.wait(timeout=STOP_LIMIT_S)
        left = wait_until_gone(workers, 30)
        assert not left, f"workers {left} outlived a killed supervisor; console:\n{served.output()}"


def test_the_login_limit_holds_across_workers(tmp_path: Path):
    """Wrong passwords sent one by one, each on a new connection (the kernel hands connections to
    either worker): the fifth locks the client out, whichever worker saw the others."""
    import re
    import urllib.parse

    with serving(tmp_path, admin_password=ADMIN_PASSWORD) as served:
        assert served.answers(1) == [200], served.output()
        connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
        connection.request("GET", "/admin")
        response = connection.getresponse()
        cookie = response.getheader("Set-Cookie").split(";")[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode()).group(1)
        connection.close()
        body = urllib.parse.urlencode({"csrf_token": token, "password": "falsch-falsch-falsch"})
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        statuses = []
        for _ in range(7):
            time.sleep(1.2)  # past the pause between two attempts
            connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
            connection.request("POST", "/admin/login", body=body, headers=headers)
            statuses.append(connection.getresponse().status)
            connection.close()
    assert statuses == [401, 401, 401, 401, 429, 429, 429], served.output()


def test_connections_are_spread_over_the_workers(tmp_path: Path):
    """Each worker listens on a socket of its own (SO_REUSEPORT): the kernel spreads connections
    evenly (on one shared socket, under load, 18 of 20 keep-alive connections of bench/load.py went
    to one worker). 40 connections: a worker holding more than 32 happens by chance about once in
    50,000 runs."""
    import re

    with serving(tmp_path) as served:
        assert served.answers(2) == [200] * 2, served.output()
        workers = served.wait_for_workers(2)
        connections = []
        try:
            for _ in range(40):
                connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
                connection.request("GET", "/api/search?q=Sprachcaf%C3%A9&k=1")
                assert connection.getresponse().read()
                connections.append(connection)  # kept open: keep-alive holds it on its worker
            listing = subprocess.run(
                ["ss", "-tnpH", "state", "established", f"( sport = :{served.port} )"],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
        finally:
            for connection in connections:
                connection.close()
    held = [len(re.findall(rf"pid={pid},", listing)) for pid in workers]
    assert sum(held) == 40, listing
    assert max(held) <= 32, f"connections per worker: {held}"
