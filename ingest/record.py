"""The plain data every parser returns: project records, their sections, and ingest errors."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Section kinds in the order the brochure tells a project.
SECTION_KINDS = ("approach", "partners", "value", "special", "other")
# The four sections every project of the brochure tells (the parse report checks for them).
MAIN_SECTIONS = SECTION_KINDS[:4]

# The German name of each section kind, as shown to users.
SECTION_NAMES = {
    "approach": "Herangehensweise",
    "partners": "Zusammenarbeit mit Netzwerkpartnern",
    "value": "Mehrwert",
    "special": "Besonderheiten",
    "other": "Weiteres",
    "summary": "Kurzbeschreibung",
}

AREAS = ("Bildung", "Gesundheit", "Gesellschaft", "Arbeitsmarkt")


@dataclass
class Section:
    kind: str  # one of SECTION_KINDS
    heading: str  # the heading as written in the source
    text: str


@dataclass
class ProjectRecord:
    title: str
    sections: list[Section] = field(default_factory=list)
    area: str | None = None
    organisation: str | None = None
    town: str | None = None
    target_groups: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    contact: str | None = None
    period: str | None = None
    summary: str | None = None
    page_start: int | None = None  # 1-based, PDF sources only
    page_end: int | None = None
    extra: dict[str, str] = field(default_factory=dict)  # labelled fields we have no column for

    def to_dict(self) -> dict:
        return asdict(self)


class IngestError(Exception):
    """A file (or a part of one) that could not be read; the message names file, place and reason."""

    def __init__(self, path: str, reason: str, location: str | None = None):
        self.path = str(path)
        self.reason = reason
        self.location = location  # e.g. "page 3" or "line 17"
        where = f"{self.path}: {location}: " if location else f"{self.path}: "
        super().__init__(where + reason)

    def __reduce__(self):
        # Sent back from the child process that parses (ingest.bounded_parse): rebuilt from its parts.
        return (IngestError, (self.path, self.reason, self.location))


@dataclass
class SourceInfo:
    """What a document says about itself; None where it says nothing."""

    url: str | None = None  # its own address: canonical link, og:url
    date: str | None = None  # ISO day: a meta date, the PDF's modification or creation date
    edition: str | None = None  # as written: "Stand: 03/2024", "Ausgabe 2024"


@dataclass
class ParseResult:
    """What a parser found in one file: the records, and problems with parts of it."""

    records: list[ProjectRecord]
    problems: list[IngestError] = field(default_factory=list)  # partial failures (a broken JSONL line)
    report: Any = None  # ingest.report.ParseReport, set by parse_file
    info: SourceInfo = field(default_factory=SourceInfo)
