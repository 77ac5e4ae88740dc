"""The brochure PDF parser, on the generated sample brochure, a brochure in another layout, and broken files."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pymupdf
import pytest

from ingest import IngestError, parse_file
from ingest.hyphenation import WordEvidence, join_lines
from ingest.record import ProjectRecord
from samples import make_brochure
from tests.brochure_layouts import PageWriter, other_layout_pdf

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PROJECTS = ROOT / "samples" / "projects"
FIXED_PROJECTS = ROOT / "tests" / "data" / "brochure"
GOLDEN = ROOT / "tests" / "golden" / "brochure.json"


SOURCES = make_brochure.load_projects(SAMPLE_PROJECTS)


def squash(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def printed(text: str | None) -> str:
    """The source text as the brochure prints it (characters outside the font substituted)."""
    return squash(make_brochure.pdf_safe(text or ""))


@pytest.fixture(scope="session")
def brochure(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("brochure") / "brochure.pdf"
    report = make_brochure.main(["--projects", str(SAMPLE_PROJECTS), "--out", str(out)])
    return report, parse_file(out)


@pytest.fixture(scope="session")
def small_brochure(tmp_path_factory: pytest.TempPathFactory):
    """The brochure of the three fixed test projects (one runs over two pages, one is two-column)."""
    out = tmp_path_factory.mktemp("small") / "small.pdf"
    report = make_brochure.main(["--projects", str(FIXED_PROJECTS), "--out", str(out)])
    return report, parse_file(out)


@pytest.fixture(scope="session")
def parsed(brochure) -> dict[str, ProjectRecord]:
    return {record.title: record for record in brochure[1].records}


def test_sample_collection_has_pdf_projects():
    assert len(SOURCES) >= 6


def test_every_pdf_project_is_found_once_and_nothing_else(brochure):
    _, result = brochure
    assert sorted(record.title for record in result.records) == sorted(printed(s.title) for s in SOURCES)
    assert result.problems == []


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.title[:40])
def test_fields_equal_the_source(parsed, source):
    record = parsed[printed(source.title)]
    for name in ("area", "organisation", "town", "contact", "period", "summary"):
        assert squash(getattr(record, name)) == printed(getattr(source, name)), name
    for name in ("target_groups", "partners"):
        assert getattr(record, name) == [printed(item) for item in getattr(source, name)], name


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.title[:40])
def test_sections_equal_the_source(parsed, source):
    record = parsed[printed(source.title)]
    assert [(s.kind, s.heading) for s in record.sections] == [(s.kind, s.heading) for s in source.sections]
    assert {s.kind for s in record.sections} >= {"approach", "partners", "value", "special"}
    for got, expected in zip(record.sections, source.sections, strict=True):
        assert got.text.strip()
        assert squash(got.text) == printed(expected.text), got.kind


def test_no_running_text_or_page_numbers_inside_records(parsed):
    running = [make_brochure.RUNNING_HEADER, make_brochure.FOOTER_NOTE, "Gute Praxis Integration"]
    for record in parsed.values():
        texts = [s.text for s in record.sections] + [record.contact or "", record.organisation or ""]
        for text in texts:
            assert not any(marker in text for marker in running), record.title
            assert not re.search(r"^\s*\d{1,3}\s*$", text, re.M), record.title


@pytest.mark.parametrize("which", ["brochure", "small_brochure"])
def test_page_ranges_match_the_layout(request, which):
    report, result = request.getfixturevalue(which)
    found = {record.title: (record.page_start, record.page_end) for record in result.records}
    assert found == {make_brochure.pdf_safe(title): pages for title, pages in report.project_pages.items()}


def test_a_project_continued_on_the_next_page_is_one_record(small_brochure):
    report, result = small_brochure
    spanning = [title for title, (start, end) in report.project_pages.items() if end > start]
    assert spanning, "the fixed brochure should have a project running over two pages"
    record = next(r for r in result.records if r.title == spanning[0])
    assert record.page_end == record.page_start + 1
    assert len(record.sections) == 4


def test_generated_pdf_has_two_columns_and_line_end_hyphens(brochure, parsed):
    report, _ = brochure
    document = pymupdf.open(report.path)
    page = document[report.two_column_pages[0] - 1]
    middle = page.rect.width / 2
    body = [line for block in page.get_text("dict")["blocks"] for line in block.get("lines", ())]
    assert any(line["bbox"][2] < middle for line in body) and any(line["bbox"][0] > middle for line in body)
    # A word broken by the typesetter is printed with a hyphen at a line end ...
    broken = [entry.split("|") for entry in report.hyphenated]
    assert len(broken) >= 10
    text = "\n".join(p.get_text() for p in document)
    head, tail = broken[0]
    assert f"{head}\n{tail}" in text
    # ... and comes out of the parser whole.
    whole = re.sub(r"\W+$", "", head[:-1] + tail)
    all_text = " ".join(s.text for record in parsed.values() for s in record.sections)
    assert whole in all_text
    source_text = " ".join(printed(s.text) for source in SOURCES for s in source.sections)
    in_projects = [w for w in (re.sub(r"\W+$", "", h[:-1] + t) for h, t in broken) if w in source_text]
    assert len(in_projects) >= 10
    assert [word for word in in_projects if word not in all_text] == []


def test_generator_is_deterministic(tmp_path):
    first = make_brochure.main(["--projects", str(FIXED_PROJECTS), "--out", str(tmp_path / "a.pdf")])
    make_brochure.main(["--projects", str(FIXED_PROJECTS), "--out", str(tmp_path / "b.pdf")])
    assert first.pages > 5
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_golden_output_for_a_fixed_brochure(small_brochure):
    records = [record.to_dict() for record in small_brochure[1].records]
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert records == json.loads(GOLDEN.read_text(encoding="utf-8"))


# Dehyphenation rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("im Integrations-", "kurs lernen", "im Integrationskurs lernen"),
        ("die Eltern-", "Kind-Gruppe", "die Eltern-Kind-Gruppe"),
        ("der Deutsch-", "Türkische Verein", "der Deutsch-Türkische Verein"),
        ("Sprach-", "und Kulturmittler", "Sprach- und Kulturmittler"),
        ("Lese-", "oder Schreibkurse", "Lese- oder Schreibkurse"),
        ("von 2021-", "2024", "von 2021-2024"),
        ("Integrations\u00ad", "kurs", "Integrationskurs"),
        ("eine Pause -", "dann weiter", "eine Pause - dann weiter"),
        ("ein Satz", "geht weiter", "ein Satz geht weiter"),
        ("Fortbildungen,", "Workshops", "Fortbildungen, Workshops"),
    ],
)
def test_join_lines(left, right, joined):
    assert join_lines(left, right) == joined


def test_document_evidence_keeps_a_lowercase_compound():
    evidence = WordEvidence.from_lines(["alle baden-württembergischen Kommunen", "machen mit"])
    assert (
        join_lines("die baden-", "württembergischen Kreise", evidence) == "die baden-württembergischen Kreise"
    )
    assert join_lines("die baden-", "württembergischen Kreise") == "die badenwürttembergischen Kreise"


def test_line_end_fragments_are_no_evidence():
    evidence = WordEvidence.from_lines(["im Integrations-", "kurs und im Integrations-", "kurs"])
    assert join_lines("im Integrations-", "kurs", evidence) == "im Integrationskurs"


# Broken and unusual files --------------------------------------------------------------------


@pytest.fixture(scope="session")
def small_pdf(small_brochure) -> Path:
    return small_brochure[0].path


def image_page(document: pymupdf.Document) -> None:
    """A page holding only a picture, as a scanner makes it."""
    page = document.new_page()
    picture = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 40, 40), False)
    picture.clear_with(180)
    page.insert_image(page.rect, pixmap=picture)


def reason(path: Path, data: bytes) -> str:
    with pytest.raises(IngestError) as caught:
        parse_file(path, data)
    return str(caught.value)


@pytest.mark.parametrize("share", [0.1, 0.5, 0.95])
def test_truncated_pdf(small_pdf, share):
    data = small_pdf.read_bytes()
    message = reason(small_pdf, data[: int(len(data) * share)])
    assert message.startswith(f"{small_pdf}: not a readable PDF: the file is truncated")


def test_not_a_pdf_at_all(tmp_path):
    assert "not a readable PDF: no PDF header" in reason(tmp_path / "x.pdf", b"<html>surprise</html>")


def test_encrypted_pdf(small_pdf):
    with pymupdf.open(small_pdf) as document:
        data = document.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="geheim", owner_pw="amt")
    assert reason(small_pdf, data) == f"{small_pdf}: encrypted PDF — remove the password first"


def test_pdf_restricted_only_by_owner_password_is_read(small_pdf):
    with pymupdf.open(small_pdf) as document:
        data = document.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="amt", permissions=0)
    assert len(parse_file(small_pdf, data).records) == 3


def test_image_only_pdf(tmp_path):
    document = pymupdf.open()
    image_page(document)
    image_page(document)
    message = reason(tmp_path / "scan.pdf", document.tobytes())
    assert message == f"{tmp_path / 'scan.pdf'}: page 1: no text layer — scanned document? Run OCR first."


def test_pdf_without_any_text(tmp_path):
    document = pymupdf.open()
    document.new_page()
    assert reason(tmp_path / "blank.pdf", document.tobytes()).endswith("empty PDF: no text on any page")


def test_some_scanned_pages_are_named_and_the_rest_is_read(small_pdf):
    with pymupdf.open(small_pdf) as document:
        image_page(document)
        document.move_page(document.page_count - 1, 2)  # a scanned page 3, before the projects
        data = document.tobytes()
    result = parse_file(small_pdf, data)
    assert len(result.records) == 3
    assert [str(problem) for problem in result.problems] == [
        f"{small_pdf}: page 3: no text layer (a scan or a picture) — skipped; run OCR if it holds text"
    ]


def test_pdf_without_projects(tmp_path):
    document = pymupdf.open()
    page = document.new_page()
    page.insert_text((72, 100), "Vorwort", fontname="hebo", fontsize=20)
    page.insert_text((72, 140), "Liebe Leserinnen und Leser, hier beginnt kein Projekt.", fontsize=10)
    assert "no projects recognised" in reason(tmp_path / "foreword.pdf", document.tobytes())


# A brochure in another layout (tests/brochure_layouts.py) ----------------------------------


@pytest.fixture(scope="session")
def other_layout() -> list[ProjectRecord]:
    return parse_file("other.pdf", other_layout_pdf()).records


def test_other_layout_finds_the_projects_and_their_fields(other_layout):
    assert [r.title for r in other_layout] == [
        "Willkommen im Quartier: Nachbarschaftslotsen für neu zugezogene Familien",
        "Gemeinsam kochen, gemeinsam reden",
    ]
    first, second = other_layout
    assert (first.area, first.organisation, first.town, first.period) == (
        "Gesundheit",
        "Nachbarschaftsverein Ost e. V.",
        "Böblingen",
        "2022 bis 2024",
    )
    assert first.target_groups == ["Familien", "Alleinerziehende", "ältere Menschen"]
    assert (
        first.contact
        == "Frau Muster, Telefon 07031 111, lotsen@example.org, erreichbar dienstags und donnerstags"
    )
    assert first.summary == "Ein Angebot für alle, die neu im Viertel sind."
    assert (first.page_start, first.page_end, second.page_start, second.page_end) == (3, 4, 5, 5)
    assert (second.area, second.organisation, second.partners) == (
        "Gesellschaft",
        "Kulturverein Mosaik e. V.",
        ["Stadtteilbibliothek", "Seniorenrat"],
    )


def test_other_layout_sections(other_layout):
    first, second = other_layout
    assert [(s.kind, s.heading) for s in first.sections] == [
        ("approach", "Vorgehen"),
        ("partners", "Kooperationspartner"),
        ("value", "Nutzen"),
        ("special", "Das Besondere"),
        ("other", "Ausblick"),
    ]
    approach = first.sections[0].text
    assert (
        "zum Integrationskurs, zur Kinderärztin und zur Eltern-Kind-Gruppe im Stadtteilzentrum." in approach
    )
    assert approach.endswith("Stadtteilzentrum.\n\nBei Bedarf kommen Sprach- und Kulturmittlerinnen dazu.")
    assert first.sections[2].text == (
        "Familien finden schneller Anschluss und wissen, wohin sie sich mit Fragen wenden können. "
        "Die Lotsinnen sammeln wertvolle Erfahrungen."
    )
    assert first.sections[4].text == "Im nächsten Jahr soll ein zweites Quartier dazukommen."
    assert [s.text for s in second.sections] == [
        "Einmal im Monat kochen Nachbarinnen aus verschiedenen Ländern gemeinsam. Jede bringt ein Rezept mit."
        "\n\n- Rezepte werden gesammelt\n- Einkauf auf dem Wochenmarkt",
        "Die Stadtteilbibliothek leiht Kochbücher in vielen Sprachen aus.",
        "Beim Kochen kommen Menschen ins Gespräch, die sich sonst nicht begegnen würden.",
        "Die Rezepte erscheinen jedes Jahr als kleines Kochbuch.",
    ]


def test_large_recurring_headings_are_not_titles():
    """Section headings set nearly as large as titles recur in every project; titles do not."""
    document = pymupdf.open()
    for number in range(1, 4):
        page = PageWriter(document, "Handlungsfeld Bildung")
        page.line(f"Projekt Nummer {number}", size=20, font="hebo")
        page.field("Träger:", f"Verein {number} e. V.")
        page.field("Ort:", "Herrenberg")
        for heading in ("Herangehensweise", "Mehrwert"):
            page.y += 8
            page.line(heading, size=14, font="hebo")
            page.line(f"Text zu {heading} im Projekt {number}.")
    records = parse_file("big.pdf", document.tobytes()).records
    assert [(r.title, r.organisation, r.area) for r in records] == [
        (f"Projekt Nummer {n}", f"Verein {n} e. V.", "Bildung") for n in range(1, 4)
    ]
    assert [[(s.kind, s.text) for s in r.sections] for r in records][2] == [
        ("approach", "Text zu Herangehensweise im Projekt 3."),
        ("value", "Text zu Mehrwert im Projekt 3."),
    ]


def test_info_block_in_a_side_column_with_labels_above_values():
    document = pymupdf.open()
    page = PageWriter(document, "Handlungsfeld Gesundheit")
    page.line("Bewegung für alle", size=20, font="hebo")
    page.gap(10)
    top = page.y
    page.heading("Herangehensweise", coloured=False)
    for text in [
        "Jeden Samstag treffen sich Frauen",
        "zum gemeinsamen Laufen im Park.",
        "Kinder werden nebenan betreut.",
    ]:
        page.line(text)
    page.heading("Mehrwert", coloured=False)
    page.line("Bewegung und Begegnung zugleich.")
    page.y = top
    for label, values in [
        ("Träger:", ["Verein Sonne e. V."]),
        ("Zielgruppe:", ["Frauen, Kinder"]),
        ("Kontakt:", ["Frau Beispiel", "sonne@example.org"]),
    ]:
        page.y += 6
        page.line(label, x=380, font="hebo")
        for value in values:
            page.line(value, x=380)
    (record,) = parse_file("side.pdf", document.tobytes()).records
    assert (record.title, record.area, record.organisation) == (
        "Bewegung für alle",
        "Gesundheit",
        "Verein Sonne e. V.",
    )
    assert (record.target_groups, record.contact) == (["Frauen", "Kinder"], "Frau Beispiel sonne@example.org")
    assert [(s.kind, s.text) for s in record.sections] == [
        (
            "approach",
            "Jeden Samstag treffen sich Frauen zum gemeinsamen Laufen im Park. Kinder werden nebenan betreut.",
        ),
        ("value", "Bewegung und Begegnung zugleich."),
    ]


def test_info_table_without_colons_and_with_contact_details():
    document = pymupdf.open()
    page = PageWriter(document, "Handlungsfeld Arbeitsmarkt")
    page.line("Job-Tandems im Handwerk", size=20, font="hebo")
    page.gap(6)
    for label, value in [
        ("Träger", "Kreishandwerkerschaft (Beispiel)"),
        ("Zielgruppe", "Geflüchtete Frauen; junge Erwachsene"),
        ("Kontakt", "Herr Beispiel"),
        ("Telefon:", "07031 000 111"),
        ("E-Mail:", "tandem@example.org"),
        ("Förderung:", "Landesprogramm (Beispiel)"),
    ]:
        page.page.insert_text((60, page.y), label, fontname="hebo", fontsize=9.5)
        page.line(value, x=160)
    page.heading("Herangehensweise", coloured=False)
    page.line("Geflüchtete arbeiten drei Monate lang in einem Betrieb mit.")
    (record,) = parse_file("table.pdf", document.tobytes()).records
    assert record.organisation == "Kreishandwerkerschaft (Beispiel)"
    assert record.target_groups == ["Geflüchtete Frauen", "junge Erwachsene"]
    assert record.contact == "Herr Beispiel; Telefon: 07031 000 111; E-Mail: tandem@example.org"
    assert record.extra == {"Förderung": "Landesprogramm (Beispiel)"}
    assert record.area == "Arbeitsmarkt"
    assert [s.kind for s in record.sections] == ["approach"]


def test_large_type_inside_a_project_stays_in_it():
    document = pymupdf.open()
    page = PageWriter(document, "Handlungsfeld Bildung")
    page.line("Lernen im Park", size=20, font="hebo")
    page.field("Träger:", "Verein Grün e. V.")
    page.field("Ort:", "Sindelfingen")
    page.heading("Herangehensweise", coloured=False)
    page.line("Kinder lernen draußen.")
    page.gap(10)
    page.line("„Draußen lernt es sich leichter“", size=18, font="hebo")
    page.line("sagt eine Mutter aus dem Projekt.")
    page.heading("Mehrwert", coloured=False)
    page.line("Mehr Bewegung, mehr Wörter.")
    (record,) = parse_file("quote.pdf", document.tobytes()).records
    assert [(s.kind, s.text) for s in record.sections] == [
        ("approach", "Kinder lernen draußen."),
        ("other", "sagt eine Mutter aus dem Projekt."),
        ("value", "Mehr Bewegung, mehr Wörter."),
    ]
    assert "Draußen lernt es sich leichter" in record.sections[1].heading
