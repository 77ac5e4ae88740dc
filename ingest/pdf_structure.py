"""The structure of a brochure: project titles, info blocks, sections, area dividers.

Works on the lines of the whole brochure in reading order (running text already removed) and
decides by evidence: a large title followed by labelled fields (Träger:, Ort:, ...) or known
section headings starts a project; large text without that evidence is a cover, foreword,
table of contents, area divider or imprint.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ingest.headings import field_name, section_kind, split_list
from ingest.hyphenation import WordEvidence, join_all
from ingest.pdf_layout import (
    LayoutContext,
    TextLine,
    assign_column_edges,
    lines_to_text,
    typical_leading,
)
from ingest.record import AREAS, ProjectRecord, Section
from ingest.textclean import clean_text

# Titles of pages that are never projects.
_NOT_PROJECT = re.compile(
    r"^(inhalt|inhaltsverzeichnis|vorwort|grußwort|grusswort|geleitwort|einleitung|editorial|"
    r"impressum|herausgeber|danksagung|dank|anhang|notizen|bildnachweis|quellen|literatur|"
    r"kontakte|adressen|register|übersicht)\b",
    re.I,
)
# Words that name an area, as the start of a word ("Bildung", "Gesundheitsförderung", "Beruf").
_AREA_WORDS = re.compile(
    r"\b(?:(?P<Bildung>bildung)|(?P<Gesundheit>gesundheit)|(?P<Gesellschaft>gesellschaft)"
    r"|(?P<Arbeitsmarkt>arbeit|beruf|beschäftigung))",
    re.I,
)
# Labels of contact details that complete the "Kontakt" field.
_CONTACT_LABEL = re.compile(
    r"^(telefon|tel\.?|fon|fax|mobil|e-?mail|mail|internet|web|website|homepage|anschrift|adresse)$", re.I
)
_CONTACT_DETAIL, _EXTRA = "contact detail", "extra"
_LABEL = re.compile(r"^([^\W\d_][\w /-]{0,38}?)\s*:\s*(.*)$")
assert set(_AREA_WORDS.groupindex) == set(AREAS)


def area_name(text: str) -> str | None:
    """The area a short text names ("Handlungsfeld Bildung" → "Bildung"), if exactly one."""
    if len(text.split()) > 5:
        return None
    found = {match.lastgroup for match in _AREA_WORDS.finditer(text)}
    return found.pop() if len(found) == 1 else None


@dataclass
class Title:
    start: int  # index of its first line in the stream
    end: int  # index after its last line
    text: str
    size: float
    kicker: str | None = None  # a small line set right above the title, like "BILDUNG"


@dataclass
class HeadedPart:
    """A heading (one or more lines) and the body lines under it."""

    heading: list[TextLine]
    lines: list[TextLine] = field(default_factory=list)


@dataclass
class FieldValue:
    name: str
    label: TextLine
    lines: list[str] = field(default_factory=list)
    value_x: float | None = None
    last: TextLine | None = None
    inline: bool = False  # the value starts on the label's own line
    text: str = ""  # the label as printed, without its colon


class BrochureReader:
    """Reads the ordered lines of a whole brochure into project records."""

    def __init__(self, stream: list[TextLine], header_areas: list[str | None], body: float):
        self.stream = stream
        self.header_areas = header_areas
        self.body = body
        self.title_size = self.body * 1.35
        self.body_color = _body_color(stream, self.body)
        # Large text that recurs ("Herangehensweise" in every project) is a heading, not a title.
        large = Counter(line.text.lower() for line in stream if line.size >= self.title_size)
        self.recurring = {text for text, count in large.items() if count >= 3}
        edges = assign_column_edges(stream)
        evidence = WordEvidence.from_lines(line.text for line in stream)
        self.context = LayoutContext(edges, typical_leading(stream, self.body), evidence)

    def records(self) -> list[ProjectRecord]:
        titles = self.titles()
        parts = [
            self.read_project(title, self._segment(titles, number)) for number, title in enumerate(titles)
        ]
        project_size = _project_title_size(titles, parts)
        lines_per_page = Counter(line.page for line in self.stream)
        records: list[ProjectRecord] = []
        area: str | None = None
        in_project = False
        for title, record in zip(titles, parts, strict=True):
            evidence = _evidence(record, title)
            if evidence == 2 or (evidence == 1 and abs(title.size - project_size) < 0.6):
                record.area = record.area or _first_area(title.kicker) or self.header_area(title) or area
                records.append(record)
                in_project = True
            elif _is_divider(title, lines_per_page[self.stream[title.start].page]):
                area = area_name(title.text) or title.text
                in_project = False
            elif in_project and not _NOT_PROJECT.match(title.text):
                _append_as_section(records[-1], title, record)  # large type inside a project
            else:
                in_project = False
        return records

    def _segment(self, titles: list[Title], number: int) -> list[TextLine]:
        """The lines from a title up to the next one (or its kicker)."""
        following = titles[number + 1] if number + 1 < len(titles) else None
        end = len(self.stream) if following is None else following.start - (1 if following.kicker else 0)
        return self.stream[titles[number].end : end]

    def header_area(self, title: Title) -> str | None:
        return self.header_areas[self.stream[title.start].page]

    def is_title_line(self, line: TextLine) -> bool:
        if line.size < self.title_size or not any(c.isalpha() for c in line.text):
            return False
        return (line.bold or line.size >= self.body * 1.7) and line.text.lower() not in self.recurring

    def titles(self) -> list[Title]:
        """Runs of large lines (a title may wrap), each with the kicker line above it."""
        titles: list[Title] = []
        index = 0
        while index < len(self.stream):
            line = self.stream[index]
            if not self.is_title_line(line):
                index += 1
                continue
            end = index + 1
            while end < len(self.stream) and self._continues_title(self.stream[end - 1], self.stream[end]):
                end += 1
            text = join_all((item.text for item in self.stream[index:end]), self.context.evidence)
            titles.append(Title(index, end, clean_text(text), line.size, self._kicker(index)))
            index = end
        return titles

    def _continues_title(self, prev: TextLine, line: TextLine) -> bool:
        return (
            self.is_title_line(line)
            and line.page == prev.page
            and abs(line.size - prev.size) < 0.6
            and 0 < line.baseline - prev.baseline <= 1.6 * line.size
        )

    def _kicker(self, index: int) -> str | None:
        """A short line right above a title that labels it (an area, set small, caps or bold)."""
        if index == 0:
            return None
        prev, title = self.stream[index - 1], self.stream[index]
        close = prev.page == title.page and 0 < title.baseline - prev.baseline <= 2.5 * title.size
        marked = prev.text.isupper() or prev.bold or prev.color != self.body_color or area_name(prev.text)
        if close and prev.size < title.size and len(prev.text.split()) <= 5 and marked:
            return prev.text
        return None

    def read_project(self, title: Title, segment: list[TextLine]) -> ProjectRecord:
        """Fields, summary and sections from the lines after a title."""
        first = self.stream[title.start]
        record = ProjectRecord(title=title.text, page_start=first.page + 1)
        record.page_end = max([first.page] + [line.page for line in segment]) + 1
        fields, summary, parts = self._sort_lines(segment)
        self._apply_fields(record, fields)
        if summary:
            record.summary = clean_text(lines_to_text(summary, self.context)) or None
        for part in parts:
            heading = clean_text(join_all(line.text for line in part.heading))
            text = clean_text(lines_to_text(part.lines, self.context))
            if text:
                record.sections.append(
                    Section(kind=section_kind(heading) or "other", heading=heading, text=text)
                )
        return record

    def _sort_lines(
        self, segment: list[TextLine]
    ) -> tuple[list[FieldValue], list[TextLine], list[HeadedPart]]:
        """Each line of a project to a field value, the summary before any heading, or a section."""
        fields: list[FieldValue] = []
        current: FieldValue | None = None
        parts: list[HeadedPart] = []
        summary: list[TextLine] = []
        for index, line in enumerate(segment):
            following = segment[index + 1] if index + 1 < len(segment) else None
            label = self.label(line, in_sections=bool(parts), following=following)
            if label:
                current = label
                fields.append(label)
            elif current and self._continues_field(current, line):
                current.lines.append(line.text)
                current.last = line
            elif self.is_heading(line):
                current = None
                if parts and not parts[-1].lines and _continues_heading(parts[-1].heading[-1], line):
                    parts[-1].heading.append(line)  # a heading wrapped onto a second line
                else:
                    parts.append(HeadedPart([line]))
            else:
                current = None
                (parts[-1].lines if parts else summary).append(line)
        return fields, summary, parts

    def label(self, line: TextLine, in_sections: bool, following: TextLine | None) -> FieldValue | None:
        """An info-block label ("Träger: Verein e. V."), as the start of a field value.

        Labels are bold, or plain before the first section heading. Without a colon, only a bold
        label with its value beside it on the same row counts ("Träger   Verein e. V.").
        """
        first = line.spans[0]
        match = _LABEL.match(line.text) if ":" in line.text[:41] else None
        if match is None:
            return self._bare_label(line, in_sections, following)
        if in_sections and not first.bold:
            return None
        name = _label_name(match.group(1), bold=first.bold, in_sections=in_sections)
        if name is None:
            return None
        value = match.group(2).strip()
        value_span = next((s for s in line.spans if not s.bold), None) if value else None
        value_x = value_span.x0 if value_span and value_span is not first else None
        return FieldValue(name, line, [value] if value else [], value_x, line, bool(value), match.group(1))

    def _bare_label(self, line: TextLine, in_sections: bool, following: TextLine | None) -> FieldValue | None:
        """A bold label without a colon: its value beside it on the same row ("Träger   Verein e. V."),
        or a known label set small right above its value, as in a coloured info box."""
        if not line.bold or following is None or following.page != line.page:
            return None
        beside = following.x0 > line.x1 and abs(following.baseline - line.baseline) <= 2
        above = (
            field_name(line.text) is not None
            and (not in_sections or line.size < 0.95 * self.body)
            and not following.bold
            and abs(following.x0 - line.x0) <= 3
            and 0 < following.baseline - line.baseline <= 1.8 * line.size
        )
        if not (beside or above):
            return None
        name = _label_name(line.text, bold=True, in_sections=in_sections)
        return FieldValue(name, line, [], None, line, text=line.text) if name else None

    def _continues_field(self, current: FieldValue, line: TextLine) -> bool:
        last = current.last or current.label
        if line.page != last.page or self.is_heading(line) or self.is_title_line(line):
            return False
        if abs(line.baseline - current.label.baseline) <= 2 and line.x0 > current.label.x1:
            if current.value_x is None:
                current.value_x = line.x0  # the value stands in a column right of its label
            return True
        if not 0 < line.baseline - last.baseline <= 1.7 * line.size:
            return False
        if not current.lines:  # a label standing above its value
            current.value_x = line.x0
            return abs(line.x0 - current.label.x0) <= 3
        # A value in its own column continues in that column; an inline one may wrap to the label.
        anchors = [current.label.x0] if current.inline or current.value_x is None else []
        anchors += [current.value_x] if current.value_x is not None else []
        return any(abs(line.x0 - x) <= 3 for x in anchors)

    def is_heading(self, line: TextLine) -> bool:
        if self.is_title_line(line) or len(line.text) > 90 or self._is_label(line):
            return False
        if line.bold and line.size >= self.body * 0.95:
            return True
        emphasised = line.size >= self.body * 1.1 or line.color != self.body_color
        return emphasised and section_kind(line.text) is not None and len(line.text) <= 60

    def _is_label(self, line: TextLine) -> bool:
        match = _LABEL.match(line.text) if ":" in line.text[:41] else None
        return bool(match and field_name(match.group(1)))

    def _apply_fields(self, record: ProjectRecord, fields: list[FieldValue]) -> None:
        for value in fields:
            text = clean_text(join_all(value.lines, self.context.evidence))
            if not text:
                continue
            if value.name == _CONTACT_DETAIL:
                record.contact = f"{record.contact}; " if record.contact else ""
                record.contact += f"{value.text}: {text}"
            elif value.name == _EXTRA:
                record.extra[value.text] = text
            elif value.name in ("target_groups", "partners"):
                getattr(record, value.name).extend(split_list(text))
            elif value.name == "area":
                record.area = area_name(text) or text
            elif getattr(record, value.name) is None:
                setattr(record, value.name, text)
            else:
                setattr(record, value.name, f"{getattr(record, value.name)}; {text}")


def _label_name(label: str, bold: bool, in_sections: bool) -> str | None:
    """The record field a label fills; contact details join the contact, other bold labels go to extra."""
    name = field_name(label)
    if name is None and _CONTACT_LABEL.match(label.strip()):
        name = _CONTACT_DETAIL
    if name is None and bold and not in_sections and len(label.split()) <= 3:
        name = _EXTRA
    return name


def _body_color(stream: list[TextLine], size: float) -> int:
    colors: dict[int, int] = {}
    for line in stream:
        if line.size == size:
            colors[line.color] = colors.get(line.color, 0) + len(line.text)
    return max(colors, key=colors.get) if colors else 0


def _continues_heading(last: TextLine, line: TextLine) -> bool:
    return (
        last.page == line.page
        and last.size == line.size
        and 0 < line.baseline - last.baseline <= 1.5 * line.size
    )


def _first_area(text: str | None) -> str | None:
    return area_name(text) if text else None


def _evidence(record: ProjectRecord, title: Title) -> int:
    """2: an info block (two fields or more); 1: known section headings only; 0: not a project."""
    if _NOT_PROJECT.match(title.text):
        return 0
    fields = [
        record.organisation,
        record.town,
        record.target_groups,
        record.period,
        record.partners,
        record.contact,
    ]
    if sum(1 for value in fields if value) >= 2:
        return 2
    return 1 if any(s.kind != "other" for s in record.sections) else 0


def _project_title_size(titles: list[Title], parts: list[ProjectRecord]) -> float:
    """The size project titles are set in: that of titles with an info block, else of those with sections."""
    for level in (2, 1):
        sizes = Counter(t.size for t, part in zip(titles, parts, strict=True) if _evidence(part, t) == level)
        if sizes:
            return sizes.most_common(1)[0][0]
    return 0.0


def _is_divider(title: Title, lines_on_page: int) -> bool:
    """An area divider: a title naming an area, or a short title alone on a sparse page."""
    if _NOT_PROJECT.match(title.text):
        return False
    return area_name(title.text) is not None or (lines_on_page <= 6 and len(title.text.split()) <= 4)


def _append_as_section(record: ProjectRecord, title: Title, part: ProjectRecord) -> None:
    """Large type inside a project (a pull quote, an extra heading) and what follows it."""
    record.sections.append(Section(kind="other", heading=title.text, text=part.summary or ""))
    record.sections.extend(part.sections)
    record.page_end = max(record.page_end or 0, part.page_end or 0)
