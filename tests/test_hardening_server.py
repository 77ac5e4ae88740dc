"""The server's own defences, attacked in small: the body limit while receiving, security headers on
waitress's own answers, the login pause and count, logout ending a session on the server, short
admin passwords, links that never come from the Host header, German upload messages."""

from __future__ import annotations

import io
import re
import socket
import threading
from collections.abc import Iterator
from html import unescape

import pytest

from tests.helpers import ADMIN_PASSWORD, TEST_CONFIG, csrf_from, log_in
from webui import create_app
from webui.login_throttle import LoginThrottle
from webui.security import SECURITY_HEADERS
from webui.upload_messages import german_message
from webui.wsgi_server import make_server

CSP = SECURITY_HEADERS["Content-Security-Policy"]


@pytest.fixture(scope="module")
def small_limit_server(writable_kb) -> Iterator[tuple[str, int]]:
    """Our waitress server with a 1 MB upload limit; yields (host, port)."""
    from dataclasses import replace

    kb_settings = replace(writable_kb.settings, max_upload_mb=1.0)
    writable_kb.settings, original = kb_settings, writable_kb.settings
    try:
        app = create_app({"KB": writable_kb})
    finally:
        writable_kb.settings = original
    server = make_server(app, "127.0.0.1", 0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield "127.0.0.1", server.effective_port
    server.close()
    thread.join(timeout=10)


def raw_request(address: tuple[str, int], data: bytes, send_body: int = 0) -> bytes:
    """Send raw bytes (and send_body bytes of body in 64 KB pieces); return what the server answers."""
    with socket.create_connection(address, timeout=30) as connection:
        connection.sendall(data)
        sent = 0
        try:
            while sent < send_body:
                piece = min(65536, send_body - sent)
                connection.sendall(b"x" * piece)
                sent += piece
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: the point of the limit
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
        return answer


def head_of(answer: bytes) -> tuple[int, str]:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    return int(head.split()[1]), head


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GARBAGE\r\n\r\n",  # malformed: waitress's own 400
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n",  # headers too large: 431
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",  # 501
    ],
    ids=["400", "431", "501"],
)
def test_waitress_own_answers_carry_the_security_headers(small_limit_server, request_bytes):
    status, head = head_of(raw_request(small_limit_server, request_bytes))
    assert status in (400, 431, 501)
    assert f"Content-Security-Policy: {CSP}" in head and "X-Content-Type-Options: nosniff" in head


def test_a_body_over_the_limit_is_refused_while_it_arrives(small_limit_server, writable_kb):
    uploads = writable_kb.settings.upload_dir
    before = sum(1 for _ in uploads.rglob("*")) if uploads.exists() else 0
    # Chunked, so that no Content-Length lets the app refuse it early: waitress must count.
    body = b"POST /admin/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunks = b"".join(b"10000\r\n" + b"x" * 0x10000 + b"\r\n" for _ in range(40)) + b"0\r\n\r\n"
    status, head = head_of(raw_request(small_limit_server, body + chunks))
    assert status == 413 and f"Content-Security-Policy: {CSP}" in head
    assert (sum(1 for _ in uploads.rglob("*")) if uploads.exists() else 0) == before


# ---- login: counted before comparing, paused without sleeping, lock-out ----


def test_parallel_guesses_are_counted_before_they_are_compared():
    throttle = LoginThrottle(max_failures=5, lockout_seconds=900, pause_seconds=1.0, clock=lambda: 100.0)
    verdicts = [throttle.begin_attempt("203.0.113.9")[0] for _ in range(30)]
    assert verdicts.count("go") == 1  # the other 29 arrived inside the pause: refused unseen


def test_five_paced_guesses_lock_the_client_out():
    now = [0.0]
    throttle = LoginThrottle(max_failures=5, lockout_seconds=900, pause_seconds=1.0, clock=lambda: now[0])
    verdicts = []
    for _ in range(7):
        verdicts.append(throttle.begin_attempt("c")[0])
        now[0] += 1.5
    assert verdicts == ["go"] * 5 + ["locked"] * 2
    throttle.record_success("other")
    assert throttle.begin_attempt("other")[0] == "go"


def test_a_guess_inside_the_pause_is_answered_at_once_with_429(sample_kb):
    app = create_app(
        {"KB": sample_kb, **TEST_CONFIG, "ADMIN_PASSWORD": ADMIN_PASSWORD, "ADMIN_FAILURE_DELAY_SECONDS": 60}
    )
    guesser = app.test_client()
    assert log_in(guesser, "falsch-falsch").status_code == 401
    second = log_in(guesser, ADMIN_PASSWORD)  # even the right password waits for the pause
    assert second.status_code == 429 and "einen Moment" in second.get_data(as_text=True)


def test_logout_ends_the_session_on_the_server(admin_app):
    client = admin_app.test_client()
    assert log_in(client).status_code == 302
    saved = client.get_cookie("praxisfinder_session").value
    token = csrf_from(client.get("/admin").get_data(as_text=True))
    assert "Abmelden" in client.get("/admin").get_data(as_text=True)
    client.post("/admin/logout", data={"csrf_token": token})
    replay = admin_app.test_client()
    replay.set_cookie("praxisfinder_session", saved)  # the cookie as it was before the logout
    html = replay.get("/admin").get_data(as_text=True)
    assert "Abmelden" not in html and 'name="password"' in html


@pytest.mark.parametrize("password", [" ", "            ", "kurz", "elf-Zeichen"])
def test_a_blank_or_short_password_leaves_admin_off(sample_kb, password):
    app = create_app({"KB": sample_kb, **TEST_CONFIG, "ADMIN_PASSWORD": password})
    client = app.test_client()
    html = client.get("/admin").get_data(as_text=True)
    assert "ausgeschaltet" in html and "12 Zeichen" in html
    assert client.post("/admin/login", data={"password": password}).status_code == 404


# ---- links: a configured base URL or relative, never the Host header ----


def test_links_never_come_from_the_host_header(sample_kb):
    project_id = sample_kb.projects()[0]["id"]
    hostile = {"Host": "evil.example"}
    relative = create_app({"KB": sample_kb, **TEST_CONFIG}).test_client()
    answer = unescape(
        relative.get("/antwort", query_string={"ids": project_id}, headers=hostile).get_data(as_text=True)
    )
    assert f"Mehr dazu: /projekte/{project_id}" in answer and "evil.example" not in answer
    assert relative.get("/api/openapi.json", headers=hostile).get_json()["servers"] == [{"url": "/"}]

    from dataclasses import replace

    original = sample_kb.settings
    sample_kb.settings = replace(original, base_url="https://praxis.example.org/")
    try:
        configured = create_app({"KB": sample_kb, **TEST_CONFIG}).test_client()
        answer = unescape(
            configured.get("/antwort", query_string={"ids": project_id}, headers=hostile).get_data(
                as_text=True
            )
        )
        servers = configured.get("/api/openapi.json", headers=hostile).get_json()["servers"]
    finally:
        sample_kb.settings = original
    assert (
        f"Mehr dazu: https://praxis.example.org/projekte/{project_id}" in answer
        and "evil.example" not in answer
    )
    assert servers == [{"url": "https://praxis.example.org"}]


# ---- upload messages: German, naming the file, no server paths ----


@pytest.mark.parametrize(
    ("message", "german"),
    [
        (
            "a.jsonl: line 2: not valid JSON: Expecting value (column 1)",
            "a.jsonl, Zeile 2: Kein gültiges JSON.",
        ),
        ("b.pdf: encrypted PDF — remove the password first", "b.pdf: Das PDF ist verschlüsselt"),
        (
            "c.csv: the table has 20,002 columns; at most 200 are read",
            "c.csv: Die Tabelle hat 20,002 Spalten",
        ),
        (
            "d.json: nested too deeply to read (more levels than any document needs)",
            "d.json: Die Datei ist zu tief",
        ),
        ("e.md: something new", "e.md: Die Datei konnte nicht gelesen werden (something new)."),
    ],
)
def test_upload_messages_are_german(message, german):
    assert german_message(message, message.split(":")[0]).startswith(german)


def test_upload_messages_show_no_server_path(admin_client, writable_kb):
    log_in(admin_client)
    token = csrf_from(admin_client.get("/admin").get_data(as_text=True))
    data = {"csrf_token": token, "file": [(io.BytesIO(b'{"title": [[[[1]]]] , oops'), "kaputt.json")]}
    html = unescape(
        admin_client.post("/admin/upload", data=data, content_type="multipart/form-data").get_data(
            as_text=True
        )
    )
    assert "kaputt.json, Zeile 1, Spalte 23: Kein gültiges JSON." in html
    assert str(writable_kb.settings.data_dir) not in html and ".incoming-" not in html
    assert not re.search(r"(?<![\w/])/(?:tmp|home|root|work)/", html)
