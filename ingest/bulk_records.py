"""Bulk project records: JSON Lines, JSON (a list, or {"projects": [...]}) and CSV tables.

Every record needs a title and some text (a text field or sections). Known fields are taken by
their English or German names; keys named like brochure sections become sections. A broken
line or an incomplete record is reported as a problem while the other records are kept.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

from ingest.headings import field_name, normalise_label, section_kind, split_list
from ingest.record import SECTION_NAMES, IngestError, ParseResult, ProjectRecord, Section
from ingest.textclean import clean_text, decode_text

_TITLE_KEYS = ("title", "titel", "projekttitel", "projektname", "projekt", "name")
_TEXT_KEYS = ("text", "description", "beschreibung", "projektbeschreibung", "body")
_SECTIONS_KEYS = ("sections", "abschnitte")
_LIST_KEYS = ("projects", "projekte", "records", "items")
# English field names; German labels are recognised by headings.field_name().
_ENGLISH_FIELDS = {
    "area": "area", "organisation": "organisation", "organization": "organisation", "town": "town",
    "city": "town", "target groups": "target_groups", "targetgroups": "target_groups",
    "partners": "partners", "contact": "contact", "period": "period", "summary": "summary",
}  # fmt: skip
_LIST_FIELDS = ("target_groups", "partners")
_TEXT_HEADING = "Beschreibung"
# A record's keys and a table's columns beyond these are not project fields but an attack or an
# export gone wrong: 200,000 columns made a 9.7 MB project page.
MAX_FIELDS = 200
NESTED_TOO_DEEPLY = "nested too deeply to read (more levels than any record needs)"
# A file's work is bounded by more than its size: 4 MB of broken lines made 2 million problems
# (1.3 GB, 38 s), and 50 MB of tiny records would be as many projects to embed. A county's
# collection has tens to hundreds of projects; an export of every funded project, a few thousand.
MAX_RECORDS = 10_000
MAX_PROBLEMS_LISTED = 100  # beyond these, problems are counted, not kept
GIVE_UP_AFTER = 1_000  # entries read without one project: not a file of projects, the rest is left
MAX_PROBLEMS = 10_000  # a file this broken is read no further, whatever it held before


class _Reading:
    """The records and problems of one file, bounded (see MAX_RECORDS)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.result = ParseResult(records=[])
        self.entries = 0
        self.unlisted = 0
        self.stopped: str | None = None

    def more(self) -> bool:
        """Whether to read one more entry (a line, a list item, a row)."""
        if len(self.result.records) >= MAX_RECORDS:
            self.stopped = (
                f"more than {MAX_RECORDS:,} records: the first {MAX_RECORDS:,} were read; split the file"
            )
        elif self.entries >= GIVE_UP_AFTER and not self.result.records:
            self.stopped = f"none of the first {GIVE_UP_AFTER:,} entries is a project: the rest was not read"
        elif len(self.result.problems) + self.unlisted >= MAX_PROBLEMS:
            self.stopped = f"{MAX_PROBLEMS:,} entries could not be read: the rest was not read"
        self.entries += 1
        return self.stopped is None

    def problem(self, reason: str, location: str) -> None:
        if len(self.result.problems) < MAX_PROBLEMS_LISTED:
            self.result.problems.append(IngestError(self.path, reason, location))
        else:
            self.unlisted += 1

    def finish(self) -> ParseResult:
        if self.unlisted:
            reason = f"{self.unlisted:,} more problems (only the first {MAX_PROBLEMS_LISTED} are listed)"
            self.result.problems.append(IngestError(self.path, reason))
        if self.stopped:
            self.result.problems.append(IngestError(self.path, self.stopped))
        return self.result


class _RecordProblem(ValueError):
    """A record that cannot become a project; the caller adds file and place."""


def parse(path: str, data: bytes) -> ParseResult:
    """Read every record of a .jsonl, .json or .csv file."""
    text = decode_text(data, path)
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return _parse_csv(path, text)
    if suffix == ".jsonl":
        return _parse_jsonl(path, text)
    return _parse_json(path, text)


def _key(name: str) -> str:
    return normalise_label(str(name)).replace("_", " ").replace("-", " ")


def _parse_jsonl(path: str, text: str) -> ParseResult:
    if _whole_json_kind(text) is list:
        return _parse_json(path, text)  # a pretty-printed JSON document named .jsonl
    reading = _Reading(path)
    for number, (_, line) in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        if not reading.more():
            break
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            reading.problem(f"not valid JSON: {error.msg} (column {error.colno})", f"line {number}")
            continue
        except RecursionError:
            reading.problem(NESTED_TOO_DEEPLY, f"line {number}")
            continue
        _add_record(reading, value, f"line {number}")
    return reading.finish()


def _whole_json_kind(text: str) -> type | None:
    """list for a JSON list of records (or {"projects": [...]}) in one document, else its type or None."""
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None  # read line by line, which names the line
    if isinstance(document, dict) and any(isinstance(document.get(key), list) for key in _LIST_KEYS):
        return list
    return type(document)


def _parse_json(path: str, text: str) -> ParseResult:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data" and text.lstrip().startswith("{"):
            return _parse_jsonl(path, text)  # JSON Lines named .json
        raise IngestError(
            path, f"not valid JSON: {error.msg}", f"line {error.lineno}, column {error.colno}"
        ) from error
    except RecursionError as error:
        raise IngestError(path, NESTED_TOO_DEEPLY) from error
    reading = _Reading(path)
    for number, value in enumerate(_json_records(path, document), start=1):
        if not reading.more():
            break
        _add_record(reading, value, f"record {number}")
    return reading.finish()


def _json_records(path: str, document: object) -> list:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in _LIST_KEYS:
            if isinstance(document.get(key), list):
                return document[key]
        if any(_key(k) in _TITLE_KEYS for k in document):
            return [document]  # a single project
        keys = ", ".join(repr(k) for k in list(document)[:10]) or "none"
        raise IngestError(
            path, f'expected a list of projects or {{"projects": [...]}}; the object has keys {keys}'
        )
    raise IngestError(path, f"expected a list of projects, found a JSON {type(document).__name__}")


def _add_record(reading: _Reading, value: object, location: str) -> None:
    if not isinstance(value, dict):
        kind = "list" if isinstance(value, list) else type(value).__name__
        article = "an" if kind[0] in "aeiou" else "a"
        reading.problem(f"expected a project object {{...}}, found {article} {kind}", location)
        return
    if len(value) > MAX_FIELDS:
        reading.problem(f"the record has {len(value):,} fields; at most {MAX_FIELDS} are read", location)
        return
    try:
        reading.result.records.append(_record_from_mapping(value))
    except _RecordProblem as problem:
        reading.problem(str(problem), location)
    except RecursionError:
        reading.problem(NESTED_TOO_DEEPLY, location)


def _parse_csv(path: str, text: str) -> ParseResult:
    delimiter, offset, skip = _csv_start(text)
    reader = csv.reader(io.StringIO(text[offset:], newline=""), delimiter=delimiter)
    header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    if header is None:
        raise IngestError(path, "no header row")
    header = [cell.strip() for cell in header]
    if len(header) > MAX_FIELDS:
        raise IngestError(path, f"the table has {len(header):,} columns; at most {MAX_FIELDS} are read")
    if not any(_key(name) in _TITLE_KEYS for name in header):
        found = ", ".join(repr(name) for name in header if name) or "none"
        raise IngestError(
            path, f"no title column (found columns {found}); name one column 'title' or 'titel'"
        )
    reading = _Reading(path)
    while True:
        line = reader.line_num + skip + 1
        try:
            row = next(reader, None)
        except csv.Error as error:
            reading.problem(f"cannot read this row: {error}", f"line {line}")
            break  # the reader cannot resume after a malformed row
        if row is None:
            break
        if not any(cell.strip() for cell in row):
            continue
        if not reading.more():
            break
        if any(cell.strip() for cell in row[len(header) :]):
            reading.problem(
                f"the row has {len(row)} cells but the header has {len(header)} columns", f"line {line}"
            )
            continue
        _add_record(reading, dict(zip(header, row, strict=False)), f"line {line}")
    return reading.finish()


def _csv_start(text: str) -> tuple[str, int, int]:
    """The delimiter of the header line (";" from German spreadsheets, ","), and where the table
    starts: its offset in the text and the lines before it."""
    for number, (start, line) in enumerate(_lines(text)):
        if not line.strip():
            continue
        match = re.fullmatch(r"\s*sep=(.)\s*", line)
        if match:  # spreadsheet programs may write "sep=;" above the header
            return match.group(1), start + len(line) + 1, number + 1
        unquoted = re.sub(r'"[^"]*"', "", line)
        return max((",", ";", "\t"), key=unquoted.count), 0, 0
    return ",", 0, 0


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(offset, line) of each line, as text.split("\n") cuts them (newlines only: JSON strings
    may hold U+2028), one at a time: split at once, a 46 MB table took 934 MB."""
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield start, text[start:end]
        start = end + 1


def _record_from_mapping(values: dict) -> ProjectRecord:
    """One project from a record's keys and values; raises _RecordProblem when title or text is missing."""
    by_key = {_key(k): (str(k), v) for k, v in values.items() if not _is_empty(v)}
    title = next((_as_text(by_key[k][1]) for k in _TITLE_KEYS if k in by_key), "")
    if not title:
        raise _RecordProblem("no title: each record needs a 'title' (or 'titel') field")
    record = ProjectRecord(title=title.replace("\n", " "))
    text = next((_as_text(by_key[k][1]) for k in _TEXT_KEYS if k in by_key), "")
    used = set(_TITLE_KEYS) | set(_TEXT_KEYS)
    for key, (name, value) in by_key.items():
        if key in used:
            continue
        if key in _SECTIONS_KEYS:
            record.sections.extend(_sections(value))
        elif not _set_field(record, _ENGLISH_FIELDS.get(key) or field_name(name), value):
            kind = section_kind(name)
            if kind:
                record.sections.append(Section(kind=kind, heading=name.strip(), text=_as_text(value)))
            else:
                record.extra[name] = _as_text(value)
    record.sections = [section for section in record.sections if section.text]
    if text and record.sections and not record.summary:
        record.summary = text
    elif text:
        record.sections.insert(0, Section(kind="other", heading=_TEXT_HEADING, text=text))
    if not record.sections and not record.summary:
        raise _RecordProblem(
            f"'{title}': no text: give 'text', 'description' or 'beschreibung' (or sections)"
        )
    return record


def _set_field(record: ProjectRecord, name: str | None, value: object) -> bool:
    if name is None:
        return False
    if name in _LIST_FIELDS:
        items = value if isinstance(value, list) else split_list(_as_text(value))
        setattr(record, name, [text for text in (_as_text(item) for item in items) if text])
    else:
        setattr(record, name, _as_text(value, joiner=", ") or None)
    return True


def _sections(value: object) -> list[Section]:
    """Sections given as {"Herangehensweise": "...", ...} or [{"heading": ..., "text": ...}, ...]."""
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            value = json.loads(value)  # a CSV cell holding a JSON object
        except json.JSONDecodeError as error:
            raise _RecordProblem(f"the sections cell is not valid JSON: {error.msg}") from error
    if isinstance(value, dict):
        pairs = [(str(heading), text) for heading, text in value.items()]
    elif isinstance(value, list) and all(isinstance(item, dict) for item in value):
        pairs = [
            (str(item.get("heading") or SECTION_NAMES.get(item.get("kind"), "")), item.get("text"))
            for item in value
        ]
    else:
        raise _RecordProblem(
            'sections must be an object {"Herangehensweise": "...", ...} or a list of {heading, text}'
        )
    return [
        Section(
            kind=section_kind(heading) or "other",
            heading=heading.strip() or _TEXT_HEADING,
            text=_as_text(text),
        )
        for heading, text in pairs
        if not _is_empty(text)
    ]


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def _as_text(value: object, joiner: str = "\n") -> str:
    if isinstance(value, list):
        return clean_text(joiner.join(_as_text(item) for item in value))
    if isinstance(value, dict):
        return clean_text(json.dumps(value, ensure_ascii=False))
    # clean_text reads a lone "\r" as a line break; Windows line ends must stay one break.
    return clean_text(str(value).replace("\r\n", "\n")) if value is not None else ""
