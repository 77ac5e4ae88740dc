"""Provenance: a page's own address, a document's date and edition, an address given at upload."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from ingest import parse_file
from ingest.provenance import edition_in_text, pdf_date, safe_url
from kb.catalog import Catalog
from kb.pipeline import ingest_file
from kb.store import Store

PAGE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Erzählcafé | Integrationsfonds | Landkreis</title>
{head}
</head><body><nav><a href="/">Start</a></nav>
<main><h1>Erzählcafé</h1>
<p>Träger: Verein Miteinander e.V.</p>
<h2>Herangehensweise</h2><p>Jeden Freitag treffen sich ältere Frauen im Rathaus zum Erzählen.</p>
</main><footer>{footer}</footer></body></html>"""


def page(tmp_path: Path, head: str = "", footer: str = "", name: str = "seite.html") -> Path:
    path = tmp_path / name
    path.write_text(PAGE.format(head=head, footer=footer), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.lrabb.de/projekte/erzaehlcafe", "https://www.lrabb.de/projekte/erzaehlcafe"),
        ("  http://example.org/a?b=1  ", "http://example.org/a?b=1"),
        ("javascript:alert(1)", None),
        ("/projekte/erzaehlcafe", None),  # not absolute
        ("ftp://example.org/x", None),
        ("http://[::1", None),
        ("https://exa mple.org", None),
        ("https://" + "a" * 3000 + ".org", None),
        ("", None),
        (None, None),
    ],
)
def test_only_absolute_web_addresses_are_kept(raw, expected):
    assert safe_url(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("D:20240315103000+01'00'", "2024-03-15"),
        ("D:20241301", None),
        ("", None),
        (None, None),
        ("2023", None),
    ],
)
def test_pdf_dates(raw, expected):
    assert pdf_date(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Impressum. Stand: 03/2024. Alle Angaben ohne Gewähr.", "Stand: 03/2024"),
        ("Gute Praxis – Ausgabe 2024", "Ausgabe 2024"),
        ("Stand der Informationen: 15.03.2024", "Stand der Informationen: 15.03.2024"),
        ("Stand März 2024", "Stand: März 2024"),
        ("2. überarbeitete Auflage 2023, Landratsamt", "2. überarbeitete Auflage 2023"),
        ("Zuletzt aktualisiert am 01.02.2025", "Zuletzt aktualisiert am: 01.02.2025"),
        ("Schuljahr Ausgabe 2023/24", "Ausgabe 2023/24"),
        ("Der aktuelle Stand der Dinge ist gut.", None),
        ("Stand: Beispielausgabe, nicht zur Veröffentlichung", None),
        ("", None),
    ],
)
def test_edition_as_written(text, expected):
    assert edition_in_text(text) == expected


def test_edition_search_is_bounded():
    assert edition_in_text("x " * 1_000_000 + "Stand: 03/2024") is None


def test_page_keeps_its_canonical_address_date_and_description(tmp_path: Path):
    head = (
        '<link rel="canonical" href="https://www.lrabb.de/integrationsfonds/erzaehlcafe">'
        '<meta property="og:url" content="https://andere.example.org/x">'
        '<meta property="article:modified_time" content="2024-05-02T09:00:00+02:00">'
        '<meta name="description" content="Ein Erzählcafé für ältere Migrantinnen im Rathaus, jeden Freitag.">'
    )
    result = parse_file(page(tmp_path, head, footer="Stand: 05/2024"))
    assert result.info.url == "https://www.lrabb.de/integrationsfonds/erzaehlcafe"
    assert result.info.date == "2024-05-02"
    assert result.info.edition == "Stand: 05/2024"
    assert result.records[0].summary == "Ein Erzählcafé für ältere Migrantinnen im Rathaus, jeden Freitag."


def test_og_url_when_there_is_no_canonical_link_and_nothing_unsafe(tmp_path: Path):
    head = '<meta property="og:url" content="https://www.example.org/erzaehlcafe">'
    assert parse_file(page(tmp_path, head)).info.url == "https://www.example.org/erzaehlcafe"
    hostile = '<link rel="canonical" href="javascript:alert(1)"><meta name="date" content="kein Datum">'
    info = parse_file(page(tmp_path, hostile, name="b.html")).info
    assert (info.url, info.date, info.edition) == (None, None, None)
    assert parse_file(page(tmp_path, name="c.html")).records[0].summary is None


def test_pdf_date_and_edition(tmp_path: Path):
    from tests.brochure_layouts import other_layout_pdf  # a brochure from another layout program

    document = pymupdf.open(stream=other_layout_pdf(), filetype="pdf")
    document[0].insert_text((60, 300), "Ausgabe 2024", fontname="helv", fontsize=12)
    document.set_metadata({"creationDate": "D:20240110000000Z", "modDate": "D:20240301000000Z"})
    path = tmp_path / "heft.pdf"
    document.save(path)
    result = parse_file(path)
    assert result.records
    assert result.info.date == "2024-03-01"
    assert result.info.edition == "Ausgabe 2024"


def test_store_keeps_address_given_at_ingest_and_the_page_own(tmp_path: Path):
    store = Store(tmp_path / "kb.sqlite")
    given = "https://www.lrabb.de/gespeichert/erzaehlcafe"
    path = page(tmp_path, '<link rel="canonical" href="https://www.lrabb.de/x">')
    outcome = ingest_file(store, path, 10_000_000, given_url=given)
    assert outcome.status == "ok"
    project = Catalog(store.db).project(outcome.counts.project_ids[0])
    assert project["source"]["url"] == given  # what the user said wins over what the page says
    assert project["source"]["ingested_at"]
    row = store.sources()[0]
    assert (row["url"], row["given_url"]) == ("https://www.lrabb.de/x", given)
    # the same file again without an address keeps the given one
    assert ingest_file(store, path, 10_000_000).status == "unchanged"
    assert store.sources()[0]["given_url"] == given
    other = page(tmp_path, '<link rel="canonical" href="https://www.lrabb.de/y">', name="y.html")
    second = ingest_file(store, other, 10_000_000)
    assert (
        Catalog(store.db).project(second.counts.project_ids[0])["source"]["url"] == "https://www.lrabb.de/y"
    )
    store.close()


def test_sample_pages_keep_their_address_and_date(tmp_path: Path):
    from samples import make_pages

    pages = make_pages.build_pages(Path(__file__).resolve().parents[1] / "samples" / "projects", tmp_path)
    infos = {page.stem: parse_file(page).info for page in pages}
    assert {stem: info.url for stem, info in infos.items()} == {
        stem: f"{make_pages.SITE_ADDRESS}/{stem}" for stem in infos
    }
    assert all(info.date and info.date.startswith("2024-") for info in infos.values())
