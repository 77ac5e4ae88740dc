"""Running headers and footers against headings that stand at the top of a page.

The failure this pins: a brochure from another typesetting tool (A4, 20 projects over two or three
pages, bold section headings about 1.1x the body size, the third heading of most projects opening
the project's second page right below the running header) lost "Mehrwert" in 19 of 20 projects,
because a line repeating at the same height in the top margin was taken for a running header.
"""

from __future__ import annotations

import pytest

from ingest import parse_file
from ingest.pdf_furniture import split_running_text
from ingest.pdf_layout import TextLine
from tests.brochure_layouts import twenty_projects


@pytest.fixture(scope="module")
def records():
    return parse_file("fremdlayout.pdf", twenty_projects()).records


def test_a_heading_at_the_top_of_continuation_pages_stays_a_heading(records):
    assert [r.title for r in records] == [f"Projekt {n}: Lernen im Quartier" for n in range(1, 21)]
    for record in records:
        kinds = [s.kind for s in record.sections]
        assert kinds[:4] == ["approach", "partners", "value", "special"], record.title
        number = record.title.split()[1].rstrip(":")
        partners, value = record.sections[1].text, record.sections[2].text
        assert "Mehrwert" not in partners and value.startswith(f"Mehrwert {number} Zeile 1 "), record.title


def test_an_unknown_heading_opening_a_page_is_kept(records):
    with_outlook = [r for r in records if int(r.title.split()[1].rstrip(":")) % 4 == 0]
    assert len(with_outlook) == 5
    for record in with_outlook:
        assert [(s.kind, s.heading) for s in record.sections][-1] == ("other", "Ausblick")


def test_the_running_header_and_page_numbers_are_gone(records):
    for record in records:
        for section in record.sections:
            assert "Praxisbeispiele 2024" not in section.text
            assert not any(line.strip().isdigit() for line in section.text.splitlines())


def _line(page: int, text: str, y: float, size: float = 8.0, bold: bool = False) -> TextLine:
    return TextLine(page, 60, y - size, 200, y + 2, y, text, size, bold, 0)


def test_small_print_repeating_on_a_few_pages_is_running_text_but_a_known_heading_never_is():
    pages = [
        [_line(n, "Kaffee und Kuchen", 40), _line(n, "Mehrwert", 70, 10, True), _line(n, "Text", 300, 10)]
        for n in range(3)
    ] + [[_line(n, "Anderes Projekt", 40), _line(n, "Text", 300, 10)] for n in range(3, 10)]
    removed = split_running_text(pages, [842.0] * 10, 10.0)
    assert [line.text for line in removed[0]] == ["Kaffee und Kuchen"]
    assert all("Mehrwert" in [line.text for line in page] for page in pages[:3])


def test_body_size_text_must_repeat_on_most_pages_to_be_running_text():
    def page(n: int, top: str) -> list[TextLine]:
        return [_line(n, top, 70, 10, True), _line(n, "Text", 300, 10)]

    # A bold body-size line at the top of 4 of 10 pages (40 %): a heading, not a header.
    pages = [page(n, "Ausblick") for n in range(4)] + [
        page(n, f"Thema {'abcdefghij'[n]}") for n in range(4, 10)
    ]
    removed = split_running_text(pages, [842.0] * 10, 10.0)
    assert removed == [[] for _ in range(10)]
    # The same line on 8 of 10 pages: running text.
    pages = [page(n, "Jahresbericht") for n in range(8)] + [
        page(n, f"Thema {'abcdefghij'[n]}") for n in range(8, 10)
    ]
    removed = split_running_text(pages, [842.0] * 10, 10.0)
    assert [len(lines) for lines in removed] == [1] * 8 + [0, 0]


@pytest.mark.parametrize(
    "heading, kind",
    [
        ("1. Herangehensweise", "approach"),
        ("Unser Ansatz", "approach"),
        ("2) Netzwerk und Partner", "partners"),
        ("III. Mehrwert für die Zielgruppe", "value"),
        ("4 Das Besondere", "special"),
        ("Ausblick", None),
        ("2024 Mehrwert", None),
    ],
)
def test_numbered_headings_and_variants(heading, kind):
    from ingest.headings import section_kind

    assert section_kind(heading) == kind
