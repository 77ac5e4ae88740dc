"""Card parts kept as HTML (webui/kept_parts.py): the same HTML as the macro renders, per language,
and never an old state of a project once its data changed."""

from __future__ import annotations

from flask import Flask, render_template_string

KEPT = '{% from "_cards.html" import facts, success_and_contact %}{{ kept_part(facts, item) }}|{{ kept_part(success_and_contact, item) }}'
DIRECT = '{% from "_cards.html" import facts, success_and_contact %}{{ facts(item) }}|{{ success_and_contact(item) }}'


def project(**changes: object) -> dict:
    item = {
        "id": "p1",
        "title": "Sprachcafé",
        "organisation": "Freundeskreis e.V.",
        "town": "Herrenberg",
        "area": "Bildung",
        "groups": [{"label": "Geflüchtete", "id": "gefluechtete"}],
        "target_groups": ["geflüchtete Frauen"],
        "status": "laufend",
        "period": "2023–2026",
        "success": "Ohne Anmeldung.",
        "contact": "Frau A., info@example.org",
        "contact_links": [{"kind": "email", "text": "info@example.org", "href": "mailto:info@example.org"}],
    }
    item.update(changes)
    return item


def render(app: Flask, template: str, item: dict, lang: str = "de") -> str:
    with app.test_request_context("/", query_string={"lang": lang}):
        return render_template_string(template, item=item)


def test_kept_parts_are_the_macros_html_in_each_language(read_app: Flask):
    for lang in ("de", "en", "ar"):
        for _ in range(2):  # rendered, then taken from the cache
            assert render(read_app, KEPT, project(), lang) == render(read_app, DIRECT, project(), lang)
    assert "Träger" in render(read_app, KEPT, project(), "de")
    assert "Träger" not in render(read_app, KEPT, project(), "en")


def test_a_changed_project_is_never_shown_in_its_old_state(read_app: Flask):
    render(read_app, KEPT, project())
    for change in (
        {"organisation": "Stadt Herrenberg"},
        {"status": "abgeschlossen"},
        {"groups": [{"label": "Frauen", "id": "frauen"}]},
        {"target_groups": ["Mütter"]},
        {"success": "Mit Kinderbetreuung."},
        {"contact": "Herr B., 07032 123456"},
    ):
        changed = project(**change)
        assert render(read_app, KEPT, changed) == render(read_app, DIRECT, changed), change


def test_kept_parts_stay_within_their_byte_budget(read_app: Flask):
    for number in range(3000):
        render(read_app, KEPT, project(organisation=f"Verein {number} " + "x" * 300))
    kept = read_app.jinja_env.globals["kept_part"].cache
    assert 0 < kept.bytes_held <= kept.max_bytes
