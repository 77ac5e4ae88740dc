"""Accessibility of every kind of page, checked with axe-core in chromium."""

from __future__ import annotations

import pytest

from tests.helpers import ADMIN_PASSWORD, serious_violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PAGES = [
    "/",
    "/?q=Gesundheitsinformationen+in+mehreren+Sprachen+f%C3%BCr+Familien",
    "/?q=Sprachcaf%C3%A9&town=Atlantis",
    "/?area=Bildung",
    "/projekte/kaffee-kuchen-konjunktiv",
    "/partner?q=Sprachcaf%C3%A9",
    "/partner?town=Herrenberg&target_group=Frauen",
    "/antwort?q=Sprachcaf%C3%A9&ids=kaffee-kuchen-konjunktiv",
    "/antwort?ids=kaffee-kuchen-konjunktiv&druck=1",
    "/themen",
    "/ueber",
    "/admin",
    "/projekte/gibt-es-nicht",
]


@pytest.mark.parametrize("width", [1100, 360])
def test_pages_have_no_serious_accessibility_violations(browser, live_server, width):
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 800})
    page = context.new_page()
    found = {}
    try:
        for url in PAGES:
            page.goto(url)
            problems = serious_violations(page)
            if problems:
                found[url] = problems
    finally:
        context.close()
    assert found == {}


def test_admin_dashboard_has_no_serious_accessibility_violations(browser, live_server):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    try:
        page.goto("/admin")
        page.get_by_label("Passwort").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_selector("#hochladen-titel")
        assert serious_violations(page) == []
        page.goto("/admin/zielgruppen?wortlaut=Alleinstehende")  # the target-group corrections
        page.wait_for_selector("#aendern-titel")
        assert serious_violations(page) == []
    finally:
        context.close()


def test_the_check_does_find_serious_violations(browser):
    """Guards the checks above against passing vacuously: an unlabelled field and an image without text."""
    context = browser.new_context()
    page = context.new_page()
    try:
        page.set_content(
            '<html lang="de"><body><main><input type="text"><img src="x.png"></main></body></html>'
        )
        found = serious_violations(page)
    finally:
        context.close()
    assert any(problem.startswith("label ") for problem in found)
    assert any(problem.startswith("image-alt ") for problem in found)
