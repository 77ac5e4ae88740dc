"""Lists as tables, and tables as CSV or XLSX files: projects, search results, organisations, coverage.

A table is plain data (a title, column names, rows of str/int/float), so the CLI and the web UI
export the same columns. Text that a spreadsheet would run as a formula is defused in both formats.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ingest import SECTION_KINDS, SECTION_NAMES
from kb.coverage import Coverage
from kb.network import Network
from kb.partners import PartnerHit
from kb.search_results import SearchHit

Cell = str | int | float | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what Excel, LibreOffice and Sheets read as a formula
XLSX_MAX_CELL = 32767  # Excel's limit for one cell's text
PROJECT_COLUMNS = (
    ["id", "title", "area", "organisation", "town", "target_groups", "partners", "contact", "period"]
    + ["status", "summary", "short_description"]
    + [f"section_{kind}" for kind in SECTION_KINDS]
    + ["extra", "source", "page_start", "page_end", "url"]
)
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Table:
    title: str  # the sheet's name in XLSX (at most 31 characters there)
    columns: list[str]
    rows: list[list[Cell]]


def project_table(projects: Iterable[dict], url_of=None, title: str = "Projekte") -> Table:
    """Every field and section of these projects (as from KnowledgeBase.project()), one row each."""
    rows = []
    for project in projects:
        sections: dict[str, list[str]] = {}
        for section in project.get("sections", []):
            kind = section["kind"] if section["kind"] in SECTION_KINDS else "other"
            sections.setdefault(kind, []).append(section["text"])
        extra = project.get("extra") or {}
        rows.append(
            [
                project["id"],
                project["title"],
                project.get("area"),
                project.get("organisation"),
                project.get("town"),
            ]
            + ["; ".join(project.get("target_groups") or []), "; ".join(project.get("partners") or [])]
            + [project.get("contact"), project.get("period"), project.get("status")]
            + [project.get("summary"), project.get("short_description")]
            + ["\n\n".join(sections.get(kind, [])) for kind in SECTION_KINDS]
            + ["; ".join(f"{key}: {value}" for key, value in extra.items())]
            + [(project.get("source") or {}).get("name"), project.get("page_start"), project.get("page_end")]
            + [url_of(project["id"]) if url_of else None]
        )
    return Table(title, list(PROJECT_COLUMNS), rows)


def search_table(hits: Sequence[SearchHit], projects: dict[str, dict], url_of=None) -> Table:
    """Search results in their order, with rank, score and the matched section before every project field."""
    full = project_table([projects[hit.id] for hit in hits if hit.id in projects], url_of, "Suchergebnisse")
    by_id = {row[0]: row for row in full.rows}
    rows = [
        [rank, hit.score, SECTION_NAMES.get(hit.matched_kind, hit.matched_section), *by_id[hit.id]]
        for rank, hit in enumerate(hits, start=1)
        if hit.id in by_id
    ]
    return Table(full.title, ["rank", "score", "matched_section", *full.columns], rows)


def organisation_table(network: Network, url_of=None) -> Table:
    """Every organisation with its projects and the organisations it shares them with."""
    rows = []
    for organisation in network.everyone:
        partners = sorted(network.names[other] for other in organisation.partners)
        rows.append(
            [organisation.id, organisation.name, len(organisation.projects)]
            + ["; ".join(sorted(organisation.projects.values())), len(partners), "; ".join(partners)]
            + [url_of(organisation.id) if url_of else None]
        )
    columns = ["id", "name", "projects", "project_titles", "linked_organisations", "linked_names", "url"]
    return Table("Organisationen", columns, rows)


def partner_table(hits: Sequence[PartnerHit]) -> Table:
    rows = [
        [
            rank,
            hit.id,
            hit.name,
            hit.score,
            "; ".join(hit.towns),
            "; ".join(p["title"] for p in hit.projects),
            hit.contact["text"] if hit.contact else "",
        ]
        for rank, hit in enumerate(hits, start=1)
    ]
    return Table("Partner", ["rank", "id", "name", "score", "towns", "projects", "contact"], rows)


def coverage_tables(cover: Coverage, by: str) -> list[Table]:
    """The heat map as a table (by 'town' or 'target_group'), and for towns the white spots beside it."""
    if by == "town":
        names, count, totals, title, first = cover.towns, cover.town_count, cover.town_totals, "Orte", "town"
    else:
        names, count, totals, title, first = (
            cover.target_groups,
            cover.group_count,
            cover.group_totals,
            "Zielgruppen",
            "target_group",
        )
    rows = [[name, *(count(name, area) for area in cover.areas), totals.get(name, 0)] for name in names]
    tables = [Table(f"{title} x Themenfelder", [first, *cover.areas, "total"], rows)]
    if by == "town":
        gaps = [[town, area] for town, areas in cover.gaps() for area in areas]
        tables.append(Table("Weisse Flecken", ["town", "area_without_project"], gaps))
    return tables


def defused(value: Cell) -> Cell:
    """Text a spreadsheet would evaluate ('=HYPERLINK(…)', '+49 7031…', '-1') gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(table: Table) -> str:
    """CSV with a header row, comma-separated, every text cell defused; UTF-8 with BOM is up to the caller."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows([["" if cell is None else defused(cell) for cell in row] for row in table.rows])
    return out.getvalue()


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """One workbook, a sheet per table, header row bold and frozen; every text cell is stored as text,
    never as a formula, so it needs no apostrophe (the cell shows exactly what the collection holds)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.title, used))
        sheet.append(table.columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_xlsx_cell(cell) for cell in row])
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":  # openpyxl took text starting with "=" for a formula
                    cell.data_type = "s"
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(value: Cell) -> Cell:
    if isinstance(value, str):
        return _printable(value)[:XLSX_MAX_CELL]
    return value


def _printable(text: str) -> str:
    """XLSX (XML) cannot hold most control characters; they are dropped, tabs and newlines kept."""
    return "".join(ch for ch in text if ch >= " " or ch in "\t\n\r")


def _sheet_name(title: str, used: set[str]) -> str:
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Tabelle"
    base, number = name, 2
    while name in used:
        name = f"{base[:28]} {number}"
        number += 1
    used.add(name)
    return name
