"""Markdown and plain-text project descriptions, with optional YAML front matter for the fields.

One file may hold one project (title from front matter or the first "# " heading) or several,
each starting at a "# " heading. "## " headings become sections; "Label: value" lines before
the first section become fields. Front-matter keys the product does not know (a generator's
`format:`, an editor's `draft:`) are not project fields: they are neither stored nor shown.
"""

from __future__ import annotations

import re

import yaml

from ingest.headings import field_name, section_kind, split_list
from ingest.record import IngestError, ParseResult, ProjectRecord, Section
from ingest.textclean import clean_text, decode_text

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
_FIELD_LINE = re.compile(r"^\s*[-*]?\s*\**([A-Za-zÄÖÜäöüß /]{2,40}?)\s*:\s*\**\s*(.+)$")


def front_matter(path: str, text: str) -> tuple[dict, str]:
    """The YAML front matter of a Markdown text (empty if it has none) and the text after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 2}" if mark else None
        raise IngestError(
            path, f"front matter is not valid YAML: {getattr(error, 'problem', error)}", where
        ) from error
    if not isinstance(meta, dict):
        raise IngestError(path, "front matter must be a list of 'field: value' lines", "line 2")
    return meta, text[match.end() :]


def parse(path: str, data: bytes) -> ParseResult:
    meta, text = front_matter(path, decode_text(data, path).replace("\r\n", "\n"))
    blocks = _split_projects(text)
    if len(blocks) > 1 and meta.get("title"):
        raise IngestError(path, "front matter gives one title but the file holds several '# ' projects")
    records = [
        _record(block_title, body, meta if i == 0 else {}) for i, (block_title, body) in enumerate(blocks)
    ]
    records = [r for r in records if r.title]
    if not records:
        raise IngestError(path, "no project title: add 'title:' to the front matter or a '# Title' line")
    return ParseResult(records=records)


def _split_projects(text: str) -> list[tuple[str | None, str]]:
    """Split at level-1 headings; text before the first one belongs to the first project."""
    parts = re.split(r"^# +(.+?)\s*#*\s*$", text, flags=re.M)
    if len(parts) == 1:
        return [(None, parts[0])]
    preamble = parts[0]
    blocks = [(parts[i], parts[i + 1]) for i in range(1, len(parts), 2)]
    blocks[0] = (blocks[0][0], preamble + "\n" + blocks[0][1])
    return blocks


def _record(title: str | None, body: str, meta: dict) -> ProjectRecord:
    record = ProjectRecord(title=clean_text(str(meta.get("title") or title or "")))
    _apply_fields(record, meta)
    chunks = re.split(r"^#{2,6} +(.+?)\s*#*\s*$", body, flags=re.M)
    preamble_fields, preamble_text = _preamble(chunks[0])
    _apply_fields(record, {k: v for k, v in preamble_fields.items() if not getattr(record, k, None)})
    if preamble_text and not record.summary:
        record.summary = preamble_text
    for i in range(1, len(chunks), 2):
        heading, content = chunks[i].strip(), clean_text(chunks[i + 1])
        if content:
            record.sections.append(
                Section(kind=section_kind(heading) or "other", heading=heading, text=content)
            )
    return record


def _preamble(text: str) -> tuple[dict[str, str], str]:
    fields: dict[str, str] = {}
    rest: list[str] = []
    for line in text.splitlines():
        match = _FIELD_LINE.match(line)
        name = field_name(match.group(1)) if match else None
        if name and name not in fields:
            fields[name] = match.group(2).strip()
        else:
            rest.append(line)
    return fields, clean_text("\n".join(rest))


def _apply_fields(record: ProjectRecord, values: dict) -> None:
    for key, value in values.items():
        if value is None or key == "title":
            continue
        name = key if key in ("target_groups", "partners") else field_name(str(key)) or str(key)
        if name in ("target_groups", "partners"):
            items = value if isinstance(value, list) else split_list(str(value))
            setattr(record, name, [clean_text(str(item)) for item in items if str(item).strip()])
        elif name in ("area", "organisation", "town", "contact", "period", "summary"):
            setattr(record, name, clean_text(str(value)))
        # any other key is not a field of the project (see the module docstring)
