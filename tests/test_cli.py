"""The `kb` command line: exit codes, JSON shapes, and that every command is documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from tests.fake_embedder import HashingEmbedder
from tests.helpers import ROOT, write_project

SEARCH_KEYS = {"id", "title", "score", "area", "organisation", "town", "snippet", "matched_section", "source"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("cli")
    write_project(
        folder / "in",
        "a.md",
        "Sprachcafé Miteinander",
        approach="Geflüchtete Frauen üben Deutsch beim Kaffee.",
    )
    write_project(
        folder / "in",
        "b.md",
        "Jobpaten Sindelfingen",
        town="Sindelfingen",
        area="Arbeitsmarkt",
        approach="Ehrenamtliche Paten begleiten Geflüchtete bei Bewerbungen und im ersten Job.",
    )
    return folder / "data", folder / "in"


def run(data_dir: Path, *args: str, real_model: bool = False):
    """The command in this process, with the test embedder unless the real default model is asked for."""
    obj = {} if real_model else {"embedder": HashingEmbedder()}
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], obj=obj, catch_exceptions=False)


def test_ingest_search_projects_similar_partners(data_dir):
    data, inputs = data_dir
    result = run(data, "ingest", str(inputs))
    assert result.exit_code == 0, result.output
    assert "2 file(s): 2 new, 0 updated, 0 unchanged, 0 removed project(s); 0 failed" in result.output

    hits = json.loads(run(data, "search", "Wir suchen Begleitung bei der Jobsuche", "--json").output)
    assert hits[0]["id"] == "jobpaten-sindelfingen"
    assert SEARCH_KEYS <= hits[0].keys()

    filtered = json.loads(run(data, "search", "Deutsch lernen", "--town", "Sindelfingen", "--json").output)
    assert [h["id"] for h in filtered] == ["jobpaten-sindelfingen"]

    projects = json.loads(run(data, "projects", "--json").output)
    assert {p["id"] for p in projects} == {"sprachcafe-miteinander", "jobpaten-sindelfingen"}
    assert [s["kind"] for s in projects[0]["sections"]] == ["approach", "partners", "value", "special"]

    in_town = json.loads(run(data, "projects", "--town", "Sindelfingen", "--json").output)
    assert [p["id"] for p in in_town] == ["jobpaten-sindelfingen"]

    similar = json.loads(run(data, "similar", "sprachcafe-miteinander", "--json").output)
    assert [h["id"] for h in similar] == ["jobpaten-sindelfingen"]
    partners = json.loads(run(data, "partners", "Sprachcafé für Frauen", "--json").output)
    assert partners[0]["name"] == "Verein Beispiel e.V."
    assert {p["id"] for p in partners[0]["projects"]} == {"sprachcafe-miteinander", "jobpaten-sindelfingen"}


def test_failures_exit_1_and_name_the_file(data_dir, tmp_path):
    data, _ = data_dir
    bad = tmp_path / "leer.html"
    bad.write_bytes(b"")
    result = run(data, "ingest", str(bad))
    assert result.exit_code == 1
    assert f"Error: {bad}: empty file" in result.output


def test_unknown_project_is_one_error_line(data_dir):
    data, _ = data_dir
    result = run(data, "similar", "gibt-es-nicht")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no project with id 'gibt-es-nicht' (see `kb projects`)"


@pytest.mark.model
def test_eval_reports_metrics(data_dir, tmp_path):
    data, inputs = data_dir
    run(data, "ingest", str(inputs))
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        json.dumps({"query": "Hilfe bei Bewerbungen", "lang": "de", "relevant": {"Jobpaten Sindelfingen": 3}})
        + "\n"
        + json.dumps(
            {"query": "help with job applications", "lang": "en", "relevant": {"jobpaten-sindelfingen": 2}}
        )
        + "\n"
        + json.dumps({"query": "?!.,;:", "lang": "de", "relevant": {}})
        + "\n",
        encoding="utf-8",
    )
    # the English query finds the German project only through the real (multilingual) model
    report = json.loads(run(data, "eval", str(queries), "--k", "5", "--json", real_model=True).output)
    assert report["overall"]["queries"] == 2 and report["overall"]["out_of_scope_queries"] == 1
    assert report["overall"]["mrr@5"] == [1.0, 1.0, 1.0]  # value and bootstrap interval
    assert report["overall"]["out_of_scope_empty"] == [1.0, 1.0, 1.0]
    assert set(report["by_language"]) == {"de", "en"}
    table = run(data, "eval", str(queries), "--k", "5", real_model=True).output
    assert "OOS empty" in table and "same-town top3" in table


@pytest.mark.model
def test_search_prints_nothing_for_a_question_the_collection_cannot_answer(data_dir):
    data, inputs = data_dir
    run(data, "ingest", str(inputs), real_model=True)
    assert json.loads(run(data, "search", "?!.,;:", "--json", real_model=True).output) == []
    assert "nichts Passendes gefunden" in run(data, "search", "?!.,;:", real_model=True).output
    weak = json.loads(run(data, "search", "?!.,;:", "--all", "--json", real_model=True).output)
    assert weak and all(hit["weak"] and hit["level"] == "schwach" for hit in weak)


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`kb ([a-z-]+)", readme))
    assert set(cli.commands) <= documented, set(cli.commands) - documented


def test_every_setting_is_documented_in_the_readme():
    from kb.settings import SETTINGS_HELP

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for _name, variable, help_text in SETTINGS_HELP:
        assert f"| `{variable}` |" in readme and help_text in readme, variable


@pytest.mark.model
def test_a_model_that_cannot_be_loaded_is_one_error_line(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "KB_MODEL": "st:/nowhere/model", "KB_DATA_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "cli", "search", "Sprachcafé"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: model /nowhere/model is not available offline")
    assert "Traceback" not in result.stderr


def test_supported_file_types_come_from_one_place():
    from ingest import SUFFIX_KINDS
    from webui.admin import ACCEPTED_SUFFIXES

    help_text = CliRunner().invoke(cli, ["ingest", "--help"]).output
    readme_line = next(
        line
        for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        if "`kb ingest PATH" in line
    )
    for suffix in SUFFIX_KINDS:
        assert suffix in help_text and f"`{suffix}`" in readme_line, suffix
    assert ACCEPTED_SUFFIXES.split(",") == list(SUFFIX_KINDS)


def test_town_offers_speak_of_one_project_or_several(capsys):
    from cli.output import print_outcome
    from kb.search_results import PlaceOffer, SearchOutcome

    offers = [PlaceOffer("Herrenberg", 1), PlaceOffer("Leonberg", 3), PlaceOffer("Gäufelden", 0)]
    print_outcome(SearchOutcome("Sprachcafé", "Sprachcafé", [], places=offers))
    lines = capsys.readouterr().out.splitlines()
    assert 'Auch in Herrenberg: 1 passendes Projekt – nur Herrenberg: --town "Herrenberg"' in lines
    assert 'Auch in Leonberg: 3 passende Projekte – nur Leonberg: --town "Leonberg"' in lines
    assert "In Gäufelden gibt es dazu kein passendes Projekt." in lines
