"""`kb projects --format json|csv|xlsx --output FILE`, and the table writers under it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from cli import cli
from kb.export import Table, defused, to_csv, to_xlsx
from tests.fake_embedder import HashingEmbedder
from tests.helpers import write_project

HOSTILE = '=HYPERLINK("http://example.invalid","klick")'


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-export")
    write_project(
        folder / "in", "a.md", "Sprachcafé Miteinander", approach="Geflüchtete Frauen üben Deutsch."
    )
    write_project(
        folder / "in",
        "b.md",
        "Jobpaten",
        town="Sindelfingen",
        area="Arbeitsmarkt",
        organisation=HYPERLINK_ORG,
    )
    result = run(folder / "data", "ingest", str(folder / "in"))
    assert result.exit_code == 0, result.output
    return folder / "data"


HYPERLINK_ORG = "=Verein Brücke e.V."  # an organisation name a spreadsheet would take for a formula


def run(data_dir: Path, *args: str):
    return CliRunner().invoke(
        cli, ["--data-dir", str(data_dir), *args], obj={"embedder": HashingEmbedder()}, catch_exceptions=False
    )


def test_csv_file_has_every_project_and_defuses_formulas(data_dir, tmp_path):
    target = tmp_path / "projekte.csv"
    result = run(data_dir, "projects", "--format", "csv", "--output", str(target))
    assert result.exit_code == 0, result.output
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["title"] for row in rows} == {"Sprachcafé Miteinander", "Jobpaten"}
    jobs = next(row for row in rows if row["title"] == "Jobpaten")
    assert jobs["organisation"] == "'" + HYPERLINK_ORG
    assert jobs["section_approach"] == "Wir treffen uns jede Woche."
    assert target.read_bytes().startswith("\ufeff".encode())  # Excel reads the umlauts


def test_csv_to_stdout_with_filters(data_dir):
    result = run(data_dir, "projects", "--format", "csv", "--town", "Sindelfingen")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [row["title"] for row in rows] == ["Jobpaten"]


def test_xlsx_file_opens_with_every_field(data_dir, tmp_path):
    target = tmp_path / "projekte.xlsx"
    assert run(data_dir, "projects", "--format", "xlsx", "-o", str(target)).exit_code == 0
    sheet = load_workbook(target).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:5] == ("id", "title", "area", "organisation", "town")
    assert {row[1] for row in rows} == {"Sprachcafé Miteinander", "Jobpaten"}
    # text stays text: nothing in the workbook is a formula
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_json_file_equals_json_output(data_dir, tmp_path):
    target = tmp_path / "projekte.json"
    assert run(data_dir, "projects", "--format", "json", "--output", str(target)).exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(
        run(data_dir, "projects", "--json").output
    )


def test_xlsx_needs_a_file_and_a_bad_path_is_one_error_line(data_dir, tmp_path):
    result = run(data_dir, "projects", "--format", "xlsx")
    assert result.exit_code == 1 and "needs --output FILE" in result.output
    result = run(data_dir, "projects", "--format", "csv", "--output", str(tmp_path / "fehlt" / "x.csv"))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "x.csv: cannot be written" in result.output


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_defused(start):
    assert defused(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("value", ["Verein", "4.000 €", "", 12, 3.5, None])
def test_plain_values_stay(value):
    assert defused(value) == value


def test_xlsx_keeps_hostile_text_as_text_without_an_apostrophe():
    table = Table("Liste", ["a", "b"], [[HOSTILE, "-5"], ["Kontroll\x07zeichen", 7]])
    sheet = load_workbook(io.BytesIO(to_xlsx([table]))).active
    assert sheet["A2"].value == HOSTILE and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == "-5"
    assert sheet["A3"].value == "Kontrollzeichen" and sheet["B3"].value == 7


def test_csv_round_trips_newlines_quotes_and_commas():
    table = Table("Liste", ["text"], [['Zeile 1\nZeile "2", mit Komma']])
    rows = list(csv.reader(io.StringIO(to_csv(table))))
    assert rows == [["text"], ['Zeile 1\nZeile "2", mit Komma']]


def test_coverage_as_text_csv_and_xlsx(data_dir, tmp_path):
    text = run(data_dir, "coverage").output
    assert "Orte x Themenfelder" in text and "Weisse Flecken" in text
    rows = list(csv.DictReader(io.StringIO(run(data_dir, "coverage", "--format", "csv").output)))
    assert len(rows) == 26  # every town of the county, with or without projects
    by_town = {row["town"]: row for row in rows}
    assert by_town["Sindelfingen"]["Arbeitsmarkt"] == "1" and by_town["Böblingen"]["Bildung"] == "1"
    assert by_town["Altdorf"]["total"] == "0"
    target = tmp_path / "abdeckung.xlsx"
    assert (
        run(data_dir, "coverage", "--by", "target_group", "--format", "xlsx", "-o", str(target)).exit_code
        == 0
    )
    header, *groups = list(load_workbook(target).active.iter_rows(values_only=True))
    assert header[0] == "target_group" and groups
