"""The admin area: login, CSRF, lock-out, upload, delete, re-index."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from tests.helpers import ADMIN_PASSWORD, TEST_CONFIG, WEBUI_DATA, csrf_from, log_in, upload
from webui import create_app

ADMIN_POSTS = ["/admin/upload", "/admin/index", "/admin/quellen/1/loeschen", "/admin/logout"]


def result_titles(client, query: str) -> list[str]:
    html = client.get("/", query_string={"q": query}).get_data(as_text=True)
    return [unescape(t) for t in re.findall(r'<h3 id="treffer-\d+"[^>]*><a href="[^"]+">([^<]+)</a>', html)]


def test_admin_is_disabled_without_a_password(quick_kb):
    app = create_app({"KB": quick_kb, **TEST_CONFIG})
    client = app.test_client()
    html = client.get("/admin").get_data(as_text=True)
    assert "ausgeschaltet" in html and "KB_ADMIN_PASSWORD" in html
    assert 'name="password"' not in html
    for url in ["/admin/login", "/admin/upload", "/admin/index", "/admin/quellen/1/loeschen"]:
        assert client.post(url, data={"password": "irgendwas"}).status_code == 404


def test_login_form_when_logged_out(client):
    html = client.get("/admin").get_data(as_text=True)
    assert '<label for="passwort">Passwort</label>' in html
    assert 'type="password"' in html and 'name="csrf_token"' in html


@pytest.mark.parametrize("url", ["/admin/upload", "/admin/index", "/admin/quellen/1/loeschen"])
def test_admin_actions_are_refused_without_login(client, url):
    token = csrf_from(client.get("/admin").get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token}).status_code == 403


def test_login_without_or_with_a_wrong_csrf_token_is_refused(client):
    client.get("/admin")
    assert client.post("/admin/login", data={"password": ADMIN_PASSWORD}).status_code == 400
    response = client.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": "gefälscht"})
    assert response.status_code == 400
    assert "Formular war abgelaufen" in response.get_data(as_text=True)
    assert "Abmelden" not in client.get("/admin").get_data(as_text=True)


def test_admin_posts_need_the_sessions_csrf_token(client):
    assert log_in(client).status_code == 302
    other = client.application.test_client()
    foreign_token = csrf_from(other.get("/admin").get_data(as_text=True))
    for url in ["/admin/index", "/admin/logout"]:
        assert client.post(url, data={}).status_code == 400
        assert client.post(url, data={"csrf_token": foreign_token}).status_code == 400
    assert "Abmelden" in client.get("/admin").get_data(as_text=True)


def test_login_logout_and_session_cookie_flags(client):
    response = log_in(client)
    assert response.status_code == 302 and response.headers["Location"] == "/admin"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    html = client.get("/admin").get_data(as_text=True)
    assert "Dokumente hochladen" in html and "Eingelesene Quellen" in html
    client.post("/admin/logout", data={"csrf_token": csrf_from(html)})
    assert 'name="password"' in client.get("/admin").get_data(as_text=True)


def test_wrong_passwords_lock_the_client_out(quick_kb):
    app = create_app(
        {"KB": quick_kb, **TEST_CONFIG, "ADMIN_PASSWORD": ADMIN_PASSWORD, "ADMIN_MAX_FAILURES": 3}
    )
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    statuses = [log_in(guesser, "falsch").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    locked = log_in(guesser, ADMIN_PASSWORD)
    assert locked.status_code == 429
    assert "Zu viele falsche Versuche" in locked.get_data(as_text=True)
    assert "Abmelden" not in guesser.get("/admin").get_data(as_text=True)
    neighbour = app.test_client()
    neighbour.environ_base["REMOTE_ADDR"] = "203.0.113.8"
    assert log_in(neighbour).status_code == 302


def test_uploaded_project_is_searchable_at_once_and_reupload_changes_nothing(admin_client, writable_kb):
    log_in(admin_client)
    content = (WEBUI_DATA / "fahrradwerkstatt-rad-und-tat.md").read_bytes()
    html = unescape(upload(admin_client, ("rad und tat.md", content)).get_data(as_text=True))
    assert "rad und tat.md</bdi></strong>: eingelesen" in html
    assert '<a href="/projekte/rad-und-tat">Rad und Tat</a>' in html
    assert (
        result_titles(admin_client, "offene Fahrradwerkstatt, in der Jugendliche Räder reparieren")[0]
        == "Rad und Tat"
    )
    again = unescape(upload(admin_client, ("rad und tat.md", content)).get_data(as_text=True))
    assert "unverändert, war schon vorhanden" in again
    assert sum(p["title"] == "Rad und Tat" for p in writable_kb.projects()) == 1


def test_several_files_at_once_each_with_its_result(admin_client):
    log_in(admin_client)
    html = unescape(
        upload(
            admin_client,
            ("leer.html", b""),
            ("notizen.docx", b"PK\x03\x04 kein lesbares Format"),
            ("lesenacht.md", (WEBUI_DATA / "xss-projekt.md").read_bytes()),
        ).get_data(as_text=True)
    )
    outcomes = re.findall(r'<li class="outcome outcome-(\w+)">\s*<p><strong>(?:<bdi>)?([^<]+)', html)
    assert outcomes == [("failed", "leer.html"), ("failed", "notizen.docx"), ("ok", "lesenacht.md")]
    assert "leer.html" in html.split("Probleme:")[1]


def test_upload_without_a_file_asks_for_one(admin_client):
    log_in(admin_client)
    token = csrf_from(admin_client.get("/admin").get_data(as_text=True))
    response = admin_client.post("/admin/upload", data={"csrf_token": token}, follow_redirects=True)
    assert "Bitte wählen Sie mindestens eine Datei aus." in response.get_data(as_text=True)


def test_too_large_upload_gets_a_german_413_page(writable_kb):
    app = create_app({"KB": writable_kb, **TEST_CONFIG, "MAX_CONTENT_LENGTH": 2000})
    client = app.test_client()
    log_in(client)
    response = upload(client, ("gross.md", b"x" * 5000))
    assert response.status_code == 413
    assert "zu groß" in response.get_data(as_text=True)


def test_delete_source_removes_its_projects_from_search(admin_client, writable_kb):
    log_in(admin_client)
    content = "---\ntitle: Tanzcafe Sternschnuppe\ntown: Gärtringen\n---\n## Herangehensweise\nSenioren tanzen Tango.\n".encode()
    upload(admin_client, ("tanzcafe.md", content))
    source = next(s for s in writable_kb.sources() if s["name"] == "tanzcafe.md")
    assert admin_client.get("/projekte/tanzcafe-sternschnuppe").status_code == 200
    token = csrf_from(admin_client.get("/admin").get_data(as_text=True))
    response = admin_client.post(
        f"/admin/quellen/{source['id']}/loeschen", data={"csrf_token": token}, follow_redirects=True
    )
    assert "„tanzcafe.md“ wurde gelöscht, mit 1 Projekt." in unescape(response.get_data(as_text=True))
    assert admin_client.get("/projekte/tanzcafe-sternschnuppe").status_code == 404
    assert "Tanzcafe Sternschnuppe" not in result_titles(admin_client, "Senioren tanzen Tango")
    missing = admin_client.post(f"/admin/quellen/{source['id']}/loeschen", data={"csrf_token": token})
    assert missing.status_code == 404


def test_rebuild_index_reports_and_search_still_works(admin_client):
    log_in(admin_client)
    token = csrf_from(admin_client.get("/admin").get_data(as_text=True))
    response = admin_client.post("/admin/index", data={"csrf_token": token}, follow_redirects=True)
    assert "Suchindex neu aufgebaut" in response.get_data(as_text=True)
    assert result_titles(admin_client, "Sprachcafé Deutsch sprechen üben")


def build_small_brochure(out):
    """The brochure PDF the sample generator makes from the three fixed test projects."""
    from samples import make_brochure

    make_brochure.main(
        ["--projects", str(Path(__file__).resolve().parent / "data" / "brochure"), "--out", str(out)]
    )
    return out.read_bytes()


def test_uploaded_brochure_pdf_is_linked_at_the_projects_page(admin_client, writable_kb, tmp_path):
    log_in(admin_client)
    pdf = build_small_brochure(tmp_path / "kleine-broschuere.pdf")
    html = unescape(upload(admin_client, ("kleine broschüre.pdf", pdf)).get_data(as_text=True))
    assert "</bdi></strong>: eingelesen" in html
    project_ids = re.findall(r'<a href="/projekte/([^"]+)">', html.split("Dokumente hochladen")[0])
    assert len(project_ids) == 3
    project = writable_kb.project(project_ids[1])
    page = admin_client.get(f"/projekte/{project['id']}").get_data(as_text=True)
    link = f"/quellen/{project['source']['id']}/datei#page={project['page_start']}"
    assert f'href="{link}"' in page
    assert f"Seite {project['page_start']}" in page
    with admin_client.get(link.split("#")[0]) as response:
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.get_data() == pdf


def test_only_registered_pdf_sources_are_served(admin_client, writable_kb):
    markdown = next(s for s in writable_kb.sources() if s["kind"] == "markdown")
    assert admin_client.get(f"/quellen/{markdown['id']}/datei").status_code == 404
    assert admin_client.get("/quellen/999999/datei").status_code == 404
    assert admin_client.get("/quellen/..%2F..%2Fetc%2Fpasswd/datei").status_code == 404


def test_lockout_ends_after_its_time_and_success_forgets_failures():
    from webui.login_throttle import LoginThrottle

    now = [1000.0]
    throttle = LoginThrottle(max_failures=3, lockout_seconds=600, clock=lambda: now[0])
    assert [throttle.record_failure("a") for _ in range(3)] == [False, False, True]
    assert throttle.seconds_locked("a") == 600 and throttle.seconds_locked("b") == 0
    now[0] += 599
    assert throttle.seconds_locked("a") == 1
    now[0] += 1
    assert throttle.seconds_locked("a") == 0
    throttle.record_failure("b")
    throttle.record_failure("b")
    throttle.record_success("b")
    assert throttle.record_failure("b") is False
