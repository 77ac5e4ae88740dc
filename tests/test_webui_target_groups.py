"""Target groups and the partner finder on the web: filter, project page, /themen, API, the admin's
correction page; the partner page with contacts, town and target group."""

from __future__ import annotations

import re
from html import unescape

from kb.filters import Filters
from tests.helpers import csrf_from, log_in


def card_titles(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'<h3 id="[a-z]+-\d+"[^>]*><a href="[^"]+">([^<]+)</a>', html)]


def test_the_target_group_select_offers_the_vocabulary_with_sub_groups_indented(client):
    html = client.get("/").get_data(as_text=True)
    select = html[html.index('id="filter-target_group"') :].split("</select>")[0]
    options = re.findall(r'<option value="([^"]*)"', select)[1:]
    assert 12 <= len(options) <= 20
    assert "Menschen aus der Ukraine" in options and "Mütter aus der Ukraine" not in options
    assert "\u2003\u2003Menschen aus der Ukraine" in select  # a sub-group of a sub-group


def test_the_ukraine_filter_lists_the_mothers_and_women_from_ukraine(client, quick_kb):
    html = client.get("/", query_string={"target_group": "Menschen aus der Ukraine"}).get_data(as_text=True)
    expected = {card["title"] for card in quick_kb.browse(Filters(target_group="ukraine"))}
    mothers = [c["title"] for c in quick_kb.browse(Filters(target_group="Mütter aus der Ukraine"))]
    assert mothers and set(mothers) <= expected
    assert all(unescape(title) in unescape(html) for title in expected)


def test_the_project_page_shows_the_groups_and_the_original_wording(client, quick_kb):
    card = quick_kb.browse(Filters(target_group="Menschen aus der Ukraine"))[0]
    project = quick_kb.project(card["id"])
    html = unescape(client.get(f"/projekte/{card['id']}").get_data(as_text=True))
    assert 'class="group-tags"' in html
    for group in project["groups"]:
        assert f">{group['label']}</a>" in html
    assert (
        'Im Wortlaut des Projekts: <span lang="de" dir="auto">' + ", ".join(project["target_groups"]) in html
    )


def test_topics_list_the_group_tree(client):
    html = unescape(client.get("/themen").get_data(as_text=True))
    section = html[html.index('id="facette-target_group"') :]
    assert '<li class="depth-2" lang="de"><a href="/?target_group=Menschen+aus+der+Ukraine">' in section
    assert "Familien mit kleinen Kindern" not in section  # wordings are not topics


def test_api_partners_takes_a_target_group_and_a_town_alone(client):
    body = client.get("/api/partners", query_string={"q": "Sprachcafé", "target_group": "Frauen"}).get_json()
    assert body["target_group"] == "Frauen" and body["results"]
    assert {"id", "name", "score", "towns", "projects", "contact"} <= set(body["results"][0])
    alone = client.get("/api/partners", query_string={"town": "Herrenberg"}).get_json()
    assert alone["results"] and all("Herrenberg" in hit["towns"] for hit in alone["results"])
    refused = client.get("/api/partners")
    assert refused.status_code == 400 and "'q' is required" in refused.get_json()["error"]["message"]


def test_api_target_groups_lists_the_vocabulary(client):
    groups = client.get("/api/target-groups").get_json()["target_groups"]
    by_id = {g["id"]: g for g in groups}
    assert by_id["ukraine"]["parent"] == "gefluechtete" and by_id["ukraine"]["depth"] == 2
    assert by_id["gefluechtete"]["count"] >= by_id["ukraine"]["count"] > 0


def test_the_partner_page_shows_contacts_as_links_and_lists_a_towns_organisations(client):
    html = client.get("/partner", query_string={"q": "Sprachcafé"}).get_data(as_text=True)
    assert 'href="mailto:' in html and 'href="tel:' in html
    assert "Geordnet nach Passung zum Thema" in html
    alone = client.get("/partner", query_string={"town": "Herrenberg"}).get_data(as_text=True)
    assert "Ohne Thema: alle Organisationen" in alone
    assert 'Organisationen in <bdi dir="auto">Herrenberg</bdi></h2>' in alone
    assert len(card_titles(alone)) >= 2


def test_the_admin_corrects_a_wording_and_the_filter_follows(admin_client, writable_kb):
    assert admin_client.get("/admin/zielgruppen").status_code == 302  # log in first
    log_in(admin_client)
    wording = "Erstmieterinnen und Erstmieter"
    html = admin_client.get("/admin/zielgruppen", query_string={"wortlaut": wording}).get_data(as_text=True)
    assert f'„<bdi dir="auto">{wording}</bdi>“ zuordnen' in html
    token = csrf_from(html)
    men = Filters(target_group="Männer")
    before = {c["id"] for c in writable_kb.browse(men)}
    using = {c["id"] for c in writable_kb.browse(Filters(target_group=wording))}
    assert using and not using <= before
    done = admin_client.post(
        "/admin/zielgruppen", data={"csrf_token": token, "wording": wording, "group": ["maenner"]}
    )
    assert done.status_code == 302
    assert {c["id"] for c in writable_kb.browse(men)} == before | using
    assert "von Hand korrigiert" in admin_client.get("/admin/zielgruppen").get_data(as_text=True)
    refused = admin_client.post("/admin/zielgruppen", data={"wording": wording, "group": ["kinder"]})
    assert refused.status_code in (400, 403)  # no CSRF token
    admin_client.post("/admin/zielgruppen/zuruecksetzen", data={"csrf_token": token, "wording": wording})
    assert {c["id"] for c in writable_kb.browse(men)} == before


def test_result_cards_show_the_vocabulary_groups_with_the_wording_as_their_title(client, quick_kb):
    card = quick_kb.browse(Filters(target_group="Mütter aus der Ukraine"))[0]
    labels = [group["label"] for group in card["groups"]]
    assert labels and card["target_groups"] and labels != card["target_groups"]
    for page in (
        client.get("/", query_string={"target_group": "Mütter aus der Ukraine"}),  # the list of a filter
        client.get("/", query_string={"q": card["title"]}),  # search results
    ):
        html = unescape(page.get_data(as_text=True))
        article = html[html.index(f">{card['title']}</a>") :].split("</article>")[0]
        facts = article[article.index("Zielgruppe") :].split("</dd>")[0]
        assert f'title="Im Wortlaut des Projekts: {", ".join(card["target_groups"])}"' in facts
        assert facts.endswith(", ".join(labels))


def test_api_search_hits_carry_the_groups_beside_the_wording(client):
    hits = client.get("/api/search", query_string={"q": "Mütter aus der Ukraine", "all": "1"}).get_json()[
        "results"
    ]
    assert hits and all({"groups", "target_groups"} <= set(hit) for hit in hits)
    assert any(group["id"] for hit in hits for group in hit["groups"])
