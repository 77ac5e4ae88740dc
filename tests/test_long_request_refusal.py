"""Surely long queries turned away by the real waitress server's network loop while the long-query
path is full: answered 503 with Retry-After, never parsed or passed to the app; short ones, and
long ones while the path is free, reach the app as before."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator

import pytest

from kb.input_limits import MAX_QUERY_CHARS
from kb.long_queries import LongQueries
from tests.helpers import LONG, TEST_CONFIG, BlockingEmbed
from webui import create_app
from webui.security import SECURITY_HEADERS
from webui.wsgi_server import make_server

CEILING_S = 30.0  # generous: only a hang may take this long
HUGE_Q = urllib.parse.quote_plus("Sprachcafé für neu zugewanderte Familien " * 2500)  # ~100,000 characters


class Served:
    """A real waitress server (make_server, two request threads) over a copy of the sample
    collection, counting the requests that reach the app."""

    def __init__(self, knowledge_base) -> None:
        self.kb = knowledge_base
        app = create_app({"KB": knowledge_base, **TEST_CONFIG})
        self.calls = 0
        inner = app.wsgi_app

        def counting(environ, start_response):
            self.calls += 1
            return inner(environ, start_response)

        app.wsgi_app = counting
        self.server = make_server(app, "127.0.0.1", 0, threads=2)
        self.address = ("127.0.0.1", self.server.effective_port)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def send(self, target: str) -> socket.socket:
        connection = socket.create_connection(self.address, timeout=CEILING_S)
        connection.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        return connection


@pytest.fixture(scope="module")
def served(writable_kb) -> Iterator[Served]:
    served = Served(writable_kb)
    yield served
    served.server.close()
    served.thread.join(timeout=CEILING_S)


@pytest.fixture
def saturated(served) -> Iterator[None]:
    """The long-query path full: its one slot and its one waiting place taken by held searches."""
    embed = BlockingEmbed(served.kb.dense.embedder.dim)
    original = served.kb.long_queries
    served.kb.long_queries = LongQueries(embed, long_chars=200, slots=1, wait_s=CEILING_S)
    holders = [threading.Thread(target=lambda n=n: served.kb.search(LONG + str(n))) for n in range(2)]
    for holder in holders:
        holder.start()
    try:
        until(served.kb.long_queries.saturated)
        yield
    finally:
        embed.release.set()
        for holder in holders:
            holder.join(timeout=CEILING_S)
        served.kb.long_queries.close()
        served.kb.long_queries = original


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + CEILING_S
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.01)


def answer_of(connection: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the answer, read to the end (the server closes)."""
    data = b""
    with connection:
        while chunk := connection.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize("size", ["3 KB, read at once", "100 KB, read in pieces"])
@pytest.mark.parametrize("path", ["/api/search", "/"])
def test_a_surely_long_query_while_the_path_is_full_never_reaches_the_app(served, saturated, path, size):
    query = HUGE_Q[:3_000] if size.startswith("3 KB") else HUGE_Q
    before = served.calls
    status, headers, body = answer_of(served.send(f"{path}?q={query}"))
    assert status == 503 and headers["Retry-After"] == "5" and headers["Connection"] == "close"
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value
    if path.startswith("/api/"):
        assert headers["Content-Type"] == "application/json"
        error = json.loads(body)["error"]
        assert error["status"] == 503 and "kurze Anfragen werden immer sofort bearbeitet" in error["message"]
    else:
        assert headers["Content-Type"].startswith("text/html")
        assert "Gerade sehr viele lange Anfragen" in body.decode()
    assert int(headers["Content-Length"]) == len(body)
    assert served.calls == before, "the refused request reached the app"


def test_short_queries_pass_while_the_path_is_full(served, saturated):
    before = served.calls
    status, _, body = answer_of(
        served.send("/api/search?q=" + urllib.parse.quote_plus("Sprachcafé für Familien"))
    )
    assert status == 200 and json.loads(body)["results"]
    assert served.calls == before + 1


def test_a_long_query_while_the_path_is_free_is_answered_cut_to_size(served):
    assert not served.kb.long_queries.saturated()
    before = served.calls
    status, _, body = answer_of(served.send("/api/search?q=" + HUGE_Q))
    answer = json.loads(body)
    assert status == 200 and answer["truncated"] and len(answer["query"]) <= MAX_QUERY_CHARS
    assert served.calls == before + 1


def test_refused_ones_take_no_request_thread(served, saturated):
    before = served.calls
    refused = [served.send("/api/search?q=" + HUGE_Q) for _ in range(5)]  # more than the 2 threads
    status, _, _ = answer_of(served.send("/api/search?q=Sprachcaf%C3%A9"))
    assert status == 200, "refused long queries kept a short search out"
    assert [answer_of(connection)[0] for connection in refused] == [503] * 5
    assert served.calls == before + 1
