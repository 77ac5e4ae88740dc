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


def _header(page: str) -> str:
    return page[page.index('<header class="site-header">') : page.index('<div class="wrap language-row">')]


def test_the_kept_page_header_follows_the_page_the_merkliste_and_the_language(read_app: Flask):
    client = read_app.test_client()
    start = _header(client.get("/").get_data(as_text=True))
    assert start.count('aria-current="page"') == 1
    assert '<a href="/" aria-current="page">Suche</a>' in start
    partner = _header(client.get("/partner").get_data(as_text=True))
    assert '<a href="/partner" aria-current="page">Partner finden</a>' in partner and partner != start
    assert '<span class="merkliste-count">0</span>' in start
    with client.session_transaction() as session:
        session["merkliste"] = ["a", "b"]
    assert '<span class="merkliste-count">2</span>' in _header(client.get("/").get_data(as_text=True))
    english = _header(client.get("/?lang=en").get_data(as_text=True))
    assert "Partner finden" not in english and english.count('aria-current="page"') == 1


def test_the_kept_page_header_and_footer_follow_the_script_root(read_app: Flask):
    client = read_app.test_client()
    plain = client.get("/").get_data(as_text=True)
    mounted = client.get("/", base_url="http://localhost/praxis").get_data(as_text=True)
    assert 'href="/praxis/partner"' in _header(mounted)
    assert 'href="/praxis/admin"' in mounted[mounted.index('<footer class="site-footer">') :]
    again = client.get("/").get_data(as_text=True)
    assert "/praxis/" not in again and again == plain


def test_a_result_card_has_the_heading_every_card_has(read_app: Flask):
    # hit_card writes out what `card` makes of a project (ten per page, without the call)
    hit = {
        **project(),
        "level": "ähnlich",
        "weak": True,
        "matched_section": "So gehen sie vor",
        "snippet": "…",
    }
    template = (
        '{% from "_cards.html" import card, hit_card %}'
        '{% call card(item, id="treffer-3", extra_class="weak") %}{% endcall %}|{{ hit_card(item, 3) }}'
    )
    with read_app.test_request_context("/"):
        generic, result = render_template_string(template, item=hit).split("|")
    opening = generic[: generic.index("</h3>") + len("</h3>")]
    assert result.startswith(opening) and result.rstrip().endswith("</article>")
    assert 'class="level level-aehnlich">ähnlich – ' in result
