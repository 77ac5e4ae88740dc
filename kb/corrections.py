"""Corrections by staff: kept apart from what the parser read and applied on top of it.

A correction is one field of one project ("town", "target_groups", "section:approach", ...) with
the value staff gave and the value the parser had read when they gave it (its base). The project
rows the search reads hold the corrected record; `projects.parsed` keeps the parser's record.
When a file is ingested again:
- unchanged file, or unchanged project: nothing happens, corrections stay;
- the parser now reads something else in a corrected field: the correction stays in force but is
  flagged for review (state "review", with what the source says now) until staff keep it or take
  the source's value;
- a project gone from its file: its corrections are kept and flagged, and apply again if it returns.
Every change is written to `correction_history` (when, which field, old and new value).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable

from sqlite_utils import Database

from ingest import MAIN_SECTIONS, SECTION_NAMES, ProjectRecord, Section

TEXT_FIELDS = ("title", "area", "organisation", "town", "contact", "period", "summary")
LIST_FIELDS = ("target_groups", "partners")
SECTION_PREFIX = "section:"
FIELDS = (*TEXT_FIELDS, *LIST_FIELDS, *(SECTION_PREFIX + kind for kind in MAIN_SECTIONS))
FIELD_LABELS = {
    "title": "Titel", "area": "Themenfeld", "organisation": "Träger", "town": "Ort", "contact": "Kontakt",
    "period": "Laufzeit", "summary": "Kurzbeschreibung", "target_groups": "Zielgruppen", "partners": "Partner",
    **{SECTION_PREFIX + kind: SECTION_NAMES[kind] for kind in MAIN_SECTIONS},
}  # fmt: skip
MAX_FIELD_CHARS = 20_000  # a section; longer text is refused, not cut
MAX_LIST_ITEMS = 100
MANUAL_SOURCE_PATH = "manual:"  # the source row of projects added by form
MANUAL_SOURCE_NAME = "Von Hand erfasst"

Value = str | list[str] | None


class CorrectionError(ValueError):
    """A correction that cannot be stored; the message says which field and why."""


def normalise(field: str, value: object) -> Value:
    """A field's value as stored: stripped text (None when empty), or a list of non-empty items."""
    if field not in FIELDS:
        raise CorrectionError(f"unknown field {field!r}; known fields: {', '.join(FIELDS)}")
    if isinstance(value, str) and len(value) > 2 * MAX_FIELD_CHARS:  # refuse before any per-char work
        raise CorrectionError(f"{FIELD_LABELS[field]}: longer than {MAX_FIELD_CHARS} characters")
    if field in LIST_FIELDS:
        items = value.splitlines() if isinstance(value, str) else list(value or [])
        if isinstance(value, str) and len(items) == 1:
            items = items[0].split(";") if ";" in items[0] else items[0].split(",")
        cleaned = list(dict.fromkeys(" ".join(str(i).split()) for i in items if str(i).strip()))
        if len(cleaned) > MAX_LIST_ITEMS:
            raise CorrectionError(f"{FIELD_LABELS[field]}: more than {MAX_LIST_ITEMS} entries")
        return cleaned
    text = str(value or "").replace("\r\n", "\n").strip()
    if field.startswith(SECTION_PREFIX):
        text = "\n\n".join(" ".join(p.split()) for p in text.split("\n\n") if p.strip())
    else:
        text = " ".join(text.split())
    if len(text) > MAX_FIELD_CHARS:
        raise CorrectionError(f"{FIELD_LABELS[field]}: longer than {MAX_FIELD_CHARS} characters")
    if field == "title" and not text:
        raise CorrectionError("Titel: a project needs a title")
    return text or None


def field_value(record: ProjectRecord, field: str) -> Value:
    if field.startswith(SECTION_PREFIX):
        kind = field.removeprefix(SECTION_PREFIX)
        section = next((s for s in record.sections if s.kind == kind), None)
        return normalise(field, section.text) if section else None
    return normalise(field, getattr(record, field))


def _set_value(record: ProjectRecord, field: str, value: Value) -> None:
    if not field.startswith(SECTION_PREFIX):
        setattr(record, field, value if value is not None or field not in LIST_FIELDS else [])
        return
    kind = field.removeprefix(SECTION_PREFIX)
    index = next((i for i, s in enumerate(record.sections) if s.kind == kind), None)
    if value is None:
        if index is not None:
            del record.sections[index]
    elif index is not None:
        record.sections[index].text = str(value)
    else:  # a section the parser did not find: put it where the brochure tells it
        order = {k: n for n, k in enumerate(MAIN_SECTIONS)}
        at = next((i for i, s in enumerate(record.sections) if order.get(s.kind, 99) > order[kind]), None)
        section = Section(kind, SECTION_NAMES[kind], str(value))
        record.sections.insert(len(record.sections) if at is None else at, section)


def apply_corrections(parsed: ProjectRecord, corrections: dict[str, Value]) -> ProjectRecord:
    """The record as shown: the parser's record with the corrections on top (parsed is not changed)."""
    record = copy.deepcopy(parsed)
    for field, value in corrections.items():
        _set_value(record, field, value)
    return record


def record_from_json(text: str) -> ProjectRecord:
    data = json.loads(text)
    data["sections"] = [Section(**s) for s in data.get("sections", [])]
    return ProjectRecord(**data)


def dump(value: Value) -> str:
    return json.dumps(value, ensure_ascii=False)


# ---- what the store calls while saving a parsed file -------------------------------------------
def reconcile(db: Database, project_id: str, parsed: ProjectRecord, now: str) -> ProjectRecord:
    """The record to store for a (new or changed) parsed project: corrections applied, and those
    whose field the source now reads differently flagged for review."""
    rows = list(db.query("SELECT * FROM corrections WHERE project_id = ?", [project_id]))
    for row in rows:
        source_now = field_value(parsed, row["field"])
        if json.loads(row["base"]) == source_now:
            if row["state"] != "active":  # the source says again what it said when staff corrected it
                db.execute(
                    "UPDATE corrections SET state = 'active', source_value = NULL WHERE project_id = ? "
                    "AND field = ?",
                    [project_id, row["field"]],
                )
            continue
        if json.loads(row["value"]) == source_now:  # the source now says what staff said: done
            db.execute(
                "DELETE FROM corrections WHERE project_id = ? AND field = ?", [project_id, row["field"]]
            )
            log_change(db, project_id, row["field"], "source_agrees", row["value"], dump(source_now), now)
            continue
        if row["state"] == "review" and row["source_value"] == dump(source_now):
            continue
        db.execute(
            "UPDATE corrections SET state = 'review', source_value = ? WHERE project_id = ? AND field = ?",
            [dump(source_now), project_id, row["field"]],
        )
        log_change(db, project_id, row["field"], "flagged", row["base"], dump(source_now), now)
    return apply_corrections(parsed, {r["field"]: json.loads(r["value"]) for r in rows})


def flag_removed(db: Database, project_ids: Iterable[str], now: str) -> None:
    """Projects gone from their file: their corrections are kept, flagged for review."""
    for project_id in project_ids:
        changed = db.execute(
            "UPDATE corrections SET state = 'review', source_value = NULL WHERE project_id = ?", [project_id]
        ).rowcount
        if changed:
            log_change(db, project_id, "*", "source_removed", None, None, now)


def log_change(
    db: Database, project_id: str, field: str, action: str, old: str | None, new: str | None, now: str
) -> None:
    """One line of a project's correction history (values as JSON)."""
    db.execute(
        "INSERT INTO correction_history(project_id, at, field, action, old_value, new_value) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [project_id, now, field, action, old, new],
    )


def decoded(row: dict) -> dict:
    for key in ("value", "base", "source_value", "old_value", "new_value"):
        if key in row and row[key] is not None:
            row[key] = json.loads(row[key])
    if "field" in row:
        row["label"] = FIELD_LABELS.get(row["field"], row["field"])
    return row
