"""The rows of one project in the store: its record, sections, chunks (with their keyword terms),
target-group wordings and organisations; written and read inside the store's transactions."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlite_utils import Database

from ingest import ProjectRecord, Section
from kb.chunking import chunk_project
from kb.group_mapping import MAX_GROUPS_PER_PROJECT, map_by_rules, phrase_key
from kb.naming import organisation_key, organisation_name, slugify
from kb.text_analysis import index_parts, index_terms
from kb.vocabulary import load_vocabulary


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def free_project_id(db: Database, title: str) -> str:
    base = slugify(title)
    candidate, n = base, 1
    while db.execute("SELECT 1 FROM projects WHERE id = ?", [candidate]).fetchone():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def insert_project(
    db: Database,
    project_id: str,
    source_id: int,
    position: int,
    record: ProjectRecord,
    digest: str,
    parsed: ProjectRecord | None = None,
) -> None:
    """Rows, chunks and links of a project as shown (`record`); `parsed` is what its source said."""
    db["projects"].insert(
        {
            "id": project_id,
            "source_id": source_id,
            "position": position,
            "title": record.title,
            "area": record.area,
            "organisation": record.organisation,
            "town": record.town,
            "target_groups": json.dumps(record.target_groups, ensure_ascii=False),
            "partners": json.dumps(record.partners, ensure_ascii=False),
            "contact": record.contact,
            "period": record.period,
            "summary": record.summary,
            "page_start": record.page_start,
            "page_end": record.page_end,
            "extra": json.dumps(record.extra, ensure_ascii=False),
            "content_hash": digest,
            "updated_at": now(),
            "parsed": json.dumps((parsed or record).to_dict(), ensure_ascii=False),
        }
    )
    db["sections"].insert_all(
        {"project_id": project_id, "position": i, "kind": s.kind, "heading": s.heading, "text": s.text}
        for i, s in enumerate(record.sections)
    )
    insert_chunks(db, project_id, record)
    wordings = list(dict.fromkeys(record.target_groups))[:MAX_GROUPS_PER_PROJECT]
    db["project_target_groups"].insert_all(
        ({"project_id": project_id, "name": g, "phrase": phrase_key(g)} for g in wordings), ignore=True
    )
    map_by_rules(db, wordings, load_vocabulary())
    links = [(record.organisation, "traeger")] if record.organisation else []
    links += [(name, "partner") for name in record.partners]
    for name, role in links:
        key = organisation_key(name)
        db["organisations"].insert({"id": key, "name": organisation_name(name)}, ignore=True)
        db["project_organisations"].insert(
            {"project_id": project_id, "organisation_id": key, "role": role}, ignore=True
        )


def insert_chunks(db: Database, project_id: str, record: ProjectRecord) -> None:
    for chunk in chunk_project(record):
        chunk_id = (
            db["chunks"]
            .insert(
                {
                    "project_id": project_id,
                    "kind": chunk.kind,
                    "heading": chunk.heading,
                    "position": chunk.position,
                    "body": chunk.body,
                    "text": chunk.text,
                    "text_hash": chunk.text_hash,
                }
            )
            .last_pk
        )
        db.execute(
            "INSERT INTO chunks_fts(rowid, terms, parts) VALUES (?, ?, ?)",
            [chunk_id, index_terms(chunk.keyword_text), index_parts(chunk.keyword_text)],
        )


def delete_projects(db: Database, project_ids: list[str]) -> None:
    for project_id in project_ids:
        db.execute(
            "DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE project_id = ?)",
            [project_id],
        )
        db.execute("DELETE FROM projects WHERE id = ?", [project_id])  # cascades to the rest


def record_of(db: Database, project_id: str) -> ProjectRecord:
    row = next(db.query("SELECT * FROM projects WHERE id = ?", [project_id]))
    sections = [
        Section(r["kind"], r["heading"], r["text"])
        for r in db.query("SELECT * FROM sections WHERE project_id = ? ORDER BY position", [project_id])
    ]
    return ProjectRecord(
        title=row["title"],
        sections=sections,
        area=row["area"],
        organisation=row["organisation"],
        town=row["town"],
        target_groups=json.loads(row["target_groups"]),
        partners=json.loads(row["partners"]),
        contact=row["contact"],
        period=row["period"],
        summary=row["summary"],
        page_start=row["page_start"],
        page_end=row["page_end"],
        extra=json.loads(row["extra"] or "{}"),
    )


def drop_orphan_organisations(db: Database) -> None:
    db.execute(
        "DELETE FROM organisations WHERE id NOT IN (SELECT organisation_id FROM project_organisations)"
    )
