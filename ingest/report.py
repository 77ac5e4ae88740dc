"""The parse report: what the parser read from one file, project by project, and what looks wrong.

A wrong parse spoils a project page silently; the report says, for staff, which of the four
sections each project has, which fields were found, and warns where a reader should look: a
section missing, a section much shorter or longer than the same section elsewhere in the file,
text under no heading, a heading the parser does not know, a project without town or Träger.
Plain data (dicts of strings and numbers once `to_dict()`ed), so the store can keep it as JSON.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field

from ingest.record import MAIN_SECTIONS, SECTION_NAMES, ParseResult, ProjectRecord

FIELDS = ("area", "organisation", "town", "target_groups", "partners", "contact", "period", "summary")
# A section this many times shorter or longer than the file's usual length of it is worth a look:
# a lost heading roughly doubles the section above it (measured on the layout zoo's failures).
SHORT_SHARE, LONG_FACTOR = 1 / 3, 1.8
LONG_LEAD_WORDS = 80  # more than a lead paragraph: text that stands under no heading


@dataclass
class Warning:
    code: str  # section_missing, section_short, section_long, no_heading, unknown_heading, no_town, no_organisation, text_cut, problem
    message: str  # for staff, German
    project: str | None = None  # the project's title; None for the whole file


@dataclass
class ProjectReport:
    title: str
    pages: str | None  # "3" or "3–4" for a PDF
    sections: list[str]  # the main sections found (approach, partners, value, special)
    other_headings: list[str]  # headings read as "other"
    fields: list[str]  # the fields found
    words: dict[str, int]  # words per section kind
    warnings: list[Warning] = field(default_factory=list)


@dataclass
class ParseReport:
    file: str
    kind: str
    projects: list[ProjectReport] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)  # about the whole file

    def all_warnings(self) -> list[Warning]:
        return self.warnings + [warning for project in self.projects for warning in project.warnings]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ParseReport:
        projects = [
            ProjectReport(**{**item, "warnings": [Warning(**w) for w in item.get("warnings", [])]})
            for item in data.get("projects", [])
        ]
        warnings = [Warning(**w) for w in data.get("warnings", [])]
        return cls(data.get("file", ""), data.get("kind", ""), projects, warnings)


def build_report(path: str, kind: str, result: ParseResult) -> ParseReport:
    """The report for one parsed file of this kind (pdf, html, markdown, ...)."""
    report = ParseReport(str(path), kind)
    report.warnings = [Warning("problem", str(problem)) for problem in result.problems]
    report.projects = [_project_report(record) for record in result.records]
    _compare_lengths(report.projects)
    return report


def _project_report(record: ProjectRecord) -> ProjectReport:
    words: dict[str, int] = {}
    for section in record.sections:
        words[section.kind] = words.get(section.kind, 0) + len(section.text.split())
    pages = None
    if record.page_start:
        end = record.page_end or record.page_start
        pages = str(record.page_start) if end == record.page_start else f"{record.page_start}–{end}"
    found = [kind for kind in MAIN_SECTIONS if words.get(kind)]
    project = ProjectReport(
        title=record.title,
        pages=pages,
        sections=found,
        other_headings=[s.heading for s in record.sections if s.kind == "other" and s.heading],
        fields=[name for name in FIELDS if getattr(record, name)],
        words=words,
    )
    warn = project.warnings.append
    for kind in MAIN_SECTIONS:
        if kind not in found:
            warn(Warning("section_missing", f"Abschnitt „{SECTION_NAMES[kind]}“ fehlt", record.title))
    for heading in project.other_headings:
        warn(
            Warning(
                "unknown_heading",
                f"Unbekannte Überschrift „{heading}“ (als „Weiteres“ gespeichert)",
                record.title,
            )
        )
    unheaded = sum(len(s.text.split()) for s in record.sections if s.kind == "other" and not s.heading)
    lead = len((record.summary or "").split())
    if unheaded or (lead > LONG_LEAD_WORDS) or (lead and not record.sections):
        warn(Warning("no_heading", f"Text ohne Überschrift ({unheaded + lead} Wörter)", record.title))
    if not record.town:
        warn(Warning("no_town", "Kein Ort angegeben", record.title))
    if not record.organisation:
        warn(Warning("no_organisation", "Kein Träger angegeben", record.title))
    return project


def _compare_lengths(projects: list[ProjectReport]) -> None:
    """Warn about sections far shorter or longer than the same section in the file's other projects."""
    if len(projects) < 3:
        return
    for kind in MAIN_SECTIONS:
        lengths = [project.words[kind] for project in projects if project.words.get(kind)]
        if len(lengths) < 3:
            continue
        usual = statistics.median(lengths)
        for project in projects:
            count = project.words.get(kind)
            if not count:
                continue
            name = SECTION_NAMES[kind]
            if count < SHORT_SHARE * usual:
                message = f"Abschnitt „{name}“ sehr kurz ({count} Wörter, sonst etwa {usual:.0f})"
                project.warnings.append(Warning("section_short", message, project.title))
            elif count > LONG_FACTOR * usual:
                message = f"Abschnitt „{name}“ sehr lang ({count} Wörter, sonst etwa {usual:.0f}) – fehlt eine Überschrift?"
                project.warnings.append(Warning("section_long", message, project.title))
