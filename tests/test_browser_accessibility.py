"""Accessibility of every kind of page, checked with axe-core in chromium."""

from __future__ import annotations

import pytest

from tests.helpers import browser_page, log_in_browser, serious_violations, violations_by_url

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
    found = {}
    with browser_page(browser, live_server, viewport={"width": width, "height": 800}) as page:
        found = violations_by_url(page, PAGES)
    assert found == {}


def test_admin_dashboard_has_no_serious_accessibility_violations(browser, live_server):
    with browser_page(browser, live_server) as page:
        log_in_browser(page)
        page.wait_for_selector("#hochladen-titel")
        assert serious_violations(page) == []
        page.goto("/admin/zielgruppen?wortlaut=Alleinstehende")  # the target-group corrections
        page.wait_for_selector("#aendern-titel")
        assert serious_violations(page) == []


def test_the_check_does_find_serious_violations(browser):
    """Guards the checks above against passing vacuously: an unlabelled field and an image without text."""
    with browser_page(browser) as page:
        page.set_content(
            '<html lang="de"><body><main><input type="text"><img src="x.png"></main></body></html>'
        )
        found = serious_violations(page)
    assert any(problem.startswith("label ") for problem in found)
    assert any(problem.startswith("image-alt ") for problem in found)
