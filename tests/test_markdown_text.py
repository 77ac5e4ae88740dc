"""The Markdown parser: front matter, several projects per file, sections, label lines, broken YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import IngestError, Section, parse_file

DATA = Path(__file__).resolve().parent / "data"


def test_front_matter_gives_the_fields_and_the_lead_the_summary():
    result = parse_file(DATA / "md_front_matter.md")
    assert result.problems == []
    (record,) = result.records
    assert record.title == "Mama lernt Deutsch – mit Kind"
    assert (record.area, record.organisation, record.town, record.period) == (
        "Bildung",
        "Familienzentrum Beispiel e.V.",
        "Böblingen",
        "seit 2017",
    )
    assert record.target_groups == ["Mütter mit Kleinkindern", "Schwangere"]
    assert record.partners == ["Volkshochschule Böblingen", "Kinderschutzbund, Ortsverband Böblingen"]
    assert record.contact == "Leyla Aydın, Tel. 07031 000000"
    assert record.summary == "Ein Deutschkurs am Vormittag, während die Kinder nebenan betreut werden."


def test_known_headings_get_their_kind_and_unknown_ones_are_other():
    record = parse_file(DATA / "md_front_matter.md").records[0]
    assert record.sections == [
        Section(
            "approach",
            "Herangehensweise",
            "Zweimal pro Woche lernen die Mütter drei Stunden.\n\n- Kinderbetreuung im Nebenraum\n- Material der Volkshochschule",
        ),
        Section(
            "partners", "Zusammenarbeit mit Netzwerkpartnern", "Die Volkshochschule stellt die Lehrkraft."
        ),
        Section("other", "Ausblick", "Ein zweiter Kurs in Sindelfingen ist geplant."),
        Section("value", "Mehrwert", "Mütter kommen aus der Isolation."),
    ]


def test_several_projects_in_one_file_with_label_lines():
    first, second = parse_file(DATA / "md_mehrere_projekte.md").records
    assert (first.title, first.organisation, first.town, first.period) == (
        "Lesepaten an Grundschulen",
        "Bürgerstiftung Beispiel",
        "Leonberg",
        "2019–2023",
    )
    assert first.target_groups == ["Grundschulkinder", "Eltern"]
    assert first.summary == "Ehrenamtliche lesen mit Kindern."
    assert [(s.kind, s.heading) for s in first.sections] == [
        ("approach", "Vorgehen"),
        ("special", "Was ist besonders"),
    ]
    assert (second.title, second.town, second.contact, second.summary) == (
        "Sprachcafé im Rathaus",
        "Weil der Stadt",
        "sprachcafe@example.org",
        "Offener Treff am Samstag.",
    )
    assert [(s.kind, s.heading) for s in second.sections] == [
        ("partners", "Zusammenarbeit mit Netzwerkpartnern"),
        ("other", "Fotos"),
    ]
    assert second.organisation is None  # fields do not leak from one project into the next


@pytest.mark.parametrize(
    ("front_matter", "line"),
    [
        ("title: Test\narea: Bildung\ntarget_groups: [Frauen, Kinder\ntown: Böblingen\n", "line 5"),
        ("title: Test\n  area: Bildung\n", "line 3"),
        ('title: "Test\n', "line 2"),
        ("title: Test\narea: [Bildung\n", "line 3"),
    ],
    ids=["unclosed-list", "bad-indent", "unclosed-quote", "unclosed-list-at-end"],
)
def test_broken_yaml_names_the_line(tmp_path: Path, front_matter: str, line: str):
    path = tmp_path / "projekt.md"
    path.write_text(f"---\n{front_matter}---\n## Herangehensweise\nText.\n", encoding="utf-8")
    with pytest.raises(IngestError, match="front matter is not valid YAML") as caught:
        parse_file(path)
    assert caught.value.location == line
    assert str(caught.value).startswith(f"{path}: {line}: ")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("---\n- a\n- b\n---\nText.\n", "front matter must be"),
        ("---\ntitle: A\n---\n# Eins\nText\n# Zwei\nText\n", "several '# ' projects"),
        ("Nur Text, keine Überschrift.\n", "no project title"),
    ],
    ids=["list-front-matter", "one-title-many-projects", "no-title"],
)
def test_files_that_cannot_be_read_say_why(tmp_path: Path, text: str, reason: str):
    path = tmp_path / "projekt.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IngestError, match=reason):
        parse_file(path)


def test_bold_label_lines(tmp_path: Path):
    path = tmp_path / "projekt.md"
    path.write_text("# Projekt\n\n**Laufzeit:** 2019–2023\n\nText.\n", encoding="utf-8")
    assert parse_file(path).records[0].period == "2019–2023"


def test_label_lines_above_the_first_heading_belong_to_the_first_project(tmp_path: Path):
    path = tmp_path / "projekt.md"
    path.write_text("Ort: Leonberg\n\n# Projekt\n\nText.\n", encoding="utf-8")
    assert parse_file(path).records[0].town == "Leonberg"


def test_front_matter_keys_the_product_does_not_know_are_no_fields():
    data = (
        b"---\ntitle: Lesepaten\ntown: Herrenberg\nformat: pdf\ndraft: true\n---\n"
        b"## Herangehensweise\nEhrenamtliche lesen mit Kindern.\n"
    )
    (record,) = parse_file("lesepaten.md", data).records
    assert record.town == "Herrenberg"
    assert record.extra == {}  # neither stored nor shown on the project page
