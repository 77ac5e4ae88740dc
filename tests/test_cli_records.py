"""`kb correct` and `kb corrections`: staff corrections from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli import cli
from tests.fake_embedder import HashingEmbedder
from tests.helpers import write_project


def run(data: Path, *args: str):
    return CliRunner().invoke(
        cli, ["--data-dir", str(data), *args], obj={"embedder": HashingEmbedder()}, catch_exceptions=False
    )


def test_correct_then_search_review_and_history(tmp_path: Path):
    data = tmp_path / "data"
    path = write_project(tmp_path / "in", "a.md", "Sprachcafé Miteinander", town="Böblingen",
                         approach="Geflüchtete Frauen üben Deutsch beim Kaffee.")  # fmt: skip
    assert run(data, "ingest", "--quiet", str(path)).exit_code == 0
    result = run(data, "correct", "sprachcafe-miteinander", "town=Holzgerlingen",
                 "section:approach=Im Hallenbad lernen Frauen schwimmen und sprechen dabei Deutsch.")  # fmt: skip
    assert result.exit_code == 0 and "2 field(s) changed: town, section:approach" in result.output
    hits = json.loads(run(data, "search", "Schwimmkurs im Hallenbad", "--json").output)
    assert hits[0]["id"] == "sprachcafe-miteinander" and hits[0]["town"] == "Holzgerlingen"

    path.write_text(path.read_text(encoding="utf-8").replace("town: Böblingen", "town: Schönaich"))
    run(data, "ingest", "--quiet", str(path))
    review = json.loads(run(data, "corrections", "--json").output)["review"]
    assert [(r["field"], r["value"], r["source_value"]) for r in review] == [
        ("town", "Holzgerlingen", "Schönaich")
    ]
    assert "kept" in run(data, "correct", "sprachcafe-miteinander", "--keep", "town").output
    shown = json.loads(run(data, "corrections", "sprachcafe-miteinander", "--json").output)
    assert [c["state"] for c in shown["corrections"]] == ["active", "active"]
    assert [h["action"] for h in shown["history"]] == ["kept", "flagged", "corrected", "corrected"]


def test_bad_corrections_are_one_error_line(tmp_path: Path):
    data = tmp_path / "data"
    path = write_project(tmp_path / "in", "a.md", "Sprachcafé Miteinander")
    run(data, "ingest", "--quiet", str(path))
    for args, message in [
        (["gibt-es-nicht", "town=X"], "gibt-es-nicht: no such project"),
        (["sprachcafe-miteinander", "wohnort=X"], "write FIELD=VALUE"),
        (["sprachcafe-miteinander", "title="], "needs a title"),
        (["sprachcafe-miteinander", "--keep", "town"], "no correction"),
    ]:
        result = run(data, "correct", *args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)


def test_ingest_with_the_address_a_saved_page_was_published_at(tmp_path: Path):
    data = tmp_path / "data"
    page = tmp_path / "seite.html"
    page.write_text(
        "<html><head><title>Nähcafé</title></head><body><main><h1>Nähcafé</h1>"
        "<h2>Herangehensweise</h2><p>Frauen nähen jeden Montag gemeinsam im Bürgerhaus.</p></main></body></html>",
        encoding="utf-8",
    )
    other = write_project(tmp_path / "in", "a.md", "Sprachcafé Miteinander")
    for args, message in [
        ([str(page), str(other), "--url", "https://example.org/x"], "give exactly one file"),
        ([str(tmp_path / "in"), "--url", "https://example.org/x"], "give exactly one file"),
        ([str(page), "--url", "javascript:alert(1)"], "must be a full web address"),
    ]:
        result = run(data, "ingest", "--quiet", *args)
        assert result.exit_code == 1 and message in result.output, result.output
    result = run(data, "ingest", "--quiet", str(page), "--url", "https://www.ehningen.de/naehcafe")
    assert result.exit_code == 0, result.output
    [project] = json.loads(run(data, "projects", "--json").output)
    assert project["source"]["url"] == "https://www.ehningen.de/naehcafe"


def test_target_groups_list_mappings_set_and_reset(tmp_path: Path):
    data = tmp_path / "data"
    path = write_project(tmp_path / "in", "a.md", "Sprachcafé Miteinander")
    assert run(data, "ingest", "--quiet", str(path)).exit_code == 0
    groups = json.loads(run(data, "target-groups", "list", "--json").output)
    counts = {group["id"]: group["count"] for group in groups}
    assert counts["frauen"] == 1 and counts["gefluechtete"] == 1
    lines = run(data, "target-groups", "list").output.splitlines()
    assert any(line.startswith("Frauen [frauen]") and line.endswith("  1") for line in lines)
    table = {row["text"]: row for row in json.loads(run(data, "target-groups", "mappings", "--json").output)}
    assert [g["id"] for g in table["Frauen"]["groups"]] == ["frauen"]
    assert "Frauen  ->  Frauen  (rule; 1 project(s))" in run(data, "target-groups", "mappings").output

    assert (
        "is now filed under: Ältere Menschen" in run(data, "target-groups", "set", "Frauen", "aeltere").output
    )
    assert (
        "Frauen  ->  Ältere Menschen  (corrected; 1 project(s))"
        in run(data, "target-groups", "mappings").output
    )
    assert "in force again" in run(data, "target-groups", "reset", "Frauen").output
    result = run(data, "target-groups", "reset", "Frauen")
    assert result.exit_code != 0 and "has no correction" in result.output
