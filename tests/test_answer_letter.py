"""The answer letter: what it says, the Merkliste behind it, and what staff edit reaching print and .docx."""

from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path

import docx
import pytest

from kb.answer_letter import MAX_LETTER_CHARS, compose_letter, letter_docx, offer_sentence, running_sentence
from kb.catalog import Catalog
from kb.pipeline import ingest_paths
from kb.store import Store
from samples import make_pages

ROOT = Path(__file__).resolve().parents[1]
SPRACHCAFE_ID = "kaffee-kuchen-konjunktiv"
OFFICE_WORDS = ("Themenfeld", "Zielgruppe", "Sammlung guter Praxis", "Träger:")


def project(**changes) -> dict:
    base = {"id": "p", "title": "Mama lernt Deutsch", "short_description": "Deutsch für Mütter mit Kinderbetreuung.",
            "organisation": "Verein e.V.", "town": "Sindelfingen", "contact": "a@b.example.org",
            "period": "seit 2022", "status": "laufend", "area": "Bildung", "target_groups": ["Mütter"]}  # fmt: skip
    return {**base, **changes}


def letter_text(html: str) -> str:
    return unescape(re.search(r'<textarea id="antworttext"[^>]*>(.*?)</textarea>', html, re.S).group(1))


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# ---- the letter ---------------------------------------------------------------------------------
def test_a_letter_has_greeting_offer_running_contact_and_signature_without_office_words():
    text = compose_letter([project(), project(id="q", title="Zweites")], lambda pid: f"https://x/{pid}")
    assert text.startswith("Guten Tag,\n\n")
    assert "Deutsch für Mütter mit Kinderbetreuung." in text
    assert "Angeboten von Verein e.V. in Sindelfingen." in text
    assert "Das Angebot läuft derzeit (Laufzeit: seit 2022)." in text
    assert "Kontakt: a@b.example.org" in text and "Mehr dazu: https://x/q" in text
    assert text.rstrip().endswith("Mit freundlichen Grüßen\n\n[Ihr Name]\n[Stelle, Telefon, E-Mail]")
    assert "1. Mama lernt Deutsch" in text and "2. Zweites" in text
    for word in OFFICE_WORDS:
        assert word not in text


@pytest.mark.parametrize(
    ("status", "period", "expected"),
    [
        ("laufend", "2023 bis 2026", "Das Angebot läuft derzeit (Laufzeit: 2023 bis 2026)."),
        ("laufend", "", "Das Angebot läuft derzeit."),
        ("abgeschlossen", "2019 bis 2021", "Das Projekt ist abgeschlossen (Laufzeit: 2019 bis 2021);"),
        (
            "unbekannt",
            "Frühjahr",
            "Laufzeit: Frühjahr. Ob es noch läuft, erfahren Sie bei der Ansprechperson.",
        ),
        (None, None, "Ob das Angebot noch läuft, erfahren Sie bei der Ansprechperson."),
    ],
)
def test_whether_a_project_runs_is_said_plainly(status, period, expected):
    assert running_sentence(project(status=status, period=period)).startswith(expected)


def test_the_offer_is_the_short_description_cut_at_a_word():
    assert offer_sentence(project(short_description="  Deutsch   für Mütter. ")) == "Deutsch für Mütter."
    assert offer_sentence(project(short_description=None)) is None
    line = offer_sentence(project(short_description="Wort " * 100), limit=40)
    assert len(line) <= 40 and line.endswith("Wort…")


def test_sample_web_pages_each_say_what_they_offer(tmp_path: Path):
    """The 17 funded-project pages have no lead: their line comes from the approach, never a template."""
    pages = make_pages.build_pages(ROOT / "samples" / "projects", tmp_path / "pages")
    store = Store(tmp_path / "kb.sqlite")
    report = ingest_paths(store, [tmp_path / "pages"], 10_000_000)
    assert not report.failed and report.totals.new == len(pages) == 17
    catalog = Catalog(store.db)
    projects = [catalog.project(pid) for pid in catalog.project_ids()]
    text = compose_letter(projects, lambda pid: pid)
    for item in projects:
        assert offer_sentence(item) and offer_sentence(item) in text
    for banned in ("Handlungsfeld", "gefördert aus dem", "setzt in", "Integrationsfonds", *OFFICE_WORDS):
        assert banned not in text
    store.close()


def test_the_docx_holds_the_letter_line_by_line():
    text = "Guten Tag,\n\nZeile eins\nZeile zwei\n\n\n\nMit freundlichen Grüßen\n"
    document = docx.Document(io.BytesIO(letter_docx(text, subject="Betreff")))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs == ["Betreff", "Guten Tag,", "Zeile eins\nZeile zwei", "Mit freundlichen Grüßen"]
    assert document.paragraphs[0].runs[0].bold
    assert document.core_properties.title == "Betreff"


def test_the_docx_of_hostile_text_is_bounded_and_still_opens():
    text = ("x" * 5000 + "\n\n") * 100 + "\x00\x07<w:p>&"
    document = docx.Document(io.BytesIO(letter_docx(text)))
    assert sum(len(p.text) for p in document.paragraphs) <= MAX_LETTER_CHARS + 100


# ---- the pages ----------------------------------------------------------------------------------
def pick(client, ids, shown=(), go="merken", next_url="/?area=Bildung"):
    token = csrf(client.get("/?area=Bildung").get_data(as_text=True))
    return client.post(
        "/merkliste",
        data={"csrf_token": token, "ids": list(ids), "shown": list(shown), "go": go, "next": next_url},
    )


def test_filtered_lists_have_checkboxes_and_the_merkliste_counts_in_the_header(read_app):
    client = read_app.test_client()
    html = client.get("/?area=Bildung").get_data(as_text=True)
    boxes = re.findall(r'name="ids" value="([^"]+)" id="auswahl-\d+"', html)
    assert len(boxes) >= 5 and 'action="/merkliste"' in html
    response = pick(client, boxes[:2], shown=boxes)
    assert response.status_code == 302 and response.headers["Location"] == "/?area=Bildung"
    again = client.get("/?area=Bildung").get_data(as_text=True)
    assert re.search(r'class="merkliste-count">2<', again)
    assert all(f'value="{i}" id="auswahl-{n}" checked' in again for n, i in enumerate(boxes[:2], 1))


def test_the_merkliste_survives_a_new_search_and_unticking_removes_only_what_the_page_showed(read_app):
    client = read_app.test_client()
    bildung = re.findall(r'name="ids" value="([^"]+)"', client.get("/?area=Bildung").get_data(as_text=True))
    pick(client, bildung[:2], shown=bildung)
    health = re.findall(r'name="ids" value="([^"]+)"', client.get("/?area=Gesundheit").get_data(as_text=True))
    pick(client, health[:1], shown=health, next_url="/?area=Gesundheit")
    letter = letter_text(client.get("/antwort").get_data(as_text=True))
    assert letter.count("\nMehr dazu: ") == 3
    pick(client, [bildung[1]], shown=bildung)  # first one unticked on the Bildung list
    letter = letter_text(client.get("/antwort").get_data(as_text=True))
    assert f"/projekte/{bildung[0]}" not in letter
    assert f"/projekte/{bildung[1]}" in letter and f"/projekte/{health[0]}" in letter


def test_back_from_the_letter_returns_to_the_list_with_its_filters(read_app):
    client = read_app.test_client()
    client.get("/?q=Sprachcaf%C3%A9&town=Herrenberg")
    html = unescape(client.get("/antwort").get_data(as_text=True))
    assert (
        'href="/?q=Sprachcafé&town=Herrenberg"' in html
        or 'href="/?q=Sprachcaf%C3%A9&town=Herrenberg"' in html
    )


def test_the_answer_button_goes_straight_to_the_letter(read_app):
    client = read_app.test_client()
    response = pick(client, [SPRACHCAFE_ID], go="antwort")
    assert response.headers["Location"] == "/antwort"
    text = letter_text(client.get("/antwort").get_data(as_text=True))
    assert "1. Kaffee, Kuchen, Konjunktiv" in text


def test_the_letter_page_for_linked_projects(client, quick_kb):
    ids = [SPRACHCAFE_ID, quick_kb.projects()[-1]["id"], "gibt-es-nicht"]
    html = unescape(
        client.get("/antwort", query_string={"q": "Deutsch üben", "ids": ids}).get_data(as_text=True)
    )
    text = letter_text(html)
    assert "Deutsch üben" not in text
    for position, project_id in enumerate(ids[:2], 1):
        item = quick_kb.project(project_id)
        assert f"{position}. {item['title']}" in text
        assert f"Kontakt: {' '.join(item['contact'].split())}" in text
        assert (
            f"Mehr dazu: /projekte/{project_id}" in text
        )  # relative without KB_BASE_URL, never the Host header
    for word in OFFICE_WORDS:
        assert word not in text
    assert "weggelassen" in html
    assert 'data-copy-target="antworttext"' in html
    mailto = re.search(r'href="(mailto:[^"]+)"', html).group(1)
    assert "subject=Ihre%20Anfrage" in mailto and "body=Guten%20Tag%2C" in mailto


def test_edited_text_reaches_print_view_and_docx(read_app):
    client = read_app.test_client()
    pick(client, [SPRACHCAFE_ID])
    token = csrf(client.get("/antwort").get_data(as_text=True))
    edited = "Guten Tag Frau Yilmaz,\n\nhier ist das Sprachcafé.\n\nViele Grüße\nAnna Beispiel"
    printed = client.post("/antwort/druck", data={"csrf_token": token, "text": edited}).get_data(as_text=True)
    assert "Anna Beispiel" in unescape(printed) and 'class="print-view"' in printed
    response = client.post("/antwort/docx", data={"csrf_token": token, "text": edited})
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    document = docx.Document(io.BytesIO(response.data))
    assert [p.text for p in document.paragraphs][1:] == [
        "Guten Tag Frau Yilmaz,",
        "hier ist das Sprachcafé.",
        "Viele Grüße\nAnna Beispiel",
    ]


@pytest.mark.parametrize("url", ["/merkliste", "/merkliste/leeren", "/antwort/druck", "/antwort/docx"])
def test_letter_forms_refuse_a_missing_csrf_token(client, url):
    assert client.post(url, data={"text": "x", "ids": SPRACHCAFE_ID}).status_code == 400


def test_next_never_leaves_the_site(read_app):
    client = read_app.test_client()
    for target in ("https://evil.example", "//evil.example/x", "/\\evil.example"):
        assert pick(client, [], next_url=target).headers["Location"] == "/antwort"


def test_the_merkliste_is_bounded(read_app, quick_kb):
    client = read_app.test_client()
    every = quick_kb.catalog.project_ids()
    pick(client, every)
    assert len(re.findall(r"\nMehr dazu: ", letter_text(client.get("/antwort").get_data(as_text=True)))) == 20


def test_clearing_the_merkliste(read_app):
    client = read_app.test_client()
    pick(client, [SPRACHCAFE_ID])
    token = csrf(client.get("/antwort").get_data(as_text=True))
    client.post("/merkliste/leeren", data={"csrf_token": token})
    assert "Sie haben noch keine Projekte ausgewählt." in client.get("/antwort").get_data(as_text=True)


# ---- the command line ---------------------------------------------------------------------------
def test_kb_answer_prints_the_letter_and_writes_the_docx(tmp_path: Path):
    from click.testing import CliRunner

    from cli import cli
    from tests.fake_embedder import HashingEmbedder
    from tests.helpers import write_project

    data = tmp_path / "data"

    def run(*args: str):
        return CliRunner().invoke(
            cli, ["--data-dir", str(data), *args], obj={"embedder": HashingEmbedder()}, catch_exceptions=False
        )

    path = write_project(tmp_path / "in", "a.md", "Sprachcafé Miteinander", approach="Frauen üben Deutsch.")
    assert run("ingest", "--quiet", str(path)).exit_code == 0
    out = tmp_path / "antwort.docx"
    result = run("answer", "sprachcafe-miteinander", "--docx", str(out), "--base-url", "https://pf.example/")
    assert result.exit_code == 0
    assert (
        result.output.startswith("Guten Tag,")
        and "Mehr dazu: https://pf.example/projekte/sprachcafe-miteinander" in result.output
    )
    paragraphs = [p.text for p in docx.Document(io.BytesIO(out.read_bytes())).paragraphs]
    assert paragraphs[1] == "Guten Tag," and paragraphs[3].startswith("1. Sprachcafé Miteinander")
    missing = run("answer", "gibt-es-nicht")
    assert missing.exit_code == 1 and "no such project: gibt-es-nicht" in missing.output
