"""The enquiry answer's one-line description of each project."""

from __future__ import annotations

from pathlib import Path

from kb.catalog import Catalog
from kb.pipeline import ingest_paths
from kb.store import Store
from samples import make_pages
from webui.answer_text import compose_answer, one_line

ROOT = Path(__file__).resolve().parents[1]
APPROACH = "Jeden Dienstag treffen sich Frauen im Stadtteilzentrum. Eine Kinderbetreuung ist dabei."


def project(short_description=None) -> dict:
    return {"id": "p", "title": "Mama lernt Deutsch", "short_description": short_description,
            "organisation": "Verein e.V.", "town": "Sindelfingen", "contact": "a@b.example.org"}  # fmt: skip


def test_the_line_is_the_short_description():
    assert (
        one_line(project("Deutsch für Mütter  mit Kinderbetreuung."))
        == "Deutsch für Mütter mit Kinderbetreuung."
    )
    assert one_line(project(None)) is None


def test_long_lines_are_cut_at_a_word():
    line = one_line(project("Wort " * 100), limit=40)
    assert len(line) <= 40 and line.endswith("Wort…")


def test_answer_carries_the_line():
    text = compose_answer("Deutsch für Mütter", [project(APPROACH)], lambda pid: f"/projekte/{pid}")
    assert f"   Worum es geht: {APPROACH}\n" in text


def test_sample_web_pages_answer_with_what_each_project_does(tmp_path: Path):
    """The 17 funded-project pages have no lead: their line comes from the approach, never a template."""
    pages = make_pages.build_pages(ROOT / "samples" / "projects", tmp_path / "pages")
    store = Store(tmp_path / "kb.sqlite")
    report = ingest_paths(store, [tmp_path / "pages"], 10_000_000)
    assert not report.failed and report.totals.new == len(pages) == 17
    catalog = Catalog(store.db)
    projects = [catalog.project(pid) for pid in catalog.project_ids()]
    text = compose_answer("", projects, lambda pid: pid)
    lines = [line for line in text.splitlines() if line.startswith("   Worum es geht: ")]
    assert len(lines) == 17
    for banned in ("Handlungsfeld", "gefördert aus dem", "setzt in", "Integrationsfonds"):
        assert banned not in text
    for item in projects:
        approach = " ".join(item["sections"][0]["text"].split())
        assert item["short_description"].split(". ")[0][:40] in approach.replace(" deshalb", "")
    store.close()
