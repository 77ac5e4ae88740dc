"""Bulk records: JSON Lines, JSON (list and {"projects": [...]}) and CSV (comma, semicolon, windows-1252)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest import IngestError, Section, bulk_records, parse_file

DATA = Path(__file__).resolve().parent / "data"


def _fields(record) -> dict:
    """The non-empty parts of a record, for literal comparisons."""
    return {key: value for key, value in record.to_dict().items() if value not in (None, [], {})}


def test_jsonl_keeps_good_records_and_names_the_broken_lines():
    result = parse_file(DATA / "bulk_projects.jsonl")
    assert [record.title for record in result.records] == [
        "Lernpaten für Grundschulkinder",
        "Gesundheitstreff für Frauen",
        "Job-Brücke",
    ]
    assert [(problem.location, problem.reason.split(":")[0]) for problem in result.problems] == [
        ("line 2", "not valid JSON"),
        ("line 5", "'Ohne Text'"),
        ("line 6", "no title"),
        ("line 7", "expected a project object {...}, found a list"),
    ]
    assert str(result.problems[0]).startswith(f"{DATA / 'bulk_projects.jsonl'}: line 2: not valid JSON")
    assert "column" in result.problems[0].reason


def test_jsonl_english_fields_and_plain_text():
    record = parse_file(DATA / "bulk_projects.jsonl").records[0]
    assert _fields(record) == {
        "title": "Lernpaten für Grundschulkinder",
        "sections": [
            {
                "kind": "other",
                "heading": "Beschreibung",
                "text": "Ehrenamtliche helfen einmal pro Woche bei den Hausaufgaben.",
            }
        ],
        "area": "Bildung",
        "organisation": "Bürgerstiftung Beispiel",
        "town": "Böblingen",
        "target_groups": ["Grundschulkinder", "Eltern"],
        "partners": ["Grundschule am Park", "Stadtbibliothek"],
        "contact": "lernpaten@example.org",
        "period": "seit 2018",
        "extra": {"id": "lp-1"},
    }


def test_german_keys_and_a_sections_object():
    record = parse_file(DATA / "bulk_projects.jsonl").records[1]
    assert (record.area, record.organisation, record.town, record.period) == (
        "Gesundheit",
        "Frauenzentrum e.V.",
        "Sindelfingen",
        "2022–2024",
    )
    assert record.target_groups == ["Frauen", "Seniorinnen"]
    assert record.summary == "Ein offener Treff mit Ärztinnen."  # the text is the summary when sections exist
    assert record.sections == [
        Section("approach", "Herangehensweise", "Monatliche Vorträge in einfacher Sprache."),
        Section("value", "Mehrwert", "Frauen gehen früher zur Vorsorge."),
        Section("other", "Rückblick", "Über 300 Besucherinnen."),
    ]


def test_keys_named_like_sections_become_sections():
    record = parse_file(DATA / "bulk_projects.jsonl").records[2]
    assert record.summary == "Kurz gesagt: Mentoring."
    assert [(s.kind, s.heading) for s in record.sections] == [
        ("other", "Beschreibung"),  # an explicit summary leaves the text as a section of its own
        ("partners", "Zusammenarbeit mit Netzwerkpartnern"),
        ("special", "Besonderheiten"),
    ]


@pytest.mark.parametrize("name", ["bulk_list.json", "bulk_object.json"])
def test_json_list_and_object_forms_give_the_same_records(name: str):
    result = parse_file(DATA / name)
    assert result.problems == []
    assert [_fields(record) for record in result.records] == [
        {
            "title": "Sprachcafé am Markt",
            "sections": [
                {
                    "kind": "other",
                    "heading": "Beschreibung",
                    "text": "Ein Treffpunkt, um Deutsch zu sprechen.",
                }
            ],
            "area": "Bildung",
            "town": "Herrenberg",
            "partners": ["Volkshochschule", "Stadt Herrenberg, Amt für Soziales"],
        },
        {
            "title": "Elternlotsen",
            "sections": [
                {
                    "kind": "approach",
                    "heading": "Herangehensweise",
                    "text": "Lotsinnen begleiten Eltern zu Elternabenden.",
                },
                {"kind": "value", "heading": "Mehrwert", "text": "Eltern verstehen das Schulsystem."},
            ],
            "contact": "Tel. 07031 000000",
        },
    ]


def test_semicolon_csv_in_windows_1252():
    assert b";" in (DATA / "bulk_semikolon_cp1252.csv").read_bytes().split(b"\n")[0]
    with pytest.raises(UnicodeDecodeError):
        (DATA / "bulk_semikolon_cp1252.csv").read_bytes().decode("utf-8")
    result = parse_file(DATA / "bulk_semikolon_cp1252.csv")
    first, second = result.records
    assert first.title == "Nähstube; offen für alle"
    assert first.summary == "Gemeinsam nähen und reden.\nJeden Dienstag."
    assert first.sections == [Section("approach", "Herangehensweise", "Eine Schneiderin leitet an.")]
    assert (first.organisation, first.town, first.target_groups) == (
        "Familienzentrum Süd",
        "Böblingen",
        ["Frauen", "Kinder"],
    )
    assert second.sections == [Section("other", "Beschreibung", "Training für Jugendliche – kostenlos.")]
    assert [(p.location, p.reason) for p in result.problems] == [
        ("line 4", "no title: each record needs a 'title' (or 'titel') field")
    ]


def test_comma_csv_with_quoted_commas():
    result = parse_file(DATA / "bulk_komma.csv")
    assert result.problems == []
    first, second = result.records
    assert first.title == "Repair-Café, international"
    assert first.target_groups == ["Nachbarn", "Geflüchtete"]
    assert first.partners == ["Stadtwerke Leonberg", "Jugendhaus"]
    assert (second.title, second.target_groups, second.partners) == ("Lesekreis", [], [])


def test_csv_without_title_column_names_the_columns_found():
    with pytest.raises(
        IngestError, match=r"no title column \(found columns 'Projekt-Nr', 'Beschreibung', 'Ort'\)"
    ):
        parse_file(DATA / "bulk_ohne_titel.csv")


@pytest.mark.parametrize(
    ("text", "location"),
    [
        ('[{"title": "A", "text": "x"},\n {"title": "B" "text": "y"}]', "line 2, column 16"),
        ('{"projects": [\n\n  {"title": "A", "text": "x"}\n', "line 4, column 2"),
        ("", None),
    ],
    ids=["missing-comma", "unclosed", "empty"],
)
def test_invalid_json_names_line_and_column(tmp_path: Path, text: str, location: str | None):
    path = tmp_path / "projekte.json"
    path.write_text(text + " ", encoding="utf-8")
    with pytest.raises(IngestError) as caught:
        parse_file(path)
    assert caught.value.location == location
    assert ("not valid JSON" in caught.value.reason) or location is None


@pytest.mark.parametrize(
    ("name", "content", "titles"),
    [
        ("zeilen.json", '{"title": "A", "text": "x"}\n{"title": "B", "text": "y"}\n', ["A", "B"]),
        ("ganz.jsonl", '[\n  {"title": "A", "text": "x"}\n]\n', ["A"]),
        ("einzeln.json", '{"titel": "A", "beschreibung": "x"}', ["A"]),
        ("excel.csv", "sep=;\ntitel;text\nA;x, y\n", ["A"]),
        ("tabs.csv", "title\ttext\nA\tx\n", ["A"]),
    ],
)
def test_forgiving_about_the_usual_mix_ups(tmp_path: Path, name: str, content: str, titles: list[str]):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = parse_file(path)
    assert [record.title for record in result.records] == titles
    assert result.problems == []


def test_a_csv_row_with_too_many_cells_is_a_problem(tmp_path: Path):
    path = tmp_path / "liste.csv"
    path.write_text("title,text\nA,x\nB,y,zu viel\nC,z\n", encoding="utf-8")
    result = parse_file(path)
    assert [record.title for record in result.records] == ["A", "C"]
    assert [(p.location, p.reason) for p in result.problems] == [
        ("line 3", "the row has 3 cells but the header has 2 columns")
    ]


@pytest.mark.parametrize(
    "document",
    ['{"meta": {"count": 2}}', '"nur ein Text"'],
    ids=["object-without-projects", "string"],
)
def test_json_of_the_wrong_shape_says_what_it_expected(tmp_path: Path, document: str):
    path = tmp_path / "daten.json"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(IngestError, match="expected a list of projects"):
        parse_file(path)


def test_sections_of_the_wrong_shape_are_a_problem_of_that_record(tmp_path: Path):
    path = tmp_path / "daten.jsonl"
    path.write_text(
        '{"title": "A", "sections": "nur Text"}\n{"title": "B", "sections": [{"kind": "value", "text": "gut"}]}\n',
        encoding="utf-8",
    )
    result = parse_file(path)
    assert [(r.title, r.sections) for r in result.records] == [("B", [Section("value", "Mehrwert", "gut")])]
    assert [p.location for p in result.problems] == ["line 1"]
    assert "sections must be" in result.problems[0].reason


def _jsonl(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "projekte.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _good_lines(count: int) -> list[str]:
    return [json.dumps({"title": f"Projekt {n}", "text": "Ein Sprachcafé."}) for n in range(count)]


def test_a_file_of_broken_lines_is_read_no_further_than_it_must(tmp_path: Path):
    """Problems beyond the first hundred are counted, not kept; with no project in the first
    thousand lines the rest is not read."""
    result = parse_file(_jsonl(tmp_path, ["kein json"] * 200_000))
    assert result.records == []
    listed, more, stopped = result.problems[:-2], result.problems[-2], result.problems[-1]
    assert len(listed) == bulk_records.MAX_PROBLEMS_LISTED
    assert all(problem.reason.startswith("not valid JSON") for problem in listed)
    assert more.reason == "900 more problems (only the first 100 are listed)"
    assert stopped.reason == "none of the first 1,000 entries is a project: the rest was not read"
    assert str(stopped).startswith(str(tmp_path / "projekte.jsonl"))


def test_records_beyond_the_limit_are_not_read(tmp_path: Path):
    result = parse_file(_jsonl(tmp_path, _good_lines(bulk_records.MAX_RECORDS + 5)))
    assert len(result.records) == bulk_records.MAX_RECORDS
    assert result.records[-1].title == f"Projekt {bulk_records.MAX_RECORDS - 1}"
    (problem,) = result.problems
    assert problem.reason == "more than 10,000 records: the first 10,000 were read; split the file"


def test_good_records_among_endless_broken_lines_are_kept_and_reading_stops(tmp_path: Path):
    lines = _good_lines(3) + ["{kaputt"] * (bulk_records.MAX_PROBLEMS + 50) + _good_lines(1)
    result = parse_file(_jsonl(tmp_path, lines))
    assert [record.title for record in result.records] == ["Projekt 0", "Projekt 1", "Projekt 2"]
    assert len(result.problems) == bulk_records.MAX_PROBLEMS_LISTED + 2
    assert result.problems[-1].reason == "10,000 entries could not be read: the rest was not read"


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_json_lists_and_tables_have_the_same_bounds(tmp_path: Path, kind: str):
    count = bulk_records.GIVE_UP_AFTER + 10
    if kind == "json":
        path = tmp_path / "projekte.json"
        path.write_text(json.dumps([[n] for n in range(count)]), encoding="utf-8")
    else:
        path = tmp_path / "projekte.csv"
        path.write_text("titel;beschreibung\n" + ";Text\n" * count, encoding="utf-8")
    result = parse_file(path)
    assert result.records == []
    assert len(result.problems) == bulk_records.MAX_PROBLEMS_LISTED + 2
    assert result.problems[-1].reason.startswith("none of the first 1,000 entries is a project")
