"""The Überblick, the network, the Ideen-Check and the downloads, through the Flask test client."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook

from kb.filters import Filters

SPRACHCAFE = "Wir wollen ein Sprachcafé, in dem Geflüchtete ohne Anmeldung Deutsch sprechen üben"
SPRACHCAFE_ID = "kaffee-kuchen-konjunktiv"


def page(client, url, **query) -> str:
    response = client.get(url, query_string=query or None)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def table_cells(html: str, table_id: str) -> dict[tuple[str, str], int]:
    """(row header, column header) -> number, read from a heat table as a screen reader would."""
    table = html[html.index(f'id="heat-{table_id}"') :]
    table = table[: table.index("</table>")]
    columns = [unescape(c) for c in re.findall(r'<th scope="col"><a [^>]+>([^<]+)</a></th>', table)]
    cells = {}
    for row in re.findall(r"<tr>\s*<th scope=\"row\"><a [^>]+>([^<]+)</a></th>(.*?)</tr>", table, re.S):
        numbers = re.findall(r'<td class="heat heat-\d"><a [^>]+>(\d+)</a></td>', row[1])
        assert len(numbers) == len(columns)
        cells.update({(unescape(row[0]), col): int(n) for col, n in zip(columns, numbers, strict=True)})
    return cells


def test_overview_heat_map_counts_every_town_and_area(client, quick_kb):
    html = page(client, "/ueberblick")
    cells = table_cells(html, "orte")
    projects = quick_kb.projects()
    for town in quick_kb.county.towns:
        for area, _ in quick_kb.facets()["area"]:
            expected = sum(1 for p in projects if p["town"] == town.name and p["area"] == area)
            assert cells[(town.name, area)] == expected, (town.name, area)
    assert sum(cells.values()) == len(projects)


def test_every_heat_cell_links_to_its_filtered_list(client):
    html = page(client, "/ueberblick")
    links = re.findall(r'<td class="heat heat-\d"><a href="([^"]+)"\s+aria-label="([^"]+)">(\d+)</a>', html)
    assert len(links) > 100
    for href, label, number in links[:40]:
        query = {k: v[0] for k, v in parse_qs(urlsplit(unescape(href)).query).items()}
        listed = page(client, "/", **query)
        shown = listed.count('<article class="card">')
        assert shown == int(number), (query, number)
        assert unescape(label).endswith(f"{number} Projekt" + ("" if number == "1" else "e"))


def test_overview_map_has_a_linked_circle_per_county_town(client, quick_kb):
    html = page(client, "/ueberblick")
    svg = html[html.index('<svg class="county-map"') : html.index("</svg>")]
    towns = re.findall(r'<a href="/\?town=([^"]+)" class="map-town[^"]*"\s+aria-label="([^"]+)"', svg)
    assert len(towns) == 26
    counts = dict(quick_kb.facets()["town"])
    for _, label in towns:
        name, count = unescape(label).split(": ")
        assert int(count.split()[0]) == counts.get(name, 0)
    assert "http" not in svg  # nothing fetched from elsewhere


def test_overview_lists_white_spots(client, quick_kb):
    html = unescape(page(client, "/ueberblick"))
    gaps = quick_kb.coverage().gaps()
    assert gaps  # the sample collection has towns without projects (e.g. Altdorf)
    assert "Weiße Flecken" in html
    for town, areas in gaps:
        line = html[html.index(f">{town}</a>:") :].split("</li>")[0]
        assert all(area in line for area in areas) or "noch kein Projekt" in line


def test_target_group_heat_map_uses_the_facets(client, quick_kb):
    cells = table_cells(page(client, "/ueberblick"), "gruppen")
    groups = {group for group, _ in cells}
    assert groups == {name for name, _ in quick_kb.facets()["target_group"]}


def test_network_draws_nodes_and_lists_every_link(client, quick_kb):
    html = page(client, "/netzwerk")
    network = quick_kb.network()
    assert html.count('class="network-node"') == len(network.nodes) > 5
    assert html.count("<line ") == len(network.links)
    assert html.count('<li>\n          <a href="/organisationen/') == len(network.organisations)


def test_network_filtered_by_town_shows_only_that_towns_organisations(client, quick_kb):
    town = quick_kb.facets()["town"][0][0]
    html = page(client, "/netzwerk", town=town)
    network = quick_kb.network(Filters(town=town))
    assert html.count('class="network-node"') == len(network.nodes)
    assert len(network.nodes) < len(quick_kb.network().nodes)


def test_idea_check_form_without_input_shows_no_report(client):
    html = page(client, "/ideen-check")
    assert '<label for="q">' in html and 'name="betrag"' in html and 'name="monate"' in html
    assert "Ergebnis des Ideen-Checks" not in html


def test_idea_check_finds_the_existing_project_and_checks_the_fund_rules(model_client, sample_kb):
    # how similar an idea is to a project is the model's judgement: the real model
    html = page(
        model_client,
        "/ideen-check",
        q=SPRACHCAFE,
        town="Herrenberg",
        betrag="3.500 €",
        monate="10",
        traeger="Syrischer Kulturverein",
    )
    text = re.sub(r"<[^>]+>", "", unescape(html))  # names inside sentences are marked lang="de"
    assert "Gibt es das schon?" in text
    verdict = text[text.index("Gibt es das schon?") : text.index("Passt die Idee")]
    assert sample_kb.project(SPRACHCAFE_ID)["title"] in verdict
    assert "sehr ähnlich" in verdict and "In Herrenberg gibt es schon Ähnliches" in verdict
    rows = re.findall(r'<tr class="status-(\w+)">', html)
    assert rows == ["met", "met", "met", "met"]
    assert "Geplant sind 3.500 €, erlaubt sind bis 4.000 €." in text
    assert "Mehrwert:" in text  # what made the closest projects work
    assert "Mit diesen Organisationen können Sie sprechen" in text


def test_idea_check_explains_unreadable_and_too_large_values(client):
    html = unescape(
        page(client, "/ideen-check", q="Nähcafé", town="ausserhalb", betrag="viel Geld", monate="24")
    )
    assert re.findall(r'<tr class="status-(\w+)">', html) == ["to_check", "not_met", "to_check", "not_met"]
    assert "„viel Geld“ ist kein Betrag" in html
    assert "Geplant sind 24 Monate; gefördert werden höchstens 12." in html


def test_idea_check_bounds_hostile_input(client):
    html = page(
        client, "/ideen-check", q="<script>alert(1)</script>" * 400, betrag="=1+1" * 50, town="<b>x</b>"
    )
    assert "<script>alert(1)" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("url", ["/ueberblick", "/netzwerk", "/ideen-check?q=Sprachcaf%C3%A9&town=Leonberg"])
def test_new_pages_are_in_the_navigation_and_work_without_javascript(client, url):
    html = page(client, url)
    assert 'href="/ueberblick"' in html and 'href="/ideen-check"' in html
    assert "<script" not in html.split("</head>")[1]


# ---- downloads ------------------------------------------------------------------------------


def download(client, url, **query):
    response = client.get(url, query_string=query)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    return response


def read_csv(response) -> list[dict]:
    text = response.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def read_xlsx(response) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_filtered_list_as_csv_and_xlsx_has_every_project_and_field(client, quick_kb):
    area, count = quick_kb.facets()["area"][0]
    rows = read_csv(download(client, "/export/projekte.csv", area=area))
    assert len(rows) == count and {row["area"] for row in rows} == {area}
    first = quick_kb.project(rows[0]["id"])
    assert rows[0]["title"] == first["title"]
    approach = next(s["text"] for s in first["sections"] if s["kind"] == "approach")
    assert rows[0]["section_approach"] == approach
    assert rows[0]["url"].endswith(f"/projekte/{first['id']}")
    sheets = read_xlsx(download(client, "/export/projekte.xlsx", area=area))
    (header, *data) = sheets["Projekte"]
    assert len(data) == count
    assert header[:3] == ("id", "title", "area")
    assert [r[0] for r in data] == [row["id"] for row in rows]


def test_search_results_download_in_the_order_shown(client):
    html = page(client, "/", q=SPRACHCAFE)
    shown = re.findall(r'name="ids" value="([^"]+)"', html)
    rows = read_csv(download(client, "/export/projekte.csv", q=SPRACHCAFE))
    assert [row["id"] for row in rows] == shown
    assert [row["rank"] for row in rows] == [str(i) for i in range(1, len(shown) + 1)]
    assert 'href="/export/projekte.csv?q=' in html


def test_every_project_without_filter(client, quick_kb):
    rows = read_csv(download(client, "/export/projekte.csv"))
    assert len(rows) == len(quick_kb.projects())


def test_coverage_downloads_match_the_heat_map(client):
    cells = table_cells(page(client, "/ueberblick"), "orte")
    rows = read_csv(download(client, "/export/abdeckung-orte.csv"))
    for row in rows:
        for (town, area), n in cells.items():
            if town == row["town"]:
                assert int(row[area]) == n
    sheets = read_xlsx(download(client, "/export/abdeckung-orte.xlsx"))
    assert set(sheets) == {"Orte x Themenfelder", "Weisse Flecken"}
    assert len(sheets["Orte x Themenfelder"]) == len(rows) + 1
    groups = read_xlsx(download(client, "/export/abdeckung-zielgruppen.xlsx"))
    assert list(groups) == ["Zielgruppen x Themenfelder"]


def test_organisations_download(client, quick_kb):
    rows = read_csv(download(client, "/export/organisationen.csv"))
    network = quick_kb.network()
    assert len(rows) == len(network.everyone)
    assert all(int(row["projects"]) >= 1 for row in rows)


@pytest.mark.parametrize("url", ["/export/projekte.pdf", "/export/geheim.csv", "/export/..%2Fkb.csv"])
def test_unknown_downloads_are_404(client, url):
    assert client.get(url).status_code == 404
