"""Security that every response shares: headers, escaping, the secret key."""

from __future__ import annotations

import re
import stat

import pytest

from tests.helpers import TEST_CONFIG, WEBUI_DATA, log_in, upload
from webui import create_app
from webui.security import SECRET_KEY_FILE

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)
MARKUP_QUERY = '<script>alert("q")</script><img src=x onerror=alert(1)>'


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/"),
        ("get", "/?q=Sprachcafé"),
        ("get", "/projekte/gibt-es-nicht"),
        ("get", "/static/style.css"),
        ("get", "/api/search?q=Sprache"),
        ("get", "/api/nichts"),
        ("get", "/admin"),
        ("post", "/admin/login"),
    ],
)
def test_security_headers_on_every_response(client, method, url):
    with getattr(client, method)(url) as response:
        headers = response.headers
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("url", ["/", "/partner"])
def test_query_markup_is_escaped(client, url):
    html = client.get(url, query_string={"q": MARKUP_QUERY, "ids": "kaffee-kuchen-konjunktiv"}).get_data(
        as_text=True
    )
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html


def test_the_answer_letter_never_echoes_the_query(client):
    html = client.get(
        "/antwort", query_string={"q": MARKUP_QUERY, "ids": "kaffee-kuchen-konjunktiv"}
    ).get_data(as_text=True)
    assert "alert(" not in html and "Guten Tag," in html


def test_stored_markup_in_a_project_is_escaped(admin_client):
    log_in(admin_client)
    upload(admin_client, ("lesenacht.md", (WEBUI_DATA / "xss-projekt.md").read_bytes()))
    search = admin_client.get(
        "/", query_string={"q": "Lesenacht Taschenlampengeschichten Bücherei"}
    ).get_data(as_text=True)
    project_id = re.search(r'<h3 id="treffer-1"[^>]*><a href="/projekte/([^"]+)">', search).group(1)
    assert "Lesenacht" in search.split('id="treffer-1"')[1][:200]
    pages = [
        search,
        admin_client.get(f"/projekte/{project_id}").get_data(as_text=True),
        admin_client.get("/antwort", query_string={"ids": project_id}).get_data(as_text=True),
        admin_client.get("/partner", query_string={"q": "Lesenacht Leselust"}).get_data(as_text=True),
    ]
    for html in pages:
        assert "<script>document" not in html and "<script>alert" not in html
        assert "<img src=x" not in html and "<a href=javascript" not in html and "<b>Eltern" not in html
    assert "&lt;script&gt;document.title" in pages[1]


def test_secret_key_is_made_once_and_readable_only_by_the_owner(quick_kb, tmp_path):
    from dataclasses import replace

    from kb import KnowledgeBase

    kb = KnowledgeBase(
        replace(quick_kb.settings, data_dir=tmp_path / "data"), embedder=quick_kb.dense.embedder
    )
    try:
        first = create_app({"KB": kb, **TEST_CONFIG})
        key_file = tmp_path / "data" / SECRET_KEY_FILE
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        second = create_app({"KB": kb, **TEST_CONFIG})
        assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    finally:
        kb.close()


def test_debug_stays_off_even_when_the_environment_asks_for_it(quick_kb, monkeypatch):
    # Flask reads FLASK_DEBUG from the environment; a server started with it left set must still not
    # offer the interactive debugger or tracebacks
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app({"KB": quick_kb, **TEST_CONFIG})
    assert app.debug is False


def test_workers_starting_together_all_read_the_whole_secret_key(tmp_path):
    """`kb serve --workers N` starts its workers at once: each must get the one whole key. An
    exclusive create followed by a write let a worker read the empty file and end (seen as a worker
    that died at start-up, 1 run in 10 of the two-worker test)."""
    import multiprocessing

    from webui.security import load_or_create_secret_key

    context = multiprocessing.get_context("fork")
    for attempt in range(15):
        folder = tmp_path / f"data-{attempt}"
        with context.Pool(6) as pool:
            keys = pool.map(load_or_create_secret_key, [folder] * 12)
        assert len(set(keys)) == 1 and len(keys[0]) == 64
        assert (folder / SECRET_KEY_FILE).read_bytes() == keys[0]
        assert [p.name for p in folder.iterdir()] == [SECRET_KEY_FILE], "a draft was left behind"
