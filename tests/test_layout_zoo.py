"""The layout zoo: the sample projects typeset by four independent engines, each in another design,
parsed and compared with the source files they were set from.

The PDFs are built on demand into samples/build/zoo and cached there by a hash of the sources and
the generator code (samples/make_zoo.py), so a second run only parses.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pymupdf
import pytest

from ingest import parse_file
from samples import make_zoo

ROOT = Path(__file__).resolve().parents[1]


zoo_common = sys.modules["zoo_common"]  # as make_zoo imports it (the scripts run on their own too)

# Text each design prints around the projects: none of it may end up inside a section.
FURNITURE = [
    "Gute Praxis Integration",  # fpdf2 running header
    "Beispielsammlung (illustrativ)",  # fpdf2 footer
    "Gute Praxis – Magazin",  # chromium header
    "Praxisbericht Integration",  # weasyprint header
    zoo_common.FOOTNOTE,
    *zoo_common.CAPTIONS,
]


# Typesetting with Typst, WeasyPrint and Chromium takes tens of seconds: those engines are in the
# slow tier, fpdf2 (the sample brochure's own) stays in `make test-fast`.
ENGINE_PARAMS = [
    pytest.param(engine, marks=[] if engine == "fpdf2" else [pytest.mark.slow]) for engine in make_zoo.ENGINES
]


@pytest.fixture(scope="module", params=ENGINE_PARAMS)
def zoo(request):
    engine = request.param
    path = make_zoo.build(engine)
    result = parse_file(path)
    return engine, path, result.records, make_zoo.truth(engine)


def test_every_title_is_found_and_nothing_else(zoo):
    engine, _, parsed, expected = zoo
    assert sorted(make_zoo.normal_title(r.title) for r in parsed) == sorted(
        make_zoo.normal_title(r.title) for r in expected
    ), engine


def test_sections_match_the_source_in_95_percent_of_projects(zoo):
    engine, _, parsed, expected = zoo
    score = make_zoo.score(engine, parsed, expected)
    assert score.titles_found == len(expected)
    assert score.projects_ok >= 0.95 * len(expected), score.low


def test_no_running_text_captions_footnotes_or_page_numbers_inside_sections(zoo):
    engine, _, parsed, _ = zoo
    titles = [record.title for record in parsed]
    for record in parsed:
        for section in record.sections:
            for marker in FURNITURE:
                assert marker not in section.text, (engine, record.title, marker)
            assert not re.search(r"^\s*\d{1,3}\s*$", section.text, re.M), (engine, record.title)
            # A running header naming a project never trails a section.
            others = [title for title in titles if title != record.title]
            assert not any(section.text.rstrip().endswith(title) for title in others), (engine, record.title)


def test_line_end_hyphenation_is_joined(zoo):
    engine, path, parsed, expected = zoo
    joined, broken = make_zoo.hyphenation_joined(path, parsed, expected)
    assert broken >= 100, engine  # the design hyphenates: the measure means something
    assert joined >= 0.98 * broken, engine


def test_town_and_organisation_are_read(zoo):
    engine, _, parsed, expected = zoo
    by_title = {make_zoo.normal_title(r.title): r for r in parsed}
    right = sum(
        1
        for source in expected
        if (record := by_title.get(make_zoo.normal_title(source.title)))
        and make_zoo.words(f"{record.town} {record.organisation}")
        == make_zoo.words(f"{source.town} {source.organisation}")
    )
    assert right >= 0.95 * len(expected), engine


def _page_sizes(path: Path) -> set[tuple[int, int]]:
    with pymupdf.open(path) as document:
        return {(round(page.rect.width), round(page.rect.height)) for page in document}


@pytest.mark.slow
def test_the_designs_cover_what_the_zoo_promises():
    """Each feature issue 10 lists is present in at least one design, checked on the PDFs."""
    parsed = {engine: parse_file(make_zoo.build(engine)).records for engine in make_zoo.ENGINES}
    spans = {r.page_end - r.page_start + 1 for records in parsed.values() for r in records}
    assert spans >= {1, 2, 3, 4}
    assert _page_sizes(make_zoo.build("typst")) == {(420, 595)}  # the A5 booklet
    starts = [r.page_start for r in parsed["chromium"]]
    assert len(starts) - len(set(starts)) >= 2  # short projects sharing a page
    headings = {s.heading for records in parsed.values() for r in records for s in r.sections}
    assert {"1. Herangehensweise", "Unser Ansatz", "Das Besondere", "Mehrwert für die Zielgruppe"} <= headings
    assert "Netzwerk und Partner" in headings
    assert all("Fußnoten" in r.extra for r in parsed["typst"])  # footnotes kept apart from the text
    with pymupdf.open(make_zoo.build("chromium")) as document:
        assert sum(len(page.get_image_info()) for page in document) >= 10  # photos with captions
        text = " ".join("".join(page.get_text() for page in document).split())
    assert text.count("„") >= 20  # pull quotes across the columns
    assert zoo_common.CAPTIONS[1] in text


@pytest.mark.slow
def test_a_section_opens_the_second_page_of_most_weasyprint_projects():
    """The failure of issue 10: the heading stands in the top margin band, right under the header."""
    from ingest.pdf_layout import MARGIN_SHARE, page_lines

    path = make_zoo.build("weasyprint")
    records = parse_file(path).records
    opening = 0
    with pymupdf.open(path) as document:
        for record in records:
            page = document[record.page_start]  # the project's second page (0-based index)
            lines = sorted((line for line in page_lines(page, 0) if line.size >= 9), key=lambda line: line.y0)
            top = lines[0]
            opening += top.text in {"Mehrwert", "Mehrwert für die Zielgruppe"} and (
                top.y1 <= MARGIN_SHARE * page.rect.height
            )
    assert opening >= 0.8 * len(records)
    assert all(record.sections[2].kind == "value" for record in records)
