"""Build the illustrative good-practice brochure (PDF) from the sample projects marked `format: pdf`.

The brochure imitates a county print publication: cover, foreword, table of contents, one divider
page per area, projects on their own pages (every third one set in two columns), running headers,
page numbers and real line-end hyphenation, so that the PDF parser meets what real brochures hold.

    python samples/make_brochure.py [--projects samples/projects] [--out samples/build/brochure.pdf]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for folder in (ROOT, HERE):  # run from a checkout, or loaded by path from the tests
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import zoo_common  # noqa: E402
from brochure_typeset import (  # noqa: E402
    ACCENT,
    BODY_LEADING,
    BODY_SIZE,
    BOTTOM,
    GREY,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    TextFlow,
    TypesetPDF,
    balanced_bottom,
    pdf_safe,
    section_blocks,
)

from ingest import AREAS, ProjectRecord, parse_file  # noqa: E402
from samples import sample_format  # noqa: E402

DEFAULT_PROJECTS = ROOT / "samples" / "projects"
DEFAULT_OUT = ROOT / "samples" / "build" / "brochure.pdf"

BROCHURE_TITLE = "Gute Praxis in der Integrationsarbeit – Beispielsammlung (illustrativ)"
RUNNING_HEADER = "Gute Praxis Integration · Landkreis Böblingen"
FOOTER_NOTE = "Beispielsammlung (illustrativ)"
ILLUSTRATIVE_NOTE = (
    "Hinweis: Alle Projekte, Träger, Personen und Kontaktangaben in dieser Sammlung sind erfunden. "
    "Das Heft dient ausschließlich der Demonstration des Praxisfinders und ist keine "
    "Veröffentlichung einer Behörde."
)
FOREWORD = [
    "Liebe Leserinnen und Leser,",
    "Integration gelingt dort, wo Menschen einander begegnen: in der Kindertagesstätte, im "
    "Sportverein, in der Nachbarschaft und am Arbeitsplatz. Im ganzen Landkreis engagieren sich "
    "Haupt- und Ehrenamtliche mit großer Ausdauer und vielen guten Ideen dafür, dass Zugewanderte "
    "ankommen und teilhaben können.",
    "Diese Beispielsammlung stellt Projekte aus den Handlungsfeldern Bildung, Gesundheit, "
    "Gesellschaft und Arbeitsmarkt vor. Jedes Beispiel beschreibt die Herangehensweise, die "
    "Zusammenarbeit mit Netzwerkpartnern, den Mehrwert und die Besonderheiten. So lassen sich "
    "Erfahrungen übertragen, Kooperationspartnerinnen finden und eigene Vorhaben weiterentwickeln.",
    "Wir danken allen Beteiligten für ihre Unterstützung und wünschen eine anregende Lektüre.",
    "Ihre Integrationsbeauftragte (fiktiv)",
]


@dataclass
class BrochureReport:
    """What the generator produced, for tests and for the person running it."""

    path: Path
    pages: int = 0
    project_pages: dict[str, tuple[int, int]] = field(default_factory=dict)
    two_column_pages: list[int] = field(default_factory=list)
    hyphenated: list[str] = field(
        default_factory=list
    )  # words broken with a new hyphen, "Integrations-|kurs"
    compound_breaks: list[str] = field(default_factory=list)  # breaks at a hyphen the word already had
    toc_pages: dict[str, int] = field(default_factory=dict)  # TOC entry -> page it points to


def load_projects(folder: Path) -> list[ProjectRecord]:
    """The records of all `format: pdf` projects in the folder, in file-name order."""
    records = []
    for path in sorted(folder.glob("*.md")):
        if sample_format(path) == "pdf":
            records.extend(parse_file(path).records)
    return records


def group_by_area(records: list[ProjectRecord]) -> list[tuple[str, list[ProjectRecord]]]:
    """Projects grouped by area: the known areas in their usual order, then any others."""
    names = list(AREAS) + sorted({r.area or "Weitere Projekte" for r in records} - set(AREAS))
    groups = [(name, [r for r in records if (r.area or "Weitere Projekte") == name]) for name in names]
    return [(name, members) for name, members in groups if members]


class BrochurePDF(TypesetPDF):
    """An A4 brochure with running header and page-number footer on all pages after the cover."""

    def __init__(self) -> None:
        super().__init__()
        self.set_auto_page_break(False)
        self.set_margins(LEFT, TOP, 210 - RIGHT)
        self.set_creation_date(datetime(2024, 1, 15, tzinfo=UTC))
        self.set_title(pdf_safe(BROCHURE_TITLE))
        self.set_author("Beispieldaten")
        self.running_area = ""

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("Helvetica", "", 8)
        self.set_text_color(*GREY)
        self.text(LEFT, 14, pdf_safe(RUNNING_HEADER))
        if self.running_area:
            area = pdf_safe(self.running_area)
            self.text(RIGHT - self.get_string_width(area), 14, area)
        self.set_draw_color(*GREY)
        self.set_line_width(0.2)
        self.line(LEFT, 16, RIGHT, 16)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("Helvetica", "", 8)
        self.set_text_color(*GREY)
        number, note = str(self.page_no()), pdf_safe(FOOTER_NOTE)
        if self.page_no() % 2:  # odd pages: number on the outer (right) edge
            self.text(LEFT, 286, note)
            self.text(RIGHT - self.get_string_width(number), 286, number)
        else:
            self.text(LEFT, 286, number)
            self.text(RIGHT - self.get_string_width(note), 286, note)
        self.set_text_color(0, 0, 0)


def info_rows(record: ProjectRecord) -> list[tuple[str, str]]:
    """The info block's rows, each label with the colon this brochure prints after it."""
    return [(label + ":", value) for label, value in zoo_common.info_rows(record)]


def write_project(pdf: BrochurePDF, record: ProjectRecord, two_columns: bool, report: BrochureReport) -> None:
    pdf.running_area = record.area or ""
    pdf.add_page()
    start = pdf.page_no()
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_text_color(*ACCENT)
    pdf.text(LEFT, 27, pdf_safe((record.area or "").upper()))
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("Helvetica", "B", 20)
    title_lines = pdf.filler.fill(pdf_safe(record.title), WIDTH, hyphenate=False)
    y = pdf.write_lines(title_lines, LEFT, 36, 8.5)
    y = write_info_block(pdf, info_rows(record), y)
    blocks = section_blocks(record.summary or "")
    for section in record.sections:
        blocks.append(("heading", section.heading))
        blocks.extend(section_blocks(section.text))
    top = y + 9
    bottom = balanced_bottom(pdf, blocks, top) if two_columns else BOTTOM
    TextFlow(pdf, 2 if two_columns else 1, top, report.two_column_pages, bottom).run(blocks)
    report.project_pages[record.title] = (start, pdf.page_no())


def write_info_block(pdf: BrochurePDF, rows: list[tuple[str, str]], y: float) -> float:
    """A shaded box with bold labels and wrapped values; returns the y below it."""
    value_x, value_width, leading = LEFT + 30, WIDTH - 34, 4.3
    pdf.set_font("Helvetica", "", 9)
    wrapped = [
        (label, pdf.filler.fill(pdf_safe(value), value_width, hyphenate=False)) for label, value in rows
    ]
    height = sum(len(lines) for _, lines in wrapped) * leading + len(wrapped) * 1.2 + 4
    pdf.set_fill_color(236, 242, 243)
    pdf.rect(LEFT, y, WIDTH, height, style="F")
    baseline = y + 5.5
    for label, lines in wrapped:
        pdf.set_font("Helvetica", "B", 9)
        pdf.text(LEFT + 3, baseline, pdf_safe(label))
        pdf.set_font("Helvetica", "", 9)
        baseline = pdf.write_lines(lines, value_x, baseline, leading) + 1.2
    return y + height


def write_cover(pdf: BrochurePDF) -> None:
    pdf.add_page()
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, 210, 110, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Helvetica", "B", 28)
    title, subtitle = BROCHURE_TITLE.split(" – ")
    y = pdf.write_lines(pdf.filler.fill(pdf_safe(title), WIDTH, hyphenate=False), LEFT, 52, 12)
    pdf.set_font("Helvetica", "", 18)
    y = pdf.write_lines([pdf_safe(subtitle)], LEFT, y + 4, 9)
    pdf.set_font("Helvetica", "", 12)
    pdf.write_lines(["Landkreis Böblingen · Integration"], LEFT, y + 8, 6)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("Helvetica", "", 10)
    note = pdf.filler.fill(pdf_safe(ILLUSTRATIVE_NOTE), WIDTH, hyphenate=True)
    pdf.write_lines(note, LEFT, 250, BODY_LEADING)


def write_foreword(pdf: BrochurePDF) -> None:
    pdf.running_area = ""
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    pdf.text(LEFT, 36, "Vorwort")
    pdf.set_font("Helvetica", "", BODY_SIZE)
    y = 48.0
    for paragraph in FOREWORD:
        y = pdf.write_lines(pdf.filler.fill(pdf_safe(paragraph), WIDTH * 0.8), LEFT, y, BODY_LEADING) + 2.5


def toc_entries(groups: list[tuple[str, list[ProjectRecord]]]) -> list[tuple[str, bool]]:
    """(text, is_area_heading) rows of the table of contents, in brochure order."""
    rows = [("Vorwort", False)]
    for area, members in groups:
        rows.append((area, True))
        rows.extend((record.title, False) for record in members)
    rows.append(("Impressum", False))
    return rows


TOC_ROWS_PER_PAGE = 34


def write_toc(pdf: BrochurePDF, rows: list[tuple[str, bool]], pages: dict[str, int]) -> None:
    pdf.running_area = ""
    for first in range(0, len(rows), TOC_ROWS_PER_PAGE):
        pdf.add_page()
        y = 36.0
        if first == 0:
            pdf.set_font("Helvetica", "B", 20)
            pdf.text(LEFT, y, "Inhalt")
        y += 12
        for text, is_area in rows[first : first + TOC_ROWS_PER_PAGE]:
            y = write_toc_row(pdf, text, is_area, pages.get(text, 0), y)


def write_toc_row(pdf: BrochurePDF, text: str, is_area: bool, page: int, y: float) -> float:
    pdf.set_font("Helvetica", "B" if is_area else "", 11 if is_area else 10)
    indent = 0 if is_area else 4
    number = str(page)
    room = WIDTH - indent - 12
    lines = pdf.filler.fill(pdf_safe(text), room, hyphenate=False)
    y = pdf.write_lines(lines[:-1], LEFT + indent, y + (2 if is_area else 0), 5)
    last = lines[-1]
    pdf.text(LEFT + indent, y, last)
    dots_from = LEFT + indent + pdf.get_string_width(last + " ")
    dots_to = RIGHT - pdf.get_string_width(number) - 1.5
    dot_count = max(0, int((dots_to - dots_from) / pdf.get_string_width(". ")))
    pdf.text(dots_from, y, ". " * dot_count)
    pdf.text(RIGHT - pdf.get_string_width(number), y, number)
    return y + 6.5


def write_area_divider(pdf: BrochurePDF, area: str, count: int) -> None:
    pdf.running_area = area
    pdf.add_page()
    pdf.set_fill_color(*ACCENT)
    pdf.rect(LEFT, 110, 6, 40, style="F")
    pdf.set_font("Helvetica", "B", 32)
    pdf.text(LEFT + 12, 128, pdf_safe(area))
    pdf.set_font("Helvetica", "", 12)
    noun = "Praxisbeispiel" if count == 1 else "Praxisbeispiele"
    pdf.text(LEFT + 12, 140, pdf_safe(f"{count} {noun} aus dem Handlungsfeld {area}"))


def write_imprint(pdf: BrochurePDF) -> None:
    pdf.running_area = ""
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    pdf.text(LEFT, 36, "Impressum")
    y = 50.0
    for label, value in [
        ("Herausgeber:", "Beispielredaktion Integration (fiktiv)"),
        ("Kontakt:", "integration@example.org"),
        ("Stand:", "Beispielausgabe, nicht zur Veröffentlichung"),
    ]:
        pdf.set_font("Helvetica", "B", 10)
        pdf.text(LEFT, y, pdf_safe(label))
        pdf.set_font("Helvetica", "", 10)
        pdf.text(LEFT + 30, y, pdf_safe(value))
        y += 6
    pdf.write_lines(pdf.filler.fill(pdf_safe(ILLUSTRATIVE_NOTE), WIDTH), LEFT, y + 6, BODY_LEADING)


def render(records: list[ProjectRecord], pages: dict[str, int], out: Path) -> BrochureReport:
    """Lay out the whole brochure; `pages` gives the table of contents its page numbers."""
    report = BrochureReport(path=out)
    pdf = BrochurePDF()
    groups = group_by_area(records)
    write_cover(pdf)
    write_foreword(pdf)
    found = {"Vorwort": pdf.page_no()}
    write_toc(pdf, toc_entries(groups), pages)
    position = 0
    for area, members in groups:
        write_area_divider(pdf, area, len(members))
        found[area] = pdf.page_no()
        for record in members:
            write_project(pdf, record, two_columns=position % 3 == 2, report=report)
            found[record.title] = report.project_pages[record.title][0]
            position += 1
    write_imprint(pdf)
    found["Impressum"] = pdf.page_no()
    report.pages = pdf.page_no()
    report.hyphenated, report.compound_breaks = pdf.filler.hyphenated, pdf.filler.compound_breaks
    report.toc_pages = found
    if found == pages:
        out.parent.mkdir(parents=True, exist_ok=True)
        pdf.output(str(out))
    return report


def build_brochure(projects: Path, out: Path) -> BrochureReport:
    """Write the brochure for the `format: pdf` projects in `projects` to `out`."""
    records = load_projects(projects)
    if not records:
        raise SystemExit(f"Error: no projects with 'format: pdf' in {projects}")
    # The table of contents needs the page numbers the layout produces: lay out once to learn
    # them, then again with them filled in (the TOC's own length does not depend on them).
    first = render(records, {}, out)
    return render(records, first.toc_pages, out)


def main(argv: list[str] | None = None) -> BrochureReport:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=Path, default=DEFAULT_PROJECTS, help="folder of NN-*.md projects")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the PDF")
    args = parser.parse_args(argv)
    report = build_brochure(args.projects, args.out)
    print(
        f"wrote {report.path}: {report.pages} pages, {len(report.project_pages)} projects, "
        f"two-column pages {report.two_column_pages}, {len(report.hyphenated)} hyphenated line ends"
    )
    return report


if __name__ == "__main__":
    main()
