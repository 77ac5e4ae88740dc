"""The Kurzbeschreibung: the source's own lead, or the approach's sentences that say what is done."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import ProjectRecord, Section, parse_file
from kb.short_description import MAX_CHARS, is_descriptive, is_problem, short_description

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "samples" / "projects").glob("*.md"))

TEMPLATE = (
    "Freundeskreis Asyl Weil im Schönbuch e.V. setzt in Weil im Schönbuch ein Projekt im Handlungsfeld "
    "Gesellschaft um, gefördert aus dem Integrationsfonds des Landkreises."
)


def record(approach: str, summary: str | None = None, **fields) -> ProjectRecord:
    return ProjectRecord(
        title=fields.pop("title", "Gemeinsam stark"),
        summary=summary,
        sections=[Section("approach", "Herangehensweise", approach)],
        organisation=fields.pop("organisation", "Freundeskreis Asyl Weil im Schönbuch e.V."),
        town=fields.pop("town", "Weil im Schönbuch"),
        area=fields.pop("area", "Gesellschaft"),
        **fields,
    )


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_every_sample_project_gets_a_description_that_is_no_problem_statement(path: Path):
    project = parse_file(path).records[0]
    text = short_description(project)
    assert text and len(text) <= MAX_CHARS
    first_sentence = text.split(". ")[0]
    assert not is_problem(first_sentence), text
    assert "Handlungsfeld" not in text and "gefördert aus dem" not in text
    approach = " ".join(project.sections[0].text.split())
    assert first_sentence.rstrip(".").split(":")[0][:40] in approach.replace(" deshalb", "")


@pytest.mark.parametrize(
    ("approach", "expected"),
    [
        (  # problem first, the answer with "deshalb"
            "Viele ältere Migrantinnen verlassen kaum ihre Wohnung. Oft fehlt ein Ort zum Reden. "
            "Der Verein öffnet deshalb jeden Freitag ein Erzählcafé im Rathaus. Dort gibt es Tee.",
            "Der Verein öffnet jeden Freitag ein Erzählcafé im Rathaus. Dort gibt es Tee.",
        ),
        (  # the first sentence is already what is done; a following hardship is left out
            "Jeden Samstag reparieren Ehrenamtliche mit Jugendlichen Fahrräder in der alten Scheune. "
            "Die Räder gehen danach an Familien, die keines haben.",
            "Jeden Samstag reparieren Ehrenamtliche mit Jugendlichen Fahrräder in der alten Scheune.",
        ),
        (  # problem, then a sentence leaning on it, then the offer
            "Für Geflüchtete ist die Suche nach einem Kitaplatz schwer. Dabei hilft keiner. "
            "Die Kita-Lotsinnen begleiten Familien bei der Anmeldung und übersetzen im Gespräch.",
            "Die Kita-Lotsinnen begleiten Familien bei der Anmeldung und übersetzen im Gespräch.",
        ),
        (  # a long sentence is ended at its colon
            "Die Initiative bietet Nachhilfe an: "
            + ", ".join(f"Fach {n} am Nachmittag in Raum {n}" for n in range(1, 20))
            + ".",
            "Die Initiative bietet Nachhilfe an.",
        ),
    ],
)
def test_unseen_approaches(approach: str, expected: str):
    assert short_description(record(approach)) == expected


def test_source_lead_is_taken_when_it_describes_the_project():
    lead = "Ein Erzählcafé für ältere Migrantinnen, jeden Freitag im Rathaus, mit Dolmetscherinnen."
    assert short_description(record("Jeden Freitag treffen sich Frauen im Rathaus.", lead)) == lead


@pytest.mark.parametrize(
    "lead",
    [
        TEMPLATE,
        "Ein Projekt des Freundeskreis Asyl Weil im Schönbuch e.V. im Bereich Gesellschaft.",
        "Gefördert durch den Integrationsfonds des Landkreises.",
    ],
)
def test_a_lead_that_only_names_who_where_and_funding_is_not_taken(lead: str):
    project = record("Jeden Freitag treffen sich Frauen im Rathaus zum Erzählcafé.", lead)
    assert not is_descriptive(lead, project)
    assert short_description(project) == "Jeden Freitag treffen sich Frauen im Rathaus zum Erzählcafé."


def test_long_lead_cut_at_a_word_and_two_sentences_at_most():
    lead = (
        "Eine Lernwerkstatt für Kinder. Hausaufgabenhilfe zweimal pro Woche. Dazu Ausflüge. " + "Mehr. " * 50
    )
    text = short_description(record("x", lead))
    assert text == "Eine Lernwerkstatt für Kinder. Hausaufgabenhilfe zweimal pro Woche."
    long_lead = "Ein Sprachcafé " + "mit vielen Gästen " * 60
    cut = short_description(record("x", long_lead))
    assert len(cut) <= MAX_CHARS and cut.endswith("…")


def test_without_any_text_there_is_no_description():
    assert short_description(ProjectRecord(title="Leer")) is None


def test_hostile_input_is_bounded():
    text = short_description(record("Wort " * 200_000 + "."))
    assert text is not None and len(text) <= MAX_CHARS
    lead = short_description(record("x", "Ein Lesecafé " + "mit Kindern " * 1_000_000))
    assert lead is not None and len(lead) <= MAX_CHARS
